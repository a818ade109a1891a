// Package fuzzbudget holds each fuzz input to a budget of time and memory:
// an input that a parser takes too long over, or allocates too much for, is
// a finding like a panic, since on a controller it would be a hang or an
// out-of-memory kill.
package fuzzbudget

import (
	"runtime"
	"syscall"
	"testing"
	"time"
)

// wallFactor is how much longer than its CPU budget an input may take on
// the clock: on a loaded machine a worker waits for a CPU, but an input
// that blocks (a read that never ends) uses no CPU and must still fail.
const wallFactor = 10

// Check runs f and fails t when f uses more than d of CPU time (the
// process's, so the garbage collector's work counts), takes more than
// wallFactor×d on the clock, or allocates more than bytes (counting every
// allocation, freed or not: an upper bound of what f held at once).
func Check(t testing.TB, d time.Duration, bytes uint64, f func()) {
	t.Helper()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	cpu0, start := cpuTime(), time.Now()
	f()
	cpu, took := cpuTime()-cpu0, time.Since(start)
	runtime.ReadMemStats(&after)
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > bytes {
		t.Fatalf("allocated %d bytes for one input, over the budget of %d", alloc, bytes)
	}
	if cpu > d {
		t.Fatalf("used %s of CPU for one input, over the budget of %s", cpu, d)
	}
	if took > wallFactor*d {
		t.Fatalf("took %s for one input, over the budget of %s", took, wallFactor*d)
	}
}

// cpuTime is the user and system time the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
