package pod

import (
	"log"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/podinit/podinit/plan"
)

// headStart starts the holder of h's plan as the controller does, before
// the supervisor runs.
func headStart(h *harness) *HeadStart {
	holder := plan.Holder(h.sup.plan.Controller, h.sup.plan.Options)
	require.NotNil(h.t, holder)
	return StartHolder(h.eng, holder, log.New(h.logs, "podinit: ", log.Lmicroseconds))
}

// starts counts the engine's starts of component name.
func (f *fakeEngine) starts(name string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, e := range f.trail {
		if e == name+" start" {
			n++
		}
	}
	return n
}

// TestAdoptedHolderIsNotMadeAgain: the holder started ahead of the pod is
// the pod's holder: one create and one start of it in all, and the
// components join it.
func TestAdoptedHolderIsNotMadeAgain(t *testing.T) {
	cell(t, func(t *testing.T) {
		h := holderPod(t)
		head := headStart(h)
		synctest.Wait()
		require.True(t, h.created(plan.HolderName), "the head start made the holder before the supervisor runs")
		h.sup.Adopt(head)
		h.start()
		h.waitFor(20*time.Second, func() bool { return h.runs("a", "b", plan.HolderName) }, "the pod to run")
		require.Equal(t, 3, h.eng.callsOf("ContainerCreate"), "one create of each component and of the holder")
		require.Equal(t, 1, h.eng.starts(plan.HolderName))
		require.Equal(t, 0, h.stop().Code)
		require.Zero(t, h.eng.left(), "nothing left")
	})
}

// TestFailedHeadStartIsMadeAgain: a head start whose create fails costs
// nothing: the holder's lifecycle makes the holder, and the pod runs.
func TestFailedHeadStartIsMadeAgain(t *testing.T) {
	cell(t, func(t *testing.T) {
		h := holderPod(t)
		h.eng.onCreate = func(n int) {
			h.eng.setFault("ContainerCreate", map[bool]fault{true: faultFail, false: faultNone}[n == 1])
		}
		head := headStart(h)
		synctest.Wait()
		require.False(t, h.created(plan.HolderName))
		h.sup.Adopt(head)
		h.start()
		h.waitFor(20*time.Second, func() bool { return h.runs("a", "b", plan.HolderName) }, "the pod to run")
		require.Contains(t, h.logs.String(), "the IPC holder's head start failed")
		require.Equal(t, 0, h.stop().Code)
		require.Zero(t, h.eng.left())
	})
}

// TestHeadStartOfAPodThatStopsFirstIsRemoved: the pod is stopped before
// its holder's first run took the head start: Run removes it.
func TestHeadStartOfAPodThatStopsFirstIsRemoved(t *testing.T) {
	cell(t, func(t *testing.T) {
		h := holderPod(t)
		head := headStart(h)
		synctest.Wait()
		require.Equal(t, 1, h.eng.starts(plan.HolderName), "the head start ran the holder")
		h.sup.Adopt(head)
		h.sup.RequestStop("stopped before it ran")
		h.start()
		h.finish()
		require.Zero(t, h.eng.left(), "the head start's holder is removed")
	})
}

// TestDiscardedHeadStartLeavesNothing: a pod that will not run (its labels
// are refused) removes the holder started ahead of it.
func TestDiscardedHeadStartLeavesNothing(t *testing.T) {
	cell(t, func(t *testing.T) {
		h := holderPod(t)
		headStart(h).Discard()
		require.Equal(t, 1, h.eng.starts(plan.HolderName), "it had started")
		require.Zero(t, h.eng.left(), "and is gone")
		h.eng.shutdown()
	})
}
