package pod

import (
	"context"
	"errors"
	"io"
	"log"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"
)

// The policy for a lost engine (-engine-lost-after) and the sweep when it
// returns, on the fake engine: vanish takes every call and stream away
// while the containers run on; the fake's procTarget stands for a pidfd,
// which reaches a component without the engine.

// lostPod is the default pod with PID sharing (fake pidfds) and the given
// -engine-lost-after.
func lostPod(t *testing.T, lostAfter time.Duration, sharePID bool) *harness {
	opts := testBudget
	opts.EngineLostAfter, opts.SharePID = lostAfter, sharePID
	h := newHarness(t, defaultPod(t), opts)
	h.sup.runEnv.findTarget = h.eng.target
	h.start()
	h.waitFor(10*time.Second, func() bool { return h.runs("app", "side") }, "the pod to run")
	return h
}

func (f *fakeEngine) callsOf(method string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[method]
}

func TestEngineLostStopsThePodInOrder(t *testing.T) {
	cell(t, func(t *testing.T) {
		h := lostPod(t, 5*time.Second, true)
		vanished := time.Now()
		h.eng.vanish(true, false)
		h.pass(4 * time.Second)
		h.stillRunning()
		res := h.finish()
		require.Equal(t, ExitEngineLost, res.Code, "%+v", res)
		require.Contains(t, res.Reason, "-engine-lost-after 5s")
		// Lost after 5s of unanswered pings, a second apart; the stop is
		// over once the processes are gone, not at the budget's end.
		require.GreaterOrEqual(t, h.sup.budget.Began().Sub(vanished), 5*time.Second)
		require.LessOrEqual(t, h.sup.budget.Began().Sub(vanished), 5*time.Second+pingEvery)
		// The engine is lost: the pidfds alone end the stop.
		require.Less(t, time.Since(h.sup.budget.Began()), 3*goneCheck, "the stop sat out its budget waiting for the engine")
		require.Empty(t, h.eng.running())
		var order []string
		h.eng.mu.Lock()
		order = slices.Clone(h.eng.kills)
		h.eng.mu.Unlock()
		require.Equal(t, []string{"app SIGTERM (pidfd)", "side SIGTERM (pidfd)"}, order)
		require.Contains(t, h.logs.String(), "the engine was lost: not answering since")
	})
}

func TestEngineLostWithoutPIDSharingLeavesThePodRunning(t *testing.T) {
	cell(t, func(t *testing.T) {
		h := lostPod(t, 5*time.Second, false)
		vanished := time.Now()
		h.eng.vanish(true, false)
		res := h.finish()
		require.Equal(t, ExitEngineLost, res.Code, "%+v", res)
		require.LessOrEqual(t, time.Since(vanished), 5*time.Second+pingEvery+time.Second)
		require.ElementsMatch(t, []string{"app", "side"}, h.eng.running(), "only the engine could have stopped them")
		require.Contains(t, h.logs.String(), "app: left running: the engine is lost")
	})
}

func TestEngineBackBeforeLostSweepsOnce(t *testing.T) {
	cell(t, func(t *testing.T) {
		h := lostPod(t, 5*time.Second, true)
		require.Equal(t, 1, h.eng.callsOf("ContainerList"), "the sweep at start")
		h.eng.vanish(true, false)
		h.pass(2 * time.Second)
		h.eng.vanish(false, false)
		h.pass(20 * time.Second)
		h.stillRunning()
		require.Equal(t, 2, h.eng.callsOf("ContainerList"), "one sweep on the engine's return")
		require.Contains(t, h.logs.String(), "the engine answers again after")
		require.Equal(t, 0, h.stop().Code)
		require.Zero(t, h.eng.left())
	})
}

func TestEngineLostAfterZeroRunsOn(t *testing.T) {
	cell(t, func(t *testing.T) {
		h := lostPod(t, 0, true)
		h.eng.vanish(true, false)
		h.pass(5 * time.Minute)
		h.stillRunning()
		require.ElementsMatch(t, []string{"app", "side"}, h.eng.running())
		// A stop still ends it within its budget, the engine gone: once a
		// ping since the stop began (a second at most) went unanswered.
		require.Equal(t, 0, h.stop().Code)
		require.Empty(t, h.eng.running())
		require.Less(t, time.Since(h.sup.budget.Began()), pingEvery+3*goneCheck)
	})
}

func TestEngineLivenessTransitions(t *testing.T) {
	t0 := time.Unix(1000, 0)
	l := engineLiveness{lostAfter: 3 * time.Second}
	step := func(answered bool, at time.Duration, want liveness) {
		t.Helper()
		l.observe(answered, t0.Add(at))
		require.Equal(t, want, l.state, "after a ping at +%s (answered %v)", at, answered)
	}
	step(false, 0, engineUnreachable)
	step(false, 2*time.Second, engineUnreachable)
	step(true, 2500*time.Millisecond, engineAnswering) // an answer resets the clock
	step(false, 3*time.Second, engineUnreachable)
	step(false, 5900*time.Millisecond, engineUnreachable)
	step(false, 6*time.Second, engineLost)
	step(false, 60*time.Second, engineLost)
	step(true, 61*time.Second, engineAnswering)
	never := engineLiveness{}
	never.observe(false, t0)
	never.observe(false, t0.Add(time.Hour))
	require.Equal(t, engineUnreachable, never.state, "-engine-lost-after 0 never declares it lost")
}

// TestPausedEngineIsLost: a paused engine breaks no stream and answers
// nothing; the pings while it answered (every idleCheck) notice it.
func TestPausedEngineIsLost(t *testing.T) {
	cell(t, func(t *testing.T) {
		h := lostPod(t, 5*time.Second, true)
		paused := time.Now()
		for _, m := range append(methods, "Ping") {
			h.eng.setFault(m, faultBlock)
		}
		h.pass(idleCheck + 10*time.Second)
		res := h.finish()
		require.Equal(t, ExitEngineLost, res.Code, "%+v", res)
		// Noticed by the next idle ping, lost 5s later, each ping taking
		// its whole timeout.
		require.LessOrEqual(t, h.sup.budget.Began().Sub(paused), idleCheck+pingTimeout+5*time.Second+pingEvery+pingTimeout)
		require.Empty(t, h.eng.running())
	})
}

// TestEngineLostDuringARequestedStopStillStopsThroughIt: without PID
// sharing, a stop asked for while the engine answered keeps asking it when
// pings then go unanswered long enough to declare it lost (an engine
// loaded by a whole node's stop answers its calls late and its 1s pings
// not at all): the sidecar, which the stop reaches only once the engine
// is lost, is still stopped and removed. Only a stop the loss started
// leaves such components running (TestEngineLostWithoutPIDSharingLeavesThePodRunning).
func TestEngineLostDuringARequestedStopStillStopsThroughIt(t *testing.T) {
	cell(t, func(t *testing.T) {
		spec := defaultPod(t)
		spec.Components[0].Config = run("stubborn")
		// app's grace outlasts the idle ping that notices the engine, and
		// the second of -engine-lost-after.
		spec.Components[0].StopGrace = idleCheck + 5*time.Second
		opts := testBudget
		opts.StopBudget, opts.EngineLostAfter, opts.SharePID = 2*idleCheck+10*time.Second, time.Second, false
		h := newHarness(t, spec, opts)
		h.start()
		h.waitFor(10*time.Second, func() bool { return h.runs("app", "side") }, "the pod to run")
		h.sup.RequestStop("stop requested by the test")
		h.eng.setFault("Ping", faultBlock)
		h.pass(idleCheck + 5*time.Second) // app's grace: finish waits 10s more at most
		res := h.finish()
		require.Contains(t, h.logs.String(), "the engine was lost", "the engine must be lost before the sidecar's turn for this test to mean anything")
		require.Contains(t, h.logs.String(), "the stop under way goes on asking it")
		require.NotContains(t, h.logs.String(), "left running")
		require.Equal(t, []string{"app SIGTERM", "app SIGKILL", "side SIGTERM"}, h.eng.kills)
		require.Empty(t, h.eng.running())
		require.Zero(t, h.eng.left(), "every container removed")
		require.NotEqual(t, ExitEngineLost, res.Code, "%+v", res)
	})
}

// TestSweepsAfterReturnsRunOneAtATime: a return while a sweep runs asks
// for another after it, and the engine going away again abandons the one
// that runs (its follow-up may wait a minute for controllers' deaths).
func TestSweepsAfterReturnsRunOneAtATime(t *testing.T) {
	cell(t, func(t *testing.T) {
		var mu sync.Mutex
		var began, abandoned int
		release := make(chan struct{})
		g := &engineGuard{
			log: log.New(io.Discard, "", 0), life: t.Context(),
			spawn: func(_ string, f func()) bool { go f(); return true },
			back: func(abandon context.Context) {
				mu.Lock()
				began++
				mu.Unlock()
				select {
				case <-abandon.Done():
					mu.Lock()
					abandoned++
					mu.Unlock()
				case <-release:
				}
			},
		}
		counts := func() (int, int) { synctest.Wait(); mu.Lock(); defer mu.Unlock(); return began, abandoned }
		now := time.Now()
		g.act(engineUnreachable, engineAnswering, now, now, nil)
		g.act(engineAnswering, engineAnswering, now, now, nil) // no change, no sweep
		b, a := counts()
		require.Equal(t, [2]int{1, 0}, [2]int{b, a})

		g.act(engineAnswering, engineUnreachable, now, now, errors.New("ping timed out"))
		b, a = counts()
		require.Equal(t, [2]int{1, 1}, [2]int{b, a}, "the engine went away: the sweep is abandoned")

		g.act(engineUnreachable, engineAnswering, now, now, nil)
		synctest.Wait()
		g.act(engineUnreachable, engineAnswering, now, now, nil) // a second return while it runs
		b, a = counts()
		require.Equal(t, [2]int{2, 1}, [2]int{b, a}, "one sweep at a time")
		release <- struct{}{}
		b, a = counts()
		require.Equal(t, [2]int{3, 1}, [2]int{b, a}, "the return during the sweep asked for one more after it")
		release <- struct{}{}
		synctest.Wait()
		g.mu.Lock()
		defer g.mu.Unlock()
		require.False(t, g.sweeping, "nothing more was asked for")
	})
}

// An engine lost at the instant a component started (its inspect went
// unanswered) still leaves podinit its process to stop through a pidfd.
func TestEngineLostAsAComponentStartsStillReachesIt(t *testing.T) {
	cell(t, func(t *testing.T) {
		opts := testBudget
		opts.EngineLostAfter, opts.SharePID = 5*time.Second, true
		h := newHarness(t, defaultPod(t), opts)
		h.sup.runEnv.findTarget = h.eng.target
		h.eng.onStart = func(name string) error {
			if strings.HasSuffix(name, ".app") {
				h.eng.vanish(true, false) // the start itself goes through
			}
			return nil
		}
		h.start()
		res := h.finish()
		require.Equal(t, ExitEngineLost, res.Code, "%+v", res)
		require.Empty(t, h.eng.running())
		require.Contains(t, h.eng.killsOf("app"), "SIGTERM (pidfd)")
	})
}
