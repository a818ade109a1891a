package cgroup

import (
	"testing"

	"github.com/moby/moby/api/types/container"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func pids(n int64) *int64 { return &n }

var pod = Limits{Version: 1, Memory: 256 << 20, CPUQuota: 150000, CPUPeriod: 100000, Pids: 100}

func TestCheckFits(t *testing.T) {
	for _, tc := range []struct {
		name       string
		pod        Limits
		components map[string]container.Resources
	}{
		{"no components", pod, nil},
		{"no limits asked", pod, map[string]container.Resources{"app": {}}},
		{"exactly the pod's", pod, map[string]container.Resources{
			"app": {Memory: 256 << 20, MemoryReservation: 256 << 20, NanoCPUs: 1.5e9, PidsLimit: pids(100)},
			"db":  {CPUQuota: 150000, CPUPeriod: 100000},
		}},
		// Same 1.5 CPUs as a fraction with another period: exact, not float.
		{"same CPUs, other period", pod, map[string]container.Resources{"app": {CPUQuota: 75000, CPUPeriod: 50000}}},
		{"unlimited component values", pod, map[string]container.Resources{"app": {CPUQuota: -1, PidsLimit: pids(-1)}}},
		{"pod without limits", Limits{}, map[string]container.Resources{"app": {Memory: 64 << 30, NanoCPUs: 64e9, PidsLimit: pids(1 << 20)}}},
		// Limits may overcommit (like Kubernetes); only reservations must fit.
		{"limits add up past the pod's", pod, map[string]container.Resources{
			"a": {Memory: 200 << 20}, "b": {Memory: 200 << 20},
		}},
		{"reservations add up to the limit", pod, map[string]container.Resources{
			"a": {MemoryReservation: 128 << 20}, "b": {MemoryReservation: 128 << 20},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.NoError(t, Check(tc.pod, tc.components))
		})
	}
}

func TestCheckViolations(t *testing.T) {
	for _, tc := range []struct {
		name       string
		components map[string]container.Resources
		want       []string
	}{
		{"memory limit", map[string]container.Resources{"app": {Memory: 512 << 20}}, []string{
			"component app asks for mem_limit 512MiB but the pod's memory limit is 256MiB; lower mem_limit or raise the controller's memory limit",
		}},
		{"memory reservation", map[string]container.Resources{"app": {MemoryReservation: 300000000}}, []string{
			"component app asks for mem_reservation 286.1MiB but the pod's memory limit is 256MiB; lower mem_reservation or raise the controller's memory limit",
		}},
		{"cpus", map[string]container.Resources{"app": {NanoCPUs: 2e9}}, []string{
			"component app asks for cpus 2 but the pod's CPU limit is 1.5 CPUs; lower cpus or raise the controller's CPU limit",
		}},
		{"cpu quota, default period", map[string]container.Resources{"app": {CPUQuota: 150001}}, []string{
			"component app asks for cpu_quota 150001/cpu_period 100000 (1.50001 CPUs) but the pod's CPU limit is 1.5 CPUs; lower cpu_quota or raise the controller's CPU limit",
		}},
		{"cpu quota and period", map[string]container.Resources{"app": {CPUQuota: 100000, CPUPeriod: 50000}}, []string{
			"component app asks for cpu_quota 100000/cpu_period 50000 (2 CPUs) but the pod's CPU limit is 1.5 CPUs; lower cpu_quota or raise the controller's CPU limit",
		}},
		{"pids", map[string]container.Resources{"app": {PidsLimit: pids(4096)}}, []string{
			"component app asks for pids_limit 4096 but the pod's pids limit is 100; lower pids_limit or raise the controller's pids limit",
		}},
		{"reservations add up", map[string]container.Resources{
			"web": {MemoryReservation: 200 << 20}, "db": {MemoryReservation: 100 << 20}, "log": {},
		}, []string{
			"the components' mem_reservation add up to 300MiB (db 100MiB, web 200MiB) but the pod's memory limit is 256MiB; lower the reservations or raise the controller's memory limit",
		}},
		// Every violation, sorted by component, not just the first.
		{"every violation", map[string]container.Resources{
			"web": {Memory: 1 << 30, NanoCPUs: 4e9},
			"db":  {PidsLimit: pids(101), MemoryReservation: 200 << 20},
			"job": {MemoryReservation: 100 << 20},
		}, []string{
			"component db asks for pids_limit 101 but the pod's pids limit is 100; lower pids_limit or raise the controller's pids limit",
			"component web asks for mem_limit 1GiB but the pod's memory limit is 256MiB; lower mem_limit or raise the controller's memory limit",
			"component web asks for cpus 4 but the pod's CPU limit is 1.5 CPUs; lower cpus or raise the controller's CPU limit",
			"the components' mem_reservation add up to 300MiB (db 200MiB, job 100MiB) but the pod's memory limit is 256MiB; lower the reservations or raise the controller's memory limit",
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := Check(pod, tc.components)
			require.Error(t, err)
			var got []string
			for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
				got = append(got, e.Error())
			}
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestCheckOnlyLimitedResources(t *testing.T) {
	// A pod limited in pids only does not judge memory or CPU.
	err := Check(Limits{Pids: 10}, map[string]container.Resources{"app": {Memory: 1 << 40, NanoCPUs: 1e12, PidsLimit: pids(11)}})
	require.Error(t, err)
	assert.Len(t, err.(interface{ Unwrap() []error }).Unwrap(), 1)
	assert.Contains(t, err.Error(), "pids_limit 11")
}
