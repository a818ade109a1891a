package cgroup

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/containerd/cgroups/v3/cgroup1"
)

// ReadV1 returns the limits of the cgroup v1 hierarchy under root, a
// directory holding one directory per controller (memory, cpu, pids), each
// of which is the cgroup itself: that is how Docker mounts a container's own
// cgroups at /sys/fs/cgroup, whatever the cgroup namespace. A controller that
// is not mounted means no limit from it; no controller at all is an error.
//
// The memory limit is the lower of the cgroup's own and the one inherited
// from its ancestors (hierarchical_memory_limit), since both bind.
func ReadV1(root string) (Limits, error) {
	hierarchy := func() ([]cgroup1.Subsystem, error) {
		return []cgroup1.Subsystem{cgroup1.NewMemory(root), cgroup1.NewCpu(root), cgroup1.NewPids(root)}, nil
	}
	// StaticPath("/"): inside the container each controller's mount is the
	// container's cgroup. PidPath would look up /proc/self/cgroup's host
	// path under the mount and fail with "cgroup deleted".
	cg, err := cgroup1.Load(cgroup1.StaticPath("/"), cgroup1.WithHierarchy(hierarchy))
	if err != nil {
		return Limits{}, fmt.Errorf("cgroup v1: loading the memory, cpu and pids controllers under %s: %w", root, err)
	}
	// Only files that are missing are ignored (no swap accounting, no kmem):
	// anything else unreadable is an error.
	st, err := cg.Stat(cgroup1.IgnoreNotExist)
	if err != nil {
		return Limits{}, fmt.Errorf("cgroup v1: reading limits under %s: %w", root, err)
	}
	l := Limits{Version: 1}
	if m := st.GetMemory(); m != nil {
		l.Memory = memoryLimit(m.GetUsage().GetLimit())
		if h := memoryLimit(m.GetHierarchicalMemoryLimit()); h > 0 && (l.Memory == 0 || h < l.Memory) {
			l.Memory = h
		}
	}
	if p := st.GetPids(); p != nil {
		l.Pids = countLimit(p.GetLimit())
	}
	for _, s := range cg.Subsystems() {
		if s.Name() != cgroup1.Cpu {
			continue
		}
		p, ok := s.(interface{ Path(string) string })
		if !ok {
			return Limits{}, fmt.Errorf("cgroup v1: containerd's cpu controller under %s has no Path method; cannot find cpu.cfs_quota_us", root)
		}
		if l.CPUQuota, l.CPUPeriod, err = readCFS(p.Path("/")); err != nil {
			return Limits{}, err
		}
	}
	return l, nil
}

// readCFS reads cpu.cfs_quota_us and cpu.cfs_period_us in dir; a quota of -1
// (or a missing file: CFS bandwidth control not built in) means no limit.
func readCFS(dir string) (quota, period int64, err error) {
	read := func(name string) (int64, error) {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return 0, err
		}
		v, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("cgroup v1: %s: want an integer: %w", filepath.Join(dir, name), err)
		}
		return v, nil
	}
	quota, err = read("cpu.cfs_quota_us")
	if os.IsNotExist(err) || (err == nil && quota <= 0) {
		return 0, 0, nil
	}
	if err != nil {
		return 0, 0, err
	}
	if period, err = read("cpu.cfs_period_us"); err != nil {
		return 0, 0, err
	}
	if period <= 0 {
		// The kernel never shows one (its least is 1000); a quota
		// without a period would mean any number of CPUs.
		return 0, 0, fmt.Errorf("cgroup v1: %s holds %d: want a positive period in microseconds", filepath.Join(dir, "cpu.cfs_period_us"), period)
	}
	return quota, period, nil
}
