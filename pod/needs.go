package pod

import (
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/podinit/podinit/plan"
	"github.com/podinit/podinit/podspec"
)

// awaitNeeds waits until every dependency of the member meets its
// condition. It fails at once when a required dependency can no longer meet
// it (exited, failed, unhealthy), and after the ready timeout.
func (r *runner) awaitNeeds() error {
	m := r.m
	timeout := r.opts.ReadyTimeout
	if timeout <= 0 {
		timeout = defaultReadyTimeout
	}
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for _, name := range slices.Sorted(maps.Keys(m.Needs)) {
		need := m.Needs[name]
		dep := r.byName[name]
		msg := fmt.Sprintf("waiting for %s to be %s", name, describe(need.Condition))
		m.update(func(m *member) { m.message = msg })
		for {
			met, failed, changed := dep.meets(need.Condition)
			if met {
				break
			}
			if failed != "" {
				if !need.Required {
					r.log.Printf("%s: optional dependency %s %s; starting anyway", m.Name, name, failed)
					break
				}
				return fmt.Errorf("dependency %s %s, so %s (depends_on %s: %s) cannot start", name, failed, m.Name, name, need.Condition)
			}
			select {
			case <-changed:
			case <-m.stopCh:
				return fmt.Errorf("stopped while waiting for %s", name)
			case <-timer.C:
				return fmt.Errorf("dependency %s did not become %s within %s; raise -ready-timeout or check %s", name, describe(need.Condition), timeout, name)
			}
		}
	}
	m.update(func(m *member) { m.message = "" })
	return nil
}

// defaultReadyTimeout bounds dependency waits when the options leave it 0.
const defaultReadyTimeout = 2 * time.Minute

func describe(c podspec.Condition) string {
	switch c {
	case podspec.ConditionHealthy:
		return "healthy"
	case podspec.ConditionCompleted:
		return "completed successfully"
	case plan.ConditionReady:
		return "ready"
	}
	return "started"
}

// meets tells whether the member meets a dependency condition now, or why it
// never will, and returns the channel that closes on its next change.
func (m *member) meets(c podspec.Condition) (met bool, failed string, changed <-chan struct{}) {
	changed = m.view(func(m *member) {
		exited := m.state.final()
		switch c {
		case podspec.ConditionStarted:
			// Started once its post_start hooks are done, as docker
			// compose starts dependents after them.
			met = !m.startedAt.IsZero() && !m.postStarting
		case podspec.ConditionHealthy, plan.ConditionReady:
			met = m.ready && !m.postStarting
			// One that restarts when unhealthy may be ready after its
			// restart: the dependent waits for it, within -ready-timeout.
			cured := m.OnUnhealthy == podspec.UnhealthyRestart && m.Restart.Wants(true, m.restarts)
			if !met && m.hasHealth && m.health == "unhealthy" && !cured {
				failed = "is unhealthy"
			}
		case podspec.ConditionCompleted:
			met = m.state == stateExited && m.lastExit != nil && *m.lastExit == 0
			if exited && !met {
				failed = "did not complete successfully"
				if m.lastExit != nil {
					failed = fmt.Sprintf("exited with %d", *m.lastExit)
				}
			}
		}
		if !met && failed == "" && exited {
			failed = "exited before it was " + describe(c)
			if m.state == stateFailed {
				failed = "failed to start: " + m.message
			}
		}
	})
	return met, failed, changed
}
