package pod

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/docker/docker/api/types/container"

	"github.com/podinit/podinit/podspec"
)

// Lifecycle hooks, as docker compose runs them: each hook is an exec in the
// component's container with its command, user, privileged, environment
// and working directory, started detached and asked until it ends.
//
//   - post_start hooks run once the container has started, one after
//     another, each to exit 0. Until they are done the component does not
//     count as started (nor ready, nor healthy) for its dependents: docker
//     compose starts a dependent after its dependency's hooks. A hook that
//     fails (exits non-zero, or the exec cannot be made) fails that start,
//     as Compose's "if any command fails, the container stops": the
//     container is stopped as docker stop would (pre_stop, stop signal,
//     SIGKILL after its grace) and the run ends as a failed one, so that
//     the restart policy decides, and without a restart the pod's rules for
//     a component that could not run follow. A post_start has no time
//     limit of its own (neither Compose nor Kubernetes gives one); the
//     dependents' -ready-timeout bounds their wait. The container's exit
//     or the pod's stop ends the wait at once.
//   - pre_stop hooks run before the stop signal whenever the pod stops a
//     running component: in the pod's stop, in the component's stop wave,
//     and when it is stopped to be restarted as unhealthy or after a failed
//     post_start (as Kubernetes runs preStop before every kill). Their
//     time is part of the component's stop time: its SIGKILL stays where
//     the stop began plus its stop_grace_period, never past the pod's stop
//     deadline. They get that time less a reserve for the stop signal
//     (preStopReserve); a hook still running then is cut (its exec is no
//     longer waited for: SIGKILL ends it with the container). A hook that
//     fails or is cut is logged, the rest are skipped, and the stop goes
//     on. The engine runs an exec: a stop without the engine (lost) skips
//     them.
//
// The deadline rule of the exec calls (see calls.go): post_start's run on
// untilDeadline, as every call that makes a container run, and end with
// the run (its exit, the pod's stop); pre_stop's run on life, bounded by
// the hooks' own end. Each call also gets callTimeout.

// hookPoll is how often a running hook's exec is asked whether it ended
// (Compose asks every 100 ms too).
const hookPoll = 100 * time.Millisecond

// preStopReserveMax is the most of a stop's time kept from pre_stop for the
// stop signal: the 2 s Kubernetes gives a container after its preStop.
const preStopReserveMax = 2 * time.Second

// preStopReserve is what a stop of the given time keeps for the stop signal
// after the pre_stop hooks: 2 s, or half the time when it is shorter than
// 4 s.
func preStopReserve(window time.Duration) time.Duration {
	return max(min(preStopReserveMax, window/2), 0)
}

// errHookCut is a hook whose time ran out.
var errHookCut = errors.New("its time ran out")

// execHook runs one hook in container id on ctx and returns its exit code.
func (c *engineCalls) execHook(ctx context.Context, id string, h podspec.Hook) (int, error) {
	call, cancel := c.withTimeout(ctx, callTimeout)
	resp, err := c.eng.ContainerExecCreate(call, id, container.ExecOptions{
		Cmd: h.Command, User: h.User, Privileged: h.Privileged, Env: h.Env, WorkingDir: h.WorkingDir,
	})
	cancel()
	if err != nil {
		return 0, c.hookErr(ctx, "creating its exec", err)
	}
	call, cancel = c.withTimeout(ctx, callTimeout)
	err = c.eng.ContainerExecStart(call, resp.ID, container.ExecStartOptions{Detach: true})
	cancel()
	if err != nil {
		return 0, c.hookErr(ctx, "starting it", err)
	}
	for {
		call, cancel = c.withTimeout(ctx, callTimeout)
		info, err := c.eng.ContainerExecInspect(call, resp.ID)
		cancel()
		if err != nil {
			return 0, c.hookErr(ctx, "asking whether it ended", err)
		}
		if !info.Running {
			return info.ExitCode, nil
		}
		if !sleep(hookPoll, ctx.Done()) {
			return 0, errHookCut
		}
	}
}

// hookErr says what failed; a call abandoned because the hook's own time
// ran out is errHookCut.
func (c *engineCalls) hookErr(ctx context.Context, doing string, err error) error {
	if ctx.Err() != nil {
		return errHookCut
	}
	return fmt.Errorf("%s: %w", doing, err)
}

// hookName names a hook in messages: post_start[0] [sh -c "echo hi"].
func hookName(kind string, i int, h podspec.Hook) string {
	return fmt.Sprintf("%s[%d] %s", kind, i, HookCommand(h))
}

// HookCommand writes a hook's command on one line, quoting the words that
// need it.
func HookCommand(h podspec.Hook) string {
	words := make([]string, len(h.Command))
	for i, w := range h.Command {
		if w == "" || strings.ContainsAny(w, " \t\n\"'\\$`") {
			w = strconv.Quote(w)
		}
		words[i] = w
	}
	return "[" + strings.Join(words, " ") + "]"
}

// postStart runs the member's post_start hooks in the run's container once
// it started. It returns ended false when they all exited 0 (or there are
// none): the run goes on, and dependents now count the member started.
// Otherwise the run has ended: the container exited, the pod's stop
// stopped it, or a hook failed and the container was stopped (out.err
// says which hook, and how).
func (r *runner) postStart(id string, exit *exitWatch) (out outcome, ended bool) {
	m := r.m
	if len(m.PostStart) == 0 {
		return outcome{}, false
	}
	// Only success clears postStarting: a run whose hooks did not all
	// succeed never counts as started (the next run's start sets it again).
	ctx, cancel := context.WithCancel(r.calls.untilDeadline)
	defer cancel()
	result := make(chan error, 1)
	m.update(func(m *member) { m.message = "running its post_start hooks" })
	if !r.crew.spawn("the post_start hooks of "+m.Name, func() { result <- r.runPostStart(ctx, id) }) {
		return r.stopRun(id, exit), true // Run is ending
	}
	select {
	case err := <-result:
		if err == nil {
			m.update(func(m *member) { m.message, m.postStarting = "", false })
			return outcome{}, false
		}
		if r.stopRequested() {
			// The pod stops: the component waits for its stop wave, as
			// any other (the hook may have been cut by the stop itself).
			select {
			case code := <-exit.code:
				return r.exitedDuringPostStart(id, code), true
			case <-m.stopCh:
				return r.stopRun(id, exit), true
			}
		}
		if alive, _, ierr := r.watch.aliveOrExit(r.calls.untilDeadline, id); ierr == nil && !alive {
			// The hook failed because the container ended: its exit,
			// which the wait reports, ends the run.
			select {
			case code := <-exit.code:
				return r.exitedDuringPostStart(id, code), true
			case <-m.stopCh:
				return r.stopRun(id, exit), true
			}
		}
		err = fmt.Errorf("%w: its start failed", err)
		code, takenOver := r.stopOwn(id, exit, err.Error()+": stopping it", func(sig string) string {
			return fmt.Sprintf("%s: %v: stopping it with %s; %s", m.Name, err, sig, m.restartWhy())
		}, "stopping it after a failed post_start")
		if takenOver {
			return r.stopRun(id, exit), true
		}
		out = r.exited(code)
		out.err = err
		return out, true
	case code := <-exit.code:
		cancel()
		return r.exitedDuringPostStart(id, code), true
	case <-m.stopCh:
		cancel()
		return r.stopRun(id, exit), true
	}
}

// exitedDuringPostStart ends a run whose container exited while its
// post_start hooks ran: as any exit, by its code.
func (r *runner) exitedDuringPostStart(id string, code int) outcome {
	r.awaitOOMWord(id, code)
	r.log.Printf("%s exited while its post_start hooks ran", r.m.Name)
	return r.exited(code)
}

// runPostStart runs the post_start hooks one after another; the first that
// fails ends them, with why.
func (r *runner) runPostStart(ctx context.Context, id string) error {
	m := r.m
	for i, h := range m.PostStart {
		name := hookName("post_start", i, h)
		began := time.Now()
		code, err := r.calls.execHook(ctx, id, h)
		switch {
		case errors.Is(err, errHookCut):
			return fmt.Errorf("%s: abandoned", name) // the run ended meanwhile
		case err != nil:
			return fmt.Errorf("%s: %w", name, err)
		case code != 0:
			return fmt.Errorf("%s exited with %d", name, code)
		}
		r.log.Printf("%s: %s done in %s", m.Name, name, time.Since(began).Round(time.Millisecond))
	}
	return nil
}

// preStop runs the member's pre_stop hooks in container id before its stop
// signal, until the member's SIGKILL time less preStopReserve at the
// latest, or until cut closes (the pod's stop taking over a stop of the
// member's own). It runs them once per container, whichever stop comes
// first. Every failure is logged; the stop always goes on.
func (s *stopper) preStop(m *member, id string, killAt time.Time, cut <-chan struct{}) {
	if len(m.PreStop) == 0 {
		return
	}
	first := false
	m.view(func(m *member) {
		if m.preStopFor != id {
			m.preStopFor, first = id, true
		}
	})
	if !first {
		return
	}
	if s.engine.state() == engineLost {
		s.log.Printf("warning: %s: pre_stop hooks skipped: the engine, which runs them, is lost", m.Name)
		return
	}
	now := time.Now()
	until := killAt.Add(-preStopReserve(killAt.Sub(now)))
	ctx, cancel := context.WithDeadline(s.calls.life, until)
	defer cancel()
	if cut != nil {
		stopCut := make(chan struct{})
		defer close(stopCut)
		go func() {
			select {
			case <-cut:
				cancel()
			case <-stopCut:
			}
		}()
	}
	var was string
	m.update(func(m *member) { was, m.message = m.message, "running its pre_stop hooks" })
	defer m.update(func(m *member) { m.message = was })
	for i, h := range m.PreStop {
		name := hookName("pre_stop", i, h)
		began := time.Now()
		code, err := s.calls.execHook(ctx, id, h)
		took := time.Since(began).Round(time.Millisecond)
		switch {
		case errors.Is(err, errHookCut):
			s.log.Printf("warning: %s: %s cut after %s: its time in the stop ran out (it may take until %s less %s kept for the stop signal); sending the stop signal", m.Name, name, took, killAt.Sub(now).Round(time.Millisecond), preStopReserve(killAt.Sub(now)))
			return
		case err != nil:
			s.log.Printf("warning: %s: %s: %v; going on with the stop", m.Name, name, err)
			return
		case code != 0:
			s.log.Printf("warning: %s: %s exited with %d after %s; going on with the stop", m.Name, name, code, took)
			return
		}
		s.log.Printf("%s: %s done in %s", m.Name, name, took)
	}
}
