package healthprobe

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func code(n int) *int { return &n }

func TestEvaluate(t *testing.T) {
	t0 := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	const period = 30 * time.Second
	early := t0.Add(10 * time.Second)         // inside the start period
	late := t0.Add(period + time.Millisecond) // just past it

	// Building blocks: each is a component as it should be in a healthy pod.
	initDone := Component{Name: "migrate", Role: RoleInit, State: StateExited, LastExit: code(0)}
	web := Component{Name: "web", Role: RoleMain, State: StateRunning, Health: Healthy}
	plain := Component{Name: "worker", Role: RoleMain, State: StateRunning} // no healthcheck
	proxy := Component{Name: "proxy", Role: RoleSidecar, State: StateRunning, Health: Healthy}
	with := func(c Component, f func(*Component)) Component { f(&c); return c }
	pod := func(phase Phase, cs ...Component) Status {
		return Status{Phase: phase, StartedAt: t0, Components: cs}
	}

	tests := []struct {
		name    string
		status  Status
		now     time.Time
		want    string
		reasons []string // each must appear in one reason
	}{
		// Healthy.
		{"every component as it should be", pod(PhaseRunning, initDone, web, plain, proxy), late, Healthy, nil},
		{"healthy does not wait for the start period", pod(PhaseRunning, web), early, Healthy, nil},
		{"main component that finished its job with 0", pod(PhaseRunning, with(plain, func(c *Component) { c.State, c.LastExit = StateExited, code(0) }), web), late, Healthy, nil},
		{"restarted component running again counts", pod(PhaseRunning, with(web, func(c *Component) { c.Restarts, c.LastExit = 2, code(1) })), late, Healthy, nil},

		// Start-up progress: starting inside the period, unhealthy after it.
		{"pod phase starting", pod(PhaseStarting, web), early, Starting, []string{"pod: starting"}},
		{"pod phase starting past the period", pod(PhaseStarting, web), late, Unhealthy, []string{"pod: starting", "start period 30s"}},
		{"init component running", pod(PhaseStarting, with(initDone, func(c *Component) { c.State, c.LastExit = StateRunning, nil }), with(web, func(c *Component) { c.State, c.Health = StateWaiting, "" })), early, Starting, []string{"migrate: init component still running", "web: waiting"}},
		{"init component running past the period", pod(PhaseStarting, with(initDone, func(c *Component) { c.State, c.LastExit = StateRunning, nil })), late, Unhealthy, []string{"migrate: init component still running"}},
		{"waiting for dependencies, with the supervisor's message", pod(PhaseStarting, with(web, func(c *Component) { c.State, c.Health, c.Message = StateWaiting, "", "waiting for db to be healthy" })), early, Starting, []string{"web: waiting (waiting for db to be healthy)"}},
		{"creating", pod(PhaseStarting, with(web, func(c *Component) { c.State, c.Health = StateCreating, "" })), early, Starting, []string{"web: creating"}},
		{"starting", pod(PhaseStarting, with(web, func(c *Component) { c.State, c.Health = StateStarting, "" })), early, Starting, []string{"web: starting"}},
		{"healthcheck starting in a running pod", pod(PhaseRunning, with(web, func(c *Component) { c.Health = Starting }), proxy), early, Starting, []string{"web: running, healthcheck starting"}},
		{"healthcheck starting past the period", pod(PhaseRunning, with(web, func(c *Component) { c.Health = Starting })), late, Unhealthy, []string{"web: running, healthcheck starting", "still starting 30.001s after it began"}},
		{"sidecar healthcheck starting counts", pod(PhaseRunning, web, with(proxy, func(c *Component) { c.Health = Starting })), early, Starting, []string{"proxy:"}},
		{"the period ends exactly at StartedAt+startPeriod", pod(PhaseStarting, web), t0.Add(period), Unhealthy, nil},
		{"zero StartedAt counts as the period long over", Status{Phase: PhaseStarting, Components: []Component{web}}, early, Unhealthy, []string{"after the start period of 30s"}},

		// Failures: unhealthy at once, even inside the start period.
		{"component healthcheck unhealthy", pod(PhaseRunning, with(web, func(c *Component) { c.Health = Unhealthy }), plain), early, Unhealthy, []string{"web: running, healthcheck unhealthy"}},
		{"sidecar unhealthy counts", pod(PhaseRunning, web, with(proxy, func(c *Component) { c.Health = Unhealthy })), late, Unhealthy, []string{"proxy: running, healthcheck unhealthy"}},
		{"restarting under its restart policy", pod(PhaseRunning, with(web, func(c *Component) { c.State, c.Restarts, c.LastExit = StateRestarting, 3, code(1) })), early, Unhealthy, []string{"web: restarting (3 restarts, last exit 1)"}},
		{"restarting during start-up beats starting", pod(PhaseStarting, with(web, func(c *Component) { c.State, c.Restarts, c.LastExit = StateRestarting, 1, code(2) }), with(plain, func(c *Component) { c.State = StateWaiting })), early, Unhealthy, []string{"web: restarting (1 restart, last exit 2)", "worker: waiting"}},
		{"init component failed", pod(PhaseStarting, with(initDone, func(c *Component) { c.LastExit = code(3) })), early, Unhealthy, []string{"migrate: exited (last exit 3)"}},
		{"main component exited non-zero", pod(PhaseRunning, with(plain, func(c *Component) { c.State, c.LastExit = StateExited, code(137) }), web), late, Unhealthy, []string{"worker: exited (last exit 137)"}},
		{"sidecar exited 0 while the pod runs", pod(PhaseRunning, web, with(proxy, func(c *Component) { c.State, c.LastExit = StateExited, code(0) })), late, Unhealthy, []string{"proxy: exited (last exit 0)"}},
		{"component stopping in a running pod", pod(PhaseRunning, with(web, func(c *Component) { c.State = StateStopping })), late, Unhealthy, []string{"web: stopping"}},
		{"unknown component state", pod(PhaseRunning, with(web, func(c *Component) { c.State = "paused" })), late, Unhealthy, []string{`web: unknown state "paused"`}},
		{"unknown component health", pod(PhaseRunning, with(web, func(c *Component) { c.Health = "meh" })), late, Unhealthy, []string{`unknown health "meh"`}},

		// Liveness: a component the pod restarts when unhealthy is
		// restarted in place, and the pod stays healthy meanwhile.
		{"liveness: unhealthy with a restart left", pod(PhaseRunning, web, with(proxy, func(c *Component) { c.Health, c.Liveness, c.CanRestart = Unhealthy, true, true })), late, Healthy, nil},
		{"liveness: main unhealthy with a restart left", pod(PhaseRunning, with(web, func(c *Component) { c.Health, c.Liveness, c.CanRestart = Unhealthy, true, true })), late, Healthy, nil},
		{"liveness: restarting", pod(PhaseRunning, web, with(proxy, func(c *Component) {
			c.State, c.Health, c.Liveness, c.Restarts, c.LastReason = StateRestarting, "", true, 2, "unhealthy"
		})), early, Healthy, nil},
		{"liveness: restarts used up", pod(PhaseRunning, web, with(proxy, func(c *Component) { c.Health, c.Liveness, c.CanRestart = Unhealthy, true, false })), late, Unhealthy, []string{"proxy: running, healthcheck unhealthy"}},
		{"liveness: healthcheck starting after a restart", pod(PhaseRunning, web, with(proxy, func(c *Component) { c.Health, c.Liveness, c.Restarts = Starting, true, 1 })), late, Healthy, nil},
		{"liveness: made again after a restart", pod(PhaseRunning, web, with(proxy, func(c *Component) { c.State, c.Health, c.Liveness, c.Restarts = StateCreating, "", true, 1 })), late, Healthy, nil},
		{"liveness: a first start is progress as any", pod(PhaseRunning, web, with(proxy, func(c *Component) { c.Health, c.Liveness = Starting, true })), late, Unhealthy, []string{"proxy: running, healthcheck starting"}},
		{"liveness: an exited sidecar is a failure", pod(PhaseRunning, web, with(proxy, func(c *Component) { c.State, c.Liveness, c.Restarts, c.LastExit = StateExited, true, 2, code(143) })), late, Unhealthy, []string{"proxy: exited"}},
		{"no liveness: unhealthy though restarts are left", pod(PhaseRunning, web, with(proxy, func(c *Component) { c.Health, c.CanRestart = Unhealthy, true })), late, Unhealthy, []string{"proxy: running, healthcheck unhealthy"}},

		// Pod phases that are never healthy, whatever the components say.
		{"pod stopping", pod(PhaseStopping, web), early, Unhealthy, []string{"pod: stopping"}},
		{"pod stopped", pod(PhaseStopped), late, Unhealthy, []string{"pod: stopped"}},
		{"pod failed", pod(PhaseFailed, web), late, Unhealthy, []string{"pod: failed"}},
		{"unknown pod phase", pod("", web), late, Unhealthy, []string{`unknown phase ""`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, Evaluate(tt.status, tt.now, period))
			health, reasons := diagnose(tt.status, tt.now, period)
			assert.Equal(t, tt.want, health)
			if tt.want == Healthy {
				assert.Empty(t, reasons, "a healthy pod has no reasons")
				return
			}
			assert.NotEmpty(t, reasons, "every verdict but healthy says why")
			all := strings.Join(reasons, "\n")
			for _, r := range tt.reasons {
				assert.Contains(t, all, r)
			}
		})
	}
}

// A start period of zero means no grace at all: start-up progress is
// unhealthy at once, and a pod that is up is still healthy.
func TestEvaluateZeroStartPeriod(t *testing.T) {
	now := time.Now()
	starting := Status{Phase: PhaseStarting, StartedAt: now}
	assert.Equal(t, Unhealthy, Evaluate(starting, now, 0))
	running := Status{Phase: PhaseRunning, StartedAt: now, Components: []Component{{Name: "a", Role: RoleMain, State: StateRunning}}}
	assert.Equal(t, Healthy, Evaluate(running, now, 0))
}

func TestNotesTellRestartsInPlace(t *testing.T) {
	next := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	st := Status{Phase: PhaseRunning, Components: []Component{
		{Name: "web", Role: RoleMain, State: StateRunning, Health: Healthy, Liveness: true},
		{Name: "shipper", Role: RoleSidecar, State: StateRestarting, Liveness: true, Restarts: 1, LastReason: "unhealthy", NextRestart: &next},
		{Name: "cache", Role: RoleSidecar, State: StateRunning, Health: Unhealthy, Liveness: true, CanRestart: true, Restarts: 3, LastReason: "OOM-killed"},
		{Name: "db", Role: RoleMain, State: StateRestarting, Restarts: 2},
		{Name: "api", Role: RoleMain, State: StateRunning, Health: Starting, Liveness: true, Restarts: 1, LastReason: "exit code 2"},
	}}
	assert.Equal(t, []string{
		"shipper: restarting in place, next attempt at 03:04:05 (1 restart, last run ended: unhealthy)",
		"cache: unhealthy, being restarted in place (3 restarts, last run ended: OOM-killed)",
		"api: restarted in place, healthcheck starting (1 restart, last run ended: exit code 2)",
	}, notes(st), "only components the pod restarts when unhealthy, while that happens")
}
