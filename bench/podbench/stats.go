package main

import (
	"fmt"
	"math"
	"sort"
	"time"
)

// sample is a set of durations from repeated runs of one measurement.
type sample []time.Duration

// quantile is the nearest-rank q-quantile (q in [0,1]); 0 for no data.
func (s sample) quantile(q float64) time.Duration {
	if len(s) == 0 {
		return 0
	}
	c := append(sample(nil), s...)
	sort.Slice(c, func(i, j int) bool { return c[i] < c[j] })
	if q <= 0 {
		return c[0]
	}
	// Nearest rank: the smallest value with at least q of the data at or
	// below it.
	rank := int(q*float64(len(c)) + 0.999999)
	if rank < 1 {
		rank = 1
	}
	if rank > len(c) {
		rank = len(c)
	}
	return c[rank-1]
}

// median is the middle value; the mean of the two middle ones for even n.
func (s sample) median() time.Duration {
	if len(s) == 0 {
		return 0
	}
	c := append(sample(nil), s...)
	sort.Slice(c, func(i, j int) bool { return c[i] < c[j] })
	n := len(c)
	if n%2 == 1 {
		return c[n/2]
	}
	return (c[n/2-1] + c[n/2]) / 2
}

func (s sample) min() time.Duration { return s.quantile(0) }
func (s sample) max() time.Duration { return s.quantile(1) }

// ms prints a duration in milliseconds with one decimal.
func ms(d time.Duration) string {
	return fmt.Sprintf("%.1f", float64(d)/float64(time.Millisecond))
}

// ratio is a/b, or 0 when b is 0.
func ratio(a, b time.Duration) float64 {
	switch {
	case b == 0 && a == 0:
		return 1
	case b == 0:
		// Against a floor below the clock's tick nothing is within a
		// multiple of it: never a met target.
		return math.Inf(1)
	}
	return float64(a) / float64(b)
}

// verdict says whether a measured ratio or value meets its target.
func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "MISSED"
}
