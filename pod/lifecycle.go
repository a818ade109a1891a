package pod

import (
	"fmt"
	"time"

	"github.com/podinit/podinit/healthprobe"

	"github.com/containerd/errdefs"
)

// lifecycle runs one member from waiting for its dependencies to its end,
// restarting it as its policy says. It is the only goroutine that touches
// the member's containers, and it brings the member to a final state
// exactly once, a panic included.
func (s *Supervisor) lifecycle(m *member) {
	defer func() {
		if r := recover(); r != nil {
			s.recordPanic("the lifecycle of "+m.Name, r)
			s.abandon(m, fmt.Errorf("podinit bug: %v", r))
		}
		close(m.done)
		s.ended <- m
	}()
	if err := s.awaitNeeds(m); err != nil {
		if m.stopping() {
			m.outcome = outcome{stopped: true}
			s.transition(m, stateExited, "stopped before it started", func(m *member) { m.message = "stopped before it started" })
			return
		}
		m.outcome = outcome{err: err}
		s.transition(m, stateFailed, err.Error(), func(m *member) { m.message = err.Error() })
		return
	}
	var backoff backoff
	for {
		ran := time.Now()
		out := s.runOnce(m)
		if out.stopped || m.stopping() || (out.err != nil && s.stopRequested()) {
			out.stopped = true
			m.outcome = out
			s.transition(m, stateExited, "stopped", nil)
			return
		}
		failed := out.err != nil || out.code != 0
		if !m.Restart.wants(failed, m.restarts) {
			m.outcome = out
			if out.err != nil {
				s.transition(m, stateFailed, out.err.Error(), func(m *member) { m.message = out.err.Error() })
			} else {
				s.transition(m, stateExited, fmt.Sprintf("exit code %d", out.code), nil)
			}
			return
		}
		delay := backoff.next(time.Now().Sub(ran))
		msg := fmt.Sprintf("restarting in %s", delay)
		if out.err != nil {
			// A name conflict, an image pruned during the backoff, a full
			// disk: the next run may well succeed.
			msg += "; last error: " + out.err.Error()
			s.log.Printf("%s: %v; retrying in %s (restart: %s)", m.Name, out.err, delay, m.Restart.Mode)
		} else {
			s.log.Printf("%s exited with %d; restarting in %s (restart: %s)", m.Name, out.code, delay, m.Restart.Mode)
		}
		s.transition(m, stateRestarting, msg, func(m *member) { m.message = msg })
		if !sleep(delay, m.stopCh) {
			m.outcome = outcome{code: out.code, stopped: true}
			s.transition(m, stateExited, "stopped while restarting", nil)
			return
		}
		m.update(func(m *member) { m.restarts++ })
	}
}

// abandon ends a member whose lifecycle panicked: its container, if any, is
// removed within the budget, and it is marked failed.
func (s *Supervisor) abandon(m *member, err error) {
	var id string
	m.view(func(m *member) { id = m.id })
	if id != "" {
		s.remove(s.life, id)
	}
	m.outcome = outcome{err: err}
	s.transition(m, stateFailed, err.Error(), func(m *member) { m.message, m.id = err.Error(), "" })
}

// runOnce creates, starts and waits for one container of the member. A stop
// request at any point removes what was made and ends the run.
func (s *Supervisor) runOnce(m *member) outcome {
	s.transition(m, stateCreating, "", nil)
	// Once the pod stops, a component not made yet is not made at all.
	if err := s.ensureImage(s.untilStop, m.Config.Image); err != nil {
		if s.stopRequested() {
			return outcome{stopped: true}
		}
		return outcome{err: err}
	}
	if s.stopRequested() {
		return outcome{stopped: true}
	}
	id, err := s.create(m)
	if err != nil {
		if errdefs.IsNotFound(err) {
			s.forgetImage(m.Config.Image, nil) // gone since it was checked
		}
		return s.startFailed(m, "", err)
	}
	// Recorded at once: the engine's events for it (its health) may come
	// before the start call returns.
	s.watch.track(id, m)
	defer s.watch.untrack(id)
	// Followed before start: with auto-remove the container may be gone
	// before a later wait could be registered.
	exit := s.watch.exit(m, id)
	defer exit.stop()
	s.transition(m, stateStarting, "created "+short(id), nil)

	if err := s.copyFiles(s.untilDeadline, id, m); err != nil {
		return s.startFailed(m, id, err)
	}
	if s.plan.Options.Logs {
		if err := s.streamLogs(s.untilDeadline, id, m); err != nil {
			s.log.Printf("warning: %s: cannot stream logs: %v", m.Name, err)
		}
	}
	if s.stopRequested() {
		s.remove(s.life, id)
		return outcome{stopped: true}
	}
	if err := s.startContainer(m, id); err != nil {
		return s.startFailed(m, id, err)
	}
	s.running(id, m)

	select {
	case code := <-exit.code:
		return s.exited(m, code)
	case <-m.stopCh:
		return s.stopContainer(id, m, exit)
	}
}

// startFailed ends a run whose container could not be made or started, and
// removes the container id when there is one. When the pod is stopping the
// run just stops: the step may have been abandoned at the stop deadline, and
// then the engine is not answering, so the removal goes on in the
// background until the budget's end (the next controller of the pod
// removes what is left).
func (s *Supervisor) startFailed(m *member, id string, err error) outcome {
	if !s.stopRequested() {
		if id != "" {
			s.remove(s.life, id)
		}
		return outcome{err: err}
	}
	if s.untilDeadline.Err() != nil {
		s.log.Printf("%s: the engine did not answer by the pod's stop deadline: %v", m.Name, err)
	}
	if id != "" {
		s.spawn("the removal of "+m.Name, func() { s.remove(s.life, id) })
	}
	return outcome{stopped: true}
}

// running records a started container: its state, whether the engine runs
// a healthcheck for it, how to signal it directly, and hands it the signals
// forwarded while it was being made.
func (s *Supervisor) running(id string, m *member) {
	hasHealth, health := false, ""
	pid := 0
	stopSig := stopSignal(m.StopSignal)
	if info, err := s.inspect(s.untilDeadline, id); err == nil {
		if info.Config != nil {
			hc := info.Config.Healthcheck
			hasHealth = hc != nil && len(hc.Test) > 0 && hc.Test[0] != "NONE"
			// The engine's config holds the image's STOPSIGNAL too.
			stopSig = stopSignal(info.Config.StopSignal)
		}
		if info.State != nil {
			pid = info.State.Pid
			if info.State.Health != nil {
				health = info.State.Health.Status
			}
		}
	}
	var target *pidTarget
	if s.plan.Options.SharePID && pid > 0 {
		target = findPid(id)
	}
	var pending []signalRequest
	s.transition(m, stateRunning, "started "+short(id), func(m *member) {
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
		m.signalPid = target
		m.stopSignal = stopSig
		for _, sig := range m.pending {
			pending = append(pending, signalRequest{m, id, target, sig})
		}
		m.pending = nil
	})
	s.log.Printf("%s started (%s)", m.Name, short(id))
	for _, p := range pending {
		s.send(p)
	}
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
		m.ready = false
	})
	if code == codeUnknown {
		s.log.Printf("%s exited; the engine did not report its code in time", m.Name)
	} else {
		s.log.Printf("%s exited with %d", m.Name, code)
	}
	return outcome{code: code}
}

// codeUnknown stands for an exit code the engine did not report, as
// Docker's own -1.
const codeUnknown = -1

// wants reports whether a run that failed (or not) after restarts earlier
// restarts should be followed by another.
func (r Restart) wants(failed bool, restarts int) bool {
	switch r.Mode {
	case RestartAlways, RestartUnlessStopped:
		return true
	case RestartOnFailure:
		return failed && (r.MaxRetries == 0 || restarts < r.MaxRetries)
	}
	return false
}

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
