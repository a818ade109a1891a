package pod

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/docker/docker/api/types/events"
	"github.com/stretchr/testify/require"

	"github.com/podinit/podinit/healthprobe"
	"github.com/podinit/podinit/plan"
	"github.com/podinit/podinit/podspec"
)

// Restart on unhealthy, on the fake engine: the sidecar "side" (with a
// healthcheck, healthy 100ms after each start) opts in; "app" is the main
// component.

func livenessPod(t *testing.T, restart podspec.Restart) *harness {
	spec := defaultPod(t)
	spec.Components[1].OnUnhealthy = podspec.UnhealthyRestart
	spec.Components[1].Restart = restart
	h := newHarness(t, spec, testBudget)
	return h
}

func (h *harness) healthNow() string {
	return healthprobe.Evaluate(h.sup.Status(), time.Now(), time.Minute)
}

func TestUnhealthyComponentIsRestartedInPlace(t *testing.T) {
	cell(t, func(t *testing.T) {
		h := livenessPod(t, podspec.Restart{Mode: podspec.RestartAlways})
		h.start()
		h.waitFor(10*time.Second, func() bool { return h.runs("app", "side") && h.component("side").Health == healthprobe.Healthy }, "the pod to run")
		app, side := h.eng.idOf("app"), h.eng.idOf("side")
		require.Equal(t, healthprobe.Healthy, h.healthNow())

		h.eng.turnHealth("side", "unhealthy")
		h.waitFor(time.Second, func() bool { return h.component("side").State == healthprobe.StateRestarting }, "side to be stopped")
		require.Equal(t, []string{"SIGTERM"}, h.eng.killsOf("side"), "stopped with its stop signal")
		c := h.component("side")
		require.Equal(t, reasonUnhealthy, c.LastReason)
		require.NotNil(t, c.NextRestart)
		require.Equal(t, time.Second, c.NextRestart.Sub(*c.FinishedAt), "the first restart's backoff, from the stop")
		require.Equal(t, healthprobe.Healthy, h.healthNow(), "a restart in place keeps the pod healthy")

		h.waitFor(5*time.Second, func() bool { return h.component("side").Health == healthprobe.Healthy }, "side to be healthy again")
		require.NotEqual(t, side, h.eng.idOf("side"), "a new container")
		require.Equal(t, app, h.eng.idOf("app"), "app ran on, untouched")
		require.Empty(t, h.eng.killsOf("app"))
		c = h.component("side")
		require.Equal(t, 1, c.Restarts)
		require.Nil(t, c.NextRestart)
		require.Equal(t, healthprobe.Healthy, h.healthNow())
		require.Contains(t, h.logs.String(), "side is unhealthy: stopping it with SIGTERM (on-unhealthy: restart); to restart it")
		require.Contains(t, h.logs.String(), "side stopped as unhealthy (exit 143); restarting in 1s (restart: always)")
		h.stillRunning()
		require.Equal(t, 0, h.stop().Code)
		require.Zero(t, h.eng.left())
	})
}

// The same backoff as a crash: 1s, 2s, 4s between an unhealthy report and
// the next start, as the runs were short.
func TestUnhealthyRestartsBackOff(t *testing.T) {
	cell(t, func(t *testing.T) {
		h := livenessPod(t, podspec.Restart{Mode: podspec.RestartAlways})
		var mu sync.Mutex
		var starts []time.Time
		h.eng.onStart = func(name string) error {
			if strings.HasSuffix(name, ".side") {
				mu.Lock()
				starts = append(starts, time.Now())
				mu.Unlock()
			}
			return nil
		}
		h.start()
		var gaps []time.Duration
		for i := range 4 {
			h.waitFor(30*time.Second, func() bool {
				return h.component("side").Health == healthprobe.Healthy && h.component("side").Restarts == i
			}, "side to be healthy")
			if i == 3 {
				break
			}
			sick := time.Now()
			h.eng.turnHealth("side", "unhealthy")
			h.waitFor(30*time.Second, func() bool { mu.Lock(); defer mu.Unlock(); return len(starts) == i+2 }, "side's restart")
			mu.Lock()
			gaps = append(gaps, starts[i+1].Sub(sick))
			mu.Unlock()
		}
		require.Equal(t, []time.Duration{time.Second, 2 * time.Second, 4 * time.Second}, gaps)
		h.stop()
	})
}

// on-failure:1: the second time side is unhealthy, it is stopped and not
// started again; a sidecar that ended while the main component runs fails
// the pod with its exit code (README's exit codes: N).
func TestUnhealthyWithRestartsUsedUpEndsThePod(t *testing.T) {
	cell(t, func(t *testing.T) {
		h := livenessPod(t, podspec.Restart{Mode: podspec.RestartOnFailure, MaxRetries: 1})
		h.start()
		h.waitFor(10*time.Second, func() bool { return h.runs("app", "side") && h.component("side").Health == healthprobe.Healthy }, "the pod to run")
		h.eng.turnHealth("side", "unhealthy")
		h.waitFor(10*time.Second, func() bool {
			c := h.component("side")
			return c.Restarts == 1 && c.Health == healthprobe.Healthy
		}, "side's one restart")
		require.True(t, h.component("side").CanRestart == false, "on-failure:1 has no restart left")
		h.eng.turnHealth("side", "unhealthy")
		res := h.finish()
		require.Equal(t, 143, res.Code, "%+v", res)
		require.Contains(t, h.logs.String(), "side is unhealthy: stopping it with SIGTERM (on-unhealthy: restart); its restarts are used up (1 of on-failure:1): it is not started again")
		require.Equal(t, []string{"SIGTERM", "SIGTERM"}, h.eng.killsOf("side"))
		require.Zero(t, h.eng.left())
	})
}

// Without opting in, an unhealthy component runs on and the pod reports
// it, as before.
func TestUnhealthyWithoutOptingInRunsOn(t *testing.T) {
	cell(t, func(t *testing.T) {
		spec := defaultPod(t)
		spec.Components[1].Restart = podspec.Restart{Mode: podspec.RestartAlways}
		h := newHarness(t, spec, testBudget)
		h.start()
		h.waitFor(10*time.Second, func() bool { return h.runs("app", "side") && h.component("side").Health == healthprobe.Healthy }, "the pod to run")
		h.eng.turnHealth("side", "unhealthy")
		h.waitFor(time.Second, func() bool { return h.component("side").Health == healthprobe.Unhealthy }, "the engine's word")
		h.pass(5 * time.Second)
		require.Empty(t, h.eng.killsOf("side"))
		require.Equal(t, healthprobe.Unhealthy, h.healthNow())
		h.stop()
	})
}

// -on-unhealthy restart is the default for components that do not say;
// on-unhealthy: none in x-podinit overrides it.
func TestOnUnhealthyFlagIsThePodsDefault(t *testing.T) {
	cell(t, func(t *testing.T) {
		spec := defaultPod(t)
		spec.Components[1].Restart = podspec.Restart{Mode: podspec.RestartAlways}
		third := podspec.Component{Name: "keep", Role: podspec.RoleSidecar, Config: healthy(run("run")), OnUnhealthy: podspec.UnhealthyNone, Restart: podspec.Restart{Mode: podspec.RestartAlways}}
		spec.Components = append(spec.Components, third)
		opts := testBudget
		opts.OnUnhealthy = podspec.UnhealthyRestart
		h := newHarness(t, spec, opts)
		h.start()
		h.waitFor(10*time.Second, func() bool {
			return h.component("side").Health == healthprobe.Healthy && h.component("keep").Health == healthprobe.Healthy
		}, "the pod to run")
		h.eng.turnHealth("keep", "unhealthy")
		h.eng.turnHealth("side", "unhealthy")
		// Restarts counts when the backoff ends, before the new run starts.
		h.waitFor(5*time.Second, func() bool { return h.component("side").Restarts == 1 && h.runs("side") }, "side's restart")
		require.Empty(t, h.eng.killsOf("keep"))
		require.Equal(t, 0, h.component("keep").Restarts)
		h.stop()
	})
}

// During the pod's stop, an unhealthy report changes nothing: the
// component waits for its wave and is stopped once, by the stop.
func TestUnhealthyDuringTheStopIsIgnored(t *testing.T) {
	cell(t, func(t *testing.T) {
		spec := defaultPod(t)
		spec.Components[0].Config = run("stubborn")
		spec.Components[0].StopGrace = time.Second
		spec.Components[1].OnUnhealthy = podspec.UnhealthyRestart
		spec.Components[1].Restart = podspec.Restart{Mode: podspec.RestartAlways}
		h := newHarness(t, spec, testBudget)
		h.start()
		h.waitFor(10*time.Second, func() bool { return h.runs("app", "side") && h.component("side").Health == healthprobe.Healthy }, "the pod to run")
		h.sup.RequestStop("stop requested by the test")
		h.waitFor(time.Second, func() bool { return len(h.eng.killsOf("app")) == 1 }, "app's stop signal")
		h.eng.turnHealth("side", "unhealthy") // while app has its grace
		res := h.finish()
		require.Equal(t, 0, res.Code, "%+v", res)
		require.Equal(t, []string{"SIGTERM"}, h.eng.killsOf("side"), "the stop's signal only")
		require.NotContains(t, h.logs.String(), "side is unhealthy: stopping it")
		require.Equal(t, 0, h.component("side").Restarts)
	})
}

// A restart the engine refuses is retried under the same backoff, and the
// status says why.
func TestUnhealthyRestartTheEngineRefusesIsRetried(t *testing.T) {
	cell(t, func(t *testing.T) {
		h := livenessPod(t, podspec.Restart{Mode: podspec.RestartAlways})
		var mu sync.Mutex
		refuse := false
		h.eng.onStart = func(name string) error {
			mu.Lock()
			defer mu.Unlock()
			if strings.HasSuffix(name, ".side") && refuse {
				refuse = false
				return errors.New("OCI runtime create failed: injected")
			}
			return nil
		}
		h.start()
		h.waitFor(10*time.Second, func() bool { return h.runs("app", "side") && h.component("side").Health == healthprobe.Healthy }, "the pod to run")
		mu.Lock()
		refuse = true
		mu.Unlock()
		h.eng.turnHealth("side", "unhealthy")
		// The reason is recorded before the move to restarting.
		h.waitFor(10*time.Second, func() bool {
			c := h.component("side")
			return strings.Contains(c.LastReason, "injected") && c.State == healthprobe.StateRestarting
		}, "the refused start to be retried")
		require.Equal(t, healthprobe.Healthy, h.healthNow(), "still a restart in place")
		h.waitFor(10*time.Second, func() bool { return h.component("side").Health == healthprobe.Healthy }, "side running again")
		require.Equal(t, 2, h.component("side").Restarts)
		require.Contains(t, h.logs.String(), "retrying in 2s")
		h.stop()
	})
}

// restart-on-exit-codes: with restart no, app restarts on 42 and ends the
// pod on any other code.
func TestRestartOnExitCodes(t *testing.T) {
	cell(t, func(t *testing.T) {
		spec := defaultPod(t)
		spec.Components[0].Config = run("exit", "42", "1s")
		spec.Components[0].Restart = podspec.Restart{Mode: podspec.RestartNo, ExitCodes: &podspec.ExitCodes{Codes: []int{42}}}
		h := newHarness(t, spec, testBudget)
		h.start()
		h.waitFor(30*time.Second, func() bool { return h.component("app").Restarts == 2 }, "two restarts on 42")
		require.Equal(t, "exit code 42", h.component("app").LastReason)
		require.Contains(t, h.logs.String(), "app exited with 42; restarting in 2s (restart: no)")
		h.stillRunning()
		h.stop()
	})
	cell(t, func(t *testing.T) {
		spec := defaultPod(t)
		spec.Components[0].Config = run("exit", "1", "1s")
		spec.Components[0].Restart = podspec.Restart{Mode: podspec.RestartNo, ExitCodes: &podspec.ExitCodes{Codes: []int{42}}}
		h := newHarness(t, spec, testBudget)
		h.start()
		res := h.finish()
		require.Equal(t, 1, res.Code, "a code the rule does not name follows restart: no")
		require.Equal(t, 0, h.component("app").Restarts)
	})
}

// The engine's oom event makes the run's reason "OOM-killed", not its
// exit code.
func TestOOMKilledIsTheLastReason(t *testing.T) {
	cell(t, func(t *testing.T) {
		spec := defaultPod(t)
		spec.Components[1].Restart = podspec.Restart{Mode: podspec.RestartAlways}
		h := newHarness(t, spec, testBudget)
		h.start()
		h.waitFor(10*time.Second, func() bool { return h.runs("app", "side") }, "the pod to run")
		id := h.eng.idOf("side")
		h.eng.publish(id, events.ActionOOM, nil)
		h.eng.exit(mustGet(t, h.eng, id), 137)
		// Restarts counts when the backoff ends, before the new run starts.
		h.waitFor(5*time.Second, func() bool { return h.component("side").Restarts == 1 && h.runs("side") }, "side's restart")
		require.Equal(t, reasonOOM, h.component("side").LastReason)
		h.eng.exit(mustGet(t, h.eng, h.eng.idOf("side")), 3)
		h.waitFor(10*time.Second, func() bool { return h.component("side").Restarts == 2 }, "side's second restart")
		require.Equal(t, "exit code 3", h.component("side").LastReason, "a new run is not OOM-killed")
		h.stop()
	})
}

func mustGet(t *testing.T, f *fakeEngine, id string) *fakeContainer {
	t.Helper()
	c, err := f.get(id)
	require.NoError(t, err)
	return c
}

// A dependent waits for a dependency that turned unhealthy but restarts
// for it, instead of failing at once (the pod's main components wait for
// a sidecar's readiness): it may be ready after its restart. Without a
// restart left, or without the opt-in, unhealthy is final.
func TestDependentWaitsForAnUnhealthyDependencyThatRestarts(t *testing.T) {
	sick := func(on podspec.OnUnhealthy, restart podspec.Restart, restarts int) string {
		m := newMember(&plan.Member{Component: podspec.Component{Name: "side", OnUnhealthy: on, Restart: restart}})
		m.update(func(m *member) {
			m.state, m.hasHealth, m.health, m.restarts = stateRunning, true, healthprobe.Unhealthy, restarts
		})
		met, failed, _ := m.meets(plan.ConditionReady)
		require.False(t, met)
		return failed
	}
	always := podspec.Restart{Mode: podspec.RestartAlways}
	once := podspec.Restart{Mode: podspec.RestartOnFailure, MaxRetries: 1}
	require.Empty(t, sick(podspec.UnhealthyRestart, always, 3))
	require.Empty(t, sick(podspec.UnhealthyRestart, once, 0))
	require.Equal(t, "is unhealthy", sick(podspec.UnhealthyRestart, once, 1))
	require.Equal(t, "is unhealthy", sick(podspec.UnhealthyRestart, podspec.Restart{Mode: podspec.RestartNo}, 0))
	require.Equal(t, "is unhealthy", sick(podspec.UnhealthyNone, always, 0))
}
