package plan

import (
	"strings"
	"testing"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/mount"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/podinit/podinit/podspec"
)

// ceilingCtrl has Docker's default capabilities and one volume.
func ceilingCtrl() Controller {
	c := ctrl
	c.Caps = Caps{Set: DockerDefaultCaps, From: "test"}
	c.VolumeRefs = map[string]string{"data": "stack_data"}
	c.Mounts = []container.MountPoint{
		{Type: mount.TypeBind, Source: "/var/run/docker.sock", Destination: "/var/run/docker.sock", RW: true},
		{Type: mount.TypeVolume, Name: "stack_data", Destination: "/data", RW: true},
	}
	c.EngineHost = "unix:///var/run/docker.sock"
	return c
}

func TestCeilingRefusesEachClassUntilAllowed(t *testing.T) {
	bind := func(src string) mount.Mount { return mount.Mount{Type: mount.TypeBind, Source: src, Target: "/x"} }
	vol := func(src string) mount.Mount { return mount.Mount{Type: mount.TypeVolume, Source: src, Target: "/x"} }
	for _, tt := range []struct {
		class Class
		set   func(h *container.HostConfig)
		want  string // key and value in the message
	}{
		{AllowPrivileged, func(h *container.HostConfig) { h.Privileged = true }, "privileged: true"},
		{AllowCapabilities, func(h *container.HostConfig) { h.CapAdd = []string{"SYS_ADMIN"} }, "cap_add: SYS_ADMIN"},
		{AllowCapabilities, func(h *container.HostConfig) { h.CapAdd = []string{"ALL"} }, "cap_add: ALL"},
		{AllowDevices, func(h *container.HostConfig) {
			h.Devices = []container.DeviceMapping{{PathOnHost: "/dev/fuse", PathInContainer: "/dev/fuse"}}
		}, "devices: /dev/fuse:/dev/fuse"},
		{AllowDevices, func(h *container.HostConfig) { h.DeviceCgroupRules = []string{"c 1:3 mr"} }, `device_cgroup_rules: "c 1:3 mr"`},
		{AllowDevices, func(h *container.HostConfig) {
			h.DeviceRequests = []container.DeviceRequest{{Capabilities: [][]string{{"gpu"}}}}
		}, "gpu"},
		{AllowSecurityOpt, func(h *container.HostConfig) { h.SecurityOpt = []string{"seccomp=unconfined"} }, "security_opt: seccomp=unconfined"},
		{AllowSecurityOpt, func(h *container.HostConfig) { h.SecurityOpt = []string{"apparmor:unconfined"} }, "security_opt: apparmor:unconfined"},
		{AllowSecurityOpt, func(h *container.HostConfig) { h.SecurityOpt = []string{"label=disable"} }, "security_opt: label=disable"},
		{AllowSecurityOpt, func(h *container.HostConfig) { h.SecurityOpt = []string{"no-new-privileges:false"} }, "security_opt: no-new-privileges:false"},
		{AllowSecurityOpt, func(h *container.HostConfig) { h.SecurityOpt = []string{"systempaths=unconfined"} }, "security_opt: systempaths=unconfined"},
		{AllowHostNamespaces, func(h *container.HostConfig) { h.UsernsMode = "host" }, "userns_mode: host"},
		{AllowHostNamespaces, func(h *container.HostConfig) { h.CgroupnsMode = "host" }, "cgroup: host"},
		{AllowRuntime, func(h *container.HostConfig) { h.Runtime = "runsc" }, "runtime: runsc"},
		{AllowSysctls, func(h *container.HostConfig) { h.Sysctls = map[string]string{"vm.overcommit_memory": "1"} }, "sysctls: vm.overcommit_memory=1"},
		{AllowSysctls, func(h *container.HostConfig) { h.Sysctls = map[string]string{"kernel.domainname": "x"} }, "UTS namespace"},
		{AllowHostMounts, func(h *container.HostConfig) { h.Mounts = []mount.Mount{bind("/srv/app")} }, "volumes[0]: /srv/app:/x"},
		{AllowNamedVolumes, func(h *container.HostConfig) { h.Mounts = []mount.Mount{vol("otherstack_db")} }, "volumes[0]: otherstack_db:/x is neither one of the controller's volumes (data)"},
	} {
		t.Run(tt.want, func(t *testing.T) {
			c := comp("spy", podspec.RoleMain)
			tt.set(&c.Host)
			spec := podspec.Spec{Components: []podspec.Component{c}}
			_, err := NewPlan(spec, ceilingCtrl(), Options{})
			require.Error(t, err)
			msg := err.Error()
			require.Contains(t, msg, "label pod.component.spy: ", "names the label")
			require.Contains(t, msg, tt.want, "names the key and value")
			require.Contains(t, msg, "-allow "+string(tt.class), "names the flag that opens it")

			_, err = NewPlan(spec, ceilingCtrl(), Options{Allow: Allow{tt.class: true}})
			require.NoError(t, err, "-allow %s opens it", tt.class)
		})
	}
}

func TestCeilingLetsThroughWhatTheControllerHas(t *testing.T) {
	c := comp("app", podspec.RoleMain)
	c.Host.CapAdd = []string{"cap_chown", "NET_RAW"} // in the default set
	c.Host.SecurityOpt = []string{"no-new-privileges", "no-new-privileges:true", "no-new-privileges=true"}
	c.Host.Sysctls = map[string]string{"kernel.shmmax": "1"} // its own IPC namespace with -ipc=false
	c.Host.Mounts = []mount.Mount{
		{Type: mount.TypeVolume, Source: "data", Target: "/d"},       // the controller's, by reference
		{Type: mount.TypeVolume, Source: "stack_data", Target: "/e"}, // and by its real name
		{Type: mount.TypeVolume, Source: "cache", Target: "/c"},      // declared by the pod
		{Type: mount.TypeVolume, Target: "/anon"},                    // anonymous
		{Type: mount.TypeTmpfs, Target: "/tmp"},
	}
	spec := podspec.Spec{Components: []podspec.Component{c}, Volumes: map[string]string{"cache": "pod_cache"}}
	p, err := NewPlan(spec, ceilingCtrl(), Options{})
	require.NoError(t, err)
	require.Equal(t, "pod_cache", p.Levels[0][0].Host.Mounts[2].Source, "a declared volume gets its real name")

	cr := ceilingCtrl()
	cr.Caps.Set |= 1 << unix.CAP_SYS_ADMIN
	c = comp("app", podspec.RoleMain)
	c.Host.CapAdd = []string{"SYS_ADMIN"}
	_, err = NewPlan(podspec.Spec{Components: []podspec.Component{c}}, cr, Options{})
	require.NoError(t, err, "a capability the controller holds is not more than it has")
}

func TestEngineAndHealthSocketsAreNeverHandedOver(t *testing.T) {
	everything := Allow{}
	for _, c := range Classes {
		everything[c.Class] = true
	}
	for _, src := range []string{"/", "/var", "/var/run", "/run", "/var/run/docker.sock", "/run/docker.sock", "/var/lib/docker", "/var/lib/docker/volumes/x/_data", "/run/containerd", "/srv/engine-root/volumes", "/srv/sock"} {
		t.Run(src, func(t *testing.T) {
			c := comp("spy", podspec.RoleMain)
			c.Host.Mounts = []mount.Mount{{Type: mount.TypeBind, Source: src, Target: "/host"}}
			cr := ceilingCtrl()
			cr.EngineDirs = []string{"/srv/engine-root"} // the engine's data root, from docker info
			cr.Mounts = append(cr.Mounts, container.MountPoint{Type: mount.TypeBind, Source: "/srv/sock", Destination: "/proxy"})
			cr.EngineHost = "unix:///proxy/docker.sock"
			_, err := NewPlan(podspec.Spec{Components: []podspec.Component{c}}, cr, Options{Allow: everything})
			require.ErrorContains(t, err, "volumes[0]: "+src+":/host would hand the component the engine's")
			require.ErrorContains(t, err, "no -allow opens this")
		})
	}
	// A controller volume that holds the health socket or the engine's
	// socket is not given by its reference either.
	for _, dest := range []string{"/run/podinit", "/proxy"} {
		c := comp("spy", podspec.RoleMain)
		c.Host.Mounts = []mount.Mount{{Type: mount.TypeVolume, Source: "sockets", Target: "/s"}}
		cr := ceilingCtrl()
		cr.VolumeRefs["sockets"] = "stack_sockets"
		cr.Mounts = append(cr.Mounts, container.MountPoint{Type: mount.TypeVolume, Name: "stack_sockets", Destination: dest})
		cr.EngineHost = "unix:///proxy/docker.sock"
		_, err := NewPlan(podspec.Spec{Components: []podspec.Component{c}}, cr, Options{Allow: everything, HealthSocket: "/run/podinit/podinit.sock"})
		require.ErrorContains(t, err, "is the controller's volume at "+dest)
	}
}

func TestEngineOverTCPWarnsOrIsRefused(t *testing.T) {
	spec := podspec.Spec{Components: []podspec.Component{comp("app", podspec.RoleMain)}}
	cr := ceilingCtrl()
	cr.EngineHost = "tcp://proxy:2375"
	p, err := NewPlan(spec, cr, Options{})
	require.NoError(t, err)
	require.Len(t, p.Warnings, 1)
	require.Contains(t, p.Warnings[0], "tcp://proxy:2375")
	require.Contains(t, p.Warnings[0], "any component can call the same API")
	_, err = NewPlan(spec, cr, Options{StrictEngine: true})
	require.ErrorContains(t, err, "-strict-engine refuses it")

	cr.EngineHost = "unix:///var/run/docker.sock"
	p, err = NewPlan(spec, cr, Options{StrictEngine: true})
	require.NoError(t, err)
	require.Empty(t, p.Warnings)
}

func TestCapabilityNamesMatchTheKernel(t *testing.T) {
	for name, bit := range map[string]int{
		"CHOWN": unix.CAP_CHOWN, "SYS_PTRACE": unix.CAP_SYS_PTRACE, "SYS_ADMIN": unix.CAP_SYS_ADMIN,
		"MKNOD": unix.CAP_MKNOD, "AUDIT_WRITE": unix.CAP_AUDIT_WRITE, "CHECKPOINT_RESTORE": unix.CAP_CHECKPOINT_RESTORE,
		"BPF": unix.CAP_BPF, "PERFMON": unix.CAP_PERFMON, "NET_ADMIN": unix.CAP_NET_ADMIN,
	} {
		got, ok := ParseCap("cap_" + strings.ToLower(name))
		require.True(t, ok, name)
		require.Equal(t, uint64(1)<<bit, got, name)
	}
	require.Len(t, capNames, unix.CAP_LAST_CAP+1)
	set, err := CapEff("Name:\tpodinit\nCapInh:\t0000000000000000\nCapEff:\t00000000a80425fb\n")
	require.NoError(t, err)
	require.Equal(t, DockerDefaultCaps, set, "Docker's default set, as a container's /proc/self/status shows it")
	require.Equal(t, uint64(1<<unix.CAP_SYS_ADMIN)|DockerDefaultCaps, CapsOf(&container.HostConfig{CapAdd: []string{"SYS_ADMIN"}}))
	require.Equal(t, DockerDefaultCaps&^(1<<unix.CAP_NET_RAW), CapsOf(&container.HostConfig{CapDrop: []string{"NET_RAW"}}))
}

func TestAllowFlagValue(t *testing.T) {
	var a Allow
	require.NoError(t, a.Set("privileged, devices"))
	require.NoError(t, a.Set("host-mounts"))
	require.Equal(t, "privileged,devices,host-mounts", a.String())
	err := a.Set("priviledged")
	require.ErrorContains(t, err, `"priviledged" is not a class`)
	require.ErrorContains(t, err, "privileged, capabilities, devices")
}

func TestVolumeThatBindsTheEngineIsNeverHandedOver(t *testing.T) {
	cr := ceilingCtrl()
	cr.VolumeRefs["run"] = "stack_run"
	cr.VolumeDevices = map[string]string{"stack_run": "/var/run"}
	cr.Mounts = append(cr.Mounts, container.MountPoint{Type: mount.TypeVolume, Name: "stack_run", Destination: "/hostrun"})
	c := comp("spy", podspec.RoleMain)
	c.Host.Mounts = []mount.Mount{{Type: mount.TypeVolume, Source: "run", Target: "/r"}}
	_, err := NewPlan(podspec.Spec{Components: []podspec.Component{c}}, cr, Options{Allow: Allow{AllowNamedVolumes: true, AllowHostMounts: true}})
	require.ErrorContains(t, err, "volumes[0]: run:/r is the controller's volume stack_run, which binds the host's /var/run and so the engine's /var/run/docker.sock; no -allow opens this")

	p, err := NewPlan(podspec.Spec{Components: []podspec.Component{comp("app", podspec.RoleMain)}}, cr, Options{ShareVolumes: true})
	require.NoError(t, err)
	for _, m := range p.Members()[0].Host.Mounts {
		require.NotEqual(t, "stack_run", m.Source, "-volumes skips a volume that binds the engine's folder")
	}
}

// TestCeilingPlacesEveryRefusal: each refusal names the file and line, the
// component, the key and the value, as package labels' problems do.
func TestCeilingPlacesEveryRefusal(t *testing.T) {
	c := podspec.Component{Name: "web", Role: podspec.RoleMain, Source: "/srv/compose.yml: services.web", Line: 2,
		Lines: map[string]int{"image": 3, "privileged": 5, "volumes": 6}}
	c.Config.Image = "img"
	c.Host.Privileged = true
	c.Host.CapAdd = []string{"SYS_ADMIN"}
	c.Host.Mounts = []mount.Mount{{Type: mount.TypeBind, Source: "/etc", Target: "/host-etc"}}
	_, err := NewPlan(podspec.Spec{Components: []podspec.Component{c}}, ceilingCtrl(), Options{})
	var pe *PlanError
	require.ErrorAs(t, err, &pe)
	var got []string
	for _, p := range pe.Problems {
		got = append(got, p.Error())
	}
	require.Equal(t, []string{
		"/srv/compose.yml (line 5): services.web.privileged: true gives the component every capability and device of the host; the controller's -allow privileged would permit it",
		"/srv/compose.yml (line 2): services.web.cap_add: SYS_ADMIN is more than the controller's own effective capabilities (" + CapNames(ceilingCtrl().Caps.Set) + "; from " + ceilingCtrl().Caps.From + "; it lacks SYS_ADMIN); the controller's -allow capabilities would permit it",
		"/srv/compose.yml (line 6): services.web.volumes[0]: /etc:/host-etc mounts a host path; the controller's -allow host-mounts would permit it",
	}, got)
}
