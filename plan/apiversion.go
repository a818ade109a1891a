package plan

import (
	"fmt"

	"github.com/docker/docker/api/types/versions"

	"github.com/podinit/podinit/podspec"
)

// The Engine API versions that added a field a component may use. On an
// older engine the client refuses a create that sets one, so the plan
// decides first: a field whose loss does no harm is left out with a
// warning, one whose loss would change what the component gets is a
// problem.
const (
	// apiStartInterval added healthcheck start_interval (Docker 25).
	apiStartInterval = "1.44"
	// apiReadOnlyRecursive added bind.recursive: readonly (Docker 25).
	apiReadOnlyRecursive = "1.44"
)

// fitAPI makes m's container configuration one the engine's API version
// (Controller.APIVersion, "" when unknown: nothing is changed) can take.
func fitAPI(m *Member, version string) (warnings []string, problems []*podspec.Problem) {
	if version == "" {
		return nil, nil
	}
	if hc := m.Config.Healthcheck; hc != nil && hc.StartInterval != 0 && versions.LessThan(version, apiStartInterval) {
		fitted := *hc
		fitted.StartInterval = 0
		m.Config.Healthcheck = &fitted
		warnings = append(warnings, fmt.Sprintf("%s: healthcheck start_interval %s needs Engine API %s (Docker 25); this engine speaks %s: left out, the probes of the start period come at the healthcheck's interval", m.Name, hc.StartInterval, apiStartInterval, version))
	}
	for i, mt := range m.Host.Mounts {
		if mt.BindOptions != nil && mt.BindOptions.ReadOnlyForceRecursive && versions.LessThan(version, apiReadOnlyRecursive) {
			problems = append(problems, m.Component.Problem(fmt.Sprintf("volumes[%d]", i), fmt.Sprintf("%s:%s: bind.recursive: readonly needs Engine API %s (Docker 25); this engine speaks %s: use recursive: enabled (submounts then stay writable) or a newer engine", mt.Source, mt.Target, apiReadOnlyRecursive, version)))
		}
	}
	return warnings, problems
}
