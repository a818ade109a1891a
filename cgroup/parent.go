package cgroup

import "path"

// Parent decides whether components can be nested under the controller's
// cgroup, so that they share its limits and their usage counts against it.
// driver and version are the engine's Info().CgroupDriver and
// Info().CgroupVersion ("" is read as "1", as engines before API 1.40 did not
// report it); controllerCgroupParent is the controller's
// HostConfig.CgroupParent ("" means the engine's default, /docker) and
// controllerID its full ID.
//
// parent is the CgroupParent to give every component, "" when nested is
// false; why is one line for the log.
//
//   - cgroupfs on v1: nested under <controller's parent>/<controller ID>.
//   - systemd driver: not nested; it accepts only *.slice parents and the
//     controller lives in a .scope.
//   - cgroupfs on v2: not nested; the controller's cgroup holds processes,
//     so the kernel's no-internal-processes rule stops it from enabling
//     controllers for children, and components with limits of their own
//     would fail to start.
//   - anything else (no cgroups, an unknown driver): not nested.
//
// When not nested, use Inherit.
func Parent(driver, version, controllerCgroupParent, controllerID string) (parent string, nested bool, why string) {
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
	case driver == "cgroupfs" && version == "1":
		base := controllerCgroupParent
		if base == "" {
			base = "/docker"
		}
		// A relative parent stays relative: the engine resolves it for the
		// components as it did for the controller.
		p := path.Join(base, controllerID)
		return p, true, "cgroup v1 with the cgroupfs driver: components nest under the controller's cgroup " + p + " and count against its limits"
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
