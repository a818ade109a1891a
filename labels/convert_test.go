package labels

import (
	"syscall"
	"testing"
	"time"

	"github.com/moby/moby/api/types/blkiodev"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/mount"
	"github.com/moby/moby/api/types/strslice"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/podinit/podinit/podspec"
)

func ptr[T any](v T) *T { return &v }

// TestComposeForms checks each Compose form against the engine field it
// must end up in.
func TestComposeForms(t *testing.T) {
	env := []string{"HOME=/root", "TAG=1.36"}
	tests := []struct {
		name  string
		yml   string
		check func(t *testing.T, c podspec.Component)
	}{
		{"image interpolated with default", "image: busybox:${TAG:-latest}", func(t *testing.T, c podspec.Component) {
			assert.Equal(t, "busybox:1.36", c.Config.Image)
		}},
		{"entrypoint string split like a shell", "image: x\nentrypoint: sh -c 'echo hi there'", func(t *testing.T, c podspec.Component) {
			assert.Equal(t, strslice.StrSlice{"sh", "-c", "echo hi there"}, c.Config.Entrypoint)
		}},
		{"command list kept", "image: x\ncommand: [a, 'b c']", func(t *testing.T, c podspec.Component) {
			assert.Equal(t, strslice.StrSlice{"a", "b c"}, c.Config.Cmd)
		}},
		{"empty entrypoint clears the image's", "image: x\nentrypoint: []", func(t *testing.T, c podspec.Component) {
			assert.Equal(t, strslice.StrSlice{""}, c.Config.Entrypoint)
		}},
		{"environment list, bare name from podinit's env, $$ escape", "image: x\nenvironment: [HOME, 'A=$${B}', 'C=${NOPE:-dflt}', UNSET]", func(t *testing.T, c podspec.Component) {
			assert.Equal(t, []string{"A=${B}", "C=dflt", "HOME=/root", "UNSET"}, c.Config.Env)
		}},
		{"environment map with YAML 1.2 scalars", "image: x\nenvironment: {N: 1, Y: yes, T: true}", func(t *testing.T, c podspec.Component) {
			assert.Equal(t, []string{"N=1", "T=true", "Y=yes"}, c.Config.Env)
		}},
		{"labels list and map", "image: x\nlabels: [a=1, b=2]", func(t *testing.T, c podspec.Component) {
			assert.Equal(t, map[string]string{"a": "1", "b": "2"}, c.Config.Labels)
		}},
		{"labels map", "image: x\nlabels: {a: 1}", func(t *testing.T, c podspec.Component) {
			assert.Equal(t, map[string]string{"a": "1"}, c.Config.Labels)
		}},
		{"plain Config keys", "image: x\nworking_dir: /w\nuser: 1000:1000\ntty: true\nstdin_open: true", func(t *testing.T, c podspec.Component) {
			assert.Equal(t, "/w", c.Config.WorkingDir)
			assert.Equal(t, "1000:1000", c.Config.User)
			assert.True(t, c.Config.Tty)
			assert.True(t, c.Config.OpenStdin)
		}},
		{"stop signal and grace rounded up", "image: x\nstop_signal: SIGUSR1\nstop_grace_period: 1500ms", func(t *testing.T, c podspec.Component) {
			assert.Equal(t, "SIGUSR1", c.Config.StopSignal)
			assert.Equal(t, "SIGUSR1", c.StopSignal)
			assert.Equal(t, 1500*time.Millisecond, c.StopGrace)
			require.NotNil(t, c.Config.StopTimeout)
			assert.Equal(t, 2, *c.Config.StopTimeout)
		}},
		{"whole-second grace", "image: x\nstop_grace_period: 1m", func(t *testing.T, c podspec.Component) {
			assert.Equal(t, 60, *c.Config.StopTimeout)
		}},
		{"healthcheck string test is CMD-SHELL", "image: x\nhealthcheck: {test: curl -f localhost, interval: 5s, timeout: 2s, retries: 3, start_period: 1m, start_interval: 1s}", func(t *testing.T, c podspec.Component) {
			assert.Equal(t, &container.HealthConfig{Test: []string{"CMD-SHELL", "curl -f localhost"}, Interval: 5 * time.Second,
				Timeout: 2 * time.Second, Retries: 3, StartPeriod: time.Minute, StartInterval: time.Second}, c.Config.Healthcheck)
			assert.True(t, c.HasHealthcheck())
		}},
		{"healthcheck list test", "image: x\nhealthcheck: {test: [CMD, 'true']}", func(t *testing.T, c podspec.Component) {
			assert.Equal(t, []string{"CMD", "true"}, c.Config.Healthcheck.Test)
		}},
		{"healthcheck disable", "image: x\nhealthcheck: {disable: true}", func(t *testing.T, c podspec.Component) {
			assert.Equal(t, []string{"NONE"}, c.Config.Healthcheck.Test)
			assert.False(t, c.HasHealthcheck())
		}},
		{"memory sizes", "image: x\nmem_limit: 512m\nmemswap_limit: 1g\nmem_reservation: 256m\nshm_size: 64m\nmem_swappiness: 0\noom_kill_disable: true\noom_score_adj: 100\npids_limit: 50", func(t *testing.T, c podspec.Component) {
			r := c.Host.Resources
			assert.Equal(t, int64(512<<20), r.Memory)
			assert.Equal(t, int64(1<<30), r.MemorySwap)
			assert.Equal(t, int64(256<<20), r.MemoryReservation)
			assert.Equal(t, int64(64<<20), c.Host.ShmSize)
			assert.Equal(t, ptr(int64(0)), r.MemorySwappiness, "0 is set, not absent")
			assert.Equal(t, ptr(true), r.OomKillDisable)
			assert.Equal(t, 100, c.Host.OomScoreAdj)
			assert.Equal(t, ptr(int64(50)), r.PidsLimit)
		}},
		{"absent swappiness and pids stay nil", "image: x", func(t *testing.T, c podspec.Component) {
			assert.Nil(t, c.Host.MemorySwappiness)
			assert.Nil(t, c.Host.PidsLimit)
			assert.Nil(t, c.Host.OomKillDisable)
		}},
		{"cpus without float32 noise", "image: x\ncpus: 0.1", func(t *testing.T, c podspec.Component) {
			assert.Equal(t, int64(100_000_000), c.Host.NanoCPUs)
		}},
		{"cpu keys", "image: x\ncpu_shares: 512\ncpu_rt_period: 1000\ncpu_rt_runtime: 500\ncpuset: 0-1\ncpu_count: 2\ncpu_percent: 50", func(t *testing.T, c podspec.Component) {
			r := c.Host.Resources
			assert.Equal(t, int64(512), r.CPUShares)
			assert.Equal(t, int64(1000), r.CPURealtimePeriod)
			assert.Equal(t, int64(500), r.CPURealtimeRuntime)
			assert.Equal(t, "0-1", r.CpusetCpus)
			assert.Equal(t, int64(2), r.CPUCount)
			assert.Equal(t, int64(50), r.CPUPercent)
		}},
		{"cpu quota and period", "image: x\ncpu_period: 100000\ncpu_quota: 50000", func(t *testing.T, c podspec.Component) {
			assert.Equal(t, int64(100000), c.Host.CPUPeriod)
			assert.Equal(t, int64(50000), c.Host.CPUQuota)
		}},
		{"deploy.resources onto the same fields", "image: x\ndeploy: {resources: {limits: {memory: 1g, cpus: '1.5', pids: 10}, reservations: {memory: 100m}}}", func(t *testing.T, c podspec.Component) {
			r := c.Host.Resources
			assert.Equal(t, int64(1<<30), r.Memory)
			assert.Equal(t, int64(1_500_000_000), r.NanoCPUs)
			assert.Equal(t, ptr(int64(10)), r.PidsLimit)
			assert.Equal(t, int64(100<<20), r.MemoryReservation)
		}},
		{"equal mem_limit and deploy limit agree", "image: x\nmem_limit: 1g\ndeploy: {resources: {limits: {memory: 1024m}}}", func(t *testing.T, c podspec.Component) {
			assert.Equal(t, int64(1<<30), c.Host.Memory)
		}},
		{"blkio each list to its own field", "image: x\nblkio_config:\n  weight: 300\n  weight_device: [{path: /dev/sda, weight: 400}]\n  device_read_bps: [{path: /dev/sda, rate: 1mb}]\n  device_write_bps: [{path: /dev/sdb, rate: 2mb}]\n  device_read_iops: [{path: /dev/sdc, rate: 30}]\n  device_write_iops: [{path: /dev/sdd, rate: 40}]", func(t *testing.T, c podspec.Component) {
			r := c.Host.Resources
			assert.Equal(t, uint16(300), r.BlkioWeight)
			assert.Equal(t, []*blkiodev.WeightDevice{{Path: "/dev/sda", Weight: 400}}, r.BlkioWeightDevice)
			assert.Equal(t, []*blkiodev.ThrottleDevice{{Path: "/dev/sda", Rate: 1 << 20}}, r.BlkioDeviceReadBps)
			assert.Equal(t, []*blkiodev.ThrottleDevice{{Path: "/dev/sdb", Rate: 2 << 20}}, r.BlkioDeviceWriteBps)
			assert.Equal(t, []*blkiodev.ThrottleDevice{{Path: "/dev/sdc", Rate: 30}}, r.BlkioDeviceReadIOps)
			assert.Equal(t, []*blkiodev.ThrottleDevice{{Path: "/dev/sdd", Rate: 40}}, r.BlkioDeviceWriteIOps)
		}},
		{"devices and rules", "image: x\ndevices: ['/dev/fuse', '/dev/sda:/dev/xvda:r']\ndevice_cgroup_rules: ['c 1:3 mr']", func(t *testing.T, c podspec.Component) {
			assert.Equal(t, []container.DeviceMapping{
				{PathOnHost: "/dev/fuse", PathInContainer: "/dev/fuse", CgroupPermissions: "rwm"},
				{PathOnHost: "/dev/sda", PathInContainer: "/dev/xvda", CgroupPermissions: "r"},
			}, c.Host.Devices)
			assert.Equal(t, []string{"c 1:3 mr"}, c.Host.DeviceCgroupRules)
		}},
		{"gpus", "image: x\ngpus: all", func(t *testing.T, c podspec.Component) {
			assert.Equal(t, []container.DeviceRequest{{Count: -1, Capabilities: [][]string{{"gpu"}}}}, c.Host.DeviceRequests)
		}},
		{"ulimits single and soft/hard", "image: x\nulimits: {nproc: 65535, nofile: {soft: 1024, hard: 2048}}", func(t *testing.T, c podspec.Component) {
			assert.Equal(t, []*container.Ulimit{{Name: "nofile", Soft: 1024, Hard: 2048}, {Name: "nproc", Soft: 65535, Hard: 65535}}, c.Host.Ulimits)
		}},
		{"host lists", "image: x\ncap_add: [NET_ADMIN]\ncap_drop: [ALL]\ngroup_add: [audio]\nsecurity_opt: ['no-new-privileges:true']\nstorage_opt: {size: 1G}", func(t *testing.T, c podspec.Component) {
			assert.Equal(t, strslice.StrSlice{"NET_ADMIN"}, c.Host.CapAdd)
			assert.Equal(t, strslice.StrSlice{"ALL"}, c.Host.CapDrop)
			assert.Equal(t, []string{"audio"}, c.Host.GroupAdd)
			assert.Equal(t, []string{"no-new-privileges:true"}, c.Host.SecurityOpt)
			assert.Equal(t, map[string]string{"size": "1G"}, c.Host.StorageOpt)
		}},
		{"sysctls list form", "image: x\nsysctls: ['kernel.shmmax=1024']", func(t *testing.T, c podspec.Component) {
			assert.Equal(t, map[string]string{"kernel.shmmax": "1024"}, c.Host.Sysctls)
		}},
		{"sysctls map form", "image: x\nsysctls: {kernel.msgmax: 65536}", func(t *testing.T, c podspec.Component) {
			assert.Equal(t, map[string]string{"kernel.msgmax": "65536"}, c.Host.Sysctls)
		}},
		{"host modes", "image: x\nuserns_mode: host\nisolation: default\nruntime: runc\nprivileged: true\nread_only: true\ncgroup: private\nannotations: {a: b}", func(t *testing.T, c podspec.Component) {
			assert.Equal(t, container.UsernsMode("host"), c.Host.UsernsMode)
			assert.Equal(t, container.Isolation("default"), c.Host.Isolation)
			assert.Equal(t, "runc", c.Host.Runtime)
			assert.True(t, c.Host.Privileged)
			assert.True(t, c.Host.ReadonlyRootfs)
			assert.Equal(t, container.CgroupnsMode("private"), c.Host.CgroupnsMode)
			assert.Equal(t, map[string]string{"a": "b"}, c.Host.Annotations)
		}},
		{"tmpfs list form with options", "image: x\ntmpfs: ['/run:size=1m,mode=1777', /tmp]", func(t *testing.T, c podspec.Component) {
			assert.Equal(t, map[string]string{"/run": "size=1m,mode=1777", "/tmp": ""}, c.Host.Tmpfs)
		}},
		{"tmpfs string form", "image: x\ntmpfs: /run", func(t *testing.T, c podspec.Component) {
			assert.Equal(t, map[string]string{"/run": ""}, c.Host.Tmpfs)
		}},
		{"logging", "image: x\nlogging: {driver: json-file, options: {max-size: 10m}}", func(t *testing.T, c podspec.Component) {
			assert.Equal(t, container.LogConfig{Type: "json-file", Config: map[string]string{"max-size": "10m"}}, c.Host.LogConfig)
		}},
		{"volumes short syntax", "image: x\nvolumes: ['data:/data', '/srv:/srv:ro']", func(t *testing.T, c podspec.Component) {
			assert.Equal(t, []mount.Mount{
				{Type: mount.TypeVolume, Source: "data", Target: "/data"},
				{Type: mount.TypeBind, Source: "/srv", Target: "/srv", ReadOnly: true, BindOptions: &mount.BindOptions{CreateMountpoint: true}},
			}, c.Host.Mounts)
		}},
		{"volumes long syntax", `image: x
volumes:
  - {type: volume, source: cache, target: /cache, volume: {nocopy: true, subpath: sub}}
  - {type: bind, source: /etc/app, target: /app, read_only: true, bind: {propagation: rslave, create_host_path: false}}
  - {type: tmpfs, target: /scratch, tmpfs: {size: 1m, mode: 0700}}
  - {type: volume, target: /anon}`, func(t *testing.T, c podspec.Component) {
			assert.Equal(t, []mount.Mount{
				{Type: mount.TypeVolume, Source: "cache", Target: "/cache", VolumeOptions: &mount.VolumeOptions{NoCopy: true, Subpath: "sub"}},
				{Type: mount.TypeBind, Source: "/etc/app", Target: "/app", ReadOnly: true, BindOptions: &mount.BindOptions{Propagation: mount.PropagationRSlave}},
				{Type: mount.TypeTmpfs, Target: "/scratch", TmpfsOptions: &mount.TmpfsOptions{SizeBytes: 1 << 20, Mode: 0o700}},
				{Type: mount.TypeVolume, Target: "/anon"},
			}, c.Host.Mounts)
		}},
		{"depends_on list is service_started", "image: x\ndepends_on: [db]", func(t *testing.T, c podspec.Component) {
			assert.Equal(t, map[string]podspec.Dependency{"db": {Condition: podspec.ConditionStarted, Required: true}}, c.DependsOn)
		}},
		{"depends_on map", "image: x\ndepends_on: {db: {condition: service_healthy}, job: {condition: service_completed_successfully, required: false}}", func(t *testing.T, c podspec.Component) {
			assert.Equal(t, map[string]podspec.Dependency{
				"db":  {Condition: podspec.ConditionHealthy, Required: true},
				"job": {Condition: podspec.ConditionCompleted, Required: false},
			}, c.DependsOn)
		}},
		{"restart no (YAML 1.2: a string)", "image: x\nrestart: no", func(t *testing.T, c podspec.Component) {
			assert.Equal(t, podspec.Restart{Mode: podspec.RestartNo}, c.Restart)
		}},
		{"restart on-failure with max", "image: x\nrestart: on-failure:5", func(t *testing.T, c podspec.Component) {
			assert.Equal(t, podspec.Restart{Mode: podspec.RestartOnFailure, MaxRetries: 5}, c.Restart)
		}},
		{"restart always", "image: x\nrestart: always", func(t *testing.T, c podspec.Component) {
			assert.Equal(t, podspec.Restart{Mode: podspec.RestartAlways}, c.Restart)
		}},
		{"restart unless-stopped", "image: x\nrestart: unless-stopped", func(t *testing.T, c podspec.Component) {
			assert.Equal(t, podspec.Restart{Mode: podspec.RestartUnlessStopped}, c.Restart)
		}},
		{"x-podinit role and signals; other x- keys ignored", "image: x\nx-podinit: {role: sidecar, signals: [HUP, SIGUSR1, 12, hup]}\nx-other: {anything: 1}", func(t *testing.T, c podspec.Component) {
			assert.Equal(t, podspec.RoleSidecar, c.Role)
			assert.Equal(t, []syscall.Signal{syscall.SIGHUP, syscall.SIGUSR1, syscall.SIGUSR2}, c.Signals)
		}},
		{"x-podinit on-unhealthy and restart-on-exit-codes", "image: x\nrestart: on-failure:3\nx-podinit: {on-unhealthy: restart, restart-on-exit-codes: [42, 3, 42]}", func(t *testing.T, c podspec.Component) {
			assert.Equal(t, podspec.UnhealthyRestart, c.OnUnhealthy)
			assert.Equal(t, podspec.Restart{Mode: podspec.RestartOnFailure, MaxRetries: 3, ExitCodes: &podspec.ExitCodes{Codes: []int{3, 42}}}, c.Restart)
		}},
		{"restart-on-exit-codes not-in", "image: x\nx-podinit: {on-unhealthy: none, restart-on-exit-codes: {not-in: [0, 3]}}", func(t *testing.T, c podspec.Component) {
			assert.Equal(t, podspec.UnhealthyNone, c.OnUnhealthy)
			assert.Equal(t, &podspec.ExitCodes{Codes: []int{0, 3}, NotIn: true}, c.Restart.ExitCodes)
		}},
		{"no x-podinit: main, every signal", "image: x", func(t *testing.T, c podspec.Component) {
			assert.Equal(t, podspec.RoleMain, c.Role)
			assert.Nil(t, c.Signals)
			assert.Empty(t, c.OnUnhealthy, "the controller's -on-unhealthy decides")
			assert.Nil(t, c.Restart.ExitCodes)
			assert.Equal(t, "pod.component.app", c.Source)
			assert.Equal(t, "app", c.Name)
		}},
		{"empty signals list means none", "image: x\nx-podinit: {signals: []}", func(t *testing.T, c podspec.Component) {
			assert.NotNil(t, c.Signals)
			assert.Empty(t, c.Signals)
		}},
		{"flow style label", "{image: x, command: ['true']}", func(t *testing.T, c podspec.Component) {
			assert.Equal(t, strslice.StrSlice{"true"}, c.Config.Cmd)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// db and job exist so that depends_on can name them.
			spec, err := FromLabels(map[string]string{
				ComponentPrefix + "app": tt.yml,
				ComponentPrefix + "db":  "image: db",
				ComponentPrefix + "job": "image: job",
			}, env)
			require.NoError(t, err)
			require.Len(t, spec.Components, 3)
			require.Equal(t, "app", spec.Components[0].Name)
			tt.check(t, spec.Components[0])
		})
	}
}

// TestPodDecides checks that nothing the pod decides is ever set from a
// component, even from keys that look related.
func TestPodDecides(t *testing.T) {
	c := component(t, "image: x\nrestart: always\nstop_grace_period: 3s")
	assert.Equal(t, container.RestartPolicy{}, c.Host.RestartPolicy)
	assert.Empty(t, c.Host.NetworkMode)
	assert.Empty(t, c.Host.PidMode)
	assert.Empty(t, c.Host.IpcMode)
	assert.Empty(t, c.Host.CgroupParent)
	assert.Empty(t, c.Host.UTSMode)
	assert.False(t, c.Host.AutoRemove)
	assert.Empty(t, c.Host.VolumesFrom)
	assert.Empty(t, c.Config.Hostname)
	assert.Nil(t, c.Host.Init)
}
