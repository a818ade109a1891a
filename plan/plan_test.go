package plan

import (
	"strings"
	"testing"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/mount"
	"github.com/stretchr/testify/require"

	"github.com/podinit/podinit/podspec"
)

func comp(name string, role podspec.Role, deps ...string) podspec.Component {
	c := podspec.Component{Name: name, Role: role, Source: "pod.component." + name, Config: container.Config{Image: "img"}}
	if len(deps) > 0 {
		c.DependsOn = map[string]podspec.Dependency{}
		for _, d := range deps {
			c.DependsOn[d] = podspec.Dependency{Condition: podspec.ConditionStarted, Required: true}
		}
	}
	return c
}

var ctrl = Controller{ID: "c0ffee", Name: "web.1.abc", IpcMode: "shareable", Labels: map[string]string{
	"com.docker.swarm.task.name":    "web.1.abc",
	"com.docker.swarm.service.name": "web",
}}

func names(level []*Member) []string {
	var out []string
	for _, m := range level {
		out = append(out, m.Name)
	}
	return out
}

func TestStartLevelsFollowDependenciesAndSidecarsFirst(t *testing.T) {
	spec := podspec.Spec{Components: []podspec.Component{
		comp("app", podspec.RoleMain, "db"),
		comp("db", podspec.RoleMain),
		comp("proxy", podspec.RoleSidecar),
		comp("worker", podspec.RoleMain),
	}}
	p, err := NewPlan(spec, ctrl, Options{StopBudget: 10 * time.Second, StopMargin: time.Second})
	require.NoError(t, err)
	var levels [][]string
	for _, l := range p.Levels {
		levels = append(levels, names(l))
	}
	require.Equal(t, [][]string{{"proxy"}, {"db", "worker"}, {"app"}}, levels)
	var waves [][]string
	for _, w := range p.StopWaves() {
		waves = append(waves, names(w))
	}
	require.Equal(t, [][]string{{"app"}, {"db", "worker"}, {"proxy"}}, waves)
	require.Equal(t, ConditionReady, p.Levels[2][0].Needs["proxy"].Condition, "main components wait for sidecars implicitly")
}

func TestPlanErrorsListEveryProblem(t *testing.T) {
	spec := podspec.Spec{Components: []podspec.Component{
		comp("a", podspec.RoleMain, "b"),
		comp("b", podspec.RoleMain, "a"),
		comp("c", podspec.RoleMain, "nope"),
		comp("s", podspec.RoleSidecar, "a"),
	}}
	_, err := NewPlan(spec, ctrl, Options{})
	require.Error(t, err)
	msg := err.Error()
	// podspec's one depends_on check, in labels' words (labels' TestDependsOnGraph).
	require.Contains(t, msg, `label pod.component.c: depends_on.nope: no component is named "nope": the pod has a, b, c, s`)
	require.Contains(t, msg, `label pod.component.s: depends_on.a: "a" is a main component`)
	require.Contains(t, msg, "depends_on: dependency cycle a -> b -> a")

	_, err = NewPlan(podspec.Spec{Components: []podspec.Component{comp("a", podspec.RoleMain, "b"), comp("b", podspec.RoleMain, "c"), comp("c", podspec.RoleMain, "a")}}, ctrl, Options{})
	require.ErrorContains(t, err, "dependency cycle a -> b -> c -> a: no component in it could ever start")
}

func TestPlanDecidesNamespacesNamesAndOwnership(t *testing.T) {
	c := comp("app", podspec.RoleMain)
	c.Config.Labels = map[string]string{"mine": "1"}
	c.StopSignal = "SIGUSR1"
	spec := podspec.Spec{Components: []podspec.Component{c}}

	p, err := NewPlan(spec, ctrl, Options{SharePID: true, ShareIPC: true})
	require.NoError(t, err)
	m := p.Levels[0][0]
	require.Equal(t, "web.1.abc.app", m.ContainerName)
	require.Equal(t, "web.1", p.Pod, "the pod is the Swarm service slot")
	require.Equal(t, container.NetworkMode("container:c0ffee"), m.Host.NetworkMode)
	require.Equal(t, container.PidMode("container:c0ffee"), m.Host.PidMode)
	require.Equal(t, container.IpcMode("container:c0ffee"), m.Host.IpcMode)
	require.True(t, m.Host.AutoRemove)
	require.Equal(t, "SIGUSR1", m.Config.StopSignal)
	require.Equal(t, map[string]string{
		"mine": "1", LabelController: "c0ffee", LabelPod: "web.1", LabelComponent: "app",
		"podinit.swarm.task.name": "web.1.abc", "podinit.swarm.service.name": "web",
	}, m.Config.Labels)
	require.NotContains(t, spec.Components[0].Config.Labels, LabelPod, "the spec is not modified")
	require.Nil(t, p.Holder)

	private := ctrl
	private.IpcMode = "private"
	p, err = NewPlan(spec, private, Options{ShareIPC: true})
	require.NoError(t, err)
	require.NotNil(t, p.Holder, "a private IPC namespace cannot be joined: a holder shares one")
	require.Equal(t, container.IpcMode("shareable"), p.Holder.Host.IpcMode)
	require.Equal(t, []string{"NONE"}, p.Holder.Config.Healthcheck.Test)
	require.Equal(t, container.IpcMode(""), p.Levels[0][0].Host.IpcMode, "filled in with the holder's ID at run time")
	require.Equal(t, p.Holder, Holder(private, Options{ShareIPC: true}), "the holder started before the pod is read is the plan's")
	require.Nil(t, Holder(ctrl, Options{ShareIPC: true}), "no holder for a shareable controller")

	p, err = NewPlan(spec, private, Options{ShareIPC: false})
	require.NoError(t, err)
	require.Nil(t, p.Holder)
	require.Nil(t, Holder(private, Options{ShareIPC: false}))
	require.Equal(t, container.IpcMode(""), p.Levels[0][0].Host.IpcMode)
}

func TestPlanMapsVolumesAndNeverSharesTheDockerSocket(t *testing.T) {
	c := comp("app", podspec.RoleMain)
	c.Host.Mounts = []mount.Mount{
		{Type: mount.TypeVolume, Source: "data", Target: "/data"},
		{Type: mount.TypeVolume, Source: "other", Target: "/other"},
	}
	cr := ctrl
	cr.VolumeRefs = map[string]string{"data": "stack_data_task1"}
	cr.Mounts = []container.MountPoint{
		{Type: mount.TypeBind, Source: "/var/run/docker.sock", Destination: "/var/run/docker.sock", RW: true},
		{Type: mount.TypeVolume, Name: "stack_data_task1", Destination: "/unused", RW: true},
		{Type: mount.TypeBind, Source: "/srv/conf", Destination: "/conf"},
		// Never handed over: the engine's data, a proxy's socket named
		// by DOCKER_HOST, the health socket's folder.
		{Type: mount.TypeBind, Source: "/var/lib/docker/volumes", Destination: "/vols"},
		{Type: mount.TypeBind, Source: "/srv/proxy", Destination: "/proxy"},
		{Type: mount.TypeVolume, Name: "health", Destination: "/run/podinit"},
	}
	cr.EngineHost = "unix:///proxy/docker.sock"
	spec := podspec.Spec{Components: []podspec.Component{c}, Volumes: map[string]string{"other": "other"}}
	p, err := NewPlan(spec, cr, Options{ShareVolumes: true, HealthSocket: "/run/podinit/podinit.sock"})
	require.NoError(t, err)
	got := p.Levels[0][0].Host.Mounts
	require.Equal(t, []mount.Mount{
		{Type: mount.TypeVolume, Source: "stack_data_task1", Target: "/data"},
		{Type: mount.TypeVolume, Source: "other", Target: "/other"},
		{Type: mount.TypeVolume, Source: "stack_data_task1", Target: "/unused"},
		{Type: mount.TypeBind, Source: "/srv/conf", Target: "/conf", ReadOnly: true},
	}, got)
}

func TestStopBudgetWarnsWithTheNumbers(t *testing.T) {
	a := comp("app", podspec.RoleMain)
	a.StopGrace = 8 * time.Second
	s := comp("proxy", podspec.RoleSidecar)
	s.StopGrace = 5 * time.Second
	free := comp("free", podspec.RoleMain) // no stop_grace_period: takes what is left
	spec := podspec.Spec{Components: []podspec.Component{a, s, free}}
	opts := Options{StopBudget: 10 * time.Second, StopMargin: time.Second}
	p, err := NewPlan(spec, ctrl, opts)
	require.NoError(t, err)
	require.Len(t, p.Warnings, 1)
	require.Contains(t, p.Warnings[0], "13s (app 8s + proxy 5s)")
	require.Contains(t, p.Warnings[0], "stop budget 10s minus a 1s margin")

	opts.StrictBudget = true
	_, err = NewPlan(spec, ctrl, opts)
	require.ErrorContains(t, err, "13s")

	opts.StopBudget = 15 * time.Second
	p, err = NewPlan(spec, ctrl, opts)
	require.NoError(t, err)
	require.Empty(t, p.Warnings)
}

func TestIPCSysctlsAreRefusedWhenIPCIsShared(t *testing.T) {
	c := comp("app", podspec.RoleMain)
	c.Host.Sysctls = map[string]string{"kernel.shmmax": "1", "net.core.somaxconn": "1", "vm.swappiness": "1"}
	spec := podspec.Spec{Components: []podspec.Component{c}}
	_, err := NewPlan(spec, ctrl, Options{ShareIPC: true})
	require.ErrorContains(t, err, "label pod.component.app: sysctls: kernel.shmmax=1 belongs to the IPC namespace")
	_, err = NewPlan(spec, ctrl, Options{ShareIPC: false})
	require.ErrorContains(t, err, "vm.swappiness=1 is not namespaced", "the ceiling refuses a host sysctl")
	_, err = NewPlan(spec, ctrl, Options{ShareIPC: false, Allow: Allow{AllowSysctls: true}})
	require.NoError(t, err)
}

func TestComponentsWithDevicesAreNotNested(t *testing.T) {
	cr := ctrl
	cr.CgroupParent = "/docker/c0ffee"
	plain := comp("plain", podspec.RoleMain)
	priv := comp("priv", podspec.RoleMain)
	priv.Host.Privileged = true
	dev := comp("dev", podspec.RoleMain)
	dev.Host.Devices = []container.DeviceMapping{{PathOnHost: "/dev/fuse", PathInContainer: "/dev/fuse", CgroupPermissions: "rwm"}}
	p, err := NewPlan(podspec.Spec{Components: []podspec.Component{plain, priv, dev}}, cr, Options{Allow: Allow{AllowPrivileged: true, AllowDevices: true}})
	require.NoError(t, err)
	for _, m := range p.Members() {
		want := ""
		if m.Name == "plain" {
			want = "/docker/c0ffee"
		}
		require.Equal(t, want, m.Host.CgroupParent, "%s: on cgroup v1 a nested devices cgroup cannot exceed the controller's", m.Name)
	}
}

func TestInitComponentCannotTakeTheHoldersName(t *testing.T) {
	c := comp(HolderName, podspec.RoleInit)
	private := ctrl
	private.IpcMode = "private"
	_, err := NewPlan(podspec.Spec{Init: []podspec.Component{c}, Components: []podspec.Component{comp("app", podspec.RoleMain)}}, private, Options{ShareIPC: true, StopBudget: 10 * time.Second, StopMargin: time.Second})
	require.ErrorContains(t, err, `component name "ipc-holder" is reserved for the IPC holder`)
}

// A restart on unhealthy that may never happen is a warning that says why.
func TestOnUnhealthyRestartWarnings(t *testing.T) {
	check := func(c podspec.Component) []string {
		t.Helper()
		p, err := NewPlan(podspec.Spec{Components: []podspec.Component{c}}, ctrl, Options{StopBudget: 10 * time.Second, StopMargin: time.Second, OnUnhealthy: podspec.UnhealthyRestart})
		require.NoError(t, err)
		return p.Warnings
	}
	c := comp("app", podspec.RoleMain)
	c.Restart = podspec.Restart{Mode: podspec.RestartAlways}
	c.Source = "label pod.component.app"
	require.Equal(t, []string{"label pod.component.app: on-unhealthy restart acts only if its image " + c.Config.Image + " has a HEALTHCHECK: give the component a healthcheck"}, check(c))

	c.Config.Healthcheck = &container.HealthConfig{Test: []string{"NONE"}}
	require.Equal(t, []string{"label pod.component.app: on-unhealthy restart does nothing: its healthcheck is disabled"}, check(c))

	c.Config.Healthcheck = &container.HealthConfig{Test: []string{"CMD", "true"}}
	require.Empty(t, check(c))

	c.Restart = podspec.Restart{}
	require.Equal(t, []string{`label pod.component.app: on-unhealthy restart with restart "no": once unhealthy it is stopped and not started again; use restart on-failure or always to restart it`}, check(c))

	c.OnUnhealthy = podspec.UnhealthyNone
	require.Empty(t, check(c), "the component's own none overrides -on-unhealthy")
}

// A pod whose budget is StopBudgetFor its spec gets no budget warning, and
// one a nanosecond shorter does: the template's budget and the controller's
// check follow one rule.
func TestStopBudgetForFitsCheckBudget(t *testing.T) {
	withGrace := func(c podspec.Component, d time.Duration) podspec.Component { c.StopGrace = d; return c }
	spec := podspec.Spec{Components: []podspec.Component{
		withGrace(comp("web", podspec.RoleMain, "api"), 3*time.Second),
		withGrace(comp("api", podspec.RoleMain, "db"), 5*time.Second),
		withGrace(comp("cache", podspec.RoleMain, "db"), 7*time.Second),
		withGrace(comp("db", podspec.RoleMain), 10*time.Second),
		withGrace(comp("proxy", podspec.RoleSidecar), 2*time.Second),
	}}
	budget, chain, err := StopBudgetFor(spec, DefaultStopMargin)
	require.NoError(t, err)
	require.Equal(t, 23*time.Second, budget, "web 3s + cache 7s (its wave's slowest) + db 10s + proxy 2s + the 1s margin")
	require.Equal(t, "web 3s + cache 7s + db 10s + proxy 2s", chain)

	p, err := NewPlan(spec, ctrl, Options{StopBudget: budget, StopMargin: DefaultStopMargin})
	require.NoError(t, err)
	for _, w := range p.Warnings {
		require.NotContains(t, w, "stop grace periods")
	}
	p, err = NewPlan(spec, ctrl, Options{StopBudget: budget - 1, StopMargin: DefaultStopMargin})
	require.NoError(t, err)
	require.Contains(t, strings.Join(p.Warnings, "\n"), "stop grace periods along the stop order add up to 22s")

	none, chain, err := StopBudgetFor(podspec.Spec{Components: []podspec.Component{comp("a", podspec.RoleMain)}}, DefaultStopMargin)
	require.NoError(t, err)
	require.Zero(t, none)
	require.Empty(t, chain)

	_, _, err = StopBudgetFor(podspec.Spec{Components: []podspec.Component{comp("a", podspec.RoleMain, "b"), comp("b", podspec.RoleMain, "a")}}, DefaultStopMargin)
	require.ErrorContains(t, err, "dependency cycle a -> b -> a")
}
