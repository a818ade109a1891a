package cgroup

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"

	cgroups "github.com/containerd/cgroups/v3"
)

// ReadV2 returns the limits of the cgroup v2 group (a path such as "/" or
// "/system.slice/docker-<id>.scope") under the unified hierarchy mounted at
// mountpoint. Limits of the group's ancestors visible under the mount bind
// too, so each resource is the lowest limit on the way up to the mount's
// root. In Docker's default private cgroup namespace the group is "/": the
// mount's root is the container's own cgroup and its ancestors are hidden.
func ReadV2(mountpoint, group string) (Limits, error) {
	l := Limits{Version: 2}
	for g := path.Clean("/" + group); ; g = path.Dir(g) {
		own, err := readV2Group(mountpoint, g)
		if err != nil {
			return Limits{}, err
		}
		l = lower(l, own)
		if g == "/" {
			return l, nil
		}
	}
}

// readV2Group reads one group's own limits. A limit file that is missing
// (its controller is not enabled for the group; the root group has none) is
// no limit.
func readV2Group(mountpoint, group string) (Limits, error) {
	dir := filepath.Join(mountpoint, group)
	if st, err := os.Stat(dir); err != nil {
		return Limits{}, fmt.Errorf("cgroup v2: the group %s under %s: %w", group, mountpoint, err)
	} else if !st.IsDir() {
		return Limits{}, fmt.Errorf("cgroup v2: the group %s under %s: %s is not a directory; want the cgroup's directory", group, mountpoint, dir)
	}
	var l Limits
	mem, err := readLimit("v2", filepath.Join(dir, "memory.max"))
	if err != nil {
		return Limits{}, err
	}
	pids, err := readLimit("v2", filepath.Join(dir, "pids.max"))
	if err != nil {
		return Limits{}, err
	}
	l.Memory, l.Pids = memoryLimit(mem), countLimit(pids)
	l.CPUQuota, l.CPUPeriod, err = readCPUMax(filepath.Join(dir, "cpu.max"))
	return l, err
}

// readCPUMax reads a cpu.max file: "$MAX $PERIOD", where $MAX is "max" for
// no limit. A missing file (cpu controller not enabled for the group) is no
// limit.
func readCPUMax(file string) (quota, period int64, err error) {
	b, err := os.ReadFile(file)
	if os.IsNotExist(err) {
		return 0, 0, nil
	}
	if err != nil {
		return 0, 0, fmt.Errorf("cgroup v2: %w", err)
	}
	f := strings.Fields(string(b))
	if len(f) != 2 {
		return 0, 0, fmt.Errorf("cgroup v2: %s holds %q; want \"$MAX $PERIOD\" such as \"150000 100000\" or \"max 100000\"", file, strings.TrimSpace(string(b)))
	}
	if f[0] == "max" {
		return 0, 0, nil
	}
	quota, err1 := strconv.ParseInt(f[0], 10, 64)
	period, err2 := strconv.ParseInt(f[1], 10, 64)
	if err1 != nil || err2 != nil || quota <= 0 || period <= 0 {
		return 0, 0, fmt.Errorf("cgroup v2: %s holds %q; want two positive integers or \"max\" and a period", file, strings.TrimSpace(string(b)))
	}
	return quota, period, nil
}

// lower returns, resource by resource, the tighter of two budgets.
func lower(a, b Limits) Limits {
	minSet := func(x, y int64) int64 {
		if x == 0 || (y != 0 && y < x) {
			return y
		}
		return x
	}
	a.Memory = minSet(a.Memory, b.Memory)
	a.Pids = minSet(a.Pids, b.Pids)
	if b.cpu().set() && (!a.cpu().set() || a.cpu().exceeds(b.cpu())) {
		a.CPUQuota, a.CPUPeriod = b.CPUQuota, b.CPUPeriod
	}
	return a
}

// ownV2Group is the calling process's group from its /proc/<pid>/cgroup
// file (the "0::" line), if that group is visible under mountpoint; "/"
// otherwise. With a private cgroup namespace the file says "0::/". With the
// host's namespace it names the host path, which runc may or may not have
// mounted: a path that is not there falls back to the mount's root.
func ownV2Group(cgroupFile, mountpoint string) string {
	_, unified, err := cgroups.ParseCgroupFileUnified(cgroupFile)
	// A group outside the namespace shows as "/../…"; anything that is not
	// an absolute path is not a group.
	if err != nil || !strings.HasPrefix(unified, "/") || strings.HasPrefix(unified, "/..") {
		return "/"
	}
	unified = path.Clean(unified)
	if _, err := os.Stat(filepath.Join(mountpoint, unified, "cgroup.procs")); err != nil {
		return "/"
	}
	return unified
}
