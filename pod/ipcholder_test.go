package pod

import (
	"io"
	"log"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/podinit/podinit/internal/testenv"
	"github.com/podinit/podinit/plan"
	"github.com/podinit/podinit/podspec"
)

// holderPod is two components in a pod whose controller's IPC namespace is
// private, so that an IPC holder shares one.
func holderPod(t *testing.T) *harness {
	spec := podspec.Spec{Components: []podspec.Component{
		{Name: "a", Role: podspec.RoleMain, Config: run("run")},
		{Name: "b", Role: podspec.RoleMain, Config: run("run")},
	}}
	private := ctrl
	private.IpcMode = "private"
	opts := testBudget
	opts.ShareIPC = true
	h := &harness{t: t, logs: &testenv.SyncBuffer{}, done: make(chan Result, 1), eng: newFakeEngine()}
	pl, err := plan.NewPlan(spec, private, opts)
	require.NoError(t, err)
	require.NotNil(t, pl.Holder)
	h.sup = NewSupervisor(h.eng, pl, log.New(h.logs, "podinit: ", log.Lmicroseconds), io.Discard, io.Discard)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("supervisor log:\n%s", h.logs.String())
		}
	})
	return h
}

// created reports whether the engine has a container of each component,
// whatever its state.
func (h *harness) created(names ...string) bool {
	h.eng.mu.Lock()
	defer h.eng.mu.Unlock()
	have := map[string]bool{}
	for _, c := range h.eng.containers {
		have[c.cfg.Labels[plan.LabelComponent]] = true
	}
	for _, n := range names {
		if !have[n] {
			return false
		}
	}
	return true
}

func isHolder(name string) bool { return strings.HasSuffix(name, "."+plan.HolderName) }

// bothStarts runs a cell twice: with the holder made by its lifecycle, and
// with the holder's head start (HeadStart) adopted, as the controller does.
func bothStarts(t *testing.T, f func(t *testing.T, ahead bool)) {
	for _, ahead := range []bool{false, true} {
		t.Run(map[bool]string{false: "made by its lifecycle", true: "head start"}[ahead], func(t *testing.T) {
			cell(t, func(t *testing.T) { f(t, ahead) })
		})
	}
}

// startAhead starts the pod; ahead, with its holder's head start adopted.
func (h *harness) startAhead(ahead bool) {
	if ahead {
		h.sup.Adopt(headStart(h))
	}
	h.start()
}

// TestComponentsAreCreatedWhileTheHolderStarts: the holder's start is off
// the critical path; the components start once it runs (the fake engine,
// like the real one, refuses to start a container that joins the IPC
// namespace of one that does not run).
func TestComponentsAreCreatedWhileTheHolderStarts(t *testing.T) {
	bothStarts(t, func(t *testing.T, ahead bool) {
		h := holderPod(t)
		release := make(chan struct{})
		h.eng.onStart = func(name string) error {
			if isHolder(name) {
				<-release
			}
			return nil
		}
		h.startAhead(ahead)
		h.waitFor(5*time.Second, func() bool { return h.created("a", "b") }, "both components created while the holder's start has not returned")
		require.Empty(t, h.eng.running(), "nothing starts before the holder runs")
		close(release)
		h.waitFor(5*time.Second, func() bool { return h.runs("a", "b", plan.HolderName) }, "the pod running")
		h.stillRunning()
		require.Zero(t, h.stop().Code)
		require.Zero(t, h.eng.left())
	})
}

// TestHolderThatCannotStartEndsThePodWithItsError: components already
// created are removed, and the pod's result is the holder's error.
func TestHolderThatCannotStartEndsThePodWithItsError(t *testing.T) {
	bothStarts(t, func(t *testing.T, ahead bool) {
		h := holderPod(t)
		h.eng.onStart = func(name string) error {
			if isHolder(name) {
				time.Sleep(200 * time.Millisecond) // the components are created meanwhile
				return errInjected
			}
			return nil
		}
		h.startAhead(ahead)
		res := h.finish()
		require.Equal(t, ExitCannotRun, res.Code)
		require.Contains(t, res.Reason, plan.HolderName)
		require.Contains(t, res.Reason, errInjected.Error())
		require.Equal(t, 1, h.eng.callsOf("ContainerStart"), "only the holder's start was tried")
		require.Zero(t, h.eng.left(), "nothing left behind")
	})
}

// TestStopWhileComponentsWaitForTheHolder: a stop that comes while the
// components wait for the holder removes them, within the budget.
func TestStopWhileComponentsWaitForTheHolder(t *testing.T) {
	bothStarts(t, func(t *testing.T, ahead bool) {
		h := holderPod(t)
		h.eng.onStart = func(name string) error {
			if isHolder(name) {
				time.Sleep(2 * time.Second)
			}
			return nil
		}
		h.startAhead(ahead)
		h.waitFor(5*time.Second, func() bool { return h.created("a", "b") }, "both components created")
		h.sup.RequestStop("stop requested by the test")
		res := h.finish()
		require.Zero(t, res.Code, res.Reason)
		require.Zero(t, h.eng.left(), "nothing left behind")
		require.Empty(t, h.eng.running())
	})
}
