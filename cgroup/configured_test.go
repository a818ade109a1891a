package cgroup

import (
	"testing"

	"github.com/moby/moby/api/types/container"
	"github.com/stretchr/testify/require"
)

func TestConfigured(t *testing.T) {
	pids := int64(64)
	require.Equal(t, Limits{Memory: 64 << 20, CPUQuota: 150000, CPUPeriod: 100000, Pids: 64},
		Configured(container.Resources{Memory: 64 << 20, NanoCPUs: 1.5e9, PidsLimit: &pids}))
	require.Equal(t, Limits{CPUQuota: 50000, CPUPeriod: 200000},
		Configured(container.Resources{CPUQuota: 50000, CPUPeriod: 200000}))
	require.Equal(t, Limits{CPUQuota: 50000, CPUPeriod: 100000}, Configured(container.Resources{CPUQuota: 50000}))
	unlimited := int64(-1)
	require.Equal(t, Limits{}, Configured(container.Resources{PidsLimit: &unlimited}))
	require.Equal(t, "memory 64MiB, cpus 1.5, pids 64", Configured(container.Resources{Memory: 64 << 20, NanoCPUs: 1.5e9, PidsLimit: &pids}).String())
}
