// Package fuzzbudget holds each fuzz input to a budget of time and memory:
// an input that a parser takes too long over, or allocates too much for, is
// a finding like a panic, since on a controller it would be a hang or an
// out-of-memory kill.
package fuzzbudget

import (
	"runtime"
	"testing"
	"time"
)

// Check runs f and fails t when f takes longer than d or allocates more
// than bytes (counting every allocation, freed or not: an upper bound of
// what f held at once).
func Check(t testing.TB, d time.Duration, bytes uint64, f func()) {
	t.Helper()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	f()
	took := time.Since(start)
	runtime.ReadMemStats(&after)
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > bytes {
		t.Fatalf("allocated %d bytes for one input, over the budget of %d", alloc, bytes)
	}
	if took > d {
		t.Fatalf("took %s for one input, over the budget of %s", took, d)
	}
}
