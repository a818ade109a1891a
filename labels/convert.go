package labels

import (
	"fmt"
	"maps"
	"os"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/moby/moby/api/types/blkiodev"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/mount"
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

// nanoCPUs converts Compose's float32 CPU count without float32 noise
// (0.1 as float32 is 0.10000000149).
func nanoCPUs(cpus float32) int64 {
	f, _ := strconv.ParseFloat(strconv.FormatFloat(float64(cpus), 'f', -1, 32), 64)
	return int64(f*1e9 + 0.5)
}

func deployResources(r types.Resources, at where, res *container.Resources) []*Error {
	var errs []*Error
	set := func(key string, dst *int64, v int64, from string) {
		if v == 0 {
			return
		}
		if *dst != 0 && *dst != v {
			errs = append(errs, at.errf(key, "%d conflicts with %s (%d): set one of them", v, from, *dst))
			return
		}
		*dst = v
	}
	if l := r.Limits; l != nil {
		set("deploy.resources.limits.memory", &res.Memory, int64(l.MemoryBytes), "mem_limit")
		set("deploy.resources.limits.cpus", &res.NanoCPUs, nanoCPUs(float32(l.NanoCPUs)), "cpus")
		if l.Pids != 0 {
			if res.PidsLimit != nil && *res.PidsLimit != l.Pids {
				errs = append(errs, at.errf("deploy.resources.limits.pids", "%d conflicts with pids_limit (%d): set one of them", l.Pids, *res.PidsLimit))
			} else {
				v := l.Pids
				res.PidsLimit = &v
			}
		}
	}
	if rv := r.Reservations; rv != nil {
		set("deploy.resources.reservations.memory", &res.MemoryReservation, int64(rv.MemoryBytes), "mem_reservation")
		res.DeviceRequests = append(res.DeviceRequests, deviceRequests(rv.Devices, false)...)
	}
	return errs
}

func deviceRequests(ds []types.DeviceRequest, gpus bool) []container.DeviceRequest {
	var out []container.DeviceRequest
	for _, d := range ds {
		r := container.DeviceRequest{Driver: d.Driver, Count: int(d.Count), DeviceIDs: d.IDs, Options: d.Options}
		caps := d.Capabilities
		if gpus && len(caps) == 0 {
			caps = []string{"gpu"}
		}
		if len(caps) > 0 {
			r.Capabilities = [][]string{caps}
		}
		out = append(out, r)
	}
	return out
}

func throttle(ts []types.ThrottleDevice) []*blkiodev.ThrottleDevice {
	var out []*blkiodev.ThrottleDevice
	for _, t := range ts {
		out = append(out, &blkiodev.ThrottleDevice{Path: t.Path, Rate: uint64(t.Rate)})
	}
	return out
}

// volume converts one volume to a mount. Named volumes keep the name the user
// wrote; the plan maps it to the controller's volume (see VolumeRef).
func volume(v types.ServiceVolumeConfig) (mount.Mount, error) {
	m := mount.Mount{
		Type:        mount.Type(v.Type),
		Source:      v.Source,
		Target:      v.Target,
		ReadOnly:    v.ReadOnly,
		Consistency: mount.Consistency(v.Consistency),
	}
	if !path.IsAbs(v.Target) {
		return m, fmt.Errorf("target %q must be an absolute path inside the component", v.Target)
	}
	switch v.Type {
	case types.VolumeTypeBind:
		if strings.HasPrefix(v.Source, "~") {
			return m, fmt.Errorf("bind source %q: `~` is not expanded: the home of which user, on which host? give an absolute host path", v.Source)
		}
		if !path.IsAbs(v.Source) {
			return m, fmt.Errorf("bind source %q is relative: podinit's working directory is inside the controller, not on the host; use an absolute host path or a named volume", v.Source)
		}
		opts := &mount.BindOptions{CreateMountpoint: true}
		if b := v.Bind; b != nil {
			if b.SELinux != "" {
				return m, fmt.Errorf("bind %q: SELinux relabelling (:z/:Z) is not supported by the engine's mount API that podinit uses; relabel the host path yourself (chcon)", v.Source)
			}
			opts.Propagation = mount.Propagation(b.Propagation)
			opts.CreateMountpoint = bool(b.CreateHostPath)
			switch b.Recursive {
			case "", "enabled":
			case "disabled":
				opts.NonRecursive = true
			case "writable":
				opts.ReadOnlyNonRecursive = true
			case "readonly":
				opts.ReadOnlyForceRecursive = true
			default:
				return m, fmt.Errorf("bind.recursive %q: use enabled, disabled, writable or readonly", b.Recursive)
			}
		}
		m.BindOptions = opts
	case types.VolumeTypeVolume:
		if o := v.Volume; o != nil && (o.NoCopy || o.Subpath != "" || len(o.Labels) > 0) {
			m.VolumeOptions = &mount.VolumeOptions{NoCopy: o.NoCopy, Subpath: o.Subpath, Labels: map[string]string(o.Labels)}
		}
	case types.VolumeTypeTmpfs:
		if o := v.Tmpfs; o != nil {
			m.TmpfsOptions = &mount.TmpfsOptions{SizeBytes: int64(o.Size), Mode: os.FileMode(o.Mode)}
		}
	case "image":
		if o := v.Image; o != nil && o.SubPath != "" {
			m.ImageOptions = &mount.ImageOptions{Subpath: o.SubPath}
		}
	default:
		return m, fmt.Errorf("type %q cannot be mounted into a pod's component: use bind, volume, tmpfs or image", v.Type)
	}
	return m, nil
}
