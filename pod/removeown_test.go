package pod

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/podinit/podinit/plan"
	"github.com/podinit/podinit/podspec"
)

// On an engine whose restore kills auto-remove containers (Docker before
// 24.0.8 with live-restore), podinit makes its containers without
// auto-remove and removes them itself once they end.

func newHarnessRemovingOwn(t *testing.T, spec podspec.Spec, opts plan.Options) *harness {
	c := ctrl
	c.RemoveOwn = true
	return newHarnessOf(t, spec, opts, c)
}

func (h *harness) removals() int {
	h.eng.mu.Lock()
	defer h.eng.mu.Unlock()
	return h.eng.calls["ContainerRemove"]
}

func TestPlanWithoutAutoRemove(t *testing.T) {
	c := ctrl
	c.RemoveOwn = true
	pl, err := plan.NewPlan(defaultPod(t), c, testBudget)
	require.NoError(t, err)
	for _, m := range pl.Members() {
		require.False(t, m.Host.AutoRemove, m.Name)
	}
}

func TestRemoveOwn(t *testing.T) {
	t.Run("a job", func(t *testing.T) {
		cell(t, func(t *testing.T) {
			spec := podspec.Spec{Components: []podspec.Component{{Name: "job", Role: podspec.RoleMain, Config: run("exit", "0", "1s")}}}
			h := newHarnessRemovingOwn(t, spec, testBudget)
			h.start()
			res := h.finish()
			require.Equal(t, 0, res.Code, "%+v", res)
			require.Zero(t, h.eng.left())
			require.Equal(t, 1, h.removals())
		})
	})
	t.Run("a failure, its code from the exit", func(t *testing.T) {
		cell(t, func(t *testing.T) {
			spec := podspec.Spec{Components: []podspec.Component{{Name: "app", Role: podspec.RoleMain, Config: run("exit", "7", "1s")}}}
			h := newHarnessRemovingOwn(t, spec, testBudget)
			h.start()
			require.Equal(t, 7, h.finish().Code)
			require.Zero(t, h.eng.left())
		})
	})
	t.Run("restarts", func(t *testing.T) {
		cell(t, func(t *testing.T) {
			spec := podspec.Spec{Components: []podspec.Component{{Name: "app", Role: podspec.RoleMain, Config: run("exit", "1", "100ms"), Restart: podspec.Restart{Mode: podspec.RestartOnFailure, MaxRetries: 2}}}}
			h := newHarnessRemovingOwn(t, spec, testBudget)
			h.start()
			require.Equal(t, 1, h.finish().Code)
			require.Zero(t, h.eng.left())
			require.GreaterOrEqual(t, h.removals(), 3, "each run's container removed")
		})
	})
	t.Run("a stop", func(t *testing.T) {
		cell(t, func(t *testing.T) {
			h := newHarnessRemovingOwn(t, defaultPod(t), testBudget)
			h.start()
			h.waitFor(10*time.Second, func() bool { return h.runs("app", "side") }, "the pod to run")
			require.Equal(t, 0, h.stop().Code)
			require.Zero(t, h.eng.left())
		})
	})
	t.Run("the engine vanishes, the containers survive", func(t *testing.T) {
		cell(t, func(t *testing.T) {
			opts := testBudget
			opts.Logs = true
			runsThroughAnOutage(newHarnessRemovingOwn(t, defaultPod(t), opts))
		})
	})
	t.Run("the engine vanishes, the containers are gone", func(t *testing.T) {
		cell(t, func(t *testing.T) {
			h := newHarnessRemovingOwn(t, defaultPod(t), testBudget)
			h.start()
			h.waitFor(10*time.Second, func() bool { return h.runs("app", "side") }, "the pod to run")
			// They end while the engine is away, which publishes nothing
			// then: once it is back, its inspect tells their exit, and
			// podinit removes them.
			h.eng.vanish(true, false)
			h.pass(time.Second)
			h.eng.mu.Lock()
			for _, c := range h.eng.containers {
				c.status, c.code = "exited", 137
				close(c.exited)
			}
			h.eng.mu.Unlock()
			h.pass(2 * time.Second)
			h.eng.vanish(false, false)
			res := h.finish()
			require.Equal(t, 137, res.Code, "the code from the inspect of the exited container: %+v", res)
			require.Zero(t, h.eng.left())
		})
	})
}

// TestFaultMatrixRemovingOwn: each method faulty from the stop request on;
// the stop still ends within the budget with 0.
func TestFaultMatrixRemovingOwn(t *testing.T) {
	for _, method := range methods {
		for _, fault := range faults {
			t.Run(method+"/"+fault.String(), func(t *testing.T) {
				cell(t, func(t *testing.T) {
					opts := testBudget
					opts.Logs = true
					h := newHarnessRemovingOwn(t, defaultPod(t), opts)
					h.start()
					h.waitFor(10*time.Second, func() bool { return h.runs("app", "side") }, "the pod to run")
					h.eng.setFault(method, fault)
					require.Equal(t, 0, h.stop().Code)
				})
			})
		}
	}
}
