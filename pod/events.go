package pod

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/docker/docker/api/types/events"
	"github.com/docker/docker/api/types/filters"

	"github.com/podinit/podinit/healthprobe"
	"github.com/podinit/podinit/plan"
)

// watchEvents follows the engine's events for this pod's containers: health
// changes, and exit codes for containers whose wait broke. It closes
// subscribed once the first subscription is made (so no health change of a
// container created later is missed). When the stream breaks it subscribes
// again with a growing delay, from the time of the last event it saw, so
// that the engine replays what happened in between, and reads every
// container's health from an inspect: the truth after a reconnect.
func (w *engineWatch) events(subscribed chan<- struct{}) {
	ctx := w.ctx
	f := filters.NewArgs(
		filters.Arg("type", string(events.ContainerEventType)),
		filters.Arg("label", plan.LabelController+"="+w.controller),
	)
	delay := 100 * time.Millisecond
	first := true
	var last int64 // engine time of the last event, ns
	for ctx.Err() == nil {
		began := time.Now()
		opts := events.ListOptions{Filters: f}
		if last != 0 {
			opts.Since = fmt.Sprintf("%d.%09d", last/1e9, last%1e9)
		}
		msgs, errs := w.eng.Events(ctx, opts)
		// Engine time, as the events carry: the engine runs on this host.
		var resynced int64
		if first {
			close(subscribed)
			first = false
		} else {
			resynced = time.Now().UnixNano()
			w.resync(ctx)
		}
		err := w.follow(ctx, msgs, errs, resynced, &last)
		if ctx.Err() != nil {
			return
		}
		// A stream that lasted is a new incident; one that breaks at once
		// is an engine that is not back yet.
		if time.Now().Sub(began) > time.Second {
			delay = 100 * time.Millisecond
		}
		w.log.Printf("warning: engine event stream broke: %v; subscribing again in %s", err, delay)
		w.suspect()
		if !sleep(delay, ctx.Done()) {
			return
		}
		// At most 2s: the stream replays the deaths that waits broken by
		// the same outage are waiting for (see dieWait).
		delay = min(2*delay, 2*time.Second)
	}
}

// follow reads one event stream until it breaks or ctx ends. Health events
// older than resynced are replays that the resync's inspect has overtaken.
func (w *engineWatch) follow(ctx context.Context, msgs <-chan events.Message, errs <-chan error, resynced int64, last *int64) error {
	for {
		select {
		case <-ctx.Done():
			return nil
		case err := <-errs:
			return err
		case msg := <-msgs:
			if msg.TimeNano > *last {
				*last = msg.TimeNano
			}
			w.handle(msg, msg.TimeNano != 0 && msg.TimeNano < resynced)
		}
	}
}

// handle applies one event: a health change, or a container's death (whose
// code a broken wait may need). Exits themselves come through each
// container's wait.
func (w *engineWatch) handle(msg events.Message, stale bool) {
	if msg.Action == events.ActionOOM {
		w.mu.Lock()
		m := w.byID[msg.Actor.ID]
		w.mu.Unlock()
		if m != nil {
			m.update(func(m *member) {
				if m.id == msg.Actor.ID {
					m.oomKilled = true
				}
			})
		}
		return
	}
	if msg.Action == events.ActionDie {
		code, err := strconv.Atoi(msg.Actor.Attributes["exitCode"])
		if err != nil {
			return
		}
		w.mu.Lock()
		if w.byID[msg.Actor.ID] != nil {
			w.dies[msg.Actor.ID] = code
			close(w.diesSeen)
			w.diesSeen = make(chan struct{})
		}
		w.mu.Unlock()
		return
	}
	status, ok := strings.CutPrefix(string(msg.Action), "health_status:")
	if !ok || stale {
		return
	}
	w.setHealth(msg.Actor.ID, strings.TrimSpace(status))
}

// setHealth records a container's health as the engine reports it.
func (w *engineWatch) setHealth(id, status string) {
	w.mu.Lock()
	m := w.byID[id]
	w.mu.Unlock()
	if m == nil {
		return
	}
	changedTo := ""
	m.update(func(m *member) {
		if m.id != id {
			return // an event of an earlier run of the member
		}
		if m.health != status {
			changedTo = status
		}
		m.health = status
		if status == "healthy" && m.state == stateRunning {
			m.ready = true // and stays: dependents started on it
		}
	})
	if changedTo != "" {
		w.log.Printf("%s is %s", m.Name, changedTo)
	}
	if changedTo == healthprobe.Unhealthy {
		select {
		case m.sick <- struct{}{}:
		default: // a poke is pending already
		}
	}
}

// resync reads the health of every container from the engine, for changes
// that happened while the event stream was broken.
func (w *engineWatch) resync(ctx context.Context) {
	w.mu.Lock()
	ids := make([]string, 0, len(w.byID))
	for id := range w.byID {
		ids = append(ids, id)
	}
	w.mu.Unlock()
	for _, id := range ids {
		info, err := w.inspect(ctx, id)
		if err != nil || info.State == nil || info.State.Health == nil {
			continue
		}
		w.setHealth(id, info.State.Health.Status)
	}
}
