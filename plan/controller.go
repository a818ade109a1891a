package plan

import (
	"strings"
	"time"

	"github.com/docker/docker/api/types/container"

	"github.com/podinit/podinit/cgroup"
	"github.com/podinit/podinit/podspec"
)

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

// IPCNeedsHolder reports whether the controller's own IPC namespace cannot
// be joined by other containers: only "shareable" and "host" can be.
func IPCNeedsHolder(mode container.IpcMode) bool {
	return !mode.IsShareable() && !mode.IsHost()
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
