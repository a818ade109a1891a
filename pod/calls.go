package pod

import (
	"context"
	"fmt"
	"log"
	"sync"
	"time"

	"github.com/containerd/errdefs"
	"github.com/moby/moby/api/types/container"

	"github.com/podinit/podinit/engine"
	"github.com/podinit/podinit/plan"
)

// The deadline policy: every engine call runs on one of three contexts,
// chosen by what the call is for, plus a per-call limit.
//
//   - Calls that make a container run (image inspect and pull, create,
//     pod.copy, attach, start, the inspect after start, the removal of
//     leftovers, and of an ended container the engine does not
//     auto-remove: Controller.RemoveOwn) run on untilDeadline: they may outlive the stop request,
//     so that a stop during a start still ends in an orderly way, and are
//     abandoned at the pod's stop deadline. A pull ends at the stop request
//     itself (untilStop): it may take minutes and is never needed then.
//   - Calls that end or observe a container (stop signals and SIGKILL
//     through the engine, waits, inspects after a broken wait, removals,
//     the event stream, forwarded signals) run on life, which only the
//     budget ends: at the budget's end less the slack, or when Run returns.
//   - Pings (engineguard.go) run on life, each within pingTimeout: they
//     must go on during the stop, whose end they may hasten. The sweep
//     when the engine answers again after an outage runs on untilDeadline,
//     as the sweep at start does, within leftoverBudget; its follow-up, the
//     wait for the deaths the engine records late, within sweepFollowUp (20s),
//     and only while the engine answers. A stop abandons both at the stop
//     deadline, and what they did not remove waits for the next sweep of
//     any controller on the node.
//   - Lifecycle hooks' execs (hooks.go): post_start's are calls that make
//     a container run (untilDeadline), and also end with the run (its
//     exit, the pod's stop); pre_stop's end a container (life), and also
//     end at the hooks' own end: the member's SIGKILL time less a reserve
//     for the stop signal, never past the pod's deadline.
//   - The IPC holder's head start (headstart.go) makes its create and start
//     before the supervisor exists, on a context of its own, each within
//     callTimeout; the lifecycle that adopts it waits for that start on
//     untilDeadline, as for its own start. A head start nobody took is
//     removed on life at the end of Run, or within callTimeout by the
//     controller when the pod will not run.
//   - Each unary call also gets callTimeout (a pull: -pull-timeout; a kill:
//     its own deadline), so that an engine that never answers is retried or
//     reported, and never waited for without end.
//
// Run waits for every goroutine it started, and each of them lives on life,
// so Run returns within the budget whatever the engine does.
const callTimeout = time.Minute

// engineCalls makes the supervisor's engine calls, each on the context and
// within the limit the deadline policy above gives it. The contexts are the
// supervisor's; only it ends them.
type engineCalls struct {
	eng        engine.Engine
	log        *log.Logger
	opts       *plan.Options // the plan's, read only
	controller string        // the controller's ID, which labels its containers

	life, untilDeadline, untilStop context.Context

	pullMu sync.Mutex
	pulls  map[string]*pullOnce
}

// withTimeout is ctx, also cancelled after d.
func (c *engineCalls) withTimeout(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(ctx)
	t := time.AfterFunc(d, cancel)
	return ctx, func() { t.Stop(); cancel() }
}

// ping asks whether the engine answers, within pingTimeout.
func (c *engineCalls) ping() error {
	ctx, cancel := c.withTimeout(c.life, pingTimeout)
	defer cancel()
	return c.eng.Ping(ctx)
}

// create makes container name (of component) from cfg and host; a
// container of the same name left over from an earlier run of this pod is
// removed first.
func (c *engineCalls) create(name, component string, cfg container.Config, host container.HostConfig) (string, error) {
	ctx, cancel := c.withTimeout(c.untilDeadline, callTimeout)
	defer cancel()
	resp, err := c.eng.ContainerCreate(ctx, name, &cfg, &host)
	if errdefs.IsConflict(err) {
		c.log.Printf("removing an old container named %s", name)
		c.remove(ctx, name)
		c.awaitGone(ctx, name)
		resp, err = c.eng.ContainerCreate(ctx, name, &cfg, &host)
	}
	if err != nil {
		return "", fmt.Errorf("creating container %s (image %s): %w", name, cfg.Image, err)
	}
	for _, w := range resp.Warnings {
		c.log.Printf("warning: %s: %s", component, w)
	}
	return resp.ID, nil
}

// startContainer starts created container id, called name in errors.
func (c *engineCalls) startContainer(name, id string) error {
	ctx, cancel := c.withTimeout(c.untilDeadline, callTimeout)
	defer cancel()
	if err := c.eng.ContainerStart(ctx, id); err != nil {
		return fmt.Errorf("starting container %s: %w", name, err)
	}
	return nil
}

// inspect asks the engine about a container on ctx, within callTimeout.
func (c *engineCalls) inspect(ctx context.Context, id string) (container.InspectResponse, error) {
	ctx, cancel := c.withTimeout(ctx, callTimeout)
	defer cancel()
	return c.eng.ContainerInspect(ctx, id)
}

// remove force-removes a container on ctx within callTimeout, ignoring one
// that is already gone.
func (c *engineCalls) remove(ctx context.Context, id string) {
	ctx, cancel := c.withTimeout(ctx, callTimeout)
	defer cancel()
	err := c.eng.ContainerRemove(ctx, id)
	// A conflict is a removal already in progress (auto-remove).
	if err != nil && !errdefs.IsNotFound(err) && !errdefs.IsConflict(err) {
		c.log.Printf("warning: removing %s: %v", short(id), err)
	}
}

// goneCheckEvery is how often awaitGone asks whether a container is gone.
const goneCheckEvery = 50 * time.Millisecond

// awaitGone waits, on ctx, until the engine no longer knows the container:
// a removal that answered a conflict is one already under way (the
// engine's auto-remove of a dead controller's component, a sweep's), and
// the name stays taken until it ends. Any answer but "no such container"
// (the container, or an error) means asking again.
func (c *engineCalls) awaitGone(ctx context.Context, name string) {
	for {
		if _, err := c.inspect(ctx, name); errdefs.IsNotFound(err) || !sleep(goneCheckEvery, ctx.Done()) {
			return
		}
	}
}

// attach attaches to a container's output on ctx, within callTimeout.
func (c *engineCalls) attach(ctx context.Context, id string) (engine.Stream, error) {
	ctx, cancel := c.withTimeout(ctx, callTimeout)
	defer cancel()
	return c.eng.ContainerAttach(ctx, id)
}

// kill sends sig to a container through the engine, given up at until.
func (c *engineCalls) kill(id, name, sig string, until time.Time) {
	ctx, cancel := c.withTimeout(c.life, max(until.Sub(time.Now()), 0))
	defer cancel()
	err := c.eng.ContainerKill(ctx, id, sig)
	if err != nil && !errdefs.IsNotFound(err) && !errdefs.IsConflict(err) {
		c.log.Printf("warning: %s: sending %s: %v", name, sig, err)
	}
}
