package pod

import (
	"context"
	"log"
	"sync"
	"time"
)

// How the engine is pinged: each ping has its own short timeout (a paused
// engine accepts the connection and never answers); while it does not
// answer, pings go about a second apart; while it answers, one every
// idleCheck, so that an engine that stalls without breaking any stream is
// noticed too. A ping costs dockerd about half a millisecond of CPU: every
// 5 s, the pings of 20 idle pods were most of the engine's CPU at rest
// (issue 21); every 15 s, a stall is noticed at most 10 s later, against
// -engine-lost-after's 60 s. A broken stream or a failed call (suspect)
// pings at once, whatever the interval.
const (
	pingTimeout = time.Second
	pingEvery   = time.Second
	idleCheck   = 15 * time.Second
)

// engineGuard follows the engine's liveness (liveness.go) by pinging it
// when a stream breaks or a call fails (suspect), and acts on its changes:
// once lost, the pod stops without the engine (-engine-lost-after); once
// it answers again after any outage, the node is swept of what dead
// controllers left (RemoveLeftovers), since containers may have died or
// controllers ended while podinit could not see them.
type engineGuard struct {
	ping  func() error // one ping within pingTimeout
	log   *log.Logger
	life  context.Context // the supervisor's
	spawn func(name string, f func()) bool
	lost  func(why string) bool         // the pod's stop, with ExitEngineLost; false when a stop was under way
	back  func(abandon context.Context) // the sweep, abandoned when abandon ends

	poke chan struct{}

	mu       sync.Mutex
	l        engineLiveness
	lastPing time.Time // when the last ping's outcome came

	// One sweep runs at a time. A return while one runs asks for another
	// after it (sweepWanted); the engine going away again abandons the one
	// that runs (abandonSweep), which may be waiting for controllers' deaths.
	sweeping, sweepWanted bool
	abandonSweep          context.CancelFunc
}

// suspect asks for a ping now: a stream broke, or a call failed.
func (g *engineGuard) suspect() {
	select {
	case g.poke <- struct{}{}:
	default:
	}
}

func (g *engineGuard) state() liveness {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.l.state
}

// awaySince reports whether the engine is lost, or a ping made after t
// went unanswered and none since: a stale "away" never counts, as the
// engine may be back.
func (g *engineGuard) awaySince(t time.Time) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.l.state == engineLost || g.l.state == engineUnreachable && g.lastPing.After(t)
}

// run pings until the supervisor's life ends.
func (g *engineGuard) run() {
	idle := time.NewTimer(idleCheck)
	defer idle.Stop()
	for {
		if g.state() == engineAnswering {
			select {
			case <-g.poke:
			case <-idle.C:
			case <-g.life.Done():
				return
			}
		} else if !sleep(pingEvery, g.life.Done()) {
			return
		}
		began := time.Now()
		err := g.ping()
		if g.life.Err() != nil {
			return
		}
		now := time.Now()
		g.mu.Lock()
		g.lastPing = began
		since := g.l.since
		from := g.l.observe(err == nil, now)
		to := g.l.state
		if to == engineUnreachable {
			since = g.l.since
		}
		g.mu.Unlock()
		g.act(from, to, since, now, err)
		idle.Reset(idleCheck)
	}
}

// act logs a change of the engine's liveness and does what it calls for.
func (g *engineGuard) act(from, to liveness, since, now time.Time, err error) {
	switch {
	case from == to:
	case to == engineUnreachable:
		g.abandonTheSweep()
		after := "it is never declared lost (-engine-lost-after 0): the pod runs on"
		if g.l.lostAfter > 0 {
			after = "the pod stops if it does not answer for -engine-lost-after " + g.l.lostAfter.String()
		}
		g.log.Printf("warning: the engine does not answer (%v); pinging it every %s: %s", err, pingEvery, after)
	case to == engineLost:
		why := "the engine was lost: not answering since " + since.Format("15:04:05.000") + " (" + now.Sub(since).Round(time.Millisecond).String() + ", -engine-lost-after " + g.l.lostAfter.String() + ")"
		if g.lost(why) {
			g.log.Printf("%s: stopping the pod without it", why)
		} else {
			g.log.Printf("%s; the stop under way goes on asking it for what only it can stop, until its budget ends", why)
		}
	case to == engineAnswering:
		g.log.Printf("the engine answers again after %s; removing what stopped controllers left on this node", now.Sub(since).Round(time.Millisecond))
		g.mu.Lock()
		g.sweepWanted = true
		start := !g.sweeping
		g.sweeping = true
		g.mu.Unlock()
		if start && !g.spawn("the sweep after the engine returned", g.sweeper) {
			g.mu.Lock()
			g.sweeping = false
			g.mu.Unlock()
		}
	}
}

// sweeper runs the sweeps that returns asked for, one after another.
func (g *engineGuard) sweeper() {
	for {
		g.mu.Lock()
		if !g.sweepWanted {
			g.sweeping, g.abandonSweep = false, nil
			g.mu.Unlock()
			return
		}
		g.sweepWanted = false
		ctx, cancel := context.WithCancel(g.life)
		g.abandonSweep = cancel
		g.mu.Unlock()
		g.back(ctx)
		cancel()
	}
}

// abandonTheSweep ends the sweep that runs, if any: the engine went away
// again, and its return will ask for a new one.
func (g *engineGuard) abandonTheSweep() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.abandonSweep != nil {
		g.abandonSweep()
	}
}
