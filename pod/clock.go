package pod

import "time"

// clock is the supervisor's time: the real one, or in tests one that runs
// faster, so that a fault matrix covering budgets of seconds runs in
// milliseconds without changing a single duration.
type clock interface {
	Now() time.Time
	// NewTimer fires once after d.
	NewTimer(d time.Duration) *time.Timer
	// AfterFunc calls f in its own goroutine after d, unless stopped.
	AfterFunc(d time.Duration, f func()) *time.Timer
}

type realClock struct{}

func (realClock) Now() time.Time                                  { return time.Now() }
func (realClock) NewTimer(d time.Duration) *time.Timer            { return time.NewTimer(d) }
func (realClock) AfterFunc(d time.Duration, f func()) *time.Timer { return time.AfterFunc(d, f) }

// sleep waits d on the clock, or until done closes; it reports whether the
// whole time passed.
func sleep(c clock, d time.Duration, done <-chan struct{}) bool {
	t := c.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-done:
		return false
	}
}
