package pod

import "github.com/podinit/podinit/healthprobe"

// phaseMoves are the only moves of the pod's phase (Supervisor.setPhase), as
// transitions are the only moves of a member's state. A pod that fails to
// start goes from starting to stopping; every stop ends stopped or failed.
var phaseMoves = map[healthprobe.Phase]map[healthprobe.Phase]bool{
	healthprobe.PhaseStarting: {healthprobe.PhaseRunning: true, healthprobe.PhaseStopping: true},
	healthprobe.PhaseRunning:  {healthprobe.PhaseStopping: true},
	healthprobe.PhaseStopping: {healthprobe.PhaseStopped: true, healthprobe.PhaseFailed: true},
}
