package pod

import "time"

// backoff is the delay before a restart: it doubles from 1s up to 5 minutes
// (Kubernetes' CrashLoopBackOff cap) and starts over once a run lasted 10
// minutes.
type backoff struct{ delay time.Duration }

const (
	backoffFirst  = time.Second
	backoffMax    = 5 * time.Minute
	backoffStable = 10 * time.Minute
)

func (b *backoff) next(ran time.Duration) time.Duration {
	if ran >= backoffStable || b.delay == 0 {
		b.delay = backoffFirst
		return b.delay
	}
	b.delay *= 2
	if b.delay > backoffMax {
		b.delay = backoffMax
	}
	return b.delay
}
