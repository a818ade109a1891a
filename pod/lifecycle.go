package pod

import (
	"fmt"
	"io"
	"log"
	"sync"
	"time"

	"github.com/containerd/errdefs"
	"github.com/moby/moby/api/types/container"

	"github.com/podinit/podinit/healthprobe"
	"github.com/podinit/podinit/plan"
)

// runner runs one member's life: its dependencies, its image, its
// containers one run at a time, their end. Each member has its own.
type runner struct {
	*runEnv
	m *member
}

// runEnv is what every runner shares: the supervisor's parts, made once by
// NewSupervisor.
type runEnv struct {
	opts    *plan.Options // the plan's, read only
	log     *log.Logger
	calls   *engineCalls
	watch   *engineWatch
	signals *signaller
	stop    *stopper
	states  *transitioner
	crew    *crew
	byName  map[string]*member
	// findTarget finds a started container's first process (findTarget
	// in signal.go; a test's fake engine has its own).
	findTarget func(id string) procTarget
	podStop    <-chan struct{} // closed by the pod's stop request
	ended      chan<- *member  // each member, once its lifecycle returned

	out, errw io.Writer  // component output with -logs
	outMu     sync.Mutex // one line at a time on out and errw
}

// stopRequested reports whether the pod's stop was requested.
func (e *runEnv) stopRequested() bool {
	select {
	case <-e.podStop:
		return true
	default:
		return false
	}
}

// lifecycle runs one member from waiting for its dependencies to its end,
// restarting it as its policy says. It is the only goroutine that touches
// the member's containers, and it brings the member to a final state
// exactly once, a panic included.
func (r *runner) lifecycle() {
	m := r.m
	defer func() {
		if p := recover(); p != nil {
			r.crew.recordPanic("the lifecycle of "+m.Name, p)
			r.abandon(fmt.Errorf("podinit bug: %v", p))
		}
		close(m.done)
		r.ended <- m
	}()
	if err := r.awaitNeeds(); err != nil {
		if m.stopping() {
			m.outcome = outcome{stopped: true}
			r.states.transition(m, stateExited, "stopped before it started", func(m *member) { m.message = "stopped before it started" })
			return
		}
		m.outcome = outcome{err: err}
		r.states.transition(m, stateFailed, err.Error(), func(m *member) { m.message = err.Error() })
		return
	}
	var backoff backoff
	for {
		ran := time.Now()
		out := r.runOnce()
		switch {
		case out.unhealthy:
			m.update(func(m *member) { m.lastReason = reasonUnhealthy })
		case out.err != nil:
			m.update(func(m *member) { m.lastReason = out.err.Error() })
		}
		if out.stopped || m.stopping() || (out.err != nil && r.stopRequested()) {
			out.stopped = true
			m.outcome = out
			r.states.transition(m, stateExited, "stopped", nil)
			return
		}
		if !r.wantsRestart(out) {
			m.outcome = out
			if out.err != nil {
				r.states.transition(m, stateFailed, out.err.Error(), func(m *member) { m.message = out.err.Error() })
			} else {
				r.states.transition(m, stateExited, fmt.Sprintf("exit code %d", out.code), nil)
			}
			return
		}
		delay := backoff.next(time.Now().Sub(ran))
		msg := fmt.Sprintf("restarting in %s", delay)
		switch {
		case out.err != nil:
			// A name conflict, an image pruned during the backoff, a full
			// disk: the next run may well succeed.
			msg += "; last error: " + out.err.Error()
			r.log.Printf("%s: %v; retrying in %s (restart: %s)", m.Name, out.err, delay, plan.RestartName(m.Restart))
		case out.unhealthy:
			r.log.Printf("%s stopped as unhealthy (exit %d); restarting in %s (restart: %s)", m.Name, out.code, delay, plan.RestartName(m.Restart))
		default:
			r.log.Printf("%s exited with %d; restarting in %s (restart: %s)", m.Name, out.code, delay, plan.RestartName(m.Restart))
		}
		next := time.Now().Add(delay)
		r.states.transition(m, stateRestarting, msg, func(m *member) { m.message, m.nextRestart = msg, next })
		if !sleep(delay, m.stopCh) {
			m.outcome = outcome{code: out.code, stopped: true}
			r.states.transition(m, stateExited, "stopped while restarting", nil)
			return
		}
		m.update(func(m *member) { m.restarts++; m.nextRestart = time.Time{} })
	}
}

// wantsRestart applies the member's restart policy to the run that ended:
// one that could not run, or was stopped as unhealthy, failed; one that
// exited is judged by its code (restart-on-exit-codes, then the mode).
func (r *runner) wantsRestart(out outcome) bool {
	m := r.m
	if out.err != nil || out.unhealthy {
		return m.Restart.Wants(true, m.restarts)
	}
	return m.Restart.WantsAfterExit(out.code, m.restarts)
}

// abandon ends a member whose lifecycle panicked: its container, if any, is
// removed within the budget, and it is marked failed.
func (r *runner) abandon(err error) {
	m := r.m
	var id string
	m.view(func(m *member) { id = m.id })
	if id != "" {
		r.calls.remove(r.calls.life, id)
	}
	m.outcome = outcome{err: err}
	r.states.transition(m, stateFailed, err.Error(), func(m *member) { m.message, m.id = err.Error(), "" })
}

// runOnce creates, starts and waits for one container of the member. A stop
// request at any point removes what was made and ends the run.
func (r *runner) runOnce() outcome {
	m := r.m
	r.states.transition(m, stateCreating, "", nil)
	// Once the pod stops, a component not made yet is not made at all.
	if err := r.calls.ensureImage(r.calls.untilStop, m.Config.Image); err != nil {
		if r.stopRequested() {
			return outcome{stopped: true}
		}
		return outcome{err: err}
	}
	if r.stopRequested() {
		return outcome{stopped: true}
	}
	host := m.Host
	if m.ipcFrom != "" {
		host.IpcMode = container.IpcMode("container:" + m.ipcFrom)
	}
	id, adopted := r.takeHead()
	if !adopted {
		var err error
		if id, err = r.calls.create(m.ContainerName, m.Name, m.Config, host); err != nil {
			if errdefs.IsNotFound(err) {
				r.calls.forgetImage(m.Config.Image, nil) // gone since it was checked
			}
			return r.startFailed("", err)
		}
	}
	// Recorded at once: the engine's events for it (its health) may come
	// before the start call returns.
	r.watch.track(id, m)
	defer r.watch.untrack(id)
	// Followed before start: with auto-remove the container may be gone
	// before a later wait could be registered.
	exit := r.watch.exit(m, id)
	defer exit.stop()
	r.states.transition(m, stateStarting, "created "+short(id), nil)

	if err := r.copyFiles(r.calls.untilDeadline, id); err != nil {
		return r.startFailed(id, err)
	}
	if r.opts.Logs {
		if err := r.streamLogs(r.calls.untilDeadline, id); err != nil {
			r.log.Printf("warning: %s: cannot stream logs: %v", m.Name, err)
		}
	}
	if err := r.awaitHolder(); err != nil {
		if r.stopRequested() {
			r.calls.remove(r.calls.life, id)
			return outcome{stopped: true}
		}
		return r.startFailed(id, err)
	}
	// An adopted container's start is under way: it is waited for, and a
	// stop then stops it as it would any running container.
	if !adopted && r.stopRequested() {
		r.calls.remove(r.calls.life, id)
		return outcome{stopped: true}
	}
	var err error
	if adopted {
		err = m.head.started(r.calls.untilDeadline)
	} else {
		err = r.calls.startContainer(m.ContainerName, id)
	}
	if err != nil {
		return r.startFailed(id, err)
	}
	r.running(id)
	defer r.removeOwn(id)
	if out, ended := r.postStart(id, exit); ended {
		return out
	}

	for {
		select {
		case code := <-exit.code:
			r.awaitOOMWord(id, code)
			return r.exited(code)
		case <-m.stopCh:
			return r.stopRun(id, exit)
		case <-m.sick:
			if out, ended := r.onUnhealthy(id, exit); ended {
				return out
			}
		}
	}
}

// takeHead takes the container of the member's head start (the IPC
// holder's, HeadStart) once it is created, to be started by the head
// start: adopted is false when there is none, or it was taken by an
// earlier run, or its create failed.
func (r *runner) takeHead() (id string, adopted bool) {
	if r.m.head == nil {
		return "", false
	}
	return r.m.head.take(r.podStop)
}

// stopRun stops the run's container for the pod's stop.
func (r *runner) stopRun(id string, exit *exitWatch) outcome {
	out := r.exited(r.stop.stopContainer(id, r.m, exit))
	out.stopped = true
	return out
}

// removeOwn removes the member's ended container where the engine does not
// (Controller.RemoveOwn): before the run ends, as a wait for an auto-remove
// container's removal would. It is abandoned at the pod's stop deadline; a
// container left then is for the next controller's sweep (leftovers.go).
func (r *runner) removeOwn(id string) {
	if !r.m.Host.AutoRemove {
		r.calls.remove(r.calls.untilDeadline, id)
	}
}

// startFailed ends a run whose container could not be made or started, and
// removes the container id when there is one. When the pod is stopping the
// run just stops: the step may have been abandoned at the stop deadline, and
// then the engine is not answering, so the removal goes on in the
// background until the budget's end (the next controller of the pod
// removes what is left).
func (r *runner) startFailed(id string, err error) outcome {
	m := r.m
	if !r.stopRequested() {
		if id != "" {
			r.calls.remove(r.calls.life, id)
		}
		return outcome{err: err}
	}
	if r.calls.untilDeadline.Err() != nil {
		r.log.Printf("%s: the engine did not answer by the pod's stop deadline: %v", m.Name, err)
	}
	if id != "" {
		r.crew.spawn("the removal of "+m.Name, func() { r.calls.remove(r.calls.life, id) })
	}
	return outcome{stopped: true}
}

// running records a started container: its state, whether the engine runs
// a healthcheck for it, how to signal it directly, and hands it the signals
// forwarded while it was being made.
func (r *runner) running(id string) {
	m := r.m
	hasHealth, health := false, ""
	pid := 0
	stopSig := stopSignal(m.StopSignal)
	info, inspectErr := r.calls.inspect(r.calls.untilDeadline, id)
	if inspectErr == nil {
		if info.Config != nil {
			hc := info.Config.Healthcheck
			hasHealth = hc != nil && len(hc.Test) > 0 && hc.Test[0] != "NONE"
			// The engine's config holds the image's STOPSIGNAL too.
			stopSig = stopSignal(info.Config.StopSignal)
		}
		if info.State != nil {
			pid = info.State.Pid
			if info.State.Health != nil {
				health = string(info.State.Health.Status)
			}
		}
	}
	var target procTarget
	// The engine started it, so its process is there to find even when the
	// inspect went unanswered: an engine lost at this instant must not leave
	// podinit without a way to stop it.
	if r.opts.SharePID && (pid > 0 || inspectErr != nil) {
		target = r.findTarget(id)
	}
	var pending []signalRequest
	r.states.transition(m, stateRunning, "started "+short(id), func(m *member) {
		m.startedAt = time.Now()
		m.hasHealth = hasHealth
		// An event for this container may have told its health already:
		// it is newer than anything the inspect saw.
		if m.health == "" && hasHealth {
			m.health = health
			if m.health == "" || m.health == "none" {
				m.health = healthprobe.Starting
			}
		}
		m.ready = !hasHealth || m.health == healthprobe.Healthy
		m.postStarting = len(m.PostStart) > 0
		m.signalPid = target
		m.stopSignal = stopSig
		for _, sig := range m.pending {
			pending = append(pending, signalRequest{m, id, target, sig})
		}
		m.pending = nil
	})
	r.log.Printf("%s started (%s)", m.Name, short(id))
	for _, p := range pending {
		r.signals.send(p)
	}
}
