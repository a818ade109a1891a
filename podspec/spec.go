package podspec

import (
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/moby/moby/api/types/container"
)

// Spec is a pod as the user declared it: what package labels reads from the
// controller's labels or a Compose file, before anything about the running
// controller (its ID, namespaces, cgroup, volumes) is known. The plan adds
// those.
type Spec struct {
	// Init components run one after another, in this order, each to exit 0,
	// before any other component starts.
	Init []Component
	// Components are the pod's main components and sidecars.
	Components []Component
	// Warnings are what the pod's declaration holds that podinit accepts
	// but does not apply (keys that belong to the Swarm service, build
	// beside image, …) and compose-go's own warnings (an unset variable).
	// The controller's -strict-compose flag refuses them.
	Warnings []*Problem `json:",omitempty"`
	// Volumes are the named volumes the pod's Compose file declares
	// (top-level volumes:), by the name components use, with their real
	// name (the `name:` field, else the same). Components may mount them
	// without -allow named-volumes.
	Volumes map[string]string
}

// Role says how a component takes part in the pod's life.
type Role string

const (
	// RoleMain components are the pod's workload: the first one to exit
	// ends the pod (unless it restarts), and when all of them exit 0 the pod
	// has succeeded.
	RoleMain Role = "main"
	// RoleSidecar components start before the main ones and stop after them;
	// they never decide the pod's result.
	RoleSidecar Role = "sidecar"
	// RoleInit components run to completion before everything else.
	RoleInit Role = "init"
)

// Condition is a depends_on condition, spelled as in Compose.
type Condition string

const (
	ConditionStarted   Condition = "service_started"
	ConditionHealthy   Condition = "service_healthy"
	ConditionCompleted Condition = "service_completed_successfully"
)

// Dependency is one entry of a component's depends_on.
type Dependency struct {
	Condition Condition
	// Required false lets the component start even when the dependency
	// fails or is missing (Compose's `required: false`).
	Required bool
}

// RestartMode is a component's restart policy inside the pod, spelled as in
// Compose's `restart`.
type RestartMode string

const (
	RestartNo            RestartMode = "no"
	RestartOnFailure     RestartMode = "on-failure"
	RestartAlways        RestartMode = "always"
	RestartUnlessStopped RestartMode = "unless-stopped"
)

// Restart is a component's restart policy. The zero value means "no".
type Restart struct {
	Mode RestartMode
	// MaxRetries bounds on-failure restarts; 0 means no bound.
	MaxRetries int
	// ExitCodes, when set, restarts a run that exited with a code it
	// matches, whatever Mode says (x-podinit.restart-on-exit-codes, after
	// Kubernetes' container restart rules): Mode decides the other codes.
	ExitCodes *ExitCodes
}

// ExitCodes matches exit codes: those listed, or with NotIn every other.
type ExitCodes struct {
	Codes []int
	NotIn bool
}

// Matches reports whether code is one the rule names.
func (e *ExitCodes) Matches(code int) bool {
	return e != nil && slices.Contains(e.Codes, code) != e.NotIn
}

// Wants reports whether a run that failed (or not) after restarts earlier
// restarts should be followed by another.
func (r Restart) Wants(failed bool, restarts int) bool {
	switch r.Mode {
	case RestartAlways, RestartUnlessStopped:
		return true
	case RestartOnFailure:
		return failed && r.retriesLeft(restarts)
	}
	return false
}

// WantsAfterExit is Wants for a run that exited with code: a code that
// ExitCodes matches restarts it, within on-failure's bound when that is the
// mode (a crash loop on a matched code must end somewhere); any other code
// follows Mode.
func (r Restart) WantsAfterExit(code, restarts int) bool {
	if r.ExitCodes.Matches(code) {
		return r.Mode != RestartOnFailure || r.retriesLeft(restarts)
	}
	return r.Wants(code != 0, restarts)
}

func (r Restart) retriesLeft(restarts int) bool {
	return r.MaxRetries == 0 || restarts < r.MaxRetries
}

// OnUnhealthy is what the pod does with a running component whose
// healthcheck the engine reports unhealthy.
type OnUnhealthy string

const (
	// UnhealthyNone leaves it running: the pod reports unhealthy.
	UnhealthyNone OnUnhealthy = "none"
	// UnhealthyRestart stops it and starts it again under its restart
	// policy, as a failed run.
	UnhealthyRestart OnUnhealthy = "restart"
)

// Copy is one file or directory in the controller copied into the component
// before it starts: a pod.copy entry, or one of the component's secrets and
// configs.
type Copy struct {
	Src string // path inside the controller
	Dst string // path inside the component
	// Mode, UID and GID, when set, replace the source's own on the copy
	// (a secret's or config's mode, uid and gid); a source that is not a
	// regular file cannot take them.
	Mode     *uint32 `json:",omitempty"`
	UID, GID *int    `json:",omitempty"`
	// Object is the Swarm secret or config the source is, for a
	// component's secrets: and configs: (nil for pod.copy): the
	// controller must have it when the pod starts.
	Object *SwarmObject `json:",omitempty"`
}

// SwarmObject is a Swarm secret or config that Swarm mounts on the
// controller, named by a component.
type SwarmObject struct {
	Kind string // "secret" or "config"
	Name string // the name the component gives (its source)
	// Key is the component's key that names it (secrets[0]), for messages.
	Key string
}

// Component is one container of the pod.
type Component struct {
	Name string
	Role Role

	// Config and Host hold every Compose key that maps straight onto the
	// engine's create call. They never carry what the pod decides: network,
	// PID and IPC modes, cgroup parent, name, restart policy, auto-remove.
	// Named-volume mounts keep the name the user wrote (Mount.Source); the
	// plan maps it to the real volume.
	Config container.Config
	Host   container.HostConfig

	DependsOn map[string]Dependency

	// StopSignal and StopGrace come from stop_signal and stop_grace_period;
	// empty or zero means the engine's defaults (SIGTERM, 10s).
	StopSignal string
	StopGrace  time.Duration

	Restart Restart
	// OnUnhealthy is x-podinit.on-unhealthy; "" takes the controller's
	// -on-unhealthy.
	OnUnhealthy OnUnhealthy

	// Signals narrows which forwarded signals reach this component
	// (x-podinit.signals); nil means every forwardable signal.
	Signals []syscall.Signal

	Copies []Copy

	// PostStart hooks run, one after another, each to exit 0, once the
	// container has started, before the component counts as started;
	// PreStop hooks run before its stop signal, within its stop time.
	PostStart []Hook `json:",omitempty"`
	PreStop   []Hook `json:",omitempty"`

	// Network holds the names and ports the component declares: links and
	// network aliases, extra_hosts, ports, expose (see Network).
	Network Network

	// Source says where the component was declared, for messages: the
	// label name or "<file>: services.<name>".
	Source string
	// Line is where the component is named in a Compose file (0 for a
	// label of its own), and Lines the lines of its top-level keys, for
	// messages (see Problem).
	Line  int            `json:",omitempty"`
	Lines map[string]int `json:",omitempty"`
}

// Problem is a Problem about key of the component ("" for the whole
// component), placed at the key's line.
func (c *Component) Problem(key, msg string) *Problem {
	p := &Problem{Source: c.Source, Key: key, Msg: msg}
	if src, svc, ok := strings.Cut(c.Source, ": services."); ok {
		p.Source, p.Service, p.File = src, svc, true
	}
	top := key
	if i := strings.IndexAny(key, ".["); i >= 0 {
		top = key[:i]
	}
	if p.Line = c.Lines[top]; p.Line == 0 {
		p.Line = c.Line
	}
	return p
}

// HasHealthcheck reports whether the engine will run a healthcheck for the
// component: its own, or one from its image (which the plan learns only by
// inspecting the image, so Unknown is possible and handled there).
func (c Component) HasHealthcheck() bool {
	hc := c.Config.Healthcheck
	return hc != nil && len(hc.Test) > 0 && hc.Test[0] != "NONE"
}
