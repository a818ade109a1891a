package podspec

import (
	"syscall"
	"time"

	"github.com/docker/docker/api/types/container"
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
}

// Wants reports whether a run that failed (or not) after restarts earlier
// restarts should be followed by another.
func (r Restart) Wants(failed bool, restarts int) bool {
	switch r.Mode {
	case RestartAlways, RestartUnlessStopped:
		return true
	case RestartOnFailure:
		return failed && (r.MaxRetries == 0 || restarts < r.MaxRetries)
	}
	return false
}

// Copy is one pod.copy entry: a file or directory in the controller copied
// into the component before it starts.
type Copy struct {
	Src string // path inside the controller
	Dst string // path inside the component
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

	// Signals narrows which forwarded signals reach this component
	// (x-podinit.signals); nil means every forwardable signal.
	Signals []syscall.Signal

	Copies []Copy

	// Network holds the names and ports the component declares: links and
	// network aliases, extra_hosts, ports, expose (see Network).
	Network Network

	// Source says where the component was declared, for messages: the
	// label name or "<file>: services.<name>".
	Source string
}

// HasHealthcheck reports whether the engine will run a healthcheck for the
// component: its own, or one from its image (which the plan learns only by
// inspecting the image, so Unknown is possible and handled there).
func (c Component) HasHealthcheck() bool {
	hc := c.Config.Healthcheck
	return hc != nil && len(hc.Test) > 0 && hc.Test[0] != "NONE"
}
