package pod

import (
	"context"
	"time"

	"github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/container"
)

// exitWatch follows one container until the engine reports its exit.
type exitWatch struct {
	code chan int // the exit code, once
	stop context.CancelFunc
}

// watchExit registers a wait for the container (before it starts: with
// auto-remove it may be gone before a later wait could be registered) and
// follows it until the engine says how it ended. A broken wait is not an
// exit: the wait is registered again, and the truth read from an inspect.
// stop ends the watch; the run that made it calls it when it ends.
func (s *Supervisor) watchExit(m *member, id string) *exitWatch {
	ctx, cancel := context.WithCancel(s.life)
	w := &exitWatch{code: make(chan int, 1), stop: cancel}
	results, errs := s.eng.ContainerWait(ctx, id, container.WaitConditionRemoved)
	if !s.spawn("the wait for "+m.Name, func() { s.followExit(ctx, m, id, results, errs, w.code) }) {
		cancel()
	}
	return w
}

// Delays before the engine is asked again after a wait broke.
const (
	rewaitFirst = 100 * time.Millisecond
	rewaitMax   = 5 * time.Second
)

func (s *Supervisor) followExit(ctx context.Context, m *member, id string, results <-chan container.WaitResponse, errs <-chan error, code chan<- int) {
	for {
		select {
		case r := <-results:
			code <- int(r.StatusCode)
			return
		case err := <-errs:
			if ctx.Err() != nil {
				return
			}
			s.log.Printf("warning: the wait for %s (%s) broke: %v; asking the engine again", m.Name, short(id), err)
		case <-ctx.Done():
			return
		}
		// Ask again until the engine answers (it may be restarting), each
		// time a little later; a die event on the way ends the wait.
		delay := rewaitFirst
		for {
			if c, died := s.awaitDie(ctx, id, delay); died {
				code <- c
				return
			}
			if ctx.Err() != nil {
				return
			}
			alive, exit, err := s.aliveOrExit(ctx, id)
			if err != nil {
				if ctx.Err() != nil {
					return
				}
				delay = min(2*delay, rewaitMax)
				s.log.Printf("warning: inspecting %s (%s): %v; asking again in %s", m.Name, short(id), err, delay)
				continue
			}
			if !alive {
				code <- exit
				return
			}
			results, errs = s.eng.ContainerWait(ctx, id, container.WaitConditionRemoved)
			break
		}
	}
}

// aliveOrExit reads from the engine whether the container still runs (or
// is yet to start), and if not, its exit code.
func (s *Supervisor) aliveOrExit(ctx context.Context, id string) (alive bool, code int, err error) {
	info, err := s.inspect(ctx, id)
	if errdefs.IsNotFound(err) {
		// Removed (auto-remove) while the wait was broken: its code came
		// with the engine's die event, if the event stream saw it.
		return false, s.dieCode(ctx, id), nil
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
// reconnecting, may be about to replay.
const dieWait = 2 * time.Second

// dieCode is the container's exit code from its die event, waiting a
// little for it; codeUnknown when the engine never said.
func (s *Supervisor) dieCode(ctx context.Context, id string) int {
	if code, ok := s.awaitDie(ctx, id, dieWait); ok {
		return code
	}
	return codeUnknown
}

// awaitDie waits up to d for the container's die event.
func (s *Supervisor) awaitDie(ctx context.Context, id string, d time.Duration) (int, bool) {
	t := time.NewTimer(d)
	defer t.Stop()
	for {
		s.mu.Lock()
		code, ok := s.dies[id]
		seen := s.diesSeen
		s.mu.Unlock()
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
