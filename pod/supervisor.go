package pod

import (
	"context"
	"fmt"
	"io"
	"log"
	"sync"
	"time"

	"github.com/podinit/podinit/engine"
	"github.com/podinit/podinit/healthprobe"
	"github.com/podinit/podinit/plan"
	"github.com/podinit/podinit/podspec"
)

// Supervisor runs one plan on the engine: it starts the pod in order, watches
// it, forwards signals to it and stops it in order within the stop budget.
// Run must be called once; RequestStop and Forward may be called at any time
// from any goroutine, also before Run and after it has returned.
//
// Its parts, one type each: the pod's phases (Supervisor, here), one
// member's life (runner: lifecycle.go, needs.go, copy.go, logs.go; its
// state in member.go, changed only by the transitioner in state.go), the
// engine's word on the containers (engineWatch: their exits in wait.go, the
// event stream in events.go), the engine's liveness and what a lost or
// returning engine calls for (engineGuard: engineguard.go, its states in
// liveness.go), the stop (stopper: stop.go, with plan.Budget's arithmetic),
// signal delivery (signaller: forward.go, signal.go), the engine calls with
// their deadline rule (engineCalls: calls.go, image.go), the goroutines
// Run waits for (crew: crew.go), the IPC holder's head start (headstart.go)
// and the start's end (startover.go). Data flows one way: the supervisor makes
// the parts and hands each the ones it uses; none of them knows the
// supervisor (crew is handed RequestStop, to stop the pod on a panic).
//
// This file is longer than most on purpose: the pod's phases (start,
// supervise, the hand-off to the stop) read here in the order they run.
type Supervisor struct {
	plan   *plan.Plan // read only
	log    *log.Logger
	budget *plan.Budget
	roster *roster

	// Every engine call and every goroutine of the supervisor lives on one
	// of three contexts (see calls.go; engineCalls holds them): life ends at
	// the budget's end, or when Run returns; untilDeadline at the pod's stop
	// deadline (endStartCalls); untilStop at the stop request
	// (endBeforeStop).
	endLife, endStartCalls, endBeforeStop context.CancelFunc
	lifeTimer, deadlineTimer              *time.Timer

	crew    *crew // goroutines started by spawn
	calls   *engineCalls
	watch   *engineWatch
	states  *transitioner
	signals *signaller
	stopper *stopper
	runEnv  *runEnv
	guard   *engineGuard

	mu       sync.Mutex
	phase    healthprobe.Phase
	started  time.Time
	reason   string
	stopCode int // the pod's exit code when its stop was asked for one (a lost engine)

	stopOnce sync.Once
	stopCh   chan struct{}
	ended    chan *member
	// startOver closes once every component of the start has run (or
	// ended, or the pod stops): what the start allocated is garbage then.
	startOver chan struct{}
}

// NewSupervisor prepares a supervisor; logger gets podinit's own messages,
// out and errw the components' output when the plan streams logs.
func NewSupervisor(eng engine.Engine, p *plan.Plan, logger *log.Logger, out, errw io.Writer) *Supervisor {
	s := &Supervisor{
		plan: p, log: logger,
		budget:    plan.NewBudget(p.Options),
		roster:    newRoster(p),
		stopCh:    make(chan struct{}),
		startOver: make(chan struct{}),
		phase:     healthprobe.PhaseStarting,
	}
	s.ended = make(chan *member, len(s.roster.all()))
	var life, untilDeadline, untilStop context.Context
	life, s.endLife = context.WithCancel(context.Background())
	untilDeadline, s.endStartCalls = context.WithCancel(life)
	untilStop, s.endBeforeStop = context.WithCancel(untilDeadline)
	s.crew = &crew{log: logger, stop: s.RequestStop}
	s.calls = &engineCalls{
		eng: eng, log: logger, opts: &p.Options, controller: p.Controller.ID,
		life: life, untilDeadline: untilDeadline, untilStop: untilStop,
		pulls: map[string]*pullOnce{},
	}
	s.guard = &engineGuard{
		ping: s.calls.ping, log: logger, life: life, spawn: s.crew.spawn,
		lost: func(why string) bool { return s.requestStop(why, ExitEngineLost) },
		back: s.calls.sweepAfterReturn,
		poke: make(chan struct{}, 1), l: engineLiveness{lostAfter: p.Options.EngineLostAfter},
	}
	s.watch = newEngineWatch(s.calls, s.crew.spawn)
	s.watch.suspect = s.guard.suspect
	s.states = &transitioner{log: logger}
	s.signals = &signaller{calls: s.calls, log: logger, life: life, spawn: s.crew.spawn}
	s.stopper = &stopper{plan: p, log: logger, budget: s.budget, roster: s.roster, states: s.states, signals: s.signals, engine: s.guard, calls: s.calls,
		fenced: func() bool { s.mu.Lock(); defer s.mu.Unlock(); return s.stopCode == ExitEngineLost }}
	s.runEnv = &runEnv{
		opts: &p.Options, log: logger,
		calls: s.calls, watch: s.watch, signals: s.signals, stop: s.stopper, states: s.states, crew: s.crew,
		byName: s.roster.byName, findTarget: findTarget, podStop: s.stopCh, ended: s.ended,
		out: out, errw: errw,
	}
	return s
}

// RequestStop starts the pod's stop; the budget counts from the first call.
func (s *Supervisor) RequestStop(reason string) { s.requestStop(reason, 0) }

// requestStop is RequestStop; a non-zero code is the pod's exit code if
// this is the first request. It reports whether it was.
func (s *Supervisor) requestStop(reason string, code int) (first bool) {
	s.stopOnce.Do(func() {
		first = true
		now := time.Now()
		s.budget.Begin(now)
		s.mu.Lock()
		s.reason, s.stopCode = reason, code
		s.lifeTimer = time.AfterFunc(s.budget.End().Sub(now), s.endLife)
		s.deadlineTimer = time.AfterFunc(s.budget.Deadline().Sub(now), s.endStartCalls)
		s.mu.Unlock()
		// stopCh closes before the calls that end at the stop request are
		// cancelled, so that a member whose image check or pull ends with
		// that cancellation sees a stop, not a failure.
		close(s.stopCh)
		s.endBeforeStop()
	})
	return first
}

// setPhase moves the pod to phase to, if phaseMoves allows it from where it
// is. A refused move is a bug: it is logged, and the phase stays.
func (s *Supervisor) setPhase(to healthprobe.Phase) {
	s.mu.Lock()
	from := s.phase
	ok := phaseMoves[from][to]
	if ok {
		s.phase = to
	}
	s.mu.Unlock()
	if !ok {
		s.log.Printf("internal error: the pod cannot go from phase %s to %s; it stays %s", from, to, from)
	}
}

// Panicked is for a panic recovered outside the supervisor (the signal
// relay): the pod stops, and Run's result is ExitPanic.
func (s *Supervisor) Panicked(where string, r any) { s.crew.recordPanic(where, r) }

// Run starts the pod, supervises it until it ends or a stop is requested,
// stops it in order and returns its result. Every container it created is
// gone, and every goroutine it started has returned, when it returns; it
// returns within the stop budget of the stop request. ctx only bounds it in
// an emergency; a normal stop is RequestStop.
func (s *Supervisor) Run(ctx context.Context) Result {
	defer context.AfterFunc(ctx, s.endLife)()
	s.mu.Lock()
	s.started = time.Now()
	s.mu.Unlock()

	res := s.runPhases()
	s.mu.Lock()
	if s.stopCode != 0 {
		// What ended on the way (a component the engine could not report)
		// is not the pod's result: the stop's cause is.
		res = Result{Code: s.stopCode, Reason: s.reason}
	}
	s.mu.Unlock()
	s.setPhase(healthprobe.PhaseStopping)
	s.RequestStop(res.Reason)
	s.stopper.stopAll()
	if h := s.roster.holder; h != nil {
		// Not taken when the pod stopped before the holder's first run.
		h.head.discard(s.calls.life)
	}

	s.crew.close()
	s.endLife()
	panicked := s.crew.wait()
	s.mu.Lock()
	s.lifeTimer.Stop()
	s.deadlineTimer.Stop()
	s.mu.Unlock()
	if panicked != "" {
		res = Result{Code: ExitPanic, Reason: panicked}
	}
	if res.Code == 0 {
		s.setPhase(healthprobe.PhaseStopped)
	} else {
		s.setPhase(healthprobe.PhaseFailed)
	}
	return res
}

// runPhases subscribes to events, starts the pod and supervises it until it
// should stop; a panic here stops the pod like any other.
func (s *Supervisor) runPhases() (res Result) {
	defer func() {
		if r := recover(); r != nil {
			s.crew.recordPanic("the supervisor", r)
			res = Result{Code: ExitPanic}
		}
	}()
	subscribed := make(chan struct{})
	s.crew.spawn("the engine's liveness check", s.guard.run)
	s.crew.spawn("the event stream", func() { s.watch.events(subscribed) })
	s.calls.removeLeftovers()
	wait := time.NewTimer(5 * time.Second)
	select {
	case <-subscribed:
	case <-s.stopCh:
	case <-wait.C:
		s.log.Printf("warning: engine events not subscribed after 5s; health changes may be late")
	}
	wait.Stop()

	if r := s.start(); r != nil {
		close(s.startOver)
		return *r
	}
	s.setPhase(healthprobe.PhaseRunning)
	if !s.crew.spawn("the end of the start", s.awaitStartOver) {
		close(s.startOver)
	}
	return s.supervise()
}

// start runs the holder and the init components, then launches every
// component's lifecycle. A non-nil result means the pod ends before it ran.
func (s *Supervisor) start() *Result {
	ro := s.roster
	if ro.holder != nil {
		// The components are created while the holder starts: joining its
		// IPC namespace needs only its container at create, and it running
		// at start, which each component waits for (runner.awaitHolder).
		// The holder's start is then off the pod's critical path.
		s.launch(ro.holder)
		if r := s.awaitHolderCreated(ro.holder); r != nil {
			return r
		}
		var id string
		ro.holder.view(func(m *member) { id = m.id })
		for _, m := range append(append([]*member{}, ro.init...), ro.members...) {
			m.ipcFrom, m.ipcHolder = id, ro.holder
		}
	}
	for _, m := range ro.init {
		s.launch(m)
		select {
		case <-m.done:
		case <-s.stopCh:
			return &Result{Reason: "stop requested during init component " + m.Name}
		}
		if r := judge(m); r != nil {
			return r
		}
		if m.outcome.stopped {
			return &Result{Reason: "stop requested during init component " + m.Name}
		}
		if m.outcome.code != 0 {
			return &Result{Code: m.outcome.code, Reason: fmt.Sprintf("init component %s exited with %d", m.Name, m.outcome.code)}
		}
	}
	if s.runEnv.stopRequested() {
		return &Result{Reason: "stop requested"}
	}
	if len(ro.members) == 0 {
		// Nothing is left to run: a pod of init components is a job.
		return &Result{Reason: "every init component completed"}
	}
	for _, m := range ro.members {
		s.launch(m)
	}
	return nil
}

// awaitHolderCreated waits until the holder's container exists.
func (s *Supervisor) awaitHolderCreated(m *member) *Result {
	for {
		var created bool
		changed := m.view(func(m *member) { created = m.id != "" })
		if created {
			return nil
		}
		select {
		case <-changed:
		case <-m.done:
			if m.outcome.stopped {
				// The pod's stop request ended it: the select may take
				// this before stopCh.
				return &Result{Reason: "stop requested during start"}
			}
			if r := judge(m); r != nil {
				return r
			}
			return &Result{Code: ExitCannotRun, Reason: m.Name + " ended before its container was created"}
		case <-s.stopCh:
			return &Result{Reason: "stop requested during start"}
		}
	}
}

// judge turns a member whose lifecycle failed into the pod's result.
func judge(m *member) *Result {
	if m.outcome.err != nil {
		return &Result{Code: ExitCannotRun, Reason: fmt.Sprintf("component %s: %v", m.Name, m.outcome.err)}
	}
	return nil
}

// supervise waits until the pod ends: a stop request, a main component that
// fails, a sidecar that exits, or every main component done with 0 (a job).
func (s *Supervisor) supervise() Result {
	mains := 0
	for _, m := range s.roster.members {
		if m.Role == podspec.RoleMain {
			mains++
		}
	}
	for {
		select {
		case <-s.stopCh:
			s.mu.Lock()
			reason := s.reason
			s.mu.Unlock()
			return Result{Reason: reason}
		case m := <-s.ended:
			if s.runEnv.stopRequested() {
				continue // the stop is the pod's result, whatever ended on its way
			}
			if m.Role == podspec.RoleInit {
				continue // its result was judged during start
			}
			if m.outcome.stopped {
				continue // a stop is under way
			}
			if m == s.roster.holder {
				// It may have failed to start after the components were
				// created: that error is the pod's.
				if r := judge(m); r != nil {
					return *r
				}
				return Result{Code: ExitCannotRun, Reason: "the IPC holder container exited"}
			}
			if r := judge(m); r != nil {
				return *r
			}
			code := m.outcome.code
			if code == codeUnknown {
				// Gone while the engine was away, and removed by it: no one
				// knows its code. 255, as Docker shows one it does not know.
				return Result{Code: 255, Reason: fmt.Sprintf("%s %s ended; the engine did not report its exit code", m.Role, m.Name)}
			}
			switch {
			case m.Role == podspec.RoleMain && code == 0:
				mains--
				s.log.Printf("%s completed", m.Name)
				if mains == 0 {
					return Result{Reason: "every main component completed"}
				}
			case m.Role == podspec.RoleMain:
				return Result{Code: code, Reason: fmt.Sprintf("main component %s exited with %d", m.Name, code)}
			default:
				if code == 0 {
					// The main components cannot be served without it; a
					// clean exit of a sidecar is still not the pod's success.
					code = 1
				}
				return Result{Code: code, Reason: fmt.Sprintf("sidecar %s exited with %d while main components ran", m.Name, m.outcome.code)}
			}
		}
	}
}

// launch starts a member's lifecycle; stopAll waits only for launched ones.
func (s *Supervisor) launch(m *member) {
	m.launched.Store(true)
	r := &runner{runEnv: s.runEnv, m: m}
	if !s.crew.spawn("the lifecycle of "+m.Name, func() { r.lifecycle() }) {
		m.launched.Store(false)
	}
}

// sleep waits d, or until done closes; it reports whether the whole time
// passed.
func sleep(d time.Duration, done <-chan struct{}) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-done:
		return false
	}
}

func short(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}
