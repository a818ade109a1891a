package pod

import (
	"fmt"
	"log"
	"slices"
	"sync/atomic"

	"github.com/podinit/podinit/healthprobe"
)

// state is where a member is in its life. Only transition changes it.
type state int

const (
	stateWaiting    state = iota // for its dependencies
	stateCreating                // image, create, pod.copy
	stateStarting                // created; the engine is starting it
	stateRunning                 // the engine said it started
	stateRestarting              // between two runs, in its backoff
	stateStopping                // its stop signal is on its way
	stateExited                  // final: it ran and ended, or stopped before it ran
	stateFailed                  // final: it could not run (dependency, create, start, post_start)
)

// transitions is every change a member's state may make. The engine's
// answers (create, start, wait results, events, inspects) and the pod's
// stop request are the inputs; a broken stream is not one of them: it only
// makes the supervisor ask the engine again.
var transitions = map[state][]state{
	stateWaiting:    {stateCreating, stateExited, stateFailed},
	stateCreating:   {stateStarting, stateRestarting, stateExited, stateFailed},
	stateStarting:   {stateRunning, stateRestarting, stateExited, stateFailed},
	stateRunning:    {stateStopping, stateRestarting, stateExited, stateFailed},
	stateRestarting: {stateCreating, stateExited, stateFailed},
	stateStopping:   {stateExited},
}

func (s state) final() bool { return s == stateExited || s == stateFailed }

func (s state) String() string {
	switch s {
	case stateWaiting:
		return healthprobe.StateWaiting
	case stateCreating:
		return healthprobe.StateCreating
	case stateStarting:
		return healthprobe.StateStarting
	case stateRunning:
		return healthprobe.StateRunning
	case stateRestarting:
		return healthprobe.StateRestarting
	case stateStopping:
		return healthprobe.StateStopping
	case stateExited:
		return healthprobe.StateExited
	case stateFailed:
		return "failed"
	}
	return fmt.Sprintf("state(%d)", int(s))
}

// status is the state as `podinit status` shows it: a failed member has
// exited, with its failure in the message.
func (s state) status() string {
	if s == stateFailed {
		return healthprobe.StateExited
	}
	return s.String()
}

// transitioner makes every member's state changes, and counts those it
// refused: each one is a bug.
type transitioner struct {
	log     *log.Logger
	refused atomic.Int64
}

// transition moves m to state to, with why in the log, and applies also
// (if any) to m under the same lock, so that readers never see the new
// state without what goes with it. It refuses, and logs as a bug, a change
// the table does not allow; it reports whether the change was made.
func (s *transitioner) transition(m *member, to state, why string, also func(m *member)) bool {
	ok := false
	var from state
	m.update(func(m *member) {
		from = m.state
		if !slices.Contains(transitions[from], to) {
			return
		}
		ok = true
		m.state = to
		if to.final() {
			m.finals++
		}
		if also != nil {
			also(m)
		}
	})
	if !ok {
		s.refused.Add(1)
		s.log.Printf("bug: %s: refusing to go from %s to %s (%s)", m.Name, from, to, why)
		return false
	}
	if why != "" {
		why = ": " + why
	}
	s.log.Printf("%s: %s -> %s%s", m.Name, from, to, why)
	return true
}
