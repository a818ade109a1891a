package cgroup

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
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
	dir := func(controller string) (string, bool) {
		d := filepath.Join(root, controller)
		st, err := os.Stat(d)
		return d, err == nil && st.IsDir()
	}
	memDir, memOK := dir("memory")
	cpuDir, cpuOK := dir("cpu")
	pidsDir, pidsOK := dir("pids")
	if !memOK && !cpuOK && !pidsOK {
		return Limits{}, fmt.Errorf("cgroup v1: none of the memory, cpu and pids controllers is mounted under %s", root)
	}
	l := Limits{Version: 1}
	if memOK {
		own, err := readLimit("v1", filepath.Join(memDir, "memory.limit_in_bytes"))
		if err != nil {
			return Limits{}, err
		}
		inherited, err := readStatKey("v1", filepath.Join(memDir, "memory.stat"), "hierarchical_memory_limit")
		if err != nil {
			return Limits{}, err
		}
		l.Memory = memoryLimit(own)
		if h := memoryLimit(inherited); h > 0 && (l.Memory == 0 || h < l.Memory) {
			l.Memory = h
		}
	}
	if pidsOK {
		p, err := readLimit("v1", filepath.Join(pidsDir, "pids.max"))
		if err != nil {
			return Limits{}, err
		}
		l.Pids = countLimit(p)
	}
	if cpuOK {
		var err error
		if l.CPUQuota, l.CPUPeriod, err = readCFS(cpuDir); err != nil {
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
