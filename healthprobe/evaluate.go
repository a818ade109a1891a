package healthprobe

import (
	"fmt"
	"strings"
	"time"
)

// Evaluate returns the pod's health, Starting, Healthy or Unhealthy, by the
// rules in the package documentation. now is the time to judge at and
// startPeriod how long after s.StartedAt start-up progress stops counting as
// "starting". s.Health and s.Reasons are ignored.
func Evaluate(s Status, now time.Time, startPeriod time.Duration) string {
	health, _ := diagnose(s, now, startPeriod)
	return health
}

// verdict classifies one condition of the pod.
type verdict int

const (
	done     verdict = iota // as it should be
	progress                // on its way; fine inside the start period
	failure                 // wrong now, whatever the time
)

// diagnose is Evaluate with the reasons behind a verdict other than healthy,
// one per component or pod condition, for Status.Reasons.
func diagnose(s Status, now time.Time, startPeriod time.Duration) (string, []string) {
	var failures, progresses []string

	switch s.Phase {
	case PhaseRunning:
	case PhaseStarting:
		// Even with every component in place, the supervisor has not yet
		// declared the pod running (it may still be starting the rest).
		progresses = append(progresses, "pod: starting")
	case PhaseStopping, PhaseStopped, PhaseFailed:
		// Components in their way down are no news; say only this.
		return Unhealthy, []string{"pod: " + string(s.Phase)}
	default:
		return Unhealthy, []string{fmt.Sprintf("pod: unknown phase %q", s.Phase)}
	}

	for _, c := range s.Components {
		v, why := judge(c)
		if c.Message != "" {
			why += " (" + c.Message + ")"
		}
		switch v {
		case failure:
			failures = append(failures, c.Name+": "+why)
		case progress:
			progresses = append(progresses, c.Name+": "+why)
		}
	}

	if len(failures) > 0 {
		return Unhealthy, append(failures, progresses...)
	}
	if len(progresses) == 0 {
		return Healthy, nil
	}
	elapsed := now.Sub(s.StartedAt)
	if elapsed < startPeriod {
		return Starting, progresses
	}
	over := fmt.Sprintf("pod: still starting after the start period of %s", startPeriod)
	if !s.StartedAt.IsZero() {
		over = fmt.Sprintf("pod: still starting %s after it began, start period %s",
			elapsed.Round(time.Millisecond), startPeriod)
	}
	return Unhealthy, append(progresses, over)
}

// judge says whether one component is as it should be in a pod that is
// running or starting, and in words why not.
func judge(c Component) (verdict, string) {
	if inPlace(c) != "" {
		// Liveness, not readiness: the pod restarts it in place (Kubernetes
		// keeps such a pod, and Swarm should keep the task).
		return done, ""
	}
	switch c.State {
	case StateWaiting, StateCreating, StateStarting:
		return progress, c.State
	case StateRunning:
		if c.Role == RoleInit {
			return progress, "init component still running"
		}
		switch c.Health {
		case "", Healthy:
			return done, ""
		case Starting:
			return progress, "running, healthcheck starting"
		case Unhealthy:
			return failure, "running, healthcheck unhealthy"
		default:
			return failure, fmt.Sprintf("running, unknown health %q", c.Health)
		}
	case StateRestarting:
		return failure, "restarting" + runs(c)
	case StateExited:
		// Init components must finish; a main component that finished with
		// 0 and is not restarted (else it would be "restarting") did its job.
		// A sidecar exists to serve, so its exit is a failure.
		if c.LastExit != nil && *c.LastExit == 0 && (c.Role == RoleInit || c.Role == RoleMain) {
			return done, ""
		}
		return failure, c.State + runs(c)
	case StateStopping:
		return failure, "stopping"
	default:
		return failure, fmt.Sprintf("unknown state %q", c.State)
	}
}

// inPlace says what the pod is doing to restart a component in place, ""
// when it is not: the component is one the pod restarts when unhealthy
// (Liveness), and it is unhealthy with a restart left, waiting for its
// restart, or on its way back after one (made again, started, its
// healthcheck starting).
func inPlace(c Component) string {
	if !c.Liveness || c.Role == RoleInit {
		return ""
	}
	switch {
	case c.State == StateRunning && c.Health == Unhealthy && c.CanRestart:
		return "unhealthy, being restarted in place"
	case c.State == StateRestarting:
		if c.NextRestart != nil {
			return "restarting in place, next attempt at " + c.NextRestart.UTC().Format("15:04:05")
		}
		return "restarting in place"
	case c.Restarts == 0:
		return ""
	case c.State == StateCreating || c.State == StateStarting:
		return "restarted in place, " + c.State
	case c.State == StateRunning && c.Health == Starting:
		return "restarted in place, healthcheck starting"
	}
	return ""
}

// notes describes the restarts in place, which do not make the pod
// unhealthy (inPlace), for Status.Notes.
func notes(s Status) []string {
	var out []string
	for _, c := range s.Components {
		if what := inPlace(c); what != "" {
			var last string
			if c.LastReason != "" {
				last = "last run ended: " + c.LastReason
			}
			out = append(out, c.Name+": "+what+restartsAnd(c.Restarts, last))
		}
	}
	return out
}

// runs describes restarts and the last exit code, as " (3 restarts, last
// exit 1)", or "" when there is neither.
func runs(c Component) string {
	var last string
	if c.LastExit != nil {
		last = fmt.Sprintf("last exit %d", *c.LastExit)
	}
	return restartsAnd(c.Restarts, last)
}

// restartsAnd is " (N restarts, last)", leaving out what is zero or empty,
// or "" when both are.
func restartsAnd(restarts int, last string) string {
	var parts []string
	switch restarts {
	case 0:
	case 1:
		parts = append(parts, "1 restart")
	default:
		parts = append(parts, fmt.Sprintf("%d restarts", restarts))
	}
	if last != "" {
		parts = append(parts, last)
	}
	if len(parts) == 0 {
		return ""
	}
	return " (" + strings.Join(parts, ", ") + ")"
}
