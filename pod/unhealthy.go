package pod

import (
	"fmt"
	"time"

	"golang.org/x/sys/unix"

	"github.com/podinit/podinit/healthprobe"
	"github.com/podinit/podinit/plan"
	"github.com/podinit/podinit/podspec"
)

// engineStopGrace is the grace a component without stop_grace_period gets
// when it is stopped to be restarted as unhealthy: the engine's own default
// for docker stop. (In the pod's stop it has until the pod's deadline
// instead: plan.Budget.)
const engineStopGrace = 10 * time.Second

// Why a run ended, besides "exit code N" and errors (member.lastReason).
const (
	reasonUnhealthy = "unhealthy"
	reasonOOM       = "OOM-killed"
)

// Restart on unhealthy (x-podinit.on-unhealthy: restart, or the
// controller's -on-unhealthy), as Kubernetes treats a failed liveness
// probe: Docker never restarts an unhealthy container, so the pod stops it
// (its pre_stop hooks first, as Kubernetes runs preStop before a liveness
// kill), and its restart policy decides, as for a failed run, whether it starts
// again: the same backoff as a crash, counted by on-failure:N. With restart:
// no, or its restarts used up, it stays stopped, and the pod goes on as
// for any component that ended (a main component's exit ends the pod with
// its code). The engine's own healthcheck, with its start_period, decides
// what is unhealthy: podinit acts only on its word "unhealthy", never while
// the check is still "starting".

// restartWhy says whether a run that ends now as failed is followed by
// another, for the log.
func (m *member) restartWhy() string {
	var restarts int
	m.view(func(m *member) { restarts = m.restarts })
	switch {
	case m.Restart.Wants(true, restarts):
		return "to restart it"
	case m.Restart.Mode == podspec.RestartOnFailure:
		return fmt.Sprintf("its restarts are used up (%d of on-failure:%d): it is not started again", restarts, m.Restart.MaxRetries)
	}
	return fmt.Sprintf("with restart %q it is not started again", plan.RestartName(m.Restart))
}

// unhealthyNow reports whether the engine's last word on the member's
// container id is "unhealthy".
func (m *member) unhealthyNow(id string) bool {
	sick := false
	m.view(func(m *member) { sick = m.id == id && m.state == stateRunning && m.health == healthprobe.Unhealthy })
	return sick
}

// onUnhealthy handles the engine's report that the member's running
// container id turned unhealthy. When the member opted in, the container is
// stopped with its pre_stop hooks, its stop signal and SIGKILL after its
// grace (stopOwn), and the run ends as failed (ended true); otherwise it
// runs on, and the pod reports it. The pod's stop, if it comes meanwhile,
// takes the stop over, within the pod's budget.
func (r *runner) onUnhealthy(id string, exit *exitWatch) (out outcome, ended bool) {
	m := r.m
	// During the pod's stop, the stop decides: an unhealthy component
	// waits for its wave like any other.
	if m.OnUnhealthy != podspec.UnhealthyRestart || !m.unhealthyNow(id) || m.stopping() || r.stopRequested() {
		return outcome{}, false
	}
	code, takenOver := r.stopOwn(id, exit, "unhealthy: stopping it", func(sig string) string {
		return fmt.Sprintf("%s is unhealthy: stopping it with %s (on-unhealthy: restart); %s", m.Name, sig, m.restartWhy())
	}, "stopping it as unhealthy")
	if takenOver {
		return r.stopRun(id, exit), true
	}
	return r.unhealthyEnded(code), true
}

// stopOwn stops the run's container outside the pod's stop (unhealthy, a
// failed post_start), as docker stop would, with its pre_stop hooks first:
// pre_stop, its stop signal, SIGKILL at its stop_grace_period (the
// engine's default when it has none) from the moment the stop began. The
// pod's stop, if it comes meanwhile, takes over (takenOver: the caller
// ends the run with stopRun, within the pod's budget). message is the
// member's while it stops, announce the log line for the signal's name, as
// what it is doing for the SIGKILL's line. It returns the exit code.
func (r *runner) stopOwn(id string, exit *exitWatch, message string, announce func(sig string) string, as string) (code int, takenOver bool) {
	m := r.m
	grace := m.StopGrace
	if grace <= 0 {
		grace = engineStopGrace
	}
	sig := stopSignal(m.StopSignal)
	var target procTarget
	m.update(func(m *member) {
		if m.stopSignal != 0 {
			sig = m.stopSignal
		}
		target = m.signalPid
		m.message = message
	})
	r.log.Print(announce(signalName(sig)))
	began := time.Now()
	killAt := began.Add(grace)
	r.stop.preStop(m, id, killAt, m.stopCh)
	r.signals.deliver(signalRequest{m, id, target, sig}, killAt)
	code, ended, stopped := r.awaitUnhealthyExit(id, exit, time.Until(killAt))
	switch {
	case ended:
		return code, false
	case stopped:
		return 0, true
	}
	r.log.Printf("%s: SIGKILL after %s (its stop grace, %s)", m.Name, time.Since(began).Round(time.Millisecond), as)
	r.signals.deliver(signalRequest{m, id, target, unix.SIGKILL}, time.Now().Add(plan.KillWait))
	code, ended, stopped = r.awaitUnhealthyExit(id, exit, plan.KillWait)
	switch {
	case ended:
		return code, false
	case stopped:
		return 0, true
	}
	// Killed, and the engine has not said so: the next create waits for
	// the name to be free (create's conflict handling).
	r.log.Printf("warning: %s: the engine has not reported its exit %s after SIGKILL; going on as if it had", m.Name, plan.KillWait)
	return 128 + int(unix.SIGKILL), false
}

// awaitUnhealthyExit waits up to d for the container's exit, or for the
// pod's stop request.
func (r *runner) awaitUnhealthyExit(id string, exit *exitWatch, d time.Duration) (code int, ended, stopped bool) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case code := <-exit.code:
		return code, true, false
	case <-r.m.stopCh:
		return 0, false, true
	case <-t.C:
		return 0, false, false
	}
}

// unhealthyEnded records the end of a run stopped as unhealthy.
func (r *runner) unhealthyEnded(code int) outcome {
	out := r.exited(code)
	out.unhealthy = true
	return out
}
