package pod

import (
	"context"
	"log"
	"sync"
	"time"

	"github.com/containerd/errdefs"
	"github.com/moby/moby/api/types/container"

	"github.com/podinit/podinit/engine"
)

// engineWatch follows the engine's word on the pod's containers: each one's
// exit (a wait) and their health and deaths (the event stream). Both are
// streams that break; both are made again and checked against an inspect,
// and neither takes a broken stream for an exit.
type engineWatch struct {
	eng        engine.Engine
	log        *log.Logger
	ctx        context.Context // the supervisor's life
	controller string          // the controller's ID, which labels its containers
	spawn      func(name string, f func()) bool
	inspect    func(ctx context.Context, id string) (container.InspectResponse, error)
	suspect    func() // a stream broke: have the engine pinged (engineguard.go)

	mu       sync.Mutex
	byID     map[string]*member
	dies     map[string]int // exit codes from the engine's die events
	diesSeen chan struct{}  // closed and renewed on every die event
}

func newEngineWatch(calls *engineCalls, spawn func(name string, f func()) bool) *engineWatch {
	return &engineWatch{
		eng: calls.eng, log: calls.log, ctx: calls.life, controller: calls.controller,
		spawn: spawn, inspect: calls.inspect, suspect: func() {},
		byID: map[string]*member{}, dies: map[string]int{}, diesSeen: make(chan struct{}),
	}
}

// exitWatch follows one container until the engine reports its exit.
type exitWatch struct {
	code chan int // the exit code, once
	stop context.CancelFunc
}

// exit registers a wait for the container (before it starts: with
// auto-remove it may be gone before a later wait could be registered) and
// follows it until the engine says how it ended. A broken wait is not an
// exit: the wait is registered again, and the truth read from an inspect.
// stop ends the watch; the run that made it calls it when it ends.
func (w *engineWatch) exit(m *member, id string) *exitWatch {
	ctx, cancel := context.WithCancel(w.ctx)
	x := &exitWatch{code: make(chan int, 1), stop: cancel}
	results, errs := w.eng.ContainerWait(ctx, id, waitFor(m, container.WaitConditionNextExit))
	if !w.spawn("the wait for "+m.Name, func() { w.followExit(ctx, m, id, results, errs, x.code) }) {
		cancel()
	}
	return x
}

// Delays before the engine is asked again after a wait broke.
const (
	rewaitFirst = 100 * time.Millisecond
	rewaitMax   = 5 * time.Second
)

func (w *engineWatch) followExit(ctx context.Context, m *member, id string, results <-chan container.WaitResponse, errs <-chan error, code chan<- int) {
	for {
		select {
		case r := <-results:
			code <- int(r.StatusCode)
			return
		case err := <-errs:
			if ctx.Err() != nil {
				return
			}
			w.log.Printf("warning: the wait for %s (%s) broke: %v; asking the engine again", m.Name, short(id), err)
			w.suspect()
		case <-ctx.Done():
			return
		}
		// Ask again until the engine answers (it may be restarting), each
		// time a little later; a die event on the way ends the wait.
		delay := rewaitFirst
		for {
			if c, died := w.awaitDie(ctx, id, delay); died {
				code <- c
				return
			}
			if ctx.Err() != nil {
				return
			}
			alive, exit, err := w.aliveOrExit(ctx, id)
			if err != nil {
				if ctx.Err() != nil {
					return
				}
				delay = min(2*delay, rewaitMax)
				w.log.Printf("warning: inspecting %s (%s): %v; asking again in %s", m.Name, short(id), err, delay)
				continue
			}
			if !alive {
				code <- exit
				return
			}
			// It ran at the inspect: an exit since then must still count.
			results, errs = w.eng.ContainerWait(ctx, id, waitFor(m, container.WaitConditionNotRunning))
			break
		}
	}
}

// waitFor is what a wait for m's container waits for: its removal when the
// engine auto-removes it (it is gone at once after its exit, and the
// removal's wait still tells its code), else its exit (podinit removes it
// then): the next one for a wait made before its start, a stopped state
// for one made while it runs.
func waitFor(m *member, exit container.WaitCondition) container.WaitCondition {
	if m.Host.AutoRemove {
		return container.WaitConditionRemoved
	}
	return exit
}

// aliveOrExit reads from the engine whether the container still runs (or
// is yet to start), and if not, its exit code.
func (w *engineWatch) aliveOrExit(ctx context.Context, id string) (alive bool, code int, err error) {
	info, err := w.inspect(ctx, id)
	if errdefs.IsNotFound(err) {
		// Removed (auto-remove) while the wait was broken: its code came
		// with the engine's die event, if the event stream saw it.
		return false, w.dieCode(ctx, id), nil
	}
	if err != nil {
		return false, 0, err
	}
	if info.State == nil {
		return true, 0, nil
	}
	switch info.State.Status {
	case "exited", "dead", "removing":
		return false, info.State.ExitCode, nil
	}
	return true, 0, nil
}

// dieWait bounds the wait for a die event that the event stream, itself
// reconnecting (at least every 2s), may be about to replay.
const dieWait = 5 * time.Second

// dieCode is the container's exit code from its die event, waiting a
// little for it; codeUnknown when the engine never said.
func (w *engineWatch) dieCode(ctx context.Context, id string) int {
	if code, ok := w.awaitDie(ctx, id, dieWait); ok {
		return code
	}
	return codeUnknown
}

// awaitDie waits up to d for the container's die event.
func (w *engineWatch) awaitDie(ctx context.Context, id string, d time.Duration) (int, bool) {
	t := time.NewTimer(d)
	defer t.Stop()
	for {
		w.mu.Lock()
		code, ok := w.dies[id]
		seen := w.diesSeen
		w.mu.Unlock()
		if ok {
			return code, true
		}
		select {
		case <-seen:
		case <-t.C:
			return 0, false
		case <-ctx.Done():
			return 0, false
		}
	}
}

// track records the container of a member, from its create on: its events
// (its health) may come before the start call returns.
func (w *engineWatch) track(id string, m *member) {
	w.mu.Lock()
	w.byID[id] = m
	w.mu.Unlock()
	m.update(func(m *member) { m.id, m.health, m.oomKilled = id, "", false })
}

// untrack forgets a container whose run has ended.
func (w *engineWatch) untrack(id string) {
	w.mu.Lock()
	delete(w.byID, id)
	delete(w.dies, id)
	w.mu.Unlock()
	// m.id stays until the next create: abandon may still need it.
}
