package pod

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/stretchr/testify/require"

	"github.com/podinit/podinit/healthprobe"
	"github.com/podinit/podinit/plan"
	"github.com/podinit/podinit/podspec"
)

// Lifecycle hooks on the fake engine: the order of execs, signals and
// starts (the engine's trail), and the budget.

func hook(cmd ...string) podspec.Hook { return podspec.Hook{Command: cmd} }

// index is where want is in trail, failing the test when it is not there.
func index(t *testing.T, trail []string, want string) int {
	t.Helper()
	i := slices.Index(trail, want)
	require.GreaterOrEqual(t, i, 0, "%q in %q", want, trail)
	return i
}

// The pre_stop hook runs, and ends, before the stop signal; the hook's
// options reach the exec.
func TestPreStopRunsBeforeTheStopSignal(t *testing.T) {
	cell(t, func(t *testing.T) {
		pre := podspec.Hook{Command: []string{"exit", "0", "500ms"}, User: "1000:1000", Env: []string{"A=1", "B"}, WorkingDir: "/work", Privileged: true}
		spec := podspec.Spec{Components: []podspec.Component{
			{Name: "app", Role: podspec.RoleMain, Config: run("run"), PreStop: []podspec.Hook{pre}},
		}}
		opts := testBudget
		opts.Allow = plan.Allow{plan.AllowPrivileged: true}
		h := newHarness(t, spec, opts)
		h.start()
		h.waitFor(10*time.Second, func() bool { return h.runs("app") }, "app to run")
		require.Equal(t, 0, h.stop().Code)
		require.Equal(t, []string{"start", "exec exit 0 500ms", "exec-done exit 0 500ms 0", "SIGTERM"}, h.eng.trailOf("app"))
		require.Equal(t, []container.ExecOptions{{Cmd: pre.Command, User: "1000:1000", Env: []string{"A=1", "B"}, WorkingDir: "/work", Privileged: true}}, h.eng.execOpts("app"))
		require.Contains(t, h.logs.String(), "app: pre_stop[0] [exit 0 500ms] done in 500ms")
	})
}

// A pre_stop hook that hangs is cut at the component's SIGKILL time less
// the reserve for the stop signal; the stop signal follows, and the pod
// still ends within its budget. With a stop_grace_period of 3s: the hook
// is cut at 1.5s (half of 3s is kept for the signal), the signal goes out then (and a stubborn component gets
// SIGKILL at 3s).
func TestPreStopThatRunsOutOfTimeIsCut(t *testing.T) {
	cell(t, func(t *testing.T) {
		spec := podspec.Spec{Components: []podspec.Component{
			{Name: "app", Role: podspec.RoleMain, Config: run("stubborn"), StopGrace: 3 * time.Second, PreStop: []podspec.Hook{hook("hang"), hook("exit", "0", "0s")}},
			{Name: "side", Role: podspec.RoleSidecar, Config: run("run"), PreStop: []podspec.Hook{hook("hang")}},
		}}
		opts := plan.Options{StopBudget: 10 * time.Second, StopMargin: time.Second, ReadyTimeout: 30 * time.Second}
		h := newHarness(t, spec, opts)
		h.start()
		h.waitFor(10*time.Second, func() bool { return h.runs("app", "side") }, "the pod to run")
		began := time.Now()
		h.sup.RequestStop("stop requested by the test")
		h.waitFor(5*time.Second, func() bool { return slices.Contains(h.eng.trailOf("app"), "SIGTERM") }, "app's stop signal")
		require.InDelta(t, 1500*time.Millisecond, time.Since(began), float64(10*time.Millisecond), "the hook gets 3s less a 1.5s reserve (waitFor looks every 10ms)")
		h.finish()
		// app: its grace, 3s. side, the last wave: from 3s to the pod's
		// deadline at 9s, 6s less the 2s reserve.
		require.Equal(t, []string{"start", "exec hang", "SIGTERM", "SIGKILL"}, h.eng.trailOf("app"), "the second pre_stop is skipped")
		require.NotContains(t, h.eng.trailOf("app"), "exec exit 0 0s")
		require.Contains(t, h.logs.String(), "warning: app: pre_stop[0] [hang] cut after 1.5s: its time in the stop ran out")
		require.Contains(t, h.logs.String(), "warning: side: pre_stop[0] [hang] cut after 4s")
		took := time.Since(began)
		require.LessOrEqual(t, took, opts.StopBudget)
	})
}

// A component without stop_grace_period has until the pod's deadline: its
// pre_stop is cut at the deadline less the reserve, whatever the hook
// does, and Run ends within the budget.
func TestHangingPreStopEndsWithinTheBudget(t *testing.T) {
	cell(t, func(t *testing.T) {
		spec := podspec.Spec{Components: []podspec.Component{
			{Name: "app", Role: podspec.RoleMain, Config: run("run"), PreStop: []podspec.Hook{hook("hang")}},
		}}
		h := newHarness(t, spec, testBudget)
		h.start()
		h.waitFor(10*time.Second, func() bool { return h.runs("app") }, "app to run")
		h.stop() // checks Run's return within the 4s budget
		require.Equal(t, []string{"start", "exec hang", "SIGTERM"}, h.eng.trailOf("app")[:3])
		// The deadline is 3s after the stop (4s budget less 1s margin):
		// the hook had 3s less a 1.5s reserve.
		require.Contains(t, h.logs.String(), "warning: app: pre_stop[0] [hang] cut after 1.5s")
	})
}

// A pre_stop that fails, or whose exec the engine refuses, is logged and
// the stop goes on.
func TestFailingPreStopIsLoggedAndTheStopGoesOn(t *testing.T) {
	cell(t, func(t *testing.T) {
		spec := podspec.Spec{Components: []podspec.Component{
			{Name: "app", Role: podspec.RoleMain, Config: run("run"), PreStop: []podspec.Hook{hook("exit", "3", "10ms"), hook("exit", "0", "0s")}},
			{Name: "side", Role: podspec.RoleSidecar, Config: run("run"), PreStop: []podspec.Hook{hook("exit", "0", "0s")}},
		}}
		h := newHarness(t, spec, testBudget)
		h.start()
		h.waitFor(10*time.Second, func() bool { return h.runs("app", "side") }, "the pod to run")
		res := h.stop()
		require.Equal(t, 0, res.Code)
		require.Equal(t, []string{"start", "exec exit 3 10ms", "exec-done exit 3 10ms 3", "SIGTERM"}, h.eng.trailOf("app"))
		require.Contains(t, h.logs.String(), "warning: app: pre_stop[0] [exit 3 10ms] exited with 3 after 100ms; going on with the stop", "seen at the first inspect after its end (every 100ms)")
	})
	cell(t, func(t *testing.T) {
		spec := podspec.Spec{Components: []podspec.Component{
			{Name: "app", Role: podspec.RoleMain, Config: run("run"), PreStop: []podspec.Hook{hook("exit", "0", "0s")}},
		}}
		h := newHarness(t, spec, testBudget)
		h.start()
		h.waitFor(10*time.Second, func() bool { return h.runs("app") }, "app to run")
		h.eng.setFault("ContainerExecCreate", faultBlock)
		h.stop()
		require.Equal(t, []string{"start", "SIGTERM"}, h.eng.trailOf("app"))
		require.Contains(t, h.logs.String(), "warning: app: pre_stop[0] [exit 0 0s] cut after 1.5s")
	})
}

// post_start runs after the component's start and before its dependents
// start: a sidecar's hooks before the main components, a depends_on
// service_started dependency's before its dependent.
func TestPostStartBeforeDependentsStart(t *testing.T) {
	cell(t, func(t *testing.T) {
		spec := podspec.Spec{Components: []podspec.Component{
			{Name: "side", Role: podspec.RoleSidecar, Config: run("run"), PostStart: []podspec.Hook{hook("exit", "0", "1s"), hook("exit", "0", "500ms")}},
			{Name: "db", Role: podspec.RoleMain, Config: run("run"), PostStart: []podspec.Hook{hook("exit", "0", "2s")}},
			{Name: "app", Role: podspec.RoleMain, Config: run("run"), DependsOn: map[string]podspec.Dependency{"db": {Condition: podspec.ConditionStarted, Required: true}}},
		}}
		h := newHarness(t, spec, testBudget)
		h.start()
		h.waitFor(10*time.Second, func() bool { return h.runs("side") }, "side to run")
		h.pass(1200 * time.Millisecond)
		require.Equal(t, healthprobe.StateRunning, h.component("side").State)
		require.Equal(t, "running its post_start hooks", h.component("side").Message)
		require.NotContains(t, h.eng.running(), "db", "main components wait for the sidecar's post_start")
		h.waitFor(10*time.Second, func() bool { return h.runs("app") }, "app to run")
		trail := h.eng.fullTrail()
		require.Less(t, index(t, trail, "side exec-done exit 0 500ms 0"), index(t, trail, "db start"))
		require.Less(t, index(t, trail, "side exec-done exit 0 1s 0"), index(t, trail, "side exec exit 0 500ms"), "one after another")
		require.Less(t, index(t, trail, "db exec-done exit 0 2s 0"), index(t, trail, "app start"))
		require.Equal(t, "", h.component("db").Message)
		h.stillRunning()
		require.Equal(t, 0, h.stop().Code)
	})
}

// A post_start that fails fails that start: the container is stopped (its
// pre_stop first) and the restart policy restarts it, up to its bound;
// then the pod ends as for a component that could not run.
func TestFailingPostStartFailsTheStart(t *testing.T) {
	cell(t, func(t *testing.T) {
		spec := podspec.Spec{Components: []podspec.Component{
			{Name: "app", Role: podspec.RoleMain, Config: run("run"),
				Restart:   podspec.Restart{Mode: podspec.RestartOnFailure, MaxRetries: 1},
				PostStart: []podspec.Hook{hook("exit", "0", "0s"), hook("exit", "7", "100ms")},
				PreStop:   []podspec.Hook{hook("exit", "0", "0s")}},
			{Name: "after", Role: podspec.RoleMain, Config: run("run"), DependsOn: map[string]podspec.Dependency{"app": {Condition: podspec.ConditionStarted, Required: true}}},
		}}
		h := newHarness(t, spec, testBudget)
		h.start()
		res := h.finish()
		require.Empty(t, h.eng.trailOf("after"), "a start whose post_start failed is no start for its dependents")
		require.Equal(t, ExitCannotRun, res.Code)
		require.Contains(t, res.Reason, "post_start[1] [exit 7 100ms] exited with 7: its start failed")
		run := []string{"start", "exec exit 0 0s", "exec-done exit 0 0s 0", "exec exit 7 100ms", "exec-done exit 7 100ms 7", "exec exit 0 0s", "exec-done exit 0 0s 0", "SIGTERM"}
		require.Equal(t, append(slices.Clone(run), run...), h.eng.trailOf("app"), "two runs: the first and its one restart")
		require.Contains(t, h.logs.String(), "app: post_start[1] [exit 7 100ms] exited with 7: its start failed: stopping it with SIGTERM; to restart it")
		require.Contains(t, h.logs.String(), "retrying in 1s (restart: on-failure)")
		c := h.component("app")
		require.Equal(t, 1, c.Restarts)
		require.Zero(t, h.eng.left())
	})
	// Without a restart policy, a sidecar's failed post_start fails its
	// dependents, which never start.
	cell(t, func(t *testing.T) {
		spec := podspec.Spec{Components: []podspec.Component{
			{Name: "side", Role: podspec.RoleSidecar, Config: run("run"), PostStart: []podspec.Hook{hook("exit", "1", "0s")}},
			{Name: "app", Role: podspec.RoleMain, Config: run("run")},
		}}
		h := newHarness(t, spec, testBudget)
		h.start()
		res := h.finish()
		require.Equal(t, ExitCannotRun, res.Code)
		require.Contains(t, res.Reason, "post_start[0] [exit 1 0s] exited with 1")
		require.Empty(t, h.eng.trailOf("app"))
	})
}

// The container's exit during post_start ends the run with its code; the
// pod's stop during post_start stops it, with its pre_stop, within the
// budget.
func TestPostStartEndsWithTheRun(t *testing.T) {
	cell(t, func(t *testing.T) {
		spec := podspec.Spec{Components: []podspec.Component{
			{Name: "app", Role: podspec.RoleMain, Config: run("exit", "4", "1s"), PostStart: []podspec.Hook{hook("hang")}},
		}}
		h := newHarness(t, spec, testBudget)
		h.start()
		res := h.finish()
		require.Equal(t, 4, res.Code)
		require.Contains(t, h.logs.String(), "app exited while its post_start hooks ran")
	})
	cell(t, func(t *testing.T) {
		spec := podspec.Spec{Components: []podspec.Component{
			{Name: "app", Role: podspec.RoleMain, Config: run("run"), PostStart: []podspec.Hook{hook("hang")}, PreStop: []podspec.Hook{hook("exit", "0", "0s")}},
		}}
		h := newHarness(t, spec, testBudget)
		h.start()
		h.waitFor(10*time.Second, func() bool { return slices.Contains(h.eng.trailOf("app"), "exec hang") }, "the post_start hook to run")
		require.Equal(t, 0, h.stop().Code)
		require.Equal(t, []string{"start", "exec hang", "exec exit 0 0s", "exec-done exit 0 0s 0", "SIGTERM"}, h.eng.trailOf("app")[:5])
	})
}

// A component stopped to be restarted as unhealthy gets its pre_stop
// first, as Kubernetes runs preStop before a liveness kill; the pod's stop
// that comes during it cuts it and does not run it again.
func TestPreStopRunsOnAnUnhealthyRestart(t *testing.T) {
	cell(t, func(t *testing.T) {
		h := livenessPodWith(t, []podspec.Hook{hook("exit", "0", "300ms")})
		h.start()
		h.waitFor(10*time.Second, func() bool { return h.runs("app", "side") && h.component("side").Health == healthprobe.Healthy }, "the pod to run")
		h.eng.turnHealth("side", "unhealthy")
		h.waitFor(time.Second, func() bool { return h.component("side").State == healthprobe.StateRestarting }, "side to be stopped")
		require.Equal(t, []string{"start", "exec exit 0 300ms", "exec-done exit 0 300ms 0", "SIGTERM"}, h.eng.trailOf("side"))
		h.waitFor(5*time.Second, func() bool { return h.component("side").Health == healthprobe.Healthy }, "side to be healthy again")
		require.Equal(t, 0, h.stop().Code)
	})
	cell(t, func(t *testing.T) {
		h := livenessPodWith(t, []podspec.Hook{hook("hang")})
		h.start()
		h.waitFor(10*time.Second, func() bool { return h.runs("app", "side") && h.component("side").Health == healthprobe.Healthy }, "the pod to run")
		h.eng.turnHealth("side", "unhealthy")
		h.waitFor(time.Second, func() bool { return slices.Contains(h.eng.trailOf("side"), "exec hang") }, "side's pre_stop")
		h.stop()
		trail := h.eng.trailOf("side")
		require.Equal(t, 1, strings.Count(strings.Join(trail, "\n"), "exec hang"), "once: %q", trail)
		require.Less(t, index(t, trail, "exec hang"), index(t, trail, "SIGTERM"))
	})
}

func livenessPodWith(t *testing.T, preStop []podspec.Hook) *harness {
	spec := defaultPod(t)
	spec.Components[1].OnUnhealthy = podspec.UnhealthyRestart
	spec.Components[1].Restart = podspec.Restart{Mode: podspec.RestartAlways}
	spec.Components[1].PreStop = preStop
	return newHarness(t, spec, testBudget)
}

// A privileged hook is under the privilege ceiling as a privileged
// component is, and reported with every other problem.
func TestPrivilegedHookIsUnderTheCeiling(t *testing.T) {
	spec := podspec.Spec{Components: []podspec.Component{{
		Name: "app", Role: podspec.RoleMain, Config: run("run"), Source: "compose.yaml: services.app",
		Lines:     map[string]int{"post_start": 4, "pre_stop": 7, "cap_add": 3},
		Host:      container.HostConfig{CapAdd: []string{"SYS_ADMIN"}},
		PostStart: []podspec.Hook{hook("true"), {Command: []string{"true"}, Privileged: true}},
		PreStop:   []podspec.Hook{{Command: []string{"true"}, Privileged: true}},
	}}}
	_, err := plan.NewPlan(spec, ctrl, testBudget)
	var pe *plan.PlanError
	require.ErrorAs(t, err, &pe)
	var got []string
	for _, p := range pe.Problems {
		got = append(got, p.Error())
	}
	require.Contains(t, got, "compose.yaml (line 4): services.app.post_start[1].privileged: true runs the hook with every capability of the host; the controller's -allow privileged would permit it")
	require.Contains(t, got, "compose.yaml (line 7): services.app.pre_stop[0].privileged: true runs the hook with every capability of the host; the controller's -allow privileged would permit it")
	require.Len(t, got, 3, "with cap_add's: %q", got)

	opts := testBudget
	opts.Allow = plan.Allow{plan.AllowPrivileged: true, plan.AllowCapabilities: true}
	_, err = plan.NewPlan(spec, ctrl, opts)
	require.NoError(t, err)
}

func TestPreStopReserve(t *testing.T) {
	require.Equal(t, 2*time.Second, preStopReserve(10*time.Second))
	require.Equal(t, 2*time.Second, preStopReserve(4*time.Second))
	require.Equal(t, 1500*time.Millisecond, preStopReserve(3*time.Second))
	require.Equal(t, time.Duration(0), preStopReserve(-time.Second))
}

func TestHookCommand(t *testing.T) {
	require.Equal(t, `[sh -c "echo $X > /tmp/f"]`, HookCommand(hook("sh", "-c", "echo $X > /tmp/f")))
	require.Equal(t, `[true ""]`, HookCommand(hook("true", "")))
}

// With the engine lost, the stop goes on without the pre_stop hooks: only
// the engine runs an exec.
func TestPreStopIsSkippedWithTheEngineLost(t *testing.T) {
	cell(t, func(t *testing.T) {
		opts := testBudget
		opts.EngineLostAfter, opts.SharePID = 5*time.Second, true
		spec := defaultPod(t)
		spec.Components[0].PreStop = []podspec.Hook{hook("exit", "0", "0s")}
		h := newHarness(t, spec, opts)
		h.sup.runEnv.findTarget = h.eng.target
		h.start()
		h.waitFor(10*time.Second, func() bool { return h.runs("app", "side") }, "the pod to run")
		h.eng.vanish(true, false)
		res := h.finish()
		require.Equal(t, ExitEngineLost, res.Code, "%+v", res)
		require.Equal(t, []string{"start", "SIGTERM"}, h.eng.trailOf("app"))
		require.Contains(t, h.logs.String(), "warning: app: pre_stop hooks skipped: the engine, which runs them, is lost")
	})
}
