package pod

import (
	"context"
	"fmt"
	"log"
	"sync"

	"github.com/podinit/podinit/engine"
	"github.com/podinit/podinit/plan"
)

// HeadStart is the pod's IPC holder, made and started while the controller
// still reads and plans the rest of the pod. The components' starts wait
// for the holder to run, so a holder started only once the pod is planned
// puts a whole container start on the pod's critical path (issue 21); with
// a head start it runs while the labels are read.
//
// The supervisor adopts it (Supervisor.Adopt): the holder's lifecycle takes
// its container instead of making one. A head start that failed costs
// nothing: the lifecycle makes the holder as it would have, with its errors.
// One that nobody takes is removed: by Discard, or at the end of Run.
type HeadStart struct {
	name    string // the holder's container name
	calls   *engineCalls
	cancel  context.CancelFunc
	created chan struct{} // closed once the create has returned
	done    chan struct{} // closed once the start has returned too
	// Written before created closes: the container, "" if the create
	// failed.
	id string
	// Written before done closes: why the start failed.
	startErr error

	mu    sync.Mutex
	taken bool // by the holder's lifecycle, or by a discard
}

// StartHolder makes holder's container and starts it in the background. Its
// create and start follow the deadline rule of the supervisor's (calls.go):
// each within callTimeout, on the head start's own context, which a discard
// ends.
func StartHolder(eng engine.Engine, holder *plan.Member, logger *log.Logger) *HeadStart {
	ctx, cancel := context.WithCancel(context.Background())
	h := &HeadStart{
		name:    holder.ContainerName,
		calls:   &engineCalls{eng: eng, log: logger, life: ctx, untilDeadline: ctx, untilStop: ctx},
		cancel:  cancel,
		created: make(chan struct{}),
		done:    make(chan struct{}),
	}
	go func() {
		defer close(h.done)
		id, err := h.calls.create(holder.ContainerName, holder.Name, holder.Config, holder.Host)
		if err != nil {
			logger.Printf("the IPC holder's head start failed (it is made again with the pod): %v", err)
		}
		h.id = id
		close(h.created)
		if err == nil {
			h.startErr = h.calls.startContainer(holder.ContainerName, id)
		}
	}()
	return h
}

// Adopt gives the supervisor the IPC holder's head start, before Run: the
// holder's lifecycle takes its container. A head start the plan has no
// holder for, or not of that name, is discarded.
func (s *Supervisor) Adopt(h *HeadStart) {
	if h == nil {
		return
	}
	if s.roster.holder == nil || s.roster.holder.ContainerName != h.name {
		s.log.Printf("internal error: the IPC holder's head start %s is not the plan's holder; it is removed", h.name)
		h.Discard()
		return
	}
	s.roster.holder.head = h
}

// take hands the holder's container to its lifecycle as soon as it is
// created: the components are created with its ID while it starts. ok is
// false when the create failed, or when stop closed first (the head start
// is then left for discard).
func (h *HeadStart) take(stop <-chan struct{}) (id string, ok bool) {
	select {
	case <-h.created:
	case <-stop:
		return "", false
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.taken || h.id == "" {
		return "", false
	}
	h.taken = true
	return h.id, true
}

// started waits, once taken, for the head start's start of the holder and
// says how it ended, within ctx: the deadline rule of a start
// (untilDeadline).
func (h *HeadStart) started(ctx context.Context) error {
	select {
	case <-h.done:
		return h.startErr
	case <-ctx.Done():
		return fmt.Errorf("starting container %s: %w", h.name, ctx.Err())
	}
}

// discard removes the holder unless its lifecycle took it, within ctx; what
// ctx does not give time for is left to the sweep of the next controller on
// the node (the holder carries this controller's label).
func (h *HeadStart) discard(ctx context.Context) {
	if h == nil {
		return
	}
	h.mu.Lock()
	taken := h.taken
	h.taken = true
	h.mu.Unlock()
	if taken {
		return
	}
	defer h.cancel()
	// Waited for rather than cancelled: a create the engine completes
	// after its caller gave up would leave a holder nobody knows of.
	select {
	case <-h.done:
	case <-ctx.Done():
		return
	}
	if h.id != "" {
		h.calls.remove(ctx, h.id)
	}
}

// Discard removes the holder of a pod that will not run, within callTimeout.
func (h *HeadStart) Discard() {
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	h.discard(ctx)
}
