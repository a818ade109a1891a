package pod

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/containerd/errdefs"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/events"
	"github.com/stretchr/testify/require"

	"github.com/podinit/podinit/engine"
	"github.com/podinit/podinit/internal/testenv"
	"github.com/podinit/podinit/plan"
)

// sweepEngine is a node's containers for the sweep's ordering and fault
// logic; the real engine's behaviour is tested in ./multinode.
type sweepEngine struct {
	mu         sync.Mutex
	containers []container.Summary
	states     map[string]*container.State         // controllers; absent: not found
	stateErr   error                               // what a list of controllers by ID fails with
	lagging    map[string]container.ContainerState // what a list still says of a controller that died (the engine's view lags its events)
	asked      [][]string                          // the IDs of each list of controllers
	removeErr  map[string]error
	block      chan struct{} // when set, removals wait for it or the context
	listed     []string      // label filters of each list
	removed    []string

	subscribed chan subscription   // each subscription's options, when set
	events     chan events.Message // what a subscription delivers
	streamErr  chan error          // what breaks it
}

// subscription is what an event stream was asked for.
type subscription struct {
	Since   string
	Filters engine.Filters
}

func (e *sweepEngine) Events(ctx context.Context, since string, filters engine.Filters) (<-chan events.Message, <-chan error) {
	if e.subscribed != nil {
		e.subscribed <- subscription{since, filters}
	}
	return e.events, e.streamErr
}

// dies makes a controller exit, as the engine records it: its "die" event
// comes before the view its lists read is updated, so a list still says it
// runs; an inspect says it exited.
func (e *sweepEngine) dies(id string) {
	e.mu.Lock()
	if e.lagging == nil {
		e.lagging = map[string]container.ContainerState{}
	}
	e.lagging[id] = e.states[id].Status
	e.states[id] = &container.State{Status: "exited", ExitCode: 137}
	e.mu.Unlock()
	e.events <- events.Message{Type: events.ContainerEventType, Action: events.ActionDie, Actor: events.Actor{ID: id}}
}

// ContainerList lists stopped containers too, as Engine promises.
func (e *sweepEngine) ContainerList(_ context.Context, filters engine.Filters) ([]container.Summary, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.listed = append(e.listed, filters["label"]...)
	var out []container.Summary
	if ids := slices.Clone(filters["id"]); len(ids) > 0 {
		sort.Strings(ids)
		e.asked = append(e.asked, ids)
		if e.stateErr != nil {
			return nil, e.stateErr
		}
		for _, id := range ids {
			if st, ok := e.lagging[id]; ok {
				out = append(out, container.Summary{ID: id, State: st})
			} else if st, ok := e.states[id]; ok {
				out = append(out, container.Summary{ID: id, State: st.Status})
			}
		}
		return out, nil
	}
	for _, c := range e.containers {
		keep := true
		for _, f := range filters["label"] {
			k, v, exact := strings.Cut(f, "=")
			got, has := c.Labels[k]
			keep = keep && has && (!exact || got == v)
		}
		if keep {
			out = append(out, c)
		}
	}
	return out, nil
}

func (e *sweepEngine) ContainerInspect(_ context.Context, id string) (container.InspectResponse, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	st, ok := e.states[id]
	if !ok {
		return container.InspectResponse{}, errdefs.ErrNotFound.WithMessage("No such container: " + id)
	}
	return container.InspectResponse{ID: id, State: st}, nil
}

// ContainerRemove removes by force, as Engine promises.
func (e *sweepEngine) ContainerRemove(ctx context.Context, id string) error {
	if e.block != nil {
		select {
		case <-e.block:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if err := e.removeErr[id]; err != nil {
		return err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.removed = append(e.removed, id)
	sort.Strings(e.removed)
	e.containers = slices.DeleteFunc(slices.Clone(e.containers), func(c container.Summary) bool { return c.ID == id })
	return nil
}

func component(id, controller, pod string) container.Summary {
	return container.Summary{ID: id, Names: []string{"/" + pod + "." + id}, Labels: map[string]string{plan.LabelController: controller, plan.LabelPod: pod}}
}

func TestSweepRemovesWhatDeadControllersOfAnyPodLeft(t *testing.T) {
	eng := &sweepEngine{
		containers: []container.Summary{
			component("mine", "self", "web.1"),
			component("live-a", "live", "web.2"),
			component("gone-a", "gone", "web.3"),
			component("gone-b", "gone", "web.3"),
			component("exited-a", "exited", "db.1"),
			component("paused-a", "paused", "db.2"),
			component("restarting-a", "restarting", "db.3"),
			{ID: "unlabelled", Labels: map[string]string{}},
		},
		states: map[string]*container.State{
			"self":       {Running: true, Status: "running"},
			"live":       {Running: true, Status: "running"},
			"exited":     {Status: "exited", ExitCode: 255},
			"paused":     {Running: true, Paused: true, Status: "paused"},
			"restarting": {Running: true, Restarting: true, Status: "restarting"},
		},
	}
	var out bytes.Buffer
	n := RemoveLeftovers(context.Background(), eng, "self", log.New(&out, "", 0))

	require.Equal(t, []string{"exited-a", "gone-a", "gone-b"}, eng.removed)
	require.Equal(t, 3, n)
	require.Equal(t, []string{plan.LabelController}, eng.listed, "one list of every podinit component of the node")
	require.Equal(t, [][]string{{"exited", "gone", "live", "paused", "restarting"}}, eng.asked, "one list of their controllers, however many")
	require.Contains(t, out.String(), "removing web.3.gone-a (pod web.3), left behind by controller gone which is gone")
	require.Contains(t, out.String(), "removing db.1.exited-a (pod db.1), left behind by controller exited which no longer runs")
}

// TestSweepThatCannotAskAfterTheControllersLeavesEverything: when the
// engine will not say whether the controllers run, each may, and its
// components stay.
func TestSweepThatCannotAskAfterTheControllersLeavesEverything(t *testing.T) {
	eng := &sweepEngine{
		containers: []container.Summary{component("a", "gone", "web.1"), component("b", "exited", "web.2")},
		states:     map[string]*container.State{"exited": {Status: "exited"}},
		stateErr:   errors.New("engine busy"),
	}
	var out bytes.Buffer
	removed, kept := sweep(context.Background(), eng, "self", plan.LabelController, nil, log.New(&out, "", 0))
	require.Zero(t, removed)
	require.Empty(t, eng.removed)
	require.Equal(t, []string{"exited", "gone"}, kept)
}

func TestSweepToleratesRacesAndReportsFailures(t *testing.T) {
	eng := &sweepEngine{
		containers: []container.Summary{
			component("raced", "gone", "a.1"),
			component("in-progress", "gone", "a.1"),
			component("refused", "gone", "a.1"),
		},
		removeErr: map[string]error{
			"raced":       errdefs.ErrNotFound.WithMessage("No such container"),
			"in-progress": errdefs.ErrConflict.WithMessage("removal of container in-progress is already in progress"),
			"refused":     errors.New("device or resource busy"),
		},
	}
	var out bytes.Buffer
	n := RemoveLeftovers(context.Background(), eng, "self", log.New(&out, "", 0))
	require.Zero(t, n)
	require.Contains(t, out.String(), "warning: removing leftover a.1.refused: device or resource busy")
	require.NotContains(t, out.String(), "a.1.raced:")
	require.NotContains(t, out.String(), "a.1.in-progress:")
}

func TestSweepThatCannotListLeavesEverything(t *testing.T) {
	var out bytes.Buffer
	n := RemoveLeftovers(context.Background(), &failingList{}, "self", log.New(&out, "", 0))
	require.Zero(t, n)
	require.Contains(t, out.String(), "warning: listing the containers of podinit controllers to remove leftovers: connection refused")
}

type failingList struct{ sweepEngine }

func (*failingList) ContainerList(context.Context, engine.Filters) ([]container.Summary, error) {
	return nil, errors.New("connection refused")
}

// In a synctest bubble, so that the deadline is exact whatever the
// machine's load.
func TestSweepKeepsItsDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var list []container.Summary
		for i := range 20 {
			list = append(list, component(fmt.Sprint("c", i), "gone", "a.1"))
		}
		eng := &sweepEngine{containers: list, block: make(chan struct{})}
		const deadline = 300 * time.Millisecond
		ctx, cancel := context.WithTimeout(context.Background(), deadline)
		defer cancel()
		var out bytes.Buffer
		start := time.Now()
		RemoveLeftovers(ctx, eng, "self", log.New(&out, "", 0))
		require.LessOrEqual(t, time.Since(start), deadline, "a stalled engine holds the sweep past its caller's deadline")
		require.Contains(t, out.String(), "the rest is left for the next controller to start on this node")
	})
}

// TestCreateWaitsUntilAnOldContainerOfItsNameIsGone: a controller started
// again under its name finds its dead predecessor's components still being
// removed (the engine's auto-remove, or its own sweep's removal under
// way): the name is free only once the old container is gone, so the
// create waits for that rather than failing the pod on a name conflict.
func TestCreateWaitsUntilAnOldContainerOfItsNameIsGone(t *testing.T) {
	cell(t, func(t *testing.T) {
		h := newHarness(t, defaultPod(t), testBudget)
		h.eng.beingRemoved(h.sup.roster.byName["side"].ContainerName, 700*time.Millisecond)
		h.start()
		h.waitFor(10*time.Second, func() bool { return h.runs("app", "side") }, "the pod to run")
		require.Contains(t, h.logs.String(), "removing an old container named")
		require.Equal(t, 0, h.stop().Code)
		require.Zero(t, h.eng.left())
	})
}

// afterReturn is a node seen by a sweep on the engine's return: "victim"
// was killed during the outage, but the engine has not recorded it yet and
// still reports it running, as "live" is; "gone" was removed.
func afterReturn() *sweepEngine {
	return &sweepEngine{
		containers: []container.Summary{
			component("mine", "self", "web.1"),
			component("victim-a", "victim", "web.2"),
			component("live-a", "live", "web.3"),
			component("gone-a", "gone", "db.1"),
		},
		states: map[string]*container.State{
			"self":   {Running: true, Status: "running"},
			"victim": {Running: true, Status: "running"},
			"live":   {Running: true, Status: "running"},
		},
		subscribed: make(chan subscription, 1),
		events:     make(chan events.Message),
		streamErr:  make(chan error, 1),
	}
}

// TestSweepAfterReturnFollowsTheDeathsTheEngineRecordsLate: the first
// sweep keeps what running controllers own; when the engine then records
// a death, the dead controller's components are removed, and a live
// controller's never are.
func TestSweepAfterReturnFollowsTheDeathsTheEngineRecordsLate(t *testing.T) {
	cell(t, func(t *testing.T) {
		eng := afterReturn()
		var out testenv.SyncBuffer
		began := time.Now()
		done := make(chan struct{})
		go func() {
			defer close(done)
			SweepAfterReturn(context.Background(), eng, "self", log.New(&out, "", 0))
		}()
		sub := <-eng.subscribed
		require.Equal(t, []string{"gone-a"}, eng.removedNow(), "the first sweep removes what the gone controller left")
		require.ElementsMatch(t, []string{"victim", "live"}, sub.Filters["container"], "it follows the controllers whose components it kept")
		require.Equal(t, []string{"die"}, sub.Filters["event"])
		require.Equal(t, fmt.Sprintf("%d.%09d", began.Unix(), began.Nanosecond()), sub.Since, "deaths recorded since the sweep began are replayed")

		eng.dies("victim")
		synctest.Wait()
		require.Equal(t, []string{"gone-a", "victim-a"}, eng.removedNow())
		eng.mu.Lock()
		require.Equal(t, []string{plan.LabelController, plan.LabelController + "=victim"}, eng.listed, "a death costs a list of the dead controller's components only")
		eng.mu.Unlock()
		require.Contains(t, out.String(), "controller victim died while the engine caught up after its return")
		require.Contains(t, out.String(), "removing web.2.victim-a (pod web.2), left behind by controller victim which no longer runs")

		// The live controller never dies: the follow-up ends at its bound.
		time.Sleep(sweepFollowUp - time.Second)
		select {
		case <-done:
			t.Fatal("the follow-up ended before its bound while a controller it follows runs")
		default:
		}
		time.Sleep(2 * time.Second)
		<-done
		require.Equal(t, []string{"gone-a", "victim-a"}, eng.removedNow(), "live-a stays")
	})
}

// TestSweepAfterReturnEndsWhenEveryKeptControllerDied: nothing left to
// wait for.
func TestSweepAfterReturnEndsWhenEveryKeptControllerDied(t *testing.T) {
	cell(t, func(t *testing.T) {
		eng := afterReturn()
		delete(eng.states, "live")
		eng.containers = eng.containers[:2]
		done := make(chan struct{})
		go func() {
			defer close(done)
			SweepAfterReturn(context.Background(), eng, "self", log.New(io.Discard, "", 0))
		}()
		<-eng.subscribed
		eng.dies("victim")
		<-done
		require.Equal(t, []string{"victim-a"}, eng.removedNow())
	})
}

// TestSweepAfterReturnWithNothingKeptSubscribesToNothing: the common case
// costs the engine no event stream.
func TestSweepAfterReturnWithNothingKeptSubscribesToNothing(t *testing.T) {
	eng := afterReturn()
	eng.containers = eng.containers[3:]
	eng.subscribed = nil
	eng.events = nil
	SweepAfterReturn(context.Background(), eng, "self", log.New(io.Discard, "", 0))
	require.Equal(t, []string{"gone-a"}, eng.removedNow())
}

// TestSweepAfterReturnStopsOnABrokenStream: a broken stream says nothing of
// the controllers; the follow-up ends with a warning, and the next return
// sweeps again.
func TestSweepAfterReturnStopsOnABrokenStream(t *testing.T) {
	cell(t, func(t *testing.T) {
		eng := afterReturn()
		var out testenv.SyncBuffer
		done := make(chan struct{})
		go func() {
			defer close(done)
			SweepAfterReturn(context.Background(), eng, "self", log.New(&out, "", 0))
		}()
		<-eng.subscribed
		eng.streamErr <- io.ErrUnexpectedEOF
		<-done
		require.Contains(t, out.String(), "warning: following the deaths of the node's other controllers after the engine's return: unexpected EOF")
		require.Equal(t, []string{"gone-a"}, eng.removedNow(), "the victim's components stay until a sweep sees it dead")
	})
}

func (e *sweepEngine) removedNow() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.removed)
}
