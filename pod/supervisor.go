package pod

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"sync"
	"syscall"
	"time"

	"github.com/podinit/podinit/healthprobe"
	"github.com/podinit/podinit/init/signals"

	"github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/container"
	"golang.org/x/sys/unix"
)

// Exit codes of the controller besides a component's own code.
const (
	// ExitInvalid: the pod's spec or plan is invalid; nothing was created.
	ExitInvalid = 2
	// ExitCannotRun: podinit could not run the pod (engine unreachable, a
	// pull, create or start failed, a dependency failed or never got ready).
	ExitCannotRun = 3
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
type Supervisor struct {
	eng  Engine
	plan *Plan
	log  *log.Logger
	out  io.Writer // component output with -logs
	errw io.Writer

	holder  *member
	init    []*member
	members []*member // start order
	byName  map[string]*member

	mu       sync.Mutex
	phase    string
	started  time.Time
	byID     map[string]*member
	stopOnce sync.Once
	stopCh   chan struct{}
	stopAt   time.Time
	reason   string

	ended chan *member

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
		byName: map[string]*member{},
		byID:   map[string]*member{},
		pulls:  map[string]*pullOnce{},
		stopCh: make(chan struct{}),
		phase:  healthprobe.PhaseStarting,
	}
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
	s.ended = make(chan *member, len(s.byName))
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
		s.mu.Lock()
		s.stopAt = time.Now()
		s.reason = reason
		s.mu.Unlock()
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

// deadline is when every component must be gone: the stop request plus the
// budget, less the margin kept for the last kills.
func (s *Supervisor) deadline() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	at := s.stopAt
	if at.IsZero() {
		at = time.Now()
	}
	return at.Add(s.plan.Options.StopBudget - s.plan.Options.StopMargin)
}

// afterKillWait bounds the wait for a container's removal after SIGKILL: at
// most killWait, and never past the end of the stop budget itself, which is
// when Docker SIGKILLs podinit (on a busy engine the removal alone can take
// longer than the margin).
func (s *Supervisor) afterKillWait() time.Duration {
	s.mu.Lock()
	end := s.stopAt.Add(s.plan.Options.StopBudget - budgetEndSlack)
	s.mu.Unlock()
	if left := time.Until(end); left < killWait {
		return max(left, 0)
	}
	return killWait
}

// budgetEndSlack is kept before the end of the stop budget for podinit's own
// exit, and for a busy machine's scheduling delays (seen: 430 ms).
const budgetEndSlack = 500 * time.Millisecond

func (s *Supervisor) setPhase(p string) {
	s.mu.Lock()
	s.phase = p
	s.mu.Unlock()
}

// Run starts the pod, supervises it until it ends or a stop is requested,
// stops it in order and returns its result. Every container it created is
// gone when it returns. ctx only bounds engine calls in an emergency; a
// normal stop is RequestStop.
func (s *Supervisor) Run(ctx context.Context) Result {
	s.mu.Lock()
	s.started = time.Now()
	s.mu.Unlock()

	evctx, stopEvents := context.WithCancel(ctx)
	defer stopEvents()
	subscribed := make(chan struct{})
	go s.watchEvents(evctx, subscribed)
	s.removeLeftovers(ctx)
	select {
	case <-subscribed:
	case <-time.After(5 * time.Second):
		s.log.Printf("warning: engine events not subscribed after 5s; health changes may be late")
	}

	res := s.start(ctx)
	if res == nil {
		s.setPhase(healthprobe.PhaseRunning)
		res = s.supervise()
	}
	s.setPhase(healthprobe.PhaseStopping)
	s.RequestStop(res.Reason)
	s.stopAll()
	if res.Code == 0 {
		s.setPhase(healthprobe.PhaseStopped)
	} else {
		s.setPhase(healthprobe.PhaseFailed)
	}
	return *res
}

// start runs the holder and the init components, then launches every
// component's lifecycle. A non-nil result means the pod ends before it ran.
func (s *Supervisor) start(ctx context.Context) *Result {
	if s.holder != nil {
		s.launch(ctx, s.holder)
		if r := s.awaitReady(s.holder); r != nil {
			return r
		}
		var id string
		s.holder.view(func(m *member) { id = m.id })
		for _, m := range append(append([]*member{}, s.init...), s.members...) {
			m.Host.IpcMode = container.IpcMode("container:" + id)
		}
	}
	for _, m := range s.init {
		s.launch(ctx, m)
		select {
		case <-m.done:
		case <-s.stopCh:
			return &Result{Code: 0, Reason: "stop requested during init component " + m.Name}
		}
		if r := s.judge(m); r != nil {
			return r
		}
		if m.outcome.code != 0 {
			return &Result{Code: m.outcome.code, Reason: fmt.Sprintf("init component %s exited with %d", m.Name, m.outcome.code)}
		}
	}
	if s.stopRequested() {
		return &Result{Reason: "stop requested"}
	}
	for _, m := range s.members {
		s.launch(ctx, m)
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
func (s *Supervisor) supervise() *Result {
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
			return &Result{Reason: reason}
		case m := <-s.ended:
			if m.Role == RoleInit {
				continue // its result was judged during start
			}
			if m == s.holder {
				return &Result{Code: ExitCannotRun, Reason: "the IPC holder container exited"}
			}
			if r := s.judge(m); r != nil {
				return r
			}
			code := m.outcome.code
			switch {
			case m.Role == RoleMain && code == 0:
				mains--
				s.log.Printf("%s completed", m.Name)
				if mains == 0 {
					return &Result{Reason: "every main component completed"}
				}
			case m.Role == RoleMain:
				return &Result{Code: code, Reason: fmt.Sprintf("main component %s exited with %d", m.Name, code)}
			default:
				if code == 0 {
					// The main components cannot be served without it; a
					// clean exit of a sidecar is still not the pod's success.
					code = 1
				}
				return &Result{Code: code, Reason: fmt.Sprintf("sidecar %s exited with %d while main components ran", m.Name, m.outcome.code)}
			}
		}
	}
}

// stopAll stops the init component still running, then the components wave
// by wave (dependents first, sidecars last) and the holder; each gets
// its stop signal and SIGKILL at its own deadline or the pod's.
func (s *Supervisor) stopAll() {
	deadline := s.deadline()
	for _, m := range s.init {
		s.stopAndWait([]*member{m}, deadline)
	}
	waves := s.plan.StopWaves()
	for i, wave := range waves {
		var ms []*member
		for _, pm := range wave {
			ms = append(ms, s.byName[pm.Name])
		}
		// Members keep the holder's IPC namespace alive once they joined
		// it, so the holder goes with the last wave rather than after it.
		if i == len(waves)-1 && s.holder != nil {
			ms = append(ms, s.holder)
		}
		s.stopAndWait(ms, deadline)
	}
	if len(waves) == 0 && s.holder != nil {
		s.stopAndWait([]*member{s.holder}, deadline)
	}
}

// stopAndWait stops a wave in parallel and waits until all of it is gone.
func (s *Supervisor) stopAndWait(wave []*member, deadline time.Time) {
	for _, m := range wave {
		m.requestStop(deadline)
	}
	for _, m := range wave {
		if !m.launched.Load() {
			continue
		}
		<-m.done
	}
}

// launch starts a member's lifecycle; stopAll waits only for launched ones.
func (s *Supervisor) launch(ctx context.Context, m *member) {
	m.launched.Store(true)
	go s.lifecycle(ctx, m)
}

// lifecycle runs one member from waiting for its dependencies to its end,
// restarting it as its policy says. It is the only goroutine that touches
// the member's containers.
func (s *Supervisor) lifecycle(ctx context.Context, m *member) {
	defer func() {
		close(m.done)
		s.ended <- m
	}()
	if err := s.awaitNeeds(m); err != nil {
		if m.stopping() {
			m.outcome = outcome{stopped: true}
			m.update(func(m *member) { m.state, m.message = healthprobe.StateExited, "stopped before it started" })
			return
		}
		m.outcome = outcome{err: err}
		m.update(func(m *member) { m.state, m.failed, m.message = healthprobe.StateExited, true, err.Error() })
		return
	}
	var backoff backoff
	for {
		ran := time.Now()
		out := s.runOnce(ctx, m)
		if out.stopped || m.stopping() || out.err != nil || !m.Restart.wants(out.code, m.restarts) {
			out.stopped = out.stopped || m.stopping()
			m.outcome = out
			m.update(func(m *member) {
				m.state = healthprobe.StateExited
				if out.err != nil {
					m.state, m.failed, m.message = healthprobe.StateExited, true, out.err.Error()
				}
			})
			return
		}
		delay := backoff.next(time.Since(ran))
		s.log.Printf("%s exited with %d; restarting in %s (restart: %s)", m.Name, out.code, delay, m.Restart.Mode)
		m.update(func(m *member) {
			m.state, m.message = healthprobe.StateRestarting, fmt.Sprintf("restarting in %s", delay)
		})
		select {
		case <-time.After(delay):
		case <-m.stopCh:
			m.outcome = outcome{code: out.code, stopped: true}
			m.update(func(m *member) { m.state = healthprobe.StateExited })
			return
		}
		m.update(func(m *member) { m.restarts++ })
	}
}

// untilStopped is ctx, also cancelled when stop closes: a pull may take
// minutes, and a stop must not wait for it.
func untilStopped(ctx context.Context, stop <-chan struct{}) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(ctx)
	go func() {
		select {
		case <-stop:
		case <-ctx.Done():
		}
		cancel()
	}()
	return ctx, cancel
}

// runOnce creates, starts and waits for one container of the member. A stop
// request at any point removes what was made and ends the run.
func (s *Supervisor) runOnce(ctx context.Context, m *member) outcome {
	m.update(func(m *member) { m.state = healthprobe.StateCreating })
	pullCtx, cancel := untilStopped(ctx, m.stopCh)
	err := s.ensureImage(pullCtx, m.Config.Image)
	cancel()
	if err != nil {
		if m.stopping() {
			return outcome{stopped: true}
		}
		return outcome{err: err}
	}
	if m.stopping() {
		return outcome{stopped: true}
	}
	// A stalled engine must not hold the pod's stop past its budget: the
	// calls that make and start the container are abandoned at the stop
	// deadline.
	callCtx, abandon := untilDeadline(ctx, m)
	defer abandon()
	id, err := s.create(callCtx, m)
	if err != nil {
		return s.startFailed(m, "", err)
	}
	// Registered before start: with auto-remove the container may be gone
	// before a later wait could be registered.
	waitC, waitErr := s.eng.ContainerWait(context.WithoutCancel(ctx), id, container.WaitConditionRemoved)
	s.track(id, m)
	defer s.untrack(id)

	if err := s.copyFiles(callCtx, id, m); err != nil {
		return s.startFailed(m, id, err)
	}
	if s.plan.Options.Logs {
		if err := s.streamLogs(ctx, id, m); err != nil {
			s.log.Printf("warning: %s: cannot stream logs: %v", m.Name, err)
		}
	}
	if m.stopping() {
		s.remove(ctx, id)
		return outcome{stopped: true}
	}
	if err := s.eng.ContainerStart(callCtx, id, container.StartOptions{}); err != nil {
		return s.startFailed(m, id, fmt.Errorf("starting container %s: %w", m.ContainerName, err))
	}
	s.running(callCtx, id, m)

	select {
	case r := <-waitC:
		return s.exited(m, exitOf(r))
	case err := <-waitErr:
		return s.exited(m, s.lostWait(ctx, id, err))
	case <-m.stopCh:
		return s.stopContainer(ctx, id, m, waitC, waitErr)
	}
}

// untilDeadline is ctx, also cancelled once the member's stop deadline has
// passed after a stop request.
func untilDeadline(ctx context.Context, m *member) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(ctx)
	go func() {
		select {
		case <-m.stopCh:
		case <-ctx.Done():
			return
		}
		t := time.NewTimer(time.Until(m.stopDeadline()))
		defer t.Stop()
		select {
		case <-t.C:
			cancel()
		case <-ctx.Done():
		}
	}()
	return ctx, cancel
}

// startFailed ends a run whose container could not be made or started, and
// removes the container id when there is one. When the pod is stopping the
// run just stops: the step may have been abandoned at the stop deadline, and
// then the engine is not answering, so the removal goes on in the
// background while podinit exits (the next controller of the pod removes
// what is left).
func (s *Supervisor) startFailed(m *member, id string, err error) outcome {
	if !m.stopping() {
		if id != "" {
			s.remove(context.Background(), id)
		}
		return outcome{err: err}
	}
	if errors.Is(err, context.Canceled) {
		s.log.Printf("%s: the engine did not answer by the pod's stop deadline: %v", m.Name, err)
	}
	if id != "" {
		go s.remove(context.Background(), id)
	}
	return outcome{stopped: true}
}

// running records a started container: its state, whether the engine runs
// a healthcheck for it, and how to signal it directly.
func (s *Supervisor) running(ctx context.Context, id string, m *member) {
	hasHealth := false
	pid := 0
	stopSig := stopSignal(m.StopSignal)
	if info, err := s.eng.ContainerInspect(ctx, id); err == nil {
		hasHealth = info.Config != nil && info.Config.Healthcheck != nil && len(info.Config.Healthcheck.Test) > 0 && info.Config.Healthcheck.Test[0] != "NONE"
		if info.Config != nil {
			// The engine's config holds the image's STOPSIGNAL too.
			stopSig = stopSignal(info.Config.StopSignal)
		}
		if info.State != nil {
			pid = info.State.Pid
		}
	}
	var target *pidTarget
	if s.plan.Options.SharePID && pid > 0 {
		target = findPid(id)
	}
	m.update(func(m *member) {
		m.id = id
		m.state = healthprobe.StateRunning
		m.startedAt = time.Now()
		m.hasHealth = hasHealth
		m.health = ""
		if hasHealth {
			m.health = "starting"
		}
		m.ready = !hasHealth
		m.signalPid = target
		m.stopSignal = stopSig
	})
	s.log.Printf("%s started (%s)", m.Name, short(id))
}

// exited records the end of a container.
func (s *Supervisor) exited(m *member, code int) outcome {
	m.update(func(m *member) {
		c := code
		m.lastExit = &c
		m.finishedAt = time.Now()
		if m.signalPid != nil {
			m.signalPid.close()
			m.signalPid = nil
		}
		m.id = ""
		m.ready = false
	})
	if code == codeUnknown {
		s.log.Printf("%s exited; the engine did not report its code in time", m.Name)
	} else {
		s.log.Printf("%s exited with %d", m.Name, code)
	}
	return outcome{code: code}
}

// lostWait finds the exit code when the engine's wait failed.
func (s *Supervisor) lostWait(ctx context.Context, id string, err error) int {
	s.log.Printf("warning: waiting for %s failed: %v", short(id), err)
	info, ierr := s.eng.ContainerInspect(ctx, id)
	if ierr == nil && info.State != nil && !info.State.Running {
		return info.State.ExitCode
	}
	return 255
}

// stopContainer sends the member's stop signal, waits until its own grace or
// the pod's deadline, whichever is first, then sends SIGKILL. The deadline
// counts from the start of the stop, whatever the engine does: signals go
// straight to the container's process when the pod shares its PID
// namespace, and engine calls never hold the stop past its deadline.
func (s *Supervisor) stopContainer(ctx context.Context, id string, m *member, waitC <-chan container.WaitResponse, waitErr <-chan error) outcome {
	began := time.Now()
	deadline := began.Add(m.grace(s.plan.Options.StopBudget))
	if pod := m.stopDeadline(); !pod.IsZero() && pod.Before(deadline) {
		deadline = pod
	}
	timer := time.NewTimer(time.Until(deadline))
	defer timer.Stop()
	var sig syscall.Signal
	m.update(func(m *member) { m.state, sig = healthprobe.StateStopping, m.stopSignal })
	if sig == 0 {
		sig = stopSignal(m.StopSignal)
	}
	s.deliver(ctx, id, m, sig, deadline)
	killed := false
	var code int
	select {
	case r := <-waitC:
		code = exitOf(r)
	case err := <-waitErr:
		code = s.lostWait(ctx, id, err)
	case <-timer.C:
		var target *pidTarget
		m.view(func(m *member) { target = m.signalPid })
		if target != nil && target.gone() {
			// It stopped in time; only the engine is late to say so.
			s.log.Printf("%s: exited after %s, the engine has not reported it yet", m.Name, time.Since(began).Round(time.Millisecond))
		} else {
			killed = true
			why := "its stop_grace_period"
			if pod := m.stopDeadline(); !pod.IsZero() && !deadline.Before(pod) {
				why = "the pod's stop deadline"
			}
			s.log.Printf("%s: SIGKILL after %s (%s)", m.Name, time.Since(began).Round(time.Millisecond), why)
		}
		wait := s.afterKillWait()
		if killed {
			s.deliver(ctx, id, m, unix.SIGKILL, time.Now().Add(wait))
		}
		select {
		case r := <-waitC:
			code = exitOf(r)
		case err := <-waitErr:
			code = s.lostWait(ctx, id, err)
		case <-time.After(wait):
			// Its processes are dead; the engine's auto-remove finishes
			// without podinit, which must exit before Docker kills it.
			s.log.Printf("warning: %s ended but not yet removed by the engine; leaving the removal to auto-remove", m.Name)
			code = codeUnknown
			if killed {
				code = 128 + int(unix.SIGKILL)
			}
		}
	}
	took := time.Since(began)
	m.update(func(m *member) { m.stopTook, m.killed = took, killed })
	how := "stopped"
	if killed {
		how = "killed (SIGKILL)"
	}
	s.log.Printf("%s %s in %s", m.Name, how, took.Round(time.Millisecond))
	out := s.exited(m, code)
	out.stopped = true
	return out
}

// deliver sends sig to the member's container. In a shared PID namespace it
// goes straight to the container's first process, as the engine would send
// it: a busy engine takes seconds over a kill (it writes the container's
// state to disk first). Otherwise it goes through the engine in the
// background, given up at until, so that a stalled call cannot hold up the
// stop's own timing.
func (s *Supervisor) deliver(ctx context.Context, id string, m *member, sig syscall.Signal, until time.Time) {
	var target *pidTarget
	m.view(func(m *member) { target = m.signalPid })
	if target != nil {
		err := target.signal(sig)
		if err == nil || errors.Is(err, unix.ESRCH) {
			return
		}
	}
	go func() {
		kctx, cancel := context.WithDeadline(context.WithoutCancel(ctx), until)
		defer cancel()
		err := s.eng.ContainerKill(kctx, id, signalName(sig))
		if err != nil && !errdefs.IsNotFound(err) && !errdefs.IsConflict(err) {
			s.log.Printf("warning: %s: sending %s: %v", m.Name, signalName(sig), err)
		}
	}()
}

// stopSignal is the signal a container is stopped with: its stop_signal or
// its image's STOPSIGNAL, else SIGTERM as for docker stop.
func stopSignal(name string) syscall.Signal {
	if sig, err := signals.Parse(name); name != "" && err == nil {
		return sig
	}
	return unix.SIGTERM
}

// codeUnknown stands for an exit code the engine did not report in time, as
// Docker's own -1.
const codeUnknown = -1

// killWait bounds the wait for a container after SIGKILL.
const killWait = 5 * time.Second

func exitOf(r container.WaitResponse) int {
	return int(r.StatusCode)
}

// create makes the member's container; a container of the same name left
// over from an earlier run of this pod is removed first.
func (s *Supervisor) create(ctx context.Context, m *member) (string, error) {
	cfg, host := m.Config, m.Host
	resp, err := s.eng.ContainerCreate(ctx, &cfg, &host, nil, nil, m.ContainerName)
	if errdefs.IsConflict(err) {
		s.log.Printf("removing an old container named %s", m.ContainerName)
		s.remove(ctx, m.ContainerName)
		resp, err = s.eng.ContainerCreate(ctx, &cfg, &host, nil, nil, m.ContainerName)
	}
	if err != nil {
		return "", fmt.Errorf("creating container %s (image %s): %w", m.ContainerName, m.Config.Image, err)
	}
	for _, w := range resp.Warnings {
		s.log.Printf("warning: %s: %s", m.Name, w)
	}
	return resp.ID, nil
}

// remove force-removes a container, ignoring one that is already gone.
func (s *Supervisor) remove(ctx context.Context, id string) {
	err := s.eng.ContainerRemove(context.WithoutCancel(ctx), id, container.RemoveOptions{Force: true})
	if err != nil && !errdefs.IsNotFound(err) && !isRemovalInProgress(err) {
		s.log.Printf("warning: removing %s: %v", id, err)
	}
}

func isRemovalInProgress(err error) bool {
	return errdefs.IsConflict(err)
}

func (s *Supervisor) track(id string, m *member) {
	s.mu.Lock()
	s.byID[id] = m
	s.mu.Unlock()
}

func (s *Supervisor) untrack(id string) {
	s.mu.Lock()
	delete(s.byID, id)
	s.mu.Unlock()
}

// Forward delivers a signal to every running component that takes it:
// straight to its process in a shared PID namespace, else through the
// engine. It never waits for the engine: the caller's next signal may be
// the TERM that stops the pod.
func (s *Supervisor) Forward(sig syscall.Signal) {
	for _, m := range append(append([]*member{}, s.init...), s.members...) {
		if !m.takes(sig) {
			continue
		}
		var id string
		var target *pidTarget
		m.view(func(m *member) { id, target = m.id, m.signalPid })
		if id == "" {
			continue
		}
		if target != nil && target.signal(sig) == nil {
			continue
		}
		s.forwardOnce.Do(func() {
			s.forwards = make(chan forward, forwardQueue)
			go s.forwardThroughEngine()
		})
		select {
		case s.forwards <- forward{id: id, name: m.Name, sig: sig}:
		default:
			s.log.Printf("warning: %s not forwarded to %s: %d signals already wait for the engine", signalName(sig), m.Name, forwardQueue)
		}
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
func (s *Supervisor) forwardThroughEngine() {
	for f := range s.forwards {
		ctx, cancel := context.WithTimeout(context.Background(), killWait)
		err := s.eng.ContainerKill(ctx, f.id, signalName(f.sig))
		cancel()
		if err != nil && !errdefs.IsNotFound(err) && !errdefs.IsConflict(err) {
			s.log.Printf("warning: forwarding %s to %s: %v", signalName(f.sig), f.name, err)
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

func short(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}
