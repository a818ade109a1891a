package pod

import (
	"time"

	"github.com/podinit/podinit/healthprobe"
	"github.com/podinit/podinit/podspec"
)

// Status is a snapshot of the pod for `podinit status` and the health
// probe; it shares nothing with the supervisor's own state.
func (s *Supervisor) Status() healthprobe.Status {
	s.mu.Lock()
	st := healthprobe.Status{Phase: s.phase, StartedAt: s.started}
	s.mu.Unlock()
	for _, m := range s.roster.all() {
		m.view(func(m *member) {
			c := healthprobe.Component{
				Name:         m.Name,
				Role:         string(m.Role),
				State:        m.state.status(),
				Health:       m.health,
				Restarts:     m.restarts,
				Killed:       m.killed,
				Message:      m.message,
				StopDuration: healthprobe.Duration(m.stopTook),
				LastReason:   m.lastReason,
				NextRestart:  timePtr(m.nextRestart),
				Liveness:     m.OnUnhealthy == podspec.UnhealthyRestart,
				CanRestart:   m.Restart.Wants(true, m.restarts),
			}
			if m.lastExit != nil {
				code := *m.lastExit
				c.LastExit = &code
			}
			c.StartedAt = timePtr(m.startedAt)
			c.FinishedAt = timePtr(m.finishedAt)
			st.Components = append(st.Components, c)
		})
	}
	return st
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}
