package pod

// Exit codes of the controller besides a component's own code.
const (
	// ExitInvalid: the pod's spec or plan is invalid; nothing was created.
	ExitInvalid = 2
	// ExitCannotRun: podinit could not run the pod (engine unreachable, a
	// pull, create or start failed, a dependency failed or never got ready).
	ExitCannotRun = 3
	// ExitPanic: a bug in podinit (a panic in one of the supervisor's
	// goroutines); the pod was stopped within its budget. 70 is sysexits'
	// EX_SOFTWARE.
	ExitPanic = 70
	// ExitEngineLost: the engine did not answer for -engine-lost-after; the
	// pod was stopped without it. 69 is sysexits' EX_UNAVAILABLE.
	ExitEngineLost = 69
)

// Result is how the pod ended: the controller's exit code and why.
type Result struct {
	Code   int
	Reason string
}
