package main

import (
	"strings"

	"github.com/podinit/podinit/plan"
	"github.com/podinit/podinit/pod"
	"github.com/podinit/podinit/podspec"
)

// postStarts describes a member's post_start hooks for the start listing:
// they run once it started, before its dependents count it started.
func postStarts(m *plan.Member) string {
	if len(m.PostStart) == 0 {
		return ""
	}
	return ", then post_start " + hookList(m.PostStart)
}

// preStops describes a member's pre_stop hooks for the stop order: they run
// before its stop signal, and their time is part of its stop time.
func preStops(m *plan.Member) string {
	if len(m.PreStop) == 0 {
		return ""
	}
	return "pre_stop " + hookList(m.PreStop) + " within its stop time, then "
}

func hookList(hooks []podspec.Hook) string {
	var out []string
	for _, h := range hooks {
		s := pod.HookCommand(h)
		var with []string
		if h.User != "" {
			with = append(with, "user "+h.User)
		}
		if h.WorkingDir != "" {
			with = append(with, "in "+h.WorkingDir)
		}
		if h.Privileged {
			with = append(with, "privileged")
		}
		if len(with) > 0 {
			s += " (" + strings.Join(with, ", ") + ")"
		}
		out = append(out, s)
	}
	return strings.Join(out, "; ")
}
