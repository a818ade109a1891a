package cgroup

import (
	"bufio"
	"io"
	"os"
	"path"
	"strings"
)

// Parent decides whether components can be nested under the controller's
// cgroup, so that they share its limits and their usage counts against it.
// driver and version are the engine's Info().CgroupDriver and
// Info().CgroupVersion ("" is read as "1", as engines before API 1.40 did not
// report it); own is the controller's cgroup as the kernel reports it (Own),
// "" when hidden; controllerCgroupParent is the controller's
// HostConfig.CgroupParent ("" means the engine's default) and controllerID
// its full ID.
//
// parent is the CgroupParent to give every component, "" when nested is
// false; why is one line for the log.
//
//   - cgroupfs on v1: nested under the controller's own cgroup. The kernel's
//     word for it is taken, since neither the controller's HostConfig nor
//     the engine's info shows a daemon-level --cgroup-parent; only when a
//     private cgroup namespace hides it is it assumed to be
//     <controller's parent, default /docker>/<controller ID>.
//   - systemd driver: not nested; it accepts only *.slice parents and the
//     controller lives in a .scope.
//   - cgroupfs on v2: not nested; the controller's cgroup holds processes,
//     so the kernel's no-internal-processes rule stops it from enabling
//     controllers for children, and components with limits of their own
//     would fail to start.
//   - anything else (no cgroups, an unknown driver): not nested.
//
// When not nested, use Inherit.
func Parent(driver, version, own, controllerCgroupParent, controllerID string) (parent string, nested bool, why string) {
	if version == "" {
		version = "1"
	}
	switch {
	case controllerID == "":
		return "", false, "controller ID unknown: components are not nested under the controller's cgroup and get the pod's limits instead"
	case driver == "systemd":
		return "", false, "the systemd cgroup driver accepts only *.slice parents and the controller runs in a .scope: components are not nested and get the pod's limits instead"
	case driver == "cgroupfs" && version == "2":
		return "", false, "cgroup v2: the controller's cgroup holds processes, so it cannot delegate controllers to nested components (no-internal-processes rule) and components with limits would fail to start: components are not nested and get the pod's limits instead"
	case driver == "cgroupfs" && version == "1" && own != "":
		return own, true, "cgroup v1 with the cgroupfs driver: components nest under the controller's cgroup " + own + " and count against its limits"
	case driver == "cgroupfs" && version == "1":
		base := controllerCgroupParent
		if base == "" {
			base = "/docker"
		}
		// A relative parent stays relative: the engine resolves it for the
		// components as it did for the controller.
		p := path.Join(base, controllerID)
		return p, true, "cgroup v1 with the cgroupfs driver: components nest under the controller's cgroup " + p + " and count against its limits; a private cgroup namespace hides the controller's cgroup, so this assumes the engine has no --cgroup-parent of its own (if it has, run the controller with --cgroupns host)"
	default:
		return "", false, "cgroup driver " + quote(driver) + " with cgroup v" + version + " cannot nest components under the controller: components get the pod's limits instead"
	}
}

func quote(s string) string {
	if s == "" {
		return `""`
	}
	return s
}

// Own is the calling process's cgroup as the kernel reports it in
// /proc/self/cgroup (see OwnPath), "" when it cannot be read.
func Own() string {
	f, err := os.Open("/proc/self/cgroup")
	if err != nil {
		return ""
	}
	defer f.Close()
	return OwnPath(f)
}

// OwnPath reads a /proc/<pid>/cgroup file and returns the process's cgroup
// path: the v1 memory controller's where one is mounted (the driver places
// every v1 controller alike; on a hybrid host the v2 line is systemd's),
// else the v2 one. "" when there is neither, or
// the path is "/": a private cgroup namespace shows its own root there,
// which says nothing about where the cgroup is.
func OwnPath(procCgroup io.Reader) string {
	var v1, v2 string
	sawV1 := false
	sc := bufio.NewScanner(procCgroup)
	for sc.Scan() {
		// hierarchy-ID:controller-list:cgroup-path
		parts := strings.SplitN(sc.Text(), ":", 3)
		if len(parts) != 3 {
			continue
		}
		switch {
		case parts[0] == "0" && parts[1] == "":
			v2 = parts[2]
		case hasController(parts[1], "memory"):
			v1, sawV1 = parts[2], true
		}
	}
	own := v2
	if sawV1 {
		own = v1
	}
	if own == "/" {
		return ""
	}
	return own
}

func hasController(list, name string) bool {
	for _, c := range strings.Split(list, ",") {
		if c == name {
			return true
		}
	}
	return false
}
