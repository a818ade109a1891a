package labels

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/podinit/podinit/podspec"
)

// restart parses Compose's restart into the pod's own policy; the engine's
// RestartPolicy is never set because the pod restarts components itself.
func restart(s string) (podspec.Restart, error) {
	mode, max, hasMax := strings.Cut(s, ":")
	var r podspec.Restart
	switch podspec.RestartMode(mode) {
	case "":
		if s == "" {
			return r, nil
		}
		return r, fmt.Errorf("%q is not a restart policy: use no, on-failure[:max], always or unless-stopped", s)
	case podspec.RestartNo, podspec.RestartAlways, podspec.RestartUnlessStopped:
		if hasMax {
			return r, fmt.Errorf("%q: only on-failure takes a retry count", s)
		}
	case podspec.RestartOnFailure:
		if hasMax {
			n, err := strconv.Atoi(max)
			if err != nil || n < 0 {
				return r, fmt.Errorf("%q: the retry count must be a whole number of 0 or more (on-failure:3)", s)
			}
			r.MaxRetries = n
		}
	default:
		return r, fmt.Errorf("%q is not a restart policy: use no, on-failure[:max], always or unless-stopped", s)
	}
	r.Mode = podspec.RestartMode(mode)
	return r, nil
}

// restartPolicy reads deploy.restart_policy as Compose does for a container:
// its condition and max_attempts. delay and window are not used; the
// returned warning says so.
func restartPolicy(p *types.RestartPolicy) (podspec.Restart, string) {
	var r podspec.Restart
	switch p.Condition {
	case "none":
		r.Mode = podspec.RestartNo
	case "on-failure":
		r.Mode = podspec.RestartOnFailure
	default: // "any", and Swarm's default when unset
		r.Mode = podspec.RestartAlways
	}
	if p.MaxAttempts != nil {
		if r.Mode == podspec.RestartAlways {
			// The pod bounds only on-failure restarts.
			r.Mode = podspec.RestartOnFailure
		}
		r.MaxRetries = int(*p.MaxAttempts)
	}
	var ignored []string
	if p.Delay != nil {
		ignored = append(ignored, "delay "+time.Duration(*p.Delay).String())
	}
	if p.Window != nil {
		ignored = append(ignored, "window "+time.Duration(*p.Window).String())
	}
	if len(ignored) == 0 {
		return r, ""
	}
	verb := unused
	if len(ignored) > 1 {
		verb = unusedPhrase
	}
	return r, strings.Join(ignored, " and ") + " " + verb + "the pod restarts a component with its own backoff"
}
