package pod

import (
	"context"
	"strings"
	"time"

	"github.com/docker/docker/api/types/events"
	"github.com/docker/docker/api/types/filters"
)

// watchEvents follows the engine's events for this pod's containers and
// records health changes. It closes subscribed once the first subscription
// is made (so no health change of a container created later is missed), and
// subscribes again with a growing delay when the stream breaks.
func (s *Supervisor) watchEvents(ctx context.Context, subscribed chan<- struct{}) {
	f := filters.NewArgs(
		filters.Arg("type", string(events.ContainerEventType)),
		filters.Arg("label", LabelController+"="+s.plan.Controller.ID),
	)
	delay := 100 * time.Millisecond
	first := true
	for ctx.Err() == nil {
		since := time.Now()
		msgs, errs := s.eng.Events(ctx, events.ListOptions{Filters: f})
		if first {
			close(subscribed)
			first = false
		} else {
			s.resync(ctx)
		}
		if err := s.follow(ctx, msgs, errs); err != nil && ctx.Err() == nil {
			s.log.Printf("warning: engine event stream broke: %v; subscribing again in %s", err, delay)
			select {
			case <-time.After(delay):
			case <-ctx.Done():
				return
			}
			if time.Since(since) > time.Minute {
				delay = 100 * time.Millisecond
			} else if delay < 10*time.Second {
				delay *= 2
			}
		}
	}
}

// follow reads one event stream until it breaks or ctx ends.
func (s *Supervisor) follow(ctx context.Context, msgs <-chan events.Message, errs <-chan error) error {
	for {
		select {
		case <-ctx.Done():
			return nil
		case err := <-errs:
			return err
		case msg := <-msgs:
			s.handle(msg)
		}
	}
}

// handle applies one event; only health changes matter here, exits come
// through each container's wait.
func (s *Supervisor) handle(msg events.Message) {
	status, ok := strings.CutPrefix(string(msg.Action), "health_status:")
	if !ok {
		return
	}
	status = strings.TrimSpace(status)
	s.mu.Lock()
	m := s.byID[msg.Actor.ID]
	s.mu.Unlock()
	if m == nil {
		return
	}
	changedTo := ""
	m.update(func(m *member) {
		if m.id != msg.Actor.ID {
			return // an event of an earlier run of the member
		}
		if m.health != status {
			changedTo = status
		}
		m.health = status
		if status == "healthy" {
			m.ready = true
		}
	})
	if changedTo != "" {
		s.log.Printf("%s is %s", m.Name, changedTo)
	}
}

// resync reads the health of every running container from the engine, for
// changes that happened while the event stream was broken.
func (s *Supervisor) resync(ctx context.Context) {
	s.mu.Lock()
	ids := make([]string, 0, len(s.byID))
	for id := range s.byID {
		ids = append(ids, id)
	}
	s.mu.Unlock()
	for _, id := range ids {
		info, err := s.eng.ContainerInspect(ctx, id)
		if err != nil || info.State == nil || info.State.Health == nil {
			continue
		}
		s.handle(events.Message{Action: events.Action("health_status: " + info.State.Health.Status), Actor: events.Actor{ID: id}})
	}
}
