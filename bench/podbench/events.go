package main

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/moby/moby/api/types/events"
	"github.com/moby/moby/client"
)

// seen is one engine event of a container, as the benchmark saw it.
type seen struct {
	recv   time.Time // when this process read it: the same clock as the driver's t0
	engine time.Time // the engine's own timestamp: precise gaps between two events
}

// recorder follows the engine's container events for the whole run, so that
// no measurement pays for a subscription or misses an event that comes
// before its waiter. Events are kept per container name and action.
type recorder struct {
	mu     sync.Mutex
	byKey  map[string][]seen
	wake   chan struct{} // closed and replaced on every event
	broken error
}

func key(name, action string) string { return name + "\x00" + action }

// record subscribes to container events; the stream is read until ctx ends.
func record(ctx context.Context, cli *client.Client) *recorder {
	r := &recorder{byKey: map[string][]seen{}, wake: make(chan struct{})}
	sub := cli.Events(ctx, client.EventsListOptions{Filters: client.Filters{}.Add("type", string(events.ContainerEventType))})
	msgs, errs := sub.Messages, sub.Err
	// Events returns before the engine has taken the subscription: the
	// driver proves it live with a throw-away container (see warmUp).
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case err := <-errs:
				r.mu.Lock()
				r.broken = err
				close(r.wake)
				r.wake = make(chan struct{})
				r.mu.Unlock()
				return
			case m := <-msgs:
				now := time.Now()
				name := m.Actor.Attributes["name"]
				r.mu.Lock()
				k := key(name, string(m.Action))
				r.byKey[k] = append(r.byKey[k], seen{recv: now, engine: time.Unix(0, m.TimeNano)})
				close(r.wake)
				r.wake = make(chan struct{})
				r.mu.Unlock()
			}
		}
	}()
	return r
}

// nth returns the n-th (from 0) event action of the named container, if seen.
func (r *recorder) nth(name, action string, n int) (seen, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	l := r.byKey[key(name, action)]
	if n < len(l) {
		return l[n], true
	}
	return seen{}, false
}

// waitAll waits until every named container has had action (its first
// occurrence) and returns the events, or fails at the deadline naming what
// is missing.
func (r *recorder) waitAll(names []string, action string, timeout time.Duration) (map[string]seen, error) {
	return r.waitAllNth(names, action, 0, timeout)
}

func (r *recorder) waitAllNth(names []string, action string, n int, timeout time.Duration) (map[string]seen, error) {
	deadline := time.After(timeout)
	for {
		r.mu.Lock()
		got := map[string]seen{}
		var missing []string
		for _, name := range names {
			if l := r.byKey[key(name, action)]; n < len(l) {
				got[name] = l[n]
			} else {
				missing = append(missing, name)
			}
		}
		wake, broken := r.wake, r.broken
		r.mu.Unlock()
		if len(missing) == 0 {
			return got, nil
		}
		if broken != nil {
			return nil, fmt.Errorf("engine event stream broke: %v", broken)
		}
		select {
		case <-wake:
		case <-deadline:
			return nil, fmt.Errorf("no %q event for %v within %s", action, missing, timeout)
		}
	}
}

// last is the latest receive time among events.
func last(got map[string]seen) time.Time {
	var t time.Time
	for _, s := range got {
		if s.recv.After(t) {
			t = s.recv
		}
	}
	return t
}
