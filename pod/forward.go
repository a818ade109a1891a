package pod

import (
	"context"
	"errors"
	"log"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/podinit/podinit/plan"
)

// signalRequest is a signal for one container of a member.
type signalRequest struct {
	m      *member
	id     string
	target procTarget // nil: through the engine
	sig    syscall.Signal
}

// signaller delivers signals to the pod's containers: a stop signal or
// SIGKILL during the stop, and the signals the controller forwards.
type signaller struct {
	calls *engineCalls
	log   *log.Logger
	life  context.Context // the supervisor's
	spawn func(name string, f func()) bool

	forwardOnce sync.Once
	forwards    chan forward // signals for components without a pidfd
}

// deliver sends a stop signal or SIGKILL. In a shared PID namespace it goes
// straight to the container's first process, as the engine would send it:
// a busy engine takes seconds over a kill (it writes the container's state
// to disk first). Otherwise it goes through the engine in the background,
// given up at until, so that a stalled call cannot hold up the stop's own
// timing.
func (s *signaller) deliver(r signalRequest, until time.Time) {
	if r.target != nil {
		err := r.target.signal(r.sig)
		if err == nil || errors.Is(err, unix.ESRCH) {
			return
		}
	}
	s.spawn("a signal for "+r.m.Name, func() { s.calls.kill(r.id, r.m.Name, signalName(r.sig), until) })
}

// Forward delivers a signal to every component that takes it and runs:
// straight to its process in a shared PID namespace, else through the
// engine. A component whose container is being made gets it once it
// runs. It never waits for the engine: the caller's next signal may be the
// TERM that stops the pod.
func (s *Supervisor) Forward(sig syscall.Signal) {
	s.signals.forwardTo(append(append([]*member{}, s.roster.init...), s.roster.members...), sig)
}

// forwardTo is Forward to the members given.
func (s *signaller) forwardTo(members []*member, sig syscall.Signal) {
	for _, m := range members {
		if !m.takes(sig) {
			continue
		}
		var r *signalRequest
		m.update(func(m *member) {
			switch m.state {
			case stateCreating, stateStarting:
				if len(m.pending) < pendingMax {
					m.pending = append(m.pending, sig)
				}
			case stateRunning:
				r = &signalRequest{m, m.id, m.signalPid, sig}
			}
		})
		if r != nil {
			s.send(*r)
		}
	}
}

// send forwards one signal: through the pidfd, else queued for the engine.
func (s *signaller) send(r signalRequest) {
	if r.target != nil && r.target.signal(r.sig) == nil {
		return
	}
	s.forwardOnce.Do(func() {
		s.forwards = make(chan forward, forwardQueue)
		s.spawn("the signal queue", s.forwardThroughEngine)
	})
	select {
	case s.forwards <- forward{id: r.id, name: r.m.Name, sig: r.sig}:
	default:
		s.log.Printf("warning: %s not forwarded to %s: %d signals already wait for the engine", signalName(r.sig), r.m.Name, forwardQueue)
	}
}

// forward is a signal on its way to a component through the engine.
type forward struct {
	id, name string
	sig      syscall.Signal
}

// forwardQueue bounds the signals waiting for a slow engine.
const forwardQueue = 64

// forwardThroughEngine sends queued signals one at a time, so that each
// component gets them in the order podinit did.
func (s *signaller) forwardThroughEngine() {
	for {
		select {
		case f := <-s.forwards:
			s.calls.kill(f.id, f.name, signalName(f.sig), time.Now().Add(plan.KillWait))
		case <-s.life.Done():
			return
		}
	}
}

// takes reports whether the member receives a forwarded signal.
func (m *member) takes(sig syscall.Signal) bool {
	if m.Signals == nil {
		return true
	}
	for _, s := range m.Signals {
		if s == sig {
			return true
		}
	}
	return false
}
