package labels

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/moby/moby/api/types/blkiodev"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/strslice"

	"github.com/podinit/podinit/podspec"
)

// convert fills c.Config, c.Host, StopSignal, StopGrace, Restart and
// DependsOn from a loaded service. raw is the service as written, to tell an
// absent key from a zero value where the engine distinguishes them.
func convert(s *types.ServiceConfig, at where, raw map[string]any, c *podspec.Component, warns *[]*Error) []*Error {
	var errs []*Error
	fail := func(key, format string, args ...any) { errs = append(errs, at.errf(key, format, args...)) }
	has := func(key string) bool { _, ok := raw[key]; return ok }

	cfg := &c.Config
	host := &c.Host
	cfg.Image = s.Image
	cfg.Entrypoint = command(s.Entrypoint, true)
	cfg.Cmd = command(s.Command, false)
	cfg.Env = environment(s.Environment)
	if len(s.Labels) > 0 {
		cfg.Labels = map[string]string(s.Labels)
	}
	cfg.WorkingDir = s.WorkingDir
	cfg.User = s.User
	cfg.Tty = s.Tty
	cfg.OpenStdin = s.StdinOpen

	if s.StopSignal != "" {
		if _, err := parseSignal(s.StopSignal); err != nil {
			fail("stop_signal", "%v", err)
		}
		cfg.StopSignal = s.StopSignal
		c.StopSignal = s.StopSignal
	}
	if s.StopGracePeriod != nil {
		d := time.Duration(*s.StopGracePeriod)
		if d < 0 {
			fail("stop_grace_period", "%s is negative: give a duration such as 10s", d)
		}
		c.StopGrace = d
		// The engine counts whole seconds; round up so that the engine
		// never kills sooner than the pod would.
		secs := int((d + time.Second - 1) / time.Second)
		cfg.StopTimeout = &secs
	}
	if s.HealthCheck != nil {
		hc, err := healthcheck(s.HealthCheck)
		if err != nil {
			fail("healthcheck.test", "%v", err)
		}
		cfg.Healthcheck = hc
	}
	if r, err := restart(s.Restart); err != nil {
		fail("restart", "%v", err)
	} else {
		c.Restart = r
	}
	if s.Deploy != nil && s.Deploy.RestartPolicy != nil {
		if has("restart") {
			fail("deploy.restart_policy", "cannot be combined with restart: set one of them")
		} else {
			r, warn := restartPolicy(s.Deploy.RestartPolicy)
			c.Restart = r
			if warn != "" {
				*warns = append(*warns, at.errf("deploy.restart_policy", "%s", warn))
			}
		}
	}

	// Resources.
	res := &host.Resources
	res.Memory = int64(s.MemLimit)
	res.MemorySwap = int64(s.MemSwapLimit)
	res.MemoryReservation = int64(s.MemReservation)
	if has("mem_swappiness") {
		v := int64(s.MemSwappiness)
		res.MemorySwappiness = &v
	}
	if has("oom_kill_disable") {
		v := s.OomKillDisable
		res.OomKillDisable = &v
	}
	host.OomScoreAdj = int(s.OomScoreAdj)
	if has("pids_limit") {
		v := s.PidsLimit
		res.PidsLimit = &v
	}
	host.ShmSize = int64(s.ShmSize)
	res.CPUShares = s.CPUShares
	res.NanoCPUs = nanoCPUs(float32(s.CPUS))
	res.CPUPeriod = s.CPUPeriod
	res.CPUQuota = s.CPUQuota
	res.CPURealtimePeriod = s.CPURTPeriod
	res.CPURealtimeRuntime = s.CPURTRuntime
	res.CpusetCpus = s.CPUSet
	res.CPUCount = s.CPUCount
	res.CPUPercent = int64(s.CPUPercent)
	if s.Deploy != nil {
		errs = append(errs, deployResources(s.Deploy.Resources, at, res)...)
	}
	if res.NanoCPUs != 0 && (res.CPUPeriod != 0 || res.CPUQuota != 0) {
		fail("cpus", "cannot be combined with cpu_period or cpu_quota (the engine rejects both at once): use one or the other")
	}
	if b := s.BlkioConfig; b != nil {
		res.BlkioWeight = b.Weight
		for _, w := range b.WeightDevice {
			res.BlkioWeightDevice = append(res.BlkioWeightDevice, &blkiodev.WeightDevice{Path: w.Path, Weight: w.Weight})
		}
		// Each Compose list goes to the engine field of the same name
		// (podlike crossed read_iops with write_bps).
		res.BlkioDeviceReadBps = throttle(b.DeviceReadBps)
		res.BlkioDeviceWriteBps = throttle(b.DeviceWriteBps)
		res.BlkioDeviceReadIOps = throttle(b.DeviceReadIOps)
		res.BlkioDeviceWriteIOps = throttle(b.DeviceWriteIOps)
	}
	for _, d := range s.Devices {
		m := container.DeviceMapping{PathOnHost: d.Source, PathInContainer: d.Target, CgroupPermissions: d.Permissions}
		if m.PathInContainer == "" {
			m.PathInContainer = m.PathOnHost
		}
		if m.CgroupPermissions == "" {
			m.CgroupPermissions = "rwm"
		}
		res.Devices = append(res.Devices, m)
	}
	res.DeviceCgroupRules = s.DeviceCgroupRules
	res.DeviceRequests = append(res.DeviceRequests, deviceRequests(s.Gpus, true)...)
	for _, name := range slices.Sorted(maps.Keys(s.Ulimits)) {
		u := s.Ulimits[name]
		soft, hard := int64(u.Soft), int64(u.Hard)
		if u.Single != 0 {
			soft, hard = int64(u.Single), int64(u.Single)
		}
		res.Ulimits = append(res.Ulimits, &container.Ulimit{Name: name, Soft: soft, Hard: hard})
	}

	// Host settings.
	host.CapAdd = strslice.StrSlice(s.CapAdd)
	host.CapDrop = strslice.StrSlice(s.CapDrop)
	host.GroupAdd = s.GroupAdd
	host.SecurityOpt = s.SecurityOpt
	if len(s.StorageOpt) > 0 {
		host.StorageOpt = s.StorageOpt
	}
	for _, k := range slices.Sorted(maps.Keys(s.Sysctls)) {
		if strings.HasPrefix(k, "net.") {
			fail("sysctls", "%s: network sysctls would change the pod's shared network namespace: set them on the controller (the Swarm service's sysctls)", k)
			continue
		}
		if host.Sysctls == nil {
			host.Sysctls = map[string]string{}
		}
		host.Sysctls[k] = s.Sysctls[k]
	}
	host.UsernsMode = container.UsernsMode(s.UserNSMode)
	host.Isolation = container.Isolation(s.Isolation)
	host.Runtime = s.Runtime
	host.Privileged = s.Privileged
	host.ReadonlyRootfs = s.ReadOnly
	host.CgroupnsMode = container.CgroupnsMode(s.Cgroup)
	if len(s.Annotations) > 0 {
		host.Annotations = map[string]string(s.Annotations)
	}
	for _, t := range s.Tmpfs {
		// Compose's list form is `/path[:options]`.
		dst, opts, _ := strings.Cut(t, ":")
		if host.Tmpfs == nil {
			host.Tmpfs = map[string]string{}
		}
		host.Tmpfs[dst] = opts
	}
	if s.Logging != nil {
		host.LogConfig = container.LogConfig{Type: s.Logging.Driver, Config: s.Logging.Options}
	}
	for i, v := range s.Volumes {
		m, err := volume(v)
		if err != nil {
			fail(fmt.Sprintf("volumes[%d]", i), "%v", err)
			continue
		}
		host.Mounts = append(host.Mounts, m)
	}

	if len(s.DependsOn) > 0 {
		c.DependsOn = map[string]podspec.Dependency{}
		for _, name := range slices.Sorted(maps.Keys(s.DependsOn)) {
			d := s.DependsOn[name]
			if d.Restart {
				// Compose restarts the dependent when it updates the
				// dependency (docker compose up, restart); a pod is
				// updated as a whole, by Swarm.
				*warns = append(*warns, at.errf("depends_on."+name+".restart", "true is not used in a pod: Compose restarts %s when it updates %s; a pod's components are updated together, when Swarm updates the pod's service", c.Name, name))
			}
			c.DependsOn[name] = podspec.Dependency{Condition: podspec.Condition(d.Condition), Required: d.Required}
		}
	}
	return errs
}

// command converts an entrypoint or command. nil keeps the image's; an empty
// list clears it, which the engine understands for an entrypoint only as [""]
// (what `docker run --entrypoint ""` sends).
func command(c types.ShellCommand, entrypoint bool) strslice.StrSlice {
	if c == nil {
		return nil
	}
	if len(c) == 0 && entrypoint {
		return strslice.StrSlice{""}
	}
	return strslice.StrSlice(c)
}

// environment renders the environment as KEY=VALUE, sorted. A variable with
// no value (`- FOO` with no FOO in podinit's environment) stays a bare FOO,
// which the engine reads as "unset".
func environment(env types.MappingWithEquals) []string {
	if len(env) == 0 {
		return nil
	}
	out := make([]string, 0, len(env))
	for _, k := range slices.Sorted(maps.Keys(env)) {
		if v := env[k]; v != nil {
			out = append(out, k+"="+*v)
		} else {
			out = append(out, k)
		}
	}
	return out
}

func healthcheck(h *types.HealthCheckConfig) (*container.HealthConfig, error) {
	hc := &container.HealthConfig{}
	if h.Disable {
		hc.Test = []string{"NONE"}
		return hc, nil
	}
	if len(h.Test) > 0 {
		switch h.Test[0] {
		case "CMD", "CMD-SHELL", "NONE":
		default:
			return nil, fmt.Errorf("%q: a list test must start with CMD, CMD-SHELL or NONE (a string test runs in a shell)", h.Test[0])
		}
		hc.Test = []string(h.Test)
	}
	if h.Interval != nil {
		hc.Interval = time.Duration(*h.Interval)
	}
	if h.Timeout != nil {
		hc.Timeout = time.Duration(*h.Timeout)
	}
	if h.StartPeriod != nil {
		hc.StartPeriod = time.Duration(*h.StartPeriod)
	}
	if h.StartInterval != nil {
		hc.StartInterval = time.Duration(*h.StartInterval)
	}
	if h.Retries != nil {
		hc.Retries = int(*h.Retries)
	}
	return hc, nil
}
