package plan

import (
	"fmt"
	"strings"

	"github.com/moby/moby/api/types/container"

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

// newPlan is a plan of no component yet for ctrl: what the controller and
// the options alone decide.
func newPlan(ctrl Controller, opts Options) *Plan {
	ctrl.Private = privatePaths(ctrl, opts)
	ctrl.EngineDirs = engineDirs(ctrl)
	return &Plan{Pod: podKey(ctrl), Controller: ctrl, Options: opts}
}

// Holder is the IPC holder the plan of any pod of ctrl has, nil when the
// components share no IPC namespace or can join the controller's: the
// controller and the options alone decide it, so that the controller can
// start it while it still reads the rest of the pod (pod.StartHolder).
func Holder(ctrl Controller, opts Options) *Member {
	return newPlan(ctrl, opts).holder()
}

func (p *Plan) holder() *Member {
	if !p.Options.ShareIPC || !IPCNeedsHolder(p.Controller.IpcMode) {
		return nil
	}
	h := &Member{Component: podspec.Component{Name: HolderName, Role: podspec.RoleSidecar, Source: "podinit (IPC holder)"}}
	h.Component.Config = container.Config{
		Image:      p.Controller.Image,
		Entrypoint: []string{"/podinit"},
		Cmd:        []string{"pause"},
		// The image's HEALTHCHECK asks the controller's socket, which
		// the holder does not have.
		Healthcheck: &container.HealthConfig{Test: []string{"NONE"}},
	}
	p.finish(h, true)
	return h
}

// Members returns every non-init component in start order.
func (p *Plan) Members() []*Member {
	var all []*Member
	for _, l := range p.Levels {
		all = append(all, l...)
	}
	return all
}

// NewPlan turns a spec into a plan for the given controller. It checks what
// only the whole pod can check: dependency graph, roles, stop budget, and
// the privilege ceiling against the controller's own (ceiling.go).
func NewPlan(spec podspec.Spec, ctrl Controller, opts Options) (*Plan, error) {
	p := newPlan(ctrl, opts)
	p.Spec = spec
	ctrl = p.Controller
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
	if p.Holder = p.holder(); p.Holder != nil {
		if c := names[HolderName]; c != nil {
			errs = append(errs, c.Problem("", fmt.Sprintf("component name %q is reserved for the IPC holder; rename the component", HolderName)))
		}
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
	// The one check of depends_on (package labels reports it with the
	// declaration): a spec it refuses cannot be ordered.
	dependsErrs := spec.DependsProblems(nil)
	errs = append(errs, dependsErrs...)
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
	if len(dependsErrs) == 0 {
		var ok bool
		if p.Levels, ok = order(members); !ok {
			errs = append(errs, &podspec.Problem{Key: "depends_on", Msg: "podinit bug: the start order has a cycle that the depends_on check let through"})
		}
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

func RestartName(r podspec.Restart) string {
	if r.Mode == "" {
		return string(podspec.RestartNo)
	}
	return string(r.Mode)
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
