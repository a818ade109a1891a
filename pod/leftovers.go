package pod

import (
	"context"
	"log"
	"strings"
	"sync"
	"time"

	"github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
)

// leftoverBudget bounds a whole sweep (the list, one inspect per controller,
// the removals): past it the pod starts anyway, and what is left waits for
// the next sweep of any controller on the node.
const leftoverBudget = 10 * time.Second

// leftoverEngine is the part of the Engine a sweep uses.
type leftoverEngine interface {
	ContainerList(ctx context.Context, options container.ListOptions) ([]container.Summary, error)
	ContainerInspect(ctx context.Context, id string) (container.InspectResponse, error)
	ContainerRemove(ctx context.Context, id string, options container.RemoveOptions) error
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
	ctx, cancel := context.WithTimeout(ctx, leftoverBudget)
	defer cancel()
	list, err := eng.ContainerList(ctx, container.ListOptions{
		All:     true,
		Filters: filters.NewArgs(filters.Arg("label", LabelController)),
	})
	if err != nil {
		logger.Printf("warning: listing the containers of podinit controllers to remove leftovers: %v", err)
		return 0
	}
	states := map[string]controllerState{self: controllerRuns}
	var wg sync.WaitGroup
	var mu sync.Mutex
	removed := 0
	for _, c := range list {
		id := c.Labels[LabelController]
		if id == "" {
			continue
		}
		o, known := states[id]
		if !known {
			o = inspectController(ctx, eng, id)
			states[id] = o
		}
		if o == controllerRuns || o == controllerUnknown {
			continue
		}
		name := c.ID
		if len(c.Names) > 0 {
			name = strings.TrimPrefix(c.Names[0], "/")
		}
		logger.Printf("removing %s (pod %s), left behind by controller %s which %s", name, c.Labels[LabelPod], short(id), o.why())
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := eng.ContainerRemove(ctx, c.ID, container.RemoveOptions{Force: true})
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
	return removed
}

// inspectController asks the engine about a controller.
func inspectController(ctx context.Context, eng leftoverEngine, id string) controllerState {
	info, err := eng.ContainerInspect(ctx, id)
	switch {
	case errdefs.IsNotFound(err):
		return controllerGone
	case err != nil || info.ContainerJSONBase == nil || info.State == nil:
		return controllerUnknown
	case info.State.Running:
		return controllerRuns
	}
	return controllerStopped
}

// removeLeftovers is the supervisor's sweep of the node (RemoveLeftovers);
// it makes the pod's containers run, so it ends at the stop deadline.
func (c *engineCalls) removeLeftovers() {
	RemoveLeftovers(c.untilDeadline, c.eng, c.controller, c.log)
}
