package cgroup

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestBytes(t *testing.T) {
	for n, want := range map[int64]string{
		0: "0B", 512: "512B", 1024: "1KiB", 1536: "1.5KiB", 256 << 20: "256MiB",
		300000000: "286.1MiB", 3 << 29: "1.5GiB", 1 << 40: "1TiB",
	} {
		assert.Equal(t, want, Bytes(n), "%d", n)
	}
}

func TestLimitsString(t *testing.T) {
	assert.Equal(t, "memory 256MiB, cpus 1.5, pids 100", pod.String())
	assert.Equal(t, "no limits", Limits{}.String())
	assert.Equal(t, "cpus 0.333333", Limits{CPUQuota: 100000, CPUPeriod: 300000}.String())
}

func TestCPUs(t *testing.T) {
	assert.Equal(t, 1.5, pod.CPUs())
	assert.Equal(t, 0.0, Limits{CPUPeriod: 100000}.CPUs())
}
