// Package cgroup knows the controller's own resource budget and keeps the
// pod's components inside it.
//
// A pod's components are separate containers, so the engine applies their
// limits, not podinit. What podinit can do is read the limits the controller
// runs under (Read, from inside the controller, on cgroup v1 and v2 alike),
// refuse components that ask for more than the pod has (Check), decide
// whether the engine can nest components under the controller's cgroup so
// that they count against its limits (Parent), and where it cannot, give
// components without limits of their own the pod's (Inherit).
//
// The limits are read from the cgroup files themselves (files.go says why);
// github.com/containerd/cgroups/v3 says which hierarchy is mounted.
package cgroup

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"

	cgroups "github.com/containerd/cgroups/v3"
)

// Limits is a cgroup's resource budget. The zero value means "no limit" for
// every resource.
type Limits struct {
	// Version is the cgroup version the limits were read from: 1 or 2
	// (0 when the Limits were not read from a cgroup).
	Version int
	// Memory is the memory limit in bytes; 0 means none.
	Memory int64
	// CPUQuota is the CPU time in microseconds the cgroup may use per
	// CPUPeriod, summed over all CPUs; 0 means no CPU limit.
	CPUQuota int64
	// CPUPeriod is the CFS period in microseconds (the kernel's default is
	// 100000). It matters only with a CPUQuota.
	CPUPeriod int64
	// Pids is the maximum number of tasks; 0 means none.
	Pids int64
}

// CPUs is the CPU limit in cores (CPUQuota/CPUPeriod), 0 when there is none.
func (l Limits) CPUs() float64 {
	if l.CPUQuota <= 0 || l.CPUPeriod <= 0 {
		return 0
	}
	return float64(l.CPUQuota) / float64(l.CPUPeriod)
}

// String is the budget in human units, e.g. "memory 256MiB, cpus 1.5,
// pids 100" ("no limits" when all are zero).
func (l Limits) String() string {
	var parts []string
	if l.Memory > 0 {
		parts = append(parts, "memory "+Bytes(l.Memory))
	}
	if c := l.cpu(); c.set() {
		parts = append(parts, "cpus "+c.String())
	}
	if l.Pids > 0 {
		parts = append(parts, "pids "+strconv.FormatInt(l.Pids, 10))
	}
	if len(parts) == 0 {
		return "no limits"
	}
	return strings.Join(parts, ", ")
}

func (l Limits) cpu() cpus { return cpus{l.CPUQuota, l.CPUPeriod} }

// Mount is where the cgroup file system is mounted in a container.
const Mount = "/sys/fs/cgroup"

// Read returns the limits of the calling process's cgroup, from inside a
// container: on cgroup v1 (and hybrid hosts, whose controllers are v1) the
// cgroup Docker mounts at /sys/fs/cgroup/<controller> (ReadV1); on v2 the
// cgroup /proc/self/cgroup names, which in Docker's default private cgroup
// namespace is the root of the /sys/fs/cgroup mount (ReadV2).
func Read() (Limits, error) {
	switch cgroups.Mode() {
	case cgroups.Legacy, cgroups.Hybrid:
		return ReadV1(Mount)
	case cgroups.Unified:
		return ReadV2(Mount, ownV2Group("/proc/self/cgroup", Mount))
	default:
		return Limits{}, errors.New("cgroup: no cgroup file system at " + Mount + "; podinit reads its limits there (Docker mounts it in every container)")
	}
}

// unlimitedMemory is where a memory limit stops being one: the kernel
// reports "no limit" as its page counter's maximum times the page size
// (9223372036854771712 with 4 KiB pages, less with larger pages), and no
// real limit comes near 2^62 bytes.
const unlimitedMemory = 1 << 62

// memoryLimit turns a limit read from the kernel into Limits.Memory.
func memoryLimit(v uint64) int64 {
	if v == 0 || v >= unlimitedMemory {
		return 0
	}
	return int64(v)
}

// countLimit turns a pids limit read from the kernel into Limits.Pids
// ("max" is read as MaxUint64).
func countLimit(v uint64) int64 {
	if v == 0 || v > math.MaxInt64 {
		return 0
	}
	return int64(v)
}

// cpus is a CPU limit as a fraction quota/period; quota <= 0 means none.
// It stays a fraction so that comparisons are exact: 1.5 CPUs as 150000/100000
// must equal 1.5 CPUs as 1500000000 nano-CPUs.
type cpus struct{ quota, period int64 }

func nanoCPUs(n int64) cpus { return cpus{n, 1e9} }

func (c cpus) set() bool { return c.quota > 0 && c.period > 0 }

// exceeds reports whether c asks for more CPU than limit allows. Neither an
// unset c nor an unset limit ever exceeds.
func (c cpus) exceeds(limit cpus) bool {
	if !c.set() || !limit.set() {
		return false
	}
	l := new(big.Int).Mul(big.NewInt(c.quota), big.NewInt(limit.period))
	r := new(big.Int).Mul(big.NewInt(limit.quota), big.NewInt(c.period))
	return l.Cmp(r) > 0
}

// String is the number of cores, to 6 decimals (a microsecond of a
// 100ms period is 0.00001 CPUs) without trailing zeros.
func (c cpus) String() string {
	if !c.set() {
		return "unlimited"
	}
	return strconv.FormatFloat(math.Round(float64(c.quota)/float64(c.period)*1e6)/1e6, 'f', -1, 64)
}

// Bytes formats a byte count in binary units as Compose users write them:
// 268435456 is "256MiB", 1.5 GiB is "1.5GiB", and anything not a whole
// number of the unit shows up to 2 decimals ("286.1MiB").
func Bytes(n int64) string {
	units := []string{"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"}
	v, i := float64(n), 0
	for v >= 1024 && i < len(units)-1 {
		v /= 1024
		i++
	}
	s := strconv.FormatFloat(v, 'f', 2, 64)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	return fmt.Sprintf("%s%s", s, units[i])
}
