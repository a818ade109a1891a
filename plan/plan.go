package plan

import (
	"errors"
	"fmt"
	"maps"
	"path"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/mount"

	"github.com/podinit/podinit/cgroup"
	"github.com/podinit/podinit/hostsfile"
	"github.com/podinit/podinit/podcopy"
	"github.com/podinit/podinit/podspec"
)

// Ownership labels put on every container the pod creates, so that the pod's
// containers can be found by anyone, and leftovers of a controller that died
// can be removed by the next one.
const (
	LabelController = "podinit.controller" // the controller's container ID
	LabelPod        = "podinit.pod"        // the pod's identity (see Plan.Pod)
	LabelComponent  = "podinit.component"  // the component's name
	// The controller's com.docker.swarm.* labels are copied under this
	// prefix: verbatim copies would make Swarm's agent take components for
	// its own tasks.
	LabelSwarmPrefix = "podinit.swarm."
)

// HolderName is the component name of the IPC holder container.
const HolderName = "ipc-holder"

// Options are the controller's choices (its command-line flags).
type Options struct {
	SharePID     bool // components join the controller's PID namespace
	ShareIPC     bool // components share one IPC namespace with the controller or a holder
	ShareVolumes bool // components get the controller's mounts (never the Docker socket)
	Logs         bool // stream component output into the controller's
	Pull         bool // pull images before every create, not only when missing

	PullTimeout time.Duration
	// RegistryAuthFiles are Docker config files (auths) tried in order for pulls.
	RegistryAuthFiles []string
	// StopBudget is the time the whole pod has to stop, from the stop request.
	StopBudget time.Duration
	// StopMargin is kept back from StopBudget for the last SIGKILLs and
	// removals, so that podinit exits before Docker kills it.
	StopMargin time.Duration
	// ReadyTimeout bounds the wait for a dependency to become ready.
	ReadyTimeout time.Duration
	// StrictBudget makes a stop order that cannot fit the budget an error.
	StrictBudget bool
	// Allow opens privilege classes past the ceiling (see ceiling.go).
	Allow Allow
	// StrictEngine makes an engine reached over the network, which every
	// component can reach too, an error instead of a warning.
	StrictEngine bool
	// EngineLostAfter is how long the engine may leave pings unanswered
	// before the pod stops without it (ExitEngineLost); 0: never.
	EngineLostAfter time.Duration
	// OnUnhealthy is what the pod does with an unhealthy component whose
	// x-podinit.on-unhealthy does not say (-on-unhealthy).
	OnUnhealthy podspec.OnUnhealthy
	// HealthSocket is the health server's socket inside the controller;
	// no component gets the mount that holds it.
	HealthSocket string
}

// Controller is what the plan needs to know about the container podinit
// runs in.
type Controller struct {
	ID          string
	Name        string // without the leading slash
	Image       string // image ID: the IPC holder runs podinit from it
	Labels      map[string]string
	IpcMode     container.IpcMode
	PidMode     container.PidMode
	StopTimeout *int
	Mounts      []container.MountPoint
	// VolumeRefs maps the name components use for a controller volume to
	// the volume's real name (volume-ref labels, stack prefixes).
	VolumeRefs map[string]string
	// VolumeDevices maps a controller volume's real name to the host path
	// it binds, for local volumes created with o=bind: such a volume is a
	// host mount under another name.
	VolumeDevices map[string]string
	// OwnCgroupParent is the controller's own HostConfig.CgroupParent.
	OwnCgroupParent string
	// CgroupParent is the parent to give components so that they nest under
	// the controller's cgroup, "" where the engine cannot nest them
	// (cgroup.Parent decides). Without nesting, components inherit Limits.
	CgroupParent string
	// Limits are the controller's own cgroup limits: the pod's budget.
	Limits cgroup.Limits
	// Configured are the limits the controller's engine configuration sets
	// (cgroup.Configured): its Limits as seen from outside it.
	Configured cgroup.Limits
	// APIVersion is the Engine API version podinit and the engine agreed
	// on: a component's field that needs a newer one is left out or
	// refused (fitAPI). "" leaves every field as it is.
	APIVersion string
	// Command is the controller's command as the engine started it (path,
	// then arguments): its flags, for validate.
	Command []string
	// Caps are the controller's own effective capabilities: the ceiling
	// for the components' cap_add.
	Caps Caps
	// EngineHost is where the controller reaches the engine (DOCKER_HOST,
	// or the default unix socket).
	EngineHost string
	// EngineDirs are host paths of the engine beyond the usual ones (its
	// data root, the source of the controller's socket mount): no component
	// gets them or a directory that holds them.
	EngineDirs []string
	// Private are paths inside the controller that no component gets, nor a
	// mount that holds them: the engine's socket and the health socket.
	// NewPlan fills it from EngineHost and Options.HealthSocket.
	Private []string
	// FilesHere says that podinit runs inside the controller, so that the
	// controller's files (the secrets and configs Swarm mounted on it) are
	// podinit's own to check.
	FilesHere bool
	// RemoveOwn makes podinit remove the pod's containers once they end,
	// instead of the engine's auto-remove, which an engine that restarts
	// with live-restore may honour by killing them (RestoreKillsAutoRemove).
	RemoveOwn bool
}

// Member is one container of the plan: a component with the engine
// configuration it will be created with.
type Member struct {
	podspec.Component
	ContainerName string
	Config        container.Config
	Host          container.HostConfig
	// Needs are the dependencies the start waits for, including the implicit
	// ones of main components on sidecars.
	Needs map[string]podspec.Dependency
}

// Plan is a pod ready to run: every container's configuration, the start
// order and the stop order.
type Plan struct {
	// Pod identifies the pod across controller restarts: the Swarm task's
	// service and slot (e.g. "web.2"), or the controller's name.
	Pod        string
	Controller Controller
	Options    Options
	// Spec is the pod as declared.
	Spec podspec.Spec
	// Holder is the IPC holder, when components cannot join the
	// controller's IPC namespace and share one of the holder's instead.
	Holder *Member
	Init   []*Member
	// Levels are the components in start order: each level's members
	// depend only on earlier levels and start in parallel.
	Levels [][]*Member
	// Warnings are things the user should know that do not stop the pod.
	Warnings []string
	// Hosts are the pod's names, for the controller's /etc/hosts, which
	// every component shares (names.go).
	Hosts []hostsfile.Entry
}

// Members returns every non-init component in start order.
func (p *Plan) Members() []*Member {
	var all []*Member
	for _, l := range p.Levels {
		all = append(all, l...)
	}
	return all
}

// IPCNeedsHolder reports whether the controller's own IPC namespace cannot
// be joined by other containers: only "shareable" and "host" can be.
func IPCNeedsHolder(mode container.IpcMode) bool {
	return !mode.IsShareable() && !mode.IsHost()
}

// NewPlan turns a spec into a plan for the given controller. It checks what
// only the whole pod can check: dependency graph, roles, stop budget, and
// the privilege ceiling against the controller's own (ceiling.go).
func NewPlan(spec podspec.Spec, ctrl Controller, opts Options) (*Plan, error) {
	ctrl.Private = privatePaths(ctrl, opts)
	ctrl.EngineDirs = engineDirs(ctrl)
	p := &Plan{Pod: podKey(ctrl), Controller: ctrl, Options: opts, Spec: spec}
	var errs []*podspec.Problem
	if w := engineReach(ctrl.EngineHost); w != "" {
		if opts.StrictEngine {
			errs = append(errs, &podspec.Problem{Msg: w + " (-strict-engine refuses it)"})
		} else {
			p.Warnings = append(p.Warnings, w+"; -strict-engine refuses to start like this")
		}
	}

	names := map[string]*podspec.Component{}
	for _, c := range append(append([]podspec.Component{}, spec.Init...), spec.Components...) {
		names[c.Name] = &c
	}
	if opts.ShareIPC && IPCNeedsHolder(ctrl.IpcMode) {
		if c := names[HolderName]; c != nil {
			errs = append(errs, c.Problem("", fmt.Sprintf("component name %q is reserved for the IPC holder; rename the component", HolderName)))
		}
		h := &Member{Component: podspec.Component{Name: HolderName, Role: podspec.RoleSidecar, Source: "podinit (IPC holder)"}}
		h.Component.Config = container.Config{
			Image:      ctrl.Image,
			Entrypoint: []string{"/podinit"},
			Cmd:        []string{"pause"},
			// The image's HEALTHCHECK asks the controller's socket, which
			// the holder does not have.
			Healthcheck: &container.HealthConfig{Test: []string{"NONE"}},
		}
		p.Holder = h
		p.finish(h, true)
	}

	for _, c := range spec.Init {
		m := &Member{Component: c}
		m.Role = podspec.RoleInit
		p.Init = append(p.Init, m)
		p.finish(m, false)
	}

	members := newMembers(spec)
	for _, c := range spec.Components {
		m := members[c.Name]
		if m.OnUnhealthy == "" {
			m.OnUnhealthy = opts.OnUnhealthy
		}
		if w := livenessWarning(m); w != "" {
			p.Warnings = append(p.Warnings, w)
		}
		p.finish(m, false)
	}
	// Package labels checks depends_on (checkPod) and says it first; the
	// plan cannot order a spec that names an unknown component, and says
	// so too (cmd/podinit-pod's report keeps the first word).
	for _, m := range members {
		for _, dep := range slices.Sorted(maps.Keys(m.DependsOn)) {
			if _, ok := members[dep]; !ok {
				errs = append(errs, m.Component.Problem("depends_on."+dep, fmt.Sprintf("%q is not a component of this pod (components: %s)", dep, strings.Join(slices.Sorted(maps.Keys(members)), ", "))))
			}
		}
	}
	fit := append([]*Member{}, p.Init...)
	for _, c := range spec.Components {
		fit = append(fit, members[c.Name])
	}
	for _, m := range fit {
		w, e := fitAPI(m, ctrl.APIVersion)
		p.Warnings = append(p.Warnings, w...)
		errs = append(errs, e...)
	}
	if opts.ShareIPC {
		errs = append(errs, ipcSysctls(spec)...)
	}
	errs = append(errs, checkCeiling(spec, p.Controller, opts)...)
	errs = append(errs, checkLimits(ctrl.Limits, spec)...)
	objErrs, objWarning := podcopy.CheckObjects(spec, ctrl.FilesHere)
	errs = append(errs, objErrs...)
	if objWarning != "" {
		p.Warnings = append(p.Warnings, objWarning)
	}
	if len(errs) == 0 {
		levels, cycle := order(members)
		if cycle != "" {
			errs = append(errs, &podspec.Problem{Key: "depends_on", Msg: "depends_on has a cycle: " + cycle + "; remove one of these dependencies"})
		}
		p.Levels = levels
	}
	if len(errs) > 0 {
		return nil, &PlanError{Problems: errs}
	}
	var nameWarnings []string
	p.Hosts, nameWarnings = podHosts(spec)
	p.Warnings = append(append(p.Warnings, nameWarnings...), sharedPorts(spec)...)
	if w := p.checkBudget(); w != "" {
		if opts.StrictBudget {
			return nil, &PlanError{Problems: []*podspec.Problem{{Msg: w + " (-strict-budget refuses it)"}}}
		}
		p.Warnings = append(p.Warnings, w)
	}
	return p, nil
}

// newMembers makes a member of every non-init component, with the
// dependencies its start waits for. Sidecars start before the main
// components and stop after them: every main component waits for every
// sidecar to be ready (healthy if it has a healthcheck, else started).
func newMembers(spec podspec.Spec) map[string]*Member {
	members := map[string]*Member{}
	for _, c := range spec.Components {
		m := &Member{Component: c, Needs: map[string]podspec.Dependency{}}
		if m.Role == "" {
			m.Role = podspec.RoleMain
		}
		for dep, d := range c.DependsOn {
			m.Needs[dep] = d
		}
		members[c.Name] = m
	}
	for _, m := range members {
		if m.Role != podspec.RoleMain {
			continue
		}
		for _, s := range members {
			if s.Role == podspec.RoleSidecar {
				if _, explicit := m.Needs[s.Name]; !explicit {
					m.Needs[s.Name] = podspec.Dependency{Condition: ConditionReady, Required: true}
				}
			}
		}
	}
	return members
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

func RestartName(r podspec.Restart) string {
	if r.Mode == "" {
		return string(podspec.RestartNo)
	}
	return string(r.Mode)
}

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

// ConditionReady is the implicit condition of a main component on a
// sidecar: healthy when the sidecar has a healthcheck, started otherwise.
const ConditionReady podspec.Condition = "ready"

// PlanError lists every problem found in the pod as a whole, each placed
// at its component and key where it has them.
type PlanError struct{ Problems []*podspec.Problem }

func (e *PlanError) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.Error()
	}
	if len(lines) == 1 {
		return lines[0]
	}
	return "the pod has " + fmt.Sprint(len(lines)) + " problems:\n  " + strings.Join(lines, "\n  ")
}

// finish gives a member the configuration only the pod can decide:
// namespaces, name, ownership, cgroup parent, volumes.
func (p *Plan) finish(m *Member, holder bool) {
	ctrl := p.Controller
	m.ContainerName = ctrl.Name + "." + m.Name

	cfg := m.Component.Config
	cfg.Labels = map[string]string{}
	for k, v := range m.Component.Config.Labels {
		cfg.Labels[k] = v
	}
	cfg.Labels[LabelController] = ctrl.ID
	cfg.Labels[LabelPod] = p.Pod
	cfg.Labels[LabelComponent] = m.Name
	for k, v := range ctrl.Labels {
		if rest, ok := strings.CutPrefix(k, "com.docker.swarm."); ok {
			cfg.Labels[LabelSwarmPrefix+rest] = v
		} else if k == "com.docker.stack.namespace" {
			cfg.Labels[LabelSwarmPrefix+"stack.namespace"] = v
		}
	}
	if m.StopSignal != "" {
		cfg.StopSignal = m.StopSignal
	}
	// Components share the controller's network namespace, so its hostname
	// and domain; setting one would conflict with container: network mode.
	cfg.Hostname, cfg.Domainname = "", ""
	m.Config = cfg

	host := m.Component.Host
	host.NetworkMode = container.NetworkMode("container:" + ctrl.ID)
	if p.Options.SharePID {
		host.PidMode = container.PidMode("container:" + ctrl.ID)
	}
	switch {
	case holder:
		host.IpcMode = "shareable"
	case p.Options.ShareIPC && p.Holder == nil:
		host.IpcMode = container.IpcMode("container:" + ctrl.ID)
	}
	// With a holder, the holder's ID is known only once it runs; the
	// supervisor fills IpcMode in then.
	host.AutoRemove = !ctrl.RemoveOwn
	host.RestartPolicy = container.RestartPolicy{}
	// On cgroup v1 a nested component's devices cgroup cannot allow more
	// than the controller's: a privileged component or one given devices
	// (past the ceiling, with -allow) would fail to start there.
	nest := ctrl.CgroupParent != "" && !wantsDevices(host)
	if nest {
		host.CgroupParent = ctrl.CgroupParent
	}
	host.Mounts = p.mounts(m, holder)
	if !nest && !holder {
		// Not nested under the controller's cgroup: bound the component by
		// the pod's limits itself.
		why := "the engine cannot nest it under the controller's cgroup"
		if ctrl.CgroupParent != "" {
			why = "nested under the controller's cgroup, its devices could not exceed the controller's"
		}
		if set := cgroup.Inherit(ctrl.Limits, &host.Resources); len(set) > 0 {
			p.Warnings = append(p.Warnings, fmt.Sprintf("%s inherits the pod's %s (%s)", m.Name, strings.Join(set, ", "), why))
		}
	}
	m.Host = host
}

// wantsDevices reports whether a component asks for devices beyond a
// default container's.
func wantsDevices(h container.HostConfig) bool {
	return h.Privileged || len(h.Devices) > 0 || len(h.DeviceCgroupRules) > 0 || len(h.DeviceRequests) > 0
}

// mounts maps the component's named volumes to the controller's real
// volumes and, with ShareVolumes, adds the controller's own mounts, except
// those that hold the engine's socket, the health socket or engine
// directories (checkCeiling has refused such mounts of the component's own).
func (p *Plan) mounts(m *Member, holder bool) []mount.Mount {
	var out []mount.Mount
	taken := map[string]bool{}
	for _, mt := range m.Component.Host.Mounts {
		if mt.Type == mount.TypeVolume {
			if real, ok := p.Controller.VolumeRefs[mt.Source]; ok {
				mt.Source = real
			} else if real, ok := p.Spec.Volumes[mt.Source]; ok && real != "" {
				mt.Source = real
			}
		}
		taken[mt.Target] = true
		out = append(out, mt)
	}
	if !p.Options.ShareVolumes || holder {
		return out
	}
	for _, cm := range p.Controller.Mounts {
		if taken[cm.Destination] || isDockerSocket(cm) {
			continue
		}
		if _, private := touchesAny(path.Clean(cm.Destination), p.Controller.Private); private {
			continue
		}
		mt := mount.Mount{Target: cm.Destination, ReadOnly: !cm.RW}
		switch cm.Type {
		case mount.TypeVolume:
			if _, engine := touchesAny(path.Clean(p.Controller.VolumeDevices[cm.Name]), p.Controller.EngineDirs); engine {
				continue
			}
			mt.Type, mt.Source = mount.TypeVolume, cm.Name
		case mount.TypeBind:
			if _, engine := touchesAny(path.Clean(cm.Source), p.Controller.EngineDirs); engine {
				continue
			}
			mt.Type, mt.Source = mount.TypeBind, cm.Source
		default:
			continue // tmpfs and others are private to the controller
		}
		out = append(out, mt)
	}
	return out
}

// isDockerSocket spots the engine's socket among the controller's mounts: it
// is root on the host, and components never get it through -volumes.
func isDockerSocket(m container.MountPoint) bool {
	return strings.HasSuffix(m.Destination, "docker.sock") || strings.HasSuffix(m.Source, "docker.sock")
}

// podKey names the pod so that a controller restarted by Swarm in the same
// slot finds its predecessor's leftovers: "<service>.<slot>" from the task
// name "<service>.<slot>.<task id>", or the controller's name outside Swarm.
func podKey(ctrl Controller) string {
	if task := ctrl.Labels["com.docker.swarm.task.name"]; task != "" {
		if i := strings.LastIndex(task, "."); i > 0 {
			return task[:i]
		}
		return task
	}
	return ctrl.Name
}

// order sorts members into start levels (Kahn's algorithm, names sorted
// within a level so plans print the same every time), or spells out a cycle.
func order(members map[string]*Member) ([][]*Member, string) {
	indeg := map[string]int{}
	dependents := map[string][]string{}
	for name, m := range members {
		indeg[name] += 0
		for dep := range m.Needs {
			indeg[name]++
			dependents[dep] = append(dependents[dep], name)
		}
	}
	var levels [][]*Member
	var ready []string
	for name, d := range indeg {
		if d == 0 {
			ready = append(ready, name)
		}
	}
	done := 0
	for len(ready) > 0 {
		sort.Strings(ready)
		var level []*Member
		var next []string
		for _, name := range ready {
			level = append(level, members[name])
			done++
			for _, d := range dependents[name] {
				indeg[d]--
				if indeg[d] == 0 {
					next = append(next, d)
				}
			}
		}
		levels = append(levels, level)
		ready = next
	}
	if done == len(members) {
		return levels, ""
	}
	return nil, findCycle(members, indeg)
}

// findCycle walks from a member still waiting after the sort until a name
// repeats, and prints the loop as "a -> b -> a".
func findCycle(members map[string]*Member, indeg map[string]int) string {
	var start string
	for _, name := range slices.Sorted(maps.Keys(members)) {
		if indeg[name] > 0 {
			start = name
			break
		}
	}
	seen := map[string]int{}
	var path []string
	cur := start
	for {
		if i, ok := seen[cur]; ok {
			return strings.Join(append(path[i:], cur), " -> ")
		}
		seen[cur] = len(path)
		path = append(path, cur)
		var next string
		for _, dep := range slices.Sorted(maps.Keys(members[cur].Needs)) {
			if indeg[dep] > 0 {
				next = dep
				break
			}
		}
		if next == "" {
			return strings.Join(path, " -> ")
		}
		cur = next
	}
}

// StopWaves is the stop order: the reverse of the start levels, so that
// dependents stop before their dependencies and sidecars after the main
// components.
func (p *Plan) StopWaves() [][]*Member {
	waves := make([][]*Member, 0, len(p.Levels))
	for i := len(p.Levels) - 1; i >= 0; i-- {
		waves = append(waves, p.Levels[i])
	}
	return waves
}
