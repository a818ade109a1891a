package pod

import (
	"context"
	"fmt"
	"io"
	"log"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/podinit/podinit/healthprobe"
)

// Exit codes of the controller besides a component's own code.
const (
	// ExitInvalid: the pod's spec or plan is invalid; nothing was created.
	ExitInvalid = 2
	// ExitCannotRun: podinit could not run the pod (engine unreachable, a
	// pull, create or start failed, a dependency failed or never got ready).
	ExitCannotRun = 3
	// ExitPanic: a bug in podinit (a panic in one of the supervisor's
	// goroutines); the pod was stopped within its budget. 70 is sysexits'
	// EX_SOFTWARE.
	ExitPanic = 70
)

// Result is how the pod ended: the controller's exit code and why.
type Result struct {
	Code   int
	Reason string
}

// Supervisor runs one plan on the engine: it starts the pod in order, watches
// it, forwards signals to it and stops it in order within the stop budget.
// Run must be called once; RequestStop and Forward may be called at any time
// from any goroutine, also before Run and after it has returned.
//
// Its parts, one file each: the pod's phases (here), one member's life
// (lifecycle.go, state.go, member.go), the engine's word on the containers
// (engineWatch: their exits in wait.go, the event stream in events.go),
// the stop (stop.go, budget.go), signal delivery (forward.go, signal.go),
// and the engine calls with their deadline rule (calls.go).
type Supervisor struct {
	eng    Engine
	plan   *Plan // read only
	log    *log.Logger
	out    io.Writer // component output with -logs
	errw   io.Writer
	budget *budget

	holder  *member
	init    []*member
	members []*member // start order
	byName  map[string]*member

	// Every engine call and every goroutine of the supervisor lives on one
	// of these (see calls.go): life ends at the budget's end, or when Run
	// returns; untilDeadline at the pod's stop deadline; untilStop at the
	// stop request.
	life, untilDeadline, untilStop        context.Context
	endLife, endStartCalls, endBeforeStop context.CancelFunc
	lifeTimer, deadlineTimer              *time.Timer
	wg                                    sync.WaitGroup // goroutines started by spawn

	watch *engineWatch

	mu       sync.Mutex
	phase    string
	started  time.Time
	reason   string
	panicked string // the first panic, if any
	closed   bool   // Run is ending: spawn starts nothing more

	stopOnce sync.Once
	stopCh   chan struct{}
	ended    chan *member
	refused  atomic.Int64 // transitions the table refused: bugs

	forwardOnce sync.Once
	forwards    chan forward // signals for components without a pidfd

	outMu  sync.Mutex // one line at a time on out and errw
	pullMu sync.Mutex
	pulls  map[string]*pullOnce
}

// NewSupervisor prepares a supervisor; logger gets podinit's own messages,
// out and errw the components' output when the plan streams logs.
func NewSupervisor(eng Engine, plan *Plan, logger *log.Logger, out, errw io.Writer) *Supervisor {
	s := &Supervisor{
		eng: eng, plan: plan, log: logger, out: out, errw: errw,
		budget: newBudget(plan.Options),
		byName: map[string]*member{},
		pulls:  map[string]*pullOnce{},
		stopCh: make(chan struct{}),
		phase:  healthprobe.PhaseStarting,
	}
	s.life, s.endLife = context.WithCancel(context.Background())
	s.untilDeadline, s.endStartCalls = context.WithCancel(s.life)
	s.untilStop, s.endBeforeStop = context.WithCancel(s.untilDeadline)
	s.watch = newEngineWatch(s)
	if plan.Holder != nil {
		s.holder = newMember(plan.Holder)
	}
	for _, m := range plan.Init {
		s.init = append(s.init, newMember(m))
	}
	for _, m := range plan.Members() {
		s.members = append(s.members, newMember(m))
	}
	for _, m := range s.all() {
		s.byName[m.Name] = m
	}
	s.ended = make(chan *member, len(s.all()))
	return s
}

// all lists every member: holder, init components, components.
func (s *Supervisor) all() []*member {
	var all []*member
	if s.holder != nil {
		all = append(all, s.holder)
	}
	all = append(all, s.init...)
	return append(all, s.members...)
}

// RequestStop starts the pod's stop; the budget counts from the first call.
func (s *Supervisor) RequestStop(reason string) {
	s.stopOnce.Do(func() {
		now := time.Now()
		s.budget.begin(now)
		s.mu.Lock()
		s.reason = reason
		s.lifeTimer = time.AfterFunc(s.budget.end().Sub(now), s.endLife)
		s.deadlineTimer = time.AfterFunc(s.budget.deadline().Sub(now), s.endStartCalls)
		s.mu.Unlock()
		s.endBeforeStop()
		close(s.stopCh)
	})
}

func (s *Supervisor) stopRequested() bool {
	select {
	case <-s.stopCh:
		return true
	default:
		return false
	}
}

func (s *Supervisor) setPhase(p string) {
	s.mu.Lock()
	s.phase = p
	s.mu.Unlock()
}

// spawn runs f in a goroutine that Run waits for before it returns; a panic
// in it stops the pod (ExitPanic). It starts nothing once Run is ending.
func (s *Supervisor) spawn(name string, f func()) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer func() {
			if r := recover(); r != nil {
				s.recordPanic(name, r)
			}
		}()
		f()
	}()
	return true
}

// Panicked is for a panic recovered outside the supervisor (the signal
// relay): the pod stops, and Run's result is ExitPanic.
func (s *Supervisor) Panicked(where string, r any) { s.recordPanic(where, r) }

// recordPanic notes a panic of podinit's own code and stops the pod: the
// other goroutines still stop it in order, within its budget.
func (s *Supervisor) recordPanic(where string, r any) {
	msg := fmt.Sprintf("podinit bug: panic in %s: %v", where, r)
	s.log.Printf("%s\n%s", msg, debug.Stack())
	s.mu.Lock()
	if s.panicked == "" {
		s.panicked = msg
	}
	s.mu.Unlock()
	s.RequestStop(msg)
}

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
	if w := marginWarning(s.plan.Options); w != "" {
		s.log.Printf("warning: %s", w)
	}

	res := s.runPhases()
	s.setPhase(healthprobe.PhaseStopping)
	s.RequestStop(res.Reason)
	s.stopAll()

	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	s.endLife()
	s.wg.Wait()
	s.mu.Lock()
	s.lifeTimer.Stop()
	s.deadlineTimer.Stop()
	if s.panicked != "" {
		res = Result{Code: ExitPanic, Reason: s.panicked}
	}
	s.mu.Unlock()
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
			s.recordPanic("the supervisor", r)
			res = Result{Code: ExitPanic}
		}
	}()
	subscribed := make(chan struct{})
	s.spawn("the event stream", func() { s.watch.events(subscribed) })
	s.removeLeftovers(s.untilDeadline)
	wait := time.NewTimer(5 * time.Second)
	select {
	case <-subscribed:
	case <-s.stopCh:
	case <-wait.C:
		s.log.Printf("warning: engine events not subscribed after 5s; health changes may be late")
	}
	wait.Stop()

	if r := s.start(); r != nil {
		return *r
	}
	s.setPhase(healthprobe.PhaseRunning)
	return s.supervise()
}

// start runs the holder and the init components, then launches every
// component's lifecycle. A non-nil result means the pod ends before it ran.
func (s *Supervisor) start() *Result {
	if s.holder != nil {
		s.launch(s.holder)
		if r := s.awaitReady(s.holder); r != nil {
			return r
		}
		var id string
		s.holder.view(func(m *member) { id = m.id })
		for _, m := range append(append([]*member{}, s.init...), s.members...) {
			m.ipcFrom = id
		}
	}
	for _, m := range s.init {
		s.launch(m)
		select {
		case <-m.done:
		case <-s.stopCh:
			return &Result{Reason: "stop requested during init component " + m.Name}
		}
		if r := s.judge(m); r != nil {
			return r
		}
		if m.outcome.stopped {
			return &Result{Reason: "stop requested during init component " + m.Name}
		}
		if m.outcome.code != 0 {
			return &Result{Code: m.outcome.code, Reason: fmt.Sprintf("init component %s exited with %d", m.Name, m.outcome.code)}
		}
	}
	if s.stopRequested() {
		return &Result{Reason: "stop requested"}
	}
	if len(s.members) == 0 {
		// Nothing is left to run: a pod of init components is a job.
		return &Result{Reason: "every init component completed"}
	}
	for _, m := range s.members {
		s.launch(m)
	}
	return nil
}

// awaitReady waits for the holder to run.
func (s *Supervisor) awaitReady(m *member) *Result {
	for {
		var ready bool
		changed := m.view(func(m *member) { ready = m.ready })
		if ready {
			return nil
		}
		select {
		case <-changed:
		case <-m.done:
			if r := s.judge(m); r != nil {
				return r
			}
			return &Result{Code: ExitCannotRun, Reason: m.Name + " exited before it was ready"}
		case <-s.stopCh:
			return &Result{Reason: "stop requested during start"}
		}
	}
}

// judge turns a member whose lifecycle failed into the pod's result.
func (s *Supervisor) judge(m *member) *Result {
	if m.outcome.err != nil {
		return &Result{Code: ExitCannotRun, Reason: fmt.Sprintf("component %s: %v", m.Name, m.outcome.err)}
	}
	return nil
}

// supervise waits until the pod ends: a stop request, a main component that
// fails, a sidecar that exits, or every main component done with 0 (a job).
func (s *Supervisor) supervise() Result {
	mains := 0
	for _, m := range s.members {
		if m.Role == RoleMain {
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
			if s.stopRequested() {
				continue // the stop is the pod's result, whatever ended on its way
			}
			if m.Role == RoleInit {
				continue // its result was judged during start
			}
			if m.outcome.stopped {
				continue // a stop is under way
			}
			if m == s.holder {
				return Result{Code: ExitCannotRun, Reason: "the IPC holder container exited"}
			}
			if r := s.judge(m); r != nil {
				return *r
			}
			code := m.outcome.code
			if code == codeUnknown {
				// Gone while the engine was away, and removed by it: no one
				// knows its code. 255, as Docker shows one it does not know.
				return Result{Code: 255, Reason: fmt.Sprintf("%s %s ended; the engine did not report its exit code", m.Role, m.Name)}
			}
			switch {
			case m.Role == RoleMain && code == 0:
				mains--
				s.log.Printf("%s completed", m.Name)
				if mains == 0 {
					return Result{Reason: "every main component completed"}
				}
			case m.Role == RoleMain:
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
	if !s.spawn("the lifecycle of "+m.Name, func() { s.lifecycle(m) }) {
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
