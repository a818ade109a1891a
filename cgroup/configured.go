package cgroup

import "github.com/moby/moby/api/types/container"

// Configured is the budget a container's engine configuration gives it:
// what its own cgroup holds once the engine has created it. The limits of a
// cgroup parent above it are not in it; only a process inside the container
// sees those (Read). `podinit validate -container` uses it for a controller
// it does not run in.
func Configured(r container.Resources) Limits {
	l := Limits{Memory: max(r.Memory, 0)}
	// The engine turns cpus into a quota over the kernel's default period.
	if key, c := componentCPU(r); c.set() {
		l.CPUQuota, l.CPUPeriod = c.quota, c.period
		if key == "cpus" {
			l.CPUQuota, l.CPUPeriod = r.NanoCPUs*defaultCFSPeriod/1e9, defaultCFSPeriod
		}
	}
	if r.PidsLimit != nil && *r.PidsLimit > 0 {
		l.Pids = *r.PidsLimit
	}
	return l
}
