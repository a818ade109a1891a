package cgroup

import (
	"strconv"

	"github.com/moby/moby/api/types/container"
)

// Inherit gives r, a component's resources, the pod's limit for every
// resource r does not limit itself: memory, CPU and pids. It returns what it
// set, in Compose terms (e.g. "mem_limit 256MiB"), for the plan and the log.
//
// Use it only where Parent says components are not nested under the
// controller: there the pod's limits do not bind the components, and
// inheriting keeps any one component inside the pod's budget (not all of them
// together). Where components are nested, the parent's limits already bind
// them, and on cgroup v2 an inherited limit would even stop them from
// starting.
//
// CPU is inherited as cpu_quota/cpu_period (keeping the component's own
// cpu_period if it set one), since the engine refuses cpus together with a
// cpu_period.
func Inherit(pod Limits, r *container.Resources) []string {
	var set []string
	if pod.Memory > 0 && r.Memory <= 0 {
		r.Memory = pod.Memory
		set = append(set, "mem_limit "+Bytes(pod.Memory))
	}
	if pod.cpu().set() && r.NanoCPUs <= 0 && r.CPUQuota <= 0 {
		period := r.CPUPeriod
		if period <= 0 {
			period = pod.CPUPeriod
		}
		// Rounded down, so the component never gets more than the pod.
		r.CPUPeriod, r.CPUQuota = period, pod.CPUQuota*period/pod.CPUPeriod
		set = append(set, "cpu_quota "+strconv.FormatInt(r.CPUQuota, 10)+"/cpu_period "+strconv.FormatInt(period, 10)+" ("+cpus{r.CPUQuota, period}.String()+" CPUs)")
	}
	if pod.Pids > 0 && (r.PidsLimit == nil || *r.PidsLimit <= 0) {
		n := pod.Pids
		r.PidsLimit = &n
		set = append(set, "pids_limit "+strconv.FormatInt(n, 10))
	}
	return set
}
