package pod

import (
	"context"
	"io"
	"log"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/podinit/podinit/healthprobe"
	"github.com/podinit/podinit/internal/testenv"
	"github.com/podinit/podinit/plan"
	"github.com/podinit/podinit/podspec"
)

// The supervisor's fault matrix: a fake engine behind Engine, in a
// synctest bubble (a fake clock that moves only when every goroutine waits,
// so a budget of seconds takes microseconds and timings are exact), drive
// it through engine calls that block, fail or answer late,
// streams that break while containers run, events out of order, deaths
// during a restart, an engine that vanishes and returns. Every cell checks
// the same invariants: Run returns within the stop budget, no goroutine is
// left, a broken stream never ends the pod, and every component reaches a
// final state exactly once. What a user sees of the same faults is tested
// on the real engine in cmd/podinit-pod.

// ctrl is the controller of the fake pods.
var ctrl = plan.Controller{ID: "c0ffee", Name: "web.1.abc", IpcMode: "shareable", Labels: map[string]string{
	"com.docker.swarm.task.name":    "web.1.abc",
	"com.docker.swarm.service.name": "web",
}}

var testBudget = plan.Options{StopBudget: 4 * time.Second, StopMargin: time.Second, ReadyTimeout: 30 * time.Second}

// harness is one supervisor on a fake engine.
type harness struct {
	t    *testing.T
	eng  *fakeEngine
	sup  *Supervisor
	logs *testenv.SyncBuffer
	done chan Result
}

func run(cmd ...string) container.Config { return container.Config{Image: "img", Cmd: cmd} }

func healthy(cfg container.Config) container.Config {
	cfg.Healthcheck = &container.HealthConfig{Test: []string{"CMD", "true"}}
	return cfg
}

// defaultPod: a sidecar with a healthcheck, and a main component that
// waits for it to be healthy and gets a pod.copy file.
func defaultPod(t *testing.T) podspec.Spec {
	src := filepath.Join(t.TempDir(), "conf")
	require.NoError(t, os.WriteFile(src, []byte("x"), 0o600))
	app := podspec.Component{Name: "app", Role: podspec.RoleMain, Config: run("run"), Copies: []podspec.Copy{{Src: src, Dst: "/etc/conf"}}}
	side := podspec.Component{Name: "side", Role: podspec.RoleSidecar, Config: healthy(run("run"))}
	return podspec.Spec{Components: []podspec.Component{app, side}}
}

func newHarness(t *testing.T, spec podspec.Spec, opts plan.Options) *harness {
	return newHarnessOf(t, spec, opts, ctrl)
}

func newHarnessOf(t *testing.T, spec podspec.Spec, opts plan.Options, ctrl plan.Controller) *harness {
	h := &harness{t: t, logs: &testenv.SyncBuffer{}, done: make(chan Result, 1)}
	h.eng = newFakeEngine()
	pl, err := plan.NewPlan(spec, ctrl, opts)
	require.NoError(t, err)
	h.sup = NewSupervisor(h.eng, pl, log.New(h.logs, "podinit: ", log.Lmicroseconds), io.Discard, io.Discard)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("supervisor log:\n%s", h.logs.String())
		}
	})
	return h
}

func (h *harness) start() { go func() { h.done <- h.sup.Run(context.Background()) }() }

// pass lets d pass.
func (h *harness) pass(d time.Duration) { time.Sleep(d) }

// waitFor polls cond for up to d.
func (h *harness) waitFor(d time.Duration, cond func() bool, what string) {
	h.t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			h.t.Fatalf("waited %s for %s", d, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// runs tells whether the named components run, as both the engine and the
// supervisor see it: the engine's container starts before podinit records
// it, and a test that acts in between races the supervisor.
func (h *harness) runs(names ...string) bool {
	r := h.eng.running()
	for _, n := range names {
		if !slices.Contains(r, n) || h.component(n).State != healthprobe.StateRunning {
			return false
		}
	}
	return true
}

func (h *harness) component(name string) healthprobe.Component {
	for _, c := range h.sup.Status().Components {
		if c.Name == name {
			return c
		}
	}
	return healthprobe.Component{}
}

// stillRunning fails the test if the pod has ended.
func (h *harness) stillRunning() {
	h.t.Helper()
	select {
	case r := <-h.done:
		h.t.Fatalf("the pod ended (%+v) though nothing asked it to", r)
	default:
	}
	require.Equal(h.t, healthprobe.PhaseRunning, h.sup.Status().Phase)
}

// finish waits for Run (after a stop request, or the pod's own end) and
// checks the invariants; it returns Run's result.
func (h *harness) finish() Result {
	h.t.Helper()
	var res Result
	select {
	case res = <-h.done:
	case <-time.After(10 * time.Second):
		h.t.Fatalf("Run has not returned 10s after the stop")
	}
	took := time.Since(h.sup.budget.Began())
	require.LessOrEqual(h.t, took, h.sup.budget.Total(), "Run returned %s after the stop request, past the %s budget", took, h.sup.budget.Total())
	require.Zero(h.t, h.sup.states.refused.Load(), "transitions the table refused")
	for _, m := range h.sup.roster.all() {
		m.view(func(m *member) {
			require.Equal(h.t, 1, m.finals, "%s reached a final state %d times (now %s)", m.Name, m.finals, m.state)
		})
	}
	h.eng.shutdown()
	return res
}

// stop asks the pod to stop and finishes.
func (h *harness) stop() Result {
	h.sup.RequestStop("stop requested by the test")
	return h.finish()
}

// cell runs one cell of the matrix in its own bubble, then checks that no
// goroutine is left.
func cell(t *testing.T, f func(t *testing.T)) {
	t.Helper()
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	synctest.Test(t, f)
}

// The faults every engine method is put through.
var faults = []fault{faultBlock, faultFail, faultLate}

// methods are the engine calls the supervisor makes while a pod runs.
var methods = []string{
	"ImageInspect", "ContainerList", "ContainerCreate", "CopyToContainer", "ContainerAttach",
	"ContainerStart", "ContainerInspect", "ContainerWait", "Events", "ContainerKill", "ContainerRemove",
}

// TestFaultMatrixFromTheStart: each method faulty from the pod's start,
// then a stop.
func TestFaultMatrixFromTheStart(t *testing.T) {
	for _, method := range methods {
		for _, fault := range faults {
			t.Run(method+"/"+fault.String(), func(t *testing.T) {
				cell(t, func(t *testing.T) {
					opts := testBudget
					opts.Logs = true
					h := newHarness(t, defaultPod(t), opts)
					h.eng.setFault(method, fault)
					h.start()
					h.pass(time.Second)
					h.finishAfterStop(method, fault)
				})
			})
		}
	}
}

// finishAfterStop stops a pod whose engine may be faulty, and checks that
// a requested stop gives 0 unless the start itself failed.
func (h *harness) finishAfterStop(method string, f fault) {
	h.t.Helper()
	res := h.stop()
	if res.Code != 0 {
		// Only a failing call that makes a container may fail the pod.
		require.Equal(h.t, faultFail, f, "result %+v", res)
		require.Contains(h.t, []string{"ImageInspect", "ContainerCreate", "CopyToContainer", "ContainerStart"}, method, "result %+v", res)
		require.Equal(h.t, ExitCannotRun, res.Code, "result %+v", res)
	}
}

// TestFaultMatrixDuringTheStop: each method faulty from the stop request
// on, with a pod that runs.
func TestFaultMatrixDuringTheStop(t *testing.T) {
	for _, method := range methods {
		for _, fault := range faults {
			t.Run(method+"/"+fault.String(), func(t *testing.T) {
				cell(t, func(t *testing.T) {
					opts := testBudget
					opts.Logs = true
					spec := defaultPod(t)
					// One component that ignores its stop signal, and gets
					// SIGKILL at its stop_grace_period.
					spec.Components = append(spec.Components, podspec.Component{Name: "stubborn", Role: podspec.RoleMain, Config: run("stubborn"), StopGrace: time.Second})
					h := newHarness(t, spec, opts)
					h.start()
					h.waitFor(10*time.Second, func() bool { return h.runs("app", "side", "stubborn") }, "the pod to run")
					h.stillRunning()
					h.eng.setFault(method, fault)
					res := h.stop()
					require.Equal(t, 0, res.Code, "a requested stop is a success: %+v", res)
				})
			})
		}
	}
}

// TestBrokenStreamsNeverEndThePod: a proxy that cuts every stream again
// and again while the containers run; the pod goes on, health included.
func TestBrokenStreamsNeverEndThePod(t *testing.T) {
	for _, logs := range []bool{false, true} {
		t.Run(map[bool]string{false: "without logs", true: "with logs"}[logs], func(t *testing.T) {
			cell(t, func(t *testing.T) {
				opts := testBudget
				opts.Logs = logs
				h := newHarness(t, defaultPod(t), opts)
				h.start()
				h.waitFor(10*time.Second, func() bool { return h.runs("app", "side") }, "the pod to run")
				for range 10 {
					h.eng.breakStreams()
					h.pass(500 * time.Millisecond)
					h.stillRunning()
				}
				require.Equal(t, healthprobe.Healthy, h.component("side").Health)
				require.Contains(t, h.logs.String(), "the wait for app")
				require.Equal(t, 0, h.stop().Code)
				require.Zero(t, h.eng.left())
			})
		})
	}
}

// TestExitDuringABrokenWaitIsReadFromTheEngine: the container exits while
// its wait is broken; its code comes from the engine, not from the broken
// connection.
func TestExitDuringABrokenWaitIsReadFromTheEngine(t *testing.T) {
	cell(t, func(t *testing.T) {
		spec := podspec.Spec{Components: []podspec.Component{{Name: "app", Role: podspec.RoleMain, Config: run("exit", "7", "1s")}}}
		h := newHarness(t, spec, testBudget)
		h.eng.setFault("ContainerWait", faultFail) // every wait breaks at once
		h.start()
		res := h.finish()
		require.Equal(t, 7, res.Code, "%+v", res)
	})
}

// TestHealthBeforeTheStartReturns: the health event comes before the start
// call has returned; a service_healthy dependent still starts.
func TestHealthBeforeTheStartReturns(t *testing.T) {
	cell(t, func(t *testing.T) {
		spec := podspec.Spec{Components: []podspec.Component{
			{Name: "db", Role: podspec.RoleMain, Config: healthy(run("run"))},
			{Name: "app", Role: podspec.RoleMain, Config: run("run"), DependsOn: map[string]podspec.Dependency{"db": {Condition: podspec.ConditionHealthy, Required: true}}},
		}}
		h := newHarness(t, spec, testBudget)
		h.eng.setFault("ContainerInspect", faultLate) // the inspect after start is late
		h.start()
		h.waitFor(20*time.Second, func() bool { return h.runs("db", "app") }, "app to start once db is healthy")
		require.Equal(t, 0, h.stop().Code)
	})
}

// TestRestartSurvivesTransientErrors: creates fail during a restart's
// backoff; the component is retried under its backoff, the status shows
// the last error, and the pod goes on.
func TestRestartSurvivesTransientErrors(t *testing.T) {
	cell(t, func(t *testing.T) {
		spec := podspec.Spec{Components: []podspec.Component{
			{Name: "app", Role: podspec.RoleMain, Config: run("exit", "1", "500ms"), Restart: podspec.Restart{Mode: podspec.RestartAlways}},
		}}
		h := newHarness(t, spec, testBudget)
		h.eng.onCreate = func(n int) {
			h.eng.setFault("ContainerCreate", map[bool]fault{true: faultFail, false: faultNone}[n == 2 || n == 3])
		}
		h.start()
		h.waitFor(30*time.Second, func() bool { return strings.Contains(h.component("app").Message, "injected engine fault") }, "the status to show the create's error")
		h.waitFor(30*time.Second, func() bool { return h.component("app").Restarts >= 3 }, "app to be restarted after the errors")
		h.stillRunning()
		require.Equal(t, 0, h.stop().Code)
	})
}

// TestErrorWithoutRestartPolicyEndsThePod: without a restart policy a
// create error ends the pod as before.
func TestErrorWithoutRestartPolicyEndsThePod(t *testing.T) {
	cell(t, func(t *testing.T) {
		h := newHarness(t, defaultPod(t), testBudget)
		h.eng.setFault("ContainerCreate", faultFail)
		h.start()
		res := h.finish()
		require.Equal(t, ExitCannotRun, res.Code)
		require.Contains(t, res.Reason, "injected engine fault")
	})
}

// TestDeathDuringARestartsCreate: the sidecar dies while the main
// component's restart waits for a late create; the pod ends in its budget.
func TestDeathDuringARestartsCreate(t *testing.T) {
	cell(t, func(t *testing.T) {
		spec := podspec.Spec{Components: []podspec.Component{
			{Name: "app", Role: podspec.RoleMain, Config: run("exit", "1", "300ms"), Restart: podspec.Restart{Mode: podspec.RestartOnFailure}},
			{Name: "side", Role: podspec.RoleSidecar, Config: run("run")},
		}}
		h := newHarness(t, spec, testBudget)
		h.start()
		h.waitFor(10*time.Second, func() bool { return h.component("app").State == healthprobe.StateRestarting }, "app to restart")
		h.eng.setFault("ContainerCreate", faultBlock)
		h.waitFor(10*time.Second, func() bool { return h.component("app").State == healthprobe.StateCreating }, "app's create")
		h.eng.mu.Lock()
		var side *fakeContainer
		for _, c := range h.eng.containers {
			if c.cfg.Labels[plan.LabelComponent] == "side" {
				side = c
			}
		}
		h.eng.mu.Unlock()
		h.eng.exit(side, 2)
		res := h.finish()
		require.Equal(t, 2, res.Code, "%+v", res)
		require.Contains(t, res.Reason, "sidecar side exited with 2")
	})
}

// runsThroughAnOutage: the engine vanishes for 10s while the containers
// run on, and returns; the pod runs throughout, then stops with 0 and
// leaves nothing.
func runsThroughAnOutage(h *harness) {
	h.start()
	h.waitFor(10*time.Second, func() bool { return h.runs("app", "side") }, "the pod to run")
	h.eng.vanish(true, false)
	h.pass(10 * time.Second)
	h.stillRunning()
	h.eng.vanish(false, false)
	h.pass(10 * time.Second)
	h.stillRunning()
	require.Equal(h.t, 0, h.stop().Code)
	require.Zero(h.t, h.eng.left())
}

// TestEngineVanishesAndReturns: with live-restore the containers outlive
// the engine, and so does the pod; without it they are gone, and the pod
// ends with the engine's word on their exit.
func TestEngineVanishesAndReturns(t *testing.T) {
	t.Run("containers survive", func(t *testing.T) {
		cell(t, func(t *testing.T) { runsThroughAnOutage(newHarness(t, defaultPod(t), testBudget)) })
	})
	t.Run("containers survive, with logs", func(t *testing.T) {
		cell(t, func(t *testing.T) {
			opts := testBudget
			opts.Logs = true
			h := newHarness(t, defaultPod(t), opts)
			h.start()
			h.waitFor(10*time.Second, func() bool { return h.runs("app", "side") }, "the pod to run")
			attaches := func() int {
				h.eng.mu.Lock()
				defer h.eng.mu.Unlock()
				return h.eng.calls["ContainerAttach"]
			}
			before := attaches()
			h.eng.vanish(true, false)
			h.pass(10 * time.Second)
			h.eng.vanish(false, false)
			h.pass(10 * time.Second)
			// Each component's output is attached again once the engine
			// is back, however long it was away.
			require.Equal(t, before+2, attaches(), "app and side attached again: %s", h.logs.String())
			require.Equal(t, 0, h.stop().Code)
			require.Zero(t, h.eng.left())
		})
	})
	t.Run("containers gone", func(t *testing.T) {
		cell(t, func(t *testing.T) {
			h := newHarness(t, defaultPod(t), testBudget)
			h.start()
			h.waitFor(10*time.Second, func() bool { return h.runs("app", "side") }, "the pod to run")
			h.eng.vanish(true, true)
			h.pass(2 * time.Second)
			h.eng.vanish(false, false)
			res := h.finish()
			require.Equal(t, 137, res.Code, "%+v", res)
			require.Zero(t, h.eng.left())
		})
	})
	t.Run("gone for the whole stop", func(t *testing.T) {
		cell(t, func(t *testing.T) {
			h := newHarness(t, defaultPod(t), testBudget)
			h.start()
			h.waitFor(10*time.Second, func() bool { return h.runs("app", "side") }, "the pod to run")
			h.eng.vanish(true, false)
			require.Equal(t, 0, h.stop().Code)
		})
	})
}

// TestSignalWhileCreatingIsDeliveredOnceRunning: a signal forwarded while
// a component's container is being made reaches it once it runs.
func TestSignalWhileCreatingIsDeliveredOnceRunning(t *testing.T) {
	cell(t, func(t *testing.T) {
		spec := podspec.Spec{Components: []podspec.Component{{Name: "app", Role: podspec.RoleMain, Config: run("run")}}}
		h := newHarness(t, spec, testBudget)
		h.eng.setFault("ContainerStart", faultLate)
		h.start()
		h.waitFor(10*time.Second, func() bool { return h.component("app").State == healthprobe.StateStarting }, "app to be starting")
		h.sup.Forward(syscall.SIGHUP)
		h.waitFor(10*time.Second, func() bool { return slices.Contains(h.eng.killsOf("app"), "SIGHUP") }, "app to get SIGHUP")
		require.Equal(t, 0, h.stop().Code)
	})
}

// TestPodOfInitComponentsEnds: a pod of init components only is a job.
func TestPodOfInitComponentsEnds(t *testing.T) {
	cell(t, func(t *testing.T) {
		spec := podspec.Spec{Init: []podspec.Component{
			{Name: "one", Config: run("exit", "0", "100ms")},
			{Name: "two", Config: run("exit", "0", "100ms")},
		}}
		h := newHarness(t, spec, testBudget)
		h.start()
		res := h.finish()
		require.Equal(t, Result{Code: 0, Reason: "every init component completed"}, res)
	})
}

// TestPanicInASupervisorGoroutineStopsThePod: a panic in a component's
// lifecycle stops the whole pod within its budget with ExitPanic, and
// leaves no container.
func TestPanicInASupervisorGoroutineStopsThePod(t *testing.T) {
	cell(t, func(t *testing.T) {
		spec := defaultPod(t)
		h := newHarness(t, spec, testBudget)
		h.start()
		h.waitFor(10*time.Second, func() bool { return h.runs("side") }, "side to run")
		h.eng.mu.Lock()
		h.eng.panicIn = "ContainerStart" // app's start, after side is healthy
		h.eng.mu.Unlock()
		res := h.finish()
		require.Equal(t, ExitPanic, res.Code, "%+v", res)
		require.Contains(t, res.Reason, "panic in the lifecycle of app")
		require.Zero(t, h.eng.left())
	})
}

// TestTransitionsRefuseImpossibleChanges: the table is the only way.
func TestTransitionsRefuseImpossibleChanges(t *testing.T) {
	h := newHarness(t, defaultPod(t), testBudget)
	m := h.sup.roster.byName["app"]
	require.False(t, h.sup.states.transition(m, stateRunning, "", nil))
	require.True(t, h.sup.states.transition(m, stateCreating, "", nil))
	require.True(t, h.sup.states.transition(m, stateExited, "", nil))
	require.False(t, h.sup.states.transition(m, stateCreating, "", nil), "nothing leaves a final state")
	require.EqualValues(t, 2, h.sup.states.refused.Load())
	require.Contains(t, h.logs.String(), "bug: app: refusing to go from waiting to running")
}

// TestPhaseMovesOnlyByTheTable: the pod's phase moves as phaseMoves says,
// and a move it does not list leaves the phase where it is.
func TestPhaseMovesOnlyByTheTable(t *testing.T) {
	var logs strings.Builder
	s := &Supervisor{phase: healthprobe.PhaseStarting, log: log.New(&logs, "", 0)}
	s.setPhase(healthprobe.PhaseRunning)
	require.Equal(t, healthprobe.PhaseRunning, s.phase)
	s.setPhase(healthprobe.PhaseStarting)
	require.Equal(t, healthprobe.PhaseRunning, s.phase)
	require.Equal(t, "internal error: the pod cannot go from phase running to starting; it stays running\n", logs.String())
	s.setPhase(healthprobe.PhaseStopping)
	s.setPhase(healthprobe.PhaseFailed)
	require.Equal(t, healthprobe.PhaseFailed, s.phase)
}
