package healthprobe

import (
	"encoding/json"
	"fmt"
	"time"
)

// Phase is the pod's phase (Status.Phase). The supervisor moves it by its
// table of moves (package pod, phase.go).
type Phase string

// Pod phases.
const (
	PhaseStarting Phase = "starting" // init components, dependencies and starts are under way
	PhaseRunning  Phase = "running"  // every component has been started
	PhaseStopping Phase = "stopping" // a stop was requested or the pod's result is decided
	PhaseStopped  Phase = "stopped"  // every component is gone after a clean stop
	PhaseFailed   Phase = "failed"   // every component is gone and the pod failed
)

// Health verdicts (Status.Health, and Component.Health besides "").
const (
	Starting  = "starting"
	Healthy   = "healthy"
	Unhealthy = "unhealthy"
)

// Component roles (Component.Role), spelled as x-podinit's role: the
// status's words for podspec.Role, which this package does not import, so
// that podinit (PID 1) links no engine types; pod's TestStatusRolesArePodspecs
// keeps the two the same.
const (
	RoleInit    = "init"
	RoleSidecar = "sidecar"
	RoleMain    = "main"
)

// Component states (Component.State).
const (
	StateWaiting    = "waiting"    // for its dependencies, or for the init components
	StateCreating   = "creating"   // the engine is creating its container
	StateStarting   = "starting"   // created, the engine is starting it
	StateRunning    = "running"    // its process runs
	StateRestarting = "restarting" // it exited and waits for its restart backoff
	StateExited     = "exited"     // it exited and will not be restarted
	StateStopping   = "stopping"   // it was sent its stop signal
)

// Status is the pod as `podinit status` prints it. The supervisor builds it;
// the server fills in Health, Reasons and Notes. Field names in JSON are part of the
// command line contract: add fields, never rename them.
type Status struct {
	// Phase is one of the Phase* constants.
	Phase Phase `json:"phase"`
	// Health is Evaluate's verdict: starting, healthy or unhealthy.
	Health string `json:"health"`
	// Reasons says why Health is not healthy, one line per component or pod
	// condition, e.g. "web: restarting (3 restarts, last exit 1)".
	Reasons []string `json:"reasons,omitempty"`
	// Notes says what the pod is doing that does not change Health, one
	// line per component: a restart in place of a component that the pod
	// restarts when it is unhealthy (Component.Liveness).
	Notes []string `json:"notes,omitempty"`
	// StartedAt is when the controller began starting the pod; the start
	// period counts from here. A zero StartedAt counts as a start period
	// long over, so the supervisor must set it before anyone can ask.
	StartedAt time.Time `json:"startedAt"`
	// Components are init components first, in run order, then the others.
	Components []Component `json:"components"`
}

// Component is one container of the pod as the supervisor last saw it.
type Component struct {
	Name string `json:"name"`
	// Role is one of the Role* constants.
	Role string `json:"role"`
	// State is one of the State* constants.
	State string `json:"state"`
	// Health is the engine's health status of the container: starting,
	// healthy or unhealthy; "" when the component has no healthcheck.
	Health string `json:"health"`
	// Restarts counts restarts inside the pod under its restart policy.
	Restarts int `json:"restarts"`
	// LastExit is the exit code of its last run; nil until it has exited.
	LastExit *int `json:"lastExit,omitempty"`
	// StartedAt and FinishedAt are those of its current or last run.
	StartedAt  *time.Time `json:"startedAt,omitempty"`
	FinishedAt *time.Time `json:"finishedAt,omitempty"`
	// StopDuration is how long its stop took, from stop signal to exit;
	// zero until it was stopped.
	StopDuration Duration `json:"stopDuration,omitempty"`
	// Killed says that it outlived its stop grace and got SIGKILL.
	Killed bool `json:"killed,omitempty"`
	// Message is the supervisor's word on it for a human, e.g. "waiting for
	// db to be healthy" or the engine's error.
	Message string `json:"message,omitempty"`
	// LastReason is why its last run ended: "unhealthy" (the pod stopped
	// it to restart it), "exit code N", "OOM-killed", or the error that
	// kept it from running; "" until a run ended.
	LastReason string `json:"lastReason,omitempty"`
	// NextRestart is when the restart it waits for is due; nil unless it
	// is restarting.
	NextRestart *time.Time `json:"nextRestart,omitempty"`
	// Liveness says the pod restarts it when it is unhealthy (x-podinit
	// on-unhealthy: restart, or -on-unhealthy restart), and CanRestart
	// that its restart policy has a restart left: while both hold, its
	// restarts and its unhealthy moments do not make the pod unhealthy.
	Liveness   bool `json:"liveness,omitempty"`
	CanRestart bool `json:"canRestart,omitempty"`
}

// Duration is a time.Duration that reads and writes JSON as Go's duration
// text ("1.5s"), not as nanoseconds.
type Duration time.Duration

// MarshalJSON writes the duration as a string such as "1.5s".
func (d Duration) MarshalJSON() ([]byte, error) {
	return json.Marshal(time.Duration(d).String())
}

// UnmarshalJSON reads a string that time.ParseDuration accepts.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("duration must be a JSON string such as \"1.5s\", got %s", b)
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("duration %q: %w", s, err)
	}
	*d = Duration(v)
	return nil
}
