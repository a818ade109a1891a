package main

import (
	"testing"
	"time"
)

func TestSampleStatistics(t *testing.T) {
	s := sample{5, 1, 4, 2, 3}
	if got := s.median(); got != 3 {
		t.Errorf("median of 1..5 = %v, want 3", got)
	}
	if got := (sample{4, 1, 2, 3}).median(); got != 2 {
		// (2+3)/2 truncates to 2 in integer nanoseconds.
		t.Errorf("median of 1..4 = %v, want 2", got)
	}
	var hundred sample
	for i := 100; i >= 1; i-- {
		hundred = append(hundred, time.Duration(i))
	}
	if got := hundred.quantile(0.95); got != 95 {
		t.Errorf("p95 of 1..100 = %v, want 95", got)
	}
	if got := hundred.min(); got != 1 {
		t.Errorf("min = %v, want 1", got)
	}
	if got := hundred.max(); got != 100 {
		t.Errorf("max = %v, want 100", got)
	}
	if got := (sample{}).median(); got != 0 {
		t.Errorf("median of nothing = %v, want 0", got)
	}
	if s[0] != 5 {
		t.Errorf("statistics reordered the sample: %v", s)
	}
}

// A ratio against a zero floor is never within a target.
func TestRatioAgainstZero(t *testing.T) {
	if r := ratio(50, 0); r <= 3 {
		t.Errorf("ratio(50, 0) = %v: a zero floor met a target", r)
	}
	if r := ratio(0, 0); r != 1 {
		t.Errorf("ratio(0, 0) = %v, want 1", r)
	}
	if r := ratio(30, 10); r != 3 {
		t.Errorf("ratio(30, 10) = %v, want 3", r)
	}
}
