package cgroup

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/moby/moby/api/types/container"
)

// defaultCFSPeriod is the period the engine uses when a component sets
// cpu_quota without cpu_period (the kernel's default, 100ms).
const defaultCFSPeriod = 100000

// Check returns an error when any component, keyed by name, asks for more
// than the pod has: a memory limit or reservation above the pod's memory
// limit, more CPUs (NanoCPUs, or CPUQuota/CPUPeriod) than its CPU limit, a
// pids limit above its pids limit; or when the components' memory
// reservations add up past the pod's memory limit. A resource the pod does
// not limit is never a violation, and neither is a component that sets no
// limit (it is bounded by the pod, through nesting or Inherit).
//
// The error joins one error per violation (errors.Join), every one of them,
// in component-name order; each names the component, the Compose key, both
// numbers in human units and what would fix it. nil means all fit.
func Check(pod Limits, components map[string]container.Resources) error {
	names := make([]string, 0, len(components))
	for name := range components {
		names = append(names, name)
	}
	sort.Strings(names)

	var errs []error
	over := func(name, key, asked, what, has string) {
		errs = append(errs, &Over{Component: name, Key: key, Asked: asked, What: what, Has: has})
	}
	var reserved int64
	var reservations []string
	for _, name := range names {
		r := components[name]
		if pod.Memory > 0 {
			if r.Memory > pod.Memory {
				over(name, "mem_limit", Bytes(r.Memory), "memory limit", Bytes(pod.Memory))
			}
			if r.MemoryReservation > pod.Memory {
				over(name, "mem_reservation", Bytes(r.MemoryReservation), "memory limit", Bytes(pod.Memory))
			}
		}
		if r.MemoryReservation > 0 {
			reserved += r.MemoryReservation
			reservations = append(reservations, name+" "+Bytes(r.MemoryReservation))
		}
		if key, asked := componentCPU(r); asked.exceeds(pod.cpu()) {
			what := asked.String()
			if key == "cpu_quota" {
				what = fmt.Sprintf("%d/cpu_period %d (%s CPUs)", asked.quota, asked.period, asked.String())
			}
			over(name, key, what, "CPU limit", pod.cpu().String()+" CPUs")
		}
		if pod.Pids > 0 && r.PidsLimit != nil && *r.PidsLimit > pod.Pids {
			over(name, "pids_limit", strconv.FormatInt(*r.PidsLimit, 10), "pids limit", strconv.FormatInt(pod.Pids, 10))
		}
	}
	// One component over the limit on its own is reported above; the sum
	// matters when there are several.
	if pod.Memory > 0 && reserved > pod.Memory && len(reservations) > 1 {
		errs = append(errs, fmt.Errorf("the components' mem_reservation add up to %s (%s) but the pod's memory limit is %s; lower the reservations or raise the controller's memory limit",
			Bytes(reserved), strings.Join(reservations, ", "), Bytes(pod.Memory)))
	}
	return errors.Join(errs...)
}

// Over is one component's limit above the pod's.
type Over struct {
	Component string
	Key       string // the Compose key: mem_limit, cpus, …
	Asked     string // the component's value, in human units
	What      string // the pod's limit: "memory limit", …
	Has       string // the pod's value
}

func (o *Over) Error() string {
	return fmt.Sprintf("component %s asks for %s %s but the pod's %s is %s; lower %s or raise the controller's %s",
		o.Component, o.Key, o.Asked, o.What, o.Has, o.Key, o.What)
}

// Msg says the same as Error for a message that names the component and
// key already.
func (o *Over) Msg() string {
	return fmt.Sprintf("%s is more than the pod's %s, %s; lower it or raise the controller's %s", o.Asked, o.What, o.Has, o.What)
}

// componentCPU is the CPU limit a component asks for and the Compose key it
// came from: cpus (NanoCPUs) or cpu_quota/cpu_period. The engine refuses
// both at once, so at most one is set.
func componentCPU(r container.Resources) (key string, c cpus) {
	if r.NanoCPUs > 0 {
		return "cpus", nanoCPUs(r.NanoCPUs)
	}
	period := r.CPUPeriod
	if period == 0 {
		period = defaultCFSPeriod
	}
	return "cpu_quota", cpus{r.CPUQuota, period}
}
