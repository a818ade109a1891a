package pod

import (
	"fmt"
	"time"
)

// liveness is what podinit knows of its engine. Only engineLiveness.observe
// changes it, and only a ping's outcome is an input: a broken stream or a
// failed call makes podinit ping, it never counts by itself.
type liveness int

const (
	engineAnswering   liveness = iota // the last ping was answered
	engineUnreachable                 // pings go unanswered, for less than -engine-lost-after
	engineLost                        // pings went unanswered for -engine-lost-after
)

func (l liveness) String() string {
	switch l {
	case engineAnswering:
		return "answering"
	case engineUnreachable:
		return "unreachable"
	case engineLost:
		return "lost"
	}
	return fmt.Sprintf("liveness(%d)", int(l))
}

// engineLiveness is the engine's liveness and since when pings have gone
// unanswered. lostAfter 0 never declares the engine lost.
type engineLiveness struct {
	state     liveness
	since     time.Time // the first unanswered ping of this outage
	lostAfter time.Duration
}

// observe is the only transition: a ping answered (or not) at now. The
// first unanswered ping starts the clock, any answer resets it; the engine
// is lost once the clock reaches lostAfter. It returns the state before.
func (l *engineLiveness) observe(answered bool, now time.Time) (from liveness) {
	from = l.state
	switch {
	case answered:
		l.state, l.since = engineAnswering, time.Time{}
	case l.state == engineAnswering:
		l.state, l.since = engineUnreachable, now
	case l.state == engineUnreachable && l.lostAfter > 0 && now.Sub(l.since) >= l.lostAfter:
		l.state = engineLost
	}
	return from
}
