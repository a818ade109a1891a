package pod

import (
	"log"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/podinit/podinit/init/signals"
	"github.com/podinit/podinit/plan"
)

// stopper stops the pod: its members in order, each within its own grace
// and the pod's budget.
type stopper struct {
	plan    *plan.Plan // read only
	log     *log.Logger
	budget  *plan.Budget
	roster  *roster
	states  *transitioner
	signals *signaller
	engine  *engineGuard
	calls   *engineCalls // for pre_stop hooks (hooks.go)
	// fenced reports whether the engine's loss started this stop (rather
	// than a stop request that came while the engine answered).
	fenced func() bool
}

// stopAll stops the init component still running, then the components wave
// by wave (dependents first, sidecars last) and the holder; each gets
// its stop signal and SIGKILL at its own deadline or the pod's.
func (s *stopper) stopAll() {
	for _, m := range s.roster.all() {
		if !m.launched.Load() {
			s.states.transition(m, stateExited, "the pod ended before it started", nil)
		}
	}
	for _, m := range s.roster.init {
		s.stopAndWait([]*member{m})
	}
	waves := s.plan.StopWaves()
	for i, wave := range waves {
		var ms []*member
		for _, pm := range wave {
			ms = append(ms, s.roster.byName[pm.Name])
		}
		// Members keep the holder's IPC namespace alive once they joined
		// it, so the holder goes with the last wave rather than after it.
		if i == len(waves)-1 && s.roster.holder != nil {
			ms = append(ms, s.roster.holder)
		}
		s.stopAndWait(ms)
	}
	if len(waves) == 0 && s.roster.holder != nil {
		s.stopAndWait([]*member{s.roster.holder})
	}
}

// stopAndWait stops a wave in parallel and waits until all of it is gone.
func (s *stopper) stopAndWait(wave []*member) {
	for _, m := range wave {
		m.requestStop()
	}
	for _, m := range wave {
		if m.launched.Load() {
			<-m.done
		}
	}
}

// stopContainer sends the member's stop signal, waits until its own grace or
// the pod's deadline, whichever is first, then sends SIGKILL. The deadline
// counts from the start of the stop, whatever the engine does: signals go
// straight to the container's process when the pod shares its PID
// namespace, and engine calls never hold the stop past its deadline. It
// returns the container's exit code.
func (s *stopper) stopContainer(id string, m *member, exit *exitWatch) int {
	began := time.Now()
	killAt, byDeadline := s.budget.KillAt(m.Member, began)
	timer := time.NewTimer(killAt.Sub(began))
	defer timer.Stop()
	var sig syscall.Signal
	var target procTarget
	s.states.transition(m, stateStopping, "", func(m *member) { sig, target = m.stopSignal, m.signalPid })
	if sig == 0 {
		sig = stopSignal(m.StopSignal)
	}
	if target == nil && s.engine.state() == engineLost && s.fenced() {
		// Without PID sharing only the engine reaches it. A stop that the
		// engine's loss started gives up on it at once: the controller's
		// exit is the fence. A stop asked for while the engine answered
		// (docker stop, Swarm's shutdown: they came through the engine a
		// moment ago) asks the engine until its budget ends, however many
		// pings go unanswered: a node's whole stack stopping at once can
		// make an engine miss two pings in a row, and giving up would
		// leave the component running until another controller's sweep.
		s.log.Printf("%s: left running: the engine is lost and podinit cannot reach it without the engine (no PID sharing); it runs on until the engine returns, and the next sweep of a controller on this node removes it", m.Name)
		return codeUnknown
	}
	s.preStop(m, id, killAt, nil)
	s.signals.deliver(signalRequest{m, id, target, sig}, killAt)
	killed := false
	code, ended := s.awaitExit(m, exit, target, timer.C)
	if !ended {
		if target != nil && target.gone() {
			// It stopped in time; only the engine is late to say so.
			s.log.Printf("%s: exited after %s, the engine has not reported it yet", m.Name, time.Now().Sub(began).Round(time.Millisecond))
		} else {
			killed = true
			why := "its stop_grace_period"
			if byDeadline {
				why = "the pod's stop deadline"
			}
			s.log.Printf("%s: SIGKILL after %s (%s)", m.Name, time.Now().Sub(began).Round(time.Millisecond), why)
		}
		wait := s.budget.AfterKill(time.Now())
		if killed {
			s.signals.deliver(signalRequest{m, id, target, unix.SIGKILL}, time.Now().Add(wait))
		}
		after := time.NewTimer(wait)
		defer after.Stop()
		if code, ended = s.awaitExit(m, exit, target, after.C); !ended {
			// Its processes are dead; its removal (the engine's
			// auto-remove, or podinit's own after this stop, abandoned at
			// the deadline) must not keep the controller past its budget.
			if target != nil {
				s.log.Printf("warning: %s ended but the engine has not said so yet; not waiting for it", m.Name)
			} else {
				s.log.Printf("warning: %s: the engine has not said that it ended, and podinit cannot see its processes without it; not waiting for it", m.Name)
			}
			code = codeUnknown
			if killed {
				code = 128 + int(unix.SIGKILL)
			}
		}
	}
	took := time.Now().Sub(began)
	m.update(func(m *member) { m.stopTook, m.killed = took, killed })
	how := "stopped"
	if killed {
		how = "killed (SIGKILL)"
	}
	s.log.Printf("%s %s in %s", m.Name, how, took.Round(time.Millisecond))
	return code
}

// goneCheck is how often a stopping component's pidfd is looked at.
const goneCheck = 50 * time.Millisecond

// awaitExit waits for the engine's word on the container's exit until
// timeout fires (ended false). With a pidfd it also watches the process:
// once it is gone while the engine is lost, or pings made since the stop
// began go unanswered, no word can come soon, and the stop need not sit out
// its budget: the wait ends, the code unknown. (An unanswered ping from
// before the stop does not count: the engine may be back, and its word on
// the way.)
func (s *stopper) awaitExit(m *member, exit *exitWatch, target procTarget, timeout <-chan time.Time) (code int, ended bool) {
	var poll <-chan time.Time
	if target != nil {
		t := time.NewTicker(goneCheck)
		defer t.Stop()
		poll = t.C
	}
	for {
		select {
		case code := <-exit.code:
			return code, true
		case <-timeout:
			return 0, false
		case <-poll:
			if target.gone() && s.engine.awaySince(s.budget.Began()) {
				s.log.Printf("%s: its process is gone; the engine does not answer to report its exit", m.Name)
				return codeUnknown, true
			}
		}
	}
}

// stopSignal is the signal a container is stopped with: its stop_signal or
// its image's STOPSIGNAL, else SIGTERM as for docker stop.
func stopSignal(name string) syscall.Signal {
	if sig, err := signals.Parse(name); name != "" && err == nil {
		return sig
	}
	return unix.SIGTERM
}
