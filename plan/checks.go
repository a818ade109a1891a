package plan

import (
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/docker/docker/api/types/container"

	"github.com/podinit/podinit/cgroup"
	"github.com/podinit/podinit/podspec"
)

// ipcSysctls finds sysctls of the IPC namespace on components that share
// it: the runtime refuses them there, and the component would fail to start.
func ipcSysctls(spec podspec.Spec) []*podspec.Problem {
	var errs []*podspec.Problem
	for _, c := range append(append([]podspec.Component{}, spec.Init...), spec.Components...) {
		for _, k := range slices.Sorted(maps.Keys(c.Host.Sysctls)) {
			if ipcSysctl(k) {
				errs = append(errs, c.Problem("sysctls", fmt.Sprintf("%s=%s belongs to the IPC namespace, which the pod shares (-ipc): the runtime refuses it there; set it on the controller, or run the controller with -ipc=false", k, c.Host.Sysctls[k])))
			}
		}
	}
	return errs
}

// checkLimits checks every component's limits against the pod's.
func checkLimits(limits cgroup.Limits, spec podspec.Spec) []*podspec.Problem {
	res := map[string]container.Resources{}
	byName := map[string]*podspec.Component{}
	for _, c := range append(append([]podspec.Component{}, spec.Init...), spec.Components...) {
		res[c.Name] = c.Host.Resources
		byName[c.Name] = &c
	}
	var out []*podspec.Problem
	for _, err := range unjoin(cgroup.Check(limits, res)) {
		var over *cgroup.Over
		if errors.As(err, &over) && byName[over.Component] != nil {
			out = append(out, byName[over.Component].Problem(over.Key, over.Msg()))
			continue
		}
		out = append(out, &podspec.Problem{Msg: err.Error()})
	}
	return out
}

// unjoin returns the errors inside an errors.Join, or err alone.
func unjoin(err error) []error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

// livenessWarning explains a restart on unhealthy that may never happen:
// the component has no healthcheck of its own (its image may have one), or
// its restart policy allows no restart.
func livenessWarning(m *Member) string {
	if m.OnUnhealthy != podspec.UnhealthyRestart {
		return ""
	}
	hc := m.Component.Config.Healthcheck
	switch {
	case hc != nil && len(hc.Test) > 0 && hc.Test[0] == "NONE":
		return fmt.Sprintf("%s: on-unhealthy restart does nothing: its healthcheck is disabled", m.Source)
	case !m.HasHealthcheck():
		return fmt.Sprintf("%s: on-unhealthy restart acts only if its image %s has a HEALTHCHECK: give the component a healthcheck", m.Source, m.Component.Config.Image)
	case !m.Restart.Wants(true, 0):
		return fmt.Sprintf("%s: on-unhealthy restart with restart %q: once unhealthy it is stopped and not started again; use restart on-failure or always to restart it", m.Source, RestartName(m.Restart))
	}
	return ""
}
