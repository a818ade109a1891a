package pod

import (
	"context"
	"fmt"
	"log"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/containerd/errdefs"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/events"

	"github.com/podinit/podinit/engine"
	"github.com/podinit/podinit/plan"
)

// leftoverBudget bounds a whole sweep (the list, one inspect per controller,
// the removals): past it the pod starts anyway, and what is left waits for
// the next sweep of any controller on the node.
const leftoverBudget = 10 * time.Second

// sweepFollowUp bounds how long, after the engine answers again, a sweep
// waits for the engine to record the deaths of controllers it still saw
// running: a controller killed during the outage is known dead to the
// engine only once it has processed the exit, which may come after its
// first answer (a paused dockerd, resumed, answers a ping before it has
// caught up with containerd's events: in seconds). Every controller on the
// node that saw the outage follows the others for this long, each death
// costing it one list of the dead controller's components, so it is short.
const sweepFollowUp = 20 * time.Second

// leftoverEngine is the part of the Engine a sweep uses.
type leftoverEngine interface {
	ContainerList(ctx context.Context, filters engine.Filters) ([]container.Summary, error)
	ContainerInspect(ctx context.Context, id string) (container.InspectResponse, error)
	ContainerRemove(ctx context.Context, id string) error
	Events(ctx context.Context, since string, filters engine.Filters) (<-chan events.Message, <-chan error)
}

// controllerState is what a sweep knows of a component's controller.
type controllerState int

const (
	controllerRuns    controllerState = iota // its container runs (or restarts, or is paused): hands off
	controllerGone                           // no such container: removed, or a Swarm task pruned from history
	controllerStopped                        // its container exists and does not run: a stopped or killed controller, an ended Swarm task
	controllerUnknown                        // the engine would not say: hands off
)

func (o controllerState) why() string {
	switch o {
	case controllerGone:
		return "is gone"
	case controllerStopped:
		return "no longer runs"
	}
	return ""
}

// RemoveLeftovers removes every container on the engine that a podinit
// controller made (it carries the podinit.controller label) and whose
// controller is gone or no longer runs, whichever pod it belongs to: the
// next controller of the same pod may well start on another node, so any
// controller on the node cleans up after any other. self is the calling
// controller's ID (its own components are never touched); a controller that
// runs, or whose state the engine will not tell, keeps its components, so
// that two live controllers never fight. A controller calls it at its start,
// before its own components exist, and may call it again once its engine
// answers after a loss. It returns how many containers it removed.
func RemoveLeftovers(ctx context.Context, eng leftoverEngine, self string, logger *log.Logger) int {
	removed, _ := sweep(ctx, eng, self, plan.LabelController, nil, logger)
	return removed
}

// sweep is RemoveLeftovers over the containers that carry label (a label
// filter: every podinit component, or one controller's); it also returns
// the other controllers whose components it kept because they run, or
// because the engine would not say. With dead set, the engine has just
// reported that controller's death, and it is inspected rather than
// listed: the engine sends the "die" event before it has cleaned the
// container up and updated the view its lists read (moby's
// handleContainerExit), so a list can still say it runs; an inspect waits
// for the container's lock, held until then.
func sweep(ctx context.Context, eng leftoverEngine, self, label string, dead *string, logger *log.Logger) (removed int, kept []string) {
	ctx, cancel := context.WithTimeout(ctx, leftoverBudget)
	defer cancel()
	list, err := eng.ContainerList(ctx, engine.Filters{"label": {label}})
	if err != nil {
		logger.Printf("warning: listing the containers of podinit controllers to remove leftovers: %v", err)
		return 0, nil
	}
	var states map[string]controllerState
	if dead != nil {
		states = map[string]controllerState{self: controllerRuns, *dead: inspectController(ctx, eng, *dead)}
	} else {
		states = controllerStates(ctx, eng, self, list)
	}
	for id, o := range states {
		if id != self && (o == controllerRuns || o == controllerUnknown) {
			kept = append(kept, id)
		}
	}
	slices.Sort(kept)
	var wg sync.WaitGroup
	var mu sync.Mutex
	for _, c := range list {
		id := c.Labels[plan.LabelController]
		if id == "" {
			continue
		}
		o := states[id]
		if o == controllerRuns || o == controllerUnknown {
			continue
		}
		name := c.ID
		if len(c.Names) > 0 {
			name = strings.TrimPrefix(c.Names[0], "/")
		}
		logger.Printf("removing %s (pod %s), left behind by controller %s which %s", name, c.Labels[plan.LabelPod], short(id), o.why())
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := eng.ContainerRemove(ctx, c.ID)
			switch {
			case err == nil:
				mu.Lock()
				removed++
				mu.Unlock()
			case errdefs.IsNotFound(err), errdefs.IsConflict(err):
				// Gone already, or its removal is under way (another
				// controller's sweep, or the engine's auto-remove).
			case ctx.Err() != nil:
				// Reported once, below.
			default:
				logger.Printf("warning: removing leftover %s: %v", name, err)
			}
		}()
	}
	wg.Wait()
	if ctx.Err() != nil {
		logger.Printf("warning: removing leftovers stopped at its deadline (at most %s): the rest is left for the next controller to start on this node", leftoverBudget)
	}
	return removed, kept
}

// SweepAfterReturn is the sweep when the engine answers again after an
// outage: RemoveLeftovers, and then, for at most sweepFollowUp, a sweep of
// a controller's components each time the engine records the death of a
// controller whose components the first sweep kept. Deaths the engine recorded
// between the first sweep's list and the subscription are replayed to it
// (the subscription starts at the sweep's start). It ends early once every
// such controller has died, when ctx ends, or when the event stream
// breaks: a broken stream says nothing of the controllers, and the next
// return sweeps again.
func SweepAfterReturn(ctx context.Context, eng leftoverEngine, self string, logger *log.Logger) {
	began := time.Now()
	_, kept := sweep(ctx, eng, self, plan.LabelController, nil, logger)
	if len(kept) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, sweepFollowUp)
	defer cancel()
	f := engine.Filters{"type": {string(events.ContainerEventType)}, "event": {string(events.ActionDie)}}
	waiting := map[string]bool{}
	for _, id := range kept {
		f["container"] = append(f["container"], id)
		waiting[id] = true
	}
	// Engine time, as events carry it: the engine runs on this host.
	msgs, errs := eng.Events(ctx, fmt.Sprintf("%d.%09d", began.Unix(), began.Nanosecond()), f)
	for len(waiting) > 0 {
		select {
		case <-ctx.Done():
			return
		case err := <-errs:
			if ctx.Err() == nil {
				logger.Printf("warning: following the deaths of the node's other controllers after the engine's return: %v; the next sweep is at the next return or start", err)
			}
			return
		case m := <-msgs:
			if !waiting[m.Actor.ID] {
				continue
			}
			delete(waiting, m.Actor.ID)
			logger.Printf("controller %s died while the engine caught up after its return; removing what it left", short(m.Actor.ID))
			id := m.Actor.ID
			sweep(ctx, eng, self, plan.LabelController+"="+id, &id, logger)
		}
	}
}

// controllerStates asks the engine, in one list, about every controller
// whose components are in list: one call however many pods the node runs,
// where an inspect per controller made a sweep cost O(pods) calls, and the
// sweeps of pods that start together O(pods²). A controller the list does
// not hold is gone; when the list fails, every one is unknown. self runs.
func controllerStates(ctx context.Context, eng leftoverEngine, self string, list []container.Summary) map[string]controllerState {
	states := map[string]controllerState{self: controllerRuns}
	var ids []string
	for _, c := range list {
		if id := c.Labels[plan.LabelController]; id != "" {
			if _, ok := states[id]; !ok {
				states[id] = controllerGone
				ids = append(ids, id)
			}
		}
	}
	if len(ids) == 0 {
		return states
	}
	// Stopped containers too (engine.Engine's lists always are).
	found, err := eng.ContainerList(ctx, engine.Filters{"id": ids})
	for id, o := range states {
		if err != nil && o == controllerGone {
			states[id] = controllerUnknown
		}
	}
	if err != nil {
		return states
	}
	for _, c := range found {
		if _, asked := states[c.ID]; !asked || c.ID == self {
			continue // an id filter matches as a pattern: only exact IDs count
		}
		switch container.ContainerState(c.State) {
		case container.StateRunning, container.StatePaused, container.StateRestarting:
			states[c.ID] = controllerRuns
		default:
			states[c.ID] = controllerStopped
		}
	}
	return states
}

// inspectController asks the engine about a controller.
func inspectController(ctx context.Context, eng leftoverEngine, id string) controllerState {
	info, err := eng.ContainerInspect(ctx, id)
	switch {
	case errdefs.IsNotFound(err):
		return controllerGone
	case err != nil || info.State == nil:
		return controllerUnknown
	case info.State.Running:
		return controllerRuns
	}
	return controllerStopped
}

// removeLeftovers is the supervisor's sweep of the node at its start
// (RemoveLeftovers); it makes the pod's containers run, so it ends at the
// stop deadline.
func (c *engineCalls) removeLeftovers() {
	RemoveLeftovers(c.untilDeadline, c.eng, c.controller, c.log)
}

// sweepAfterReturn is the supervisor's SweepAfterReturn: it ends at the
// stop deadline, as the sweep at start does, or when abandon ends (the
// engine stopped answering again).
func (c *engineCalls) sweepAfterReturn(abandon context.Context) {
	ctx, cancel := context.WithCancel(c.untilDeadline)
	defer cancel()
	defer context.AfterFunc(abandon, cancel)()
	SweepAfterReturn(ctx, c.eng, c.controller, c.log)
}
