package cgroup

import (
	"testing"

	"github.com/moby/moby/api/types/container"
	"github.com/stretchr/testify/assert"
)

func TestInherit(t *testing.T) {
	for _, tc := range []struct {
		name    string
		pod     Limits
		in      container.Resources
		want    container.Resources
		wantSet []string
	}{
		{"everything from the pod", pod, container.Resources{},
			container.Resources{Memory: 256 << 20, CPUQuota: 150000, CPUPeriod: 100000, PidsLimit: pids(100)},
			[]string{"mem_limit 256MiB", "cpu_quota 150000/cpu_period 100000 (1.5 CPUs)", "pids_limit 100"}},
		{"own limits kept", pod,
			container.Resources{Memory: 64 << 20, NanoCPUs: 5e8, PidsLimit: pids(10)},
			container.Resources{Memory: 64 << 20, NanoCPUs: 5e8, PidsLimit: pids(10)}, nil},
		{"own cpu quota kept", pod,
			container.Resources{CPUQuota: 50000},
			container.Resources{Memory: 256 << 20, CPUQuota: 50000, PidsLimit: pids(100)},
			[]string{"mem_limit 256MiB", "pids_limit 100"}},
		// The engine refuses cpus with cpu_period, so the quota is scaled
		// to the component's period: 1.5 CPUs over 50ms.
		{"own cpu period kept", pod,
			container.Resources{CPUPeriod: 50000},
			container.Resources{Memory: 256 << 20, CPUQuota: 75000, CPUPeriod: 50000, PidsLimit: pids(100)},
			[]string{"mem_limit 256MiB", "cpu_quota 75000/cpu_period 50000 (1.5 CPUs)", "pids_limit 100"}},
		{"unlimited pids replaced", Limits{Pids: 100}, container.Resources{PidsLimit: pids(-1)},
			container.Resources{PidsLimit: pids(100)}, []string{"pids_limit 100"}},
		{"pod without limits", Limits{}, container.Resources{}, container.Resources{}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.in
			set := Inherit(tc.pod, &r)
			assert.Equal(t, tc.want, r)
			assert.Equal(t, tc.wantSet, set)
			// What Inherit gives always fits the pod.
			assert.NoError(t, Check(tc.pod, map[string]container.Resources{"c": r}))
		})
	}
}

func TestInheritDoesNotShareThePidsPointer(t *testing.T) {
	var a, b container.Resources
	Inherit(pod, &a)
	Inherit(pod, &b)
	*a.PidsLimit = 1
	assert.Equal(t, int64(100), *b.PidsLimit)
}
