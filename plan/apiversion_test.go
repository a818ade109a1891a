package plan

import (
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/mount"
	"github.com/stretchr/testify/require"

	"github.com/podinit/podinit/podspec"
)

// TestPlanFitsTheEnginesAPI: start_interval is left out, with a warning,
// below API 1.44, and kept from it on; a read-only recursive bind is a
// problem below it; an unknown version changes nothing.
func TestPlanFitsTheEnginesAPI(t *testing.T) {
	probe := comp("web", podspec.RoleMain)
	probe.Config.Healthcheck = &container.HealthConfig{Test: []string{"CMD", "true"}, StartInterval: time.Second, StartPeriod: time.Minute}
	spec := podspec.Spec{Components: []podspec.Component{probe}}
	opts := Options{StopBudget: 10 * time.Second, StopMargin: time.Second}

	old := ctrl
	old.APIVersion = "1.41"
	p, err := NewPlan(spec, old, opts)
	require.NoError(t, err)
	web := p.Levels[0][0]
	require.Zero(t, web.Config.Healthcheck.StartInterval)
	require.Equal(t, time.Minute, web.Config.Healthcheck.StartPeriod)
	require.Equal(t, time.Second, spec.Components[0].Config.Healthcheck.StartInterval, "the spec itself is left alone")
	require.Contains(t, p.Warnings, "web: healthcheck start_interval 1s needs Engine API 1.44 (Docker 25); this engine speaks 1.41: left out, the probes of the start period come at the healthcheck's interval")

	for _, v := range []string{"1.44", "1.51", ""} {
		current := ctrl
		current.APIVersion = v
		p, err = NewPlan(spec, current, opts)
		require.NoError(t, err)
		require.Equal(t, time.Second, p.Levels[0][0].Config.Healthcheck.StartInterval, "API %q", v)
		require.Empty(t, p.Warnings, "API %q", v)
	}

	bind := comp("web", podspec.RoleMain)
	bind.Host.Mounts = []mount.Mount{{Type: mount.TypeBind, Source: "/srv", Target: "/srv", ReadOnly: true, BindOptions: &mount.BindOptions{ReadOnlyForceRecursive: true}}}
	_, err = NewPlan(podspec.Spec{Components: []podspec.Component{bind}}, old, Options{Allow: Allow{"host-mounts": true}})
	require.ErrorContains(t, err, "volumes[0]: /srv:/srv: bind.recursive: readonly needs Engine API 1.44 (Docker 25); this engine speaks 1.41")
}
