package main

import (
	"github.com/podinit/podinit/engine"
	"github.com/podinit/podinit/internal/panicguard"
	"github.com/podinit/podinit/pod"
)

// Reading a pod runs code that takes outside input (compose-go's loader has
// had panics). As PID 1 a panic would end podinit with the Go runtime's
// exit 2 and a screenful of goroutines; guard turns it into the exit code
// of an invalid pod and one line that says what happened, before anything
// was created.

// debugEnv, when set to 1, prints a recovered panic's stack on stderr too.
const debugEnv = panicguard.DebugEnv

// panicHook runs first inside every guard; tests set it to inject a panic.
var panicHook func(what string)

// engineHook wraps the engine the supervisor uses; a test build wraps it to
// inject a panic into one of the supervisor's goroutines.
var engineHook = func(e engine.Engine) engine.Engine { return e }

// guard runs f and returns its code; a panic in f gives pod.ExitInvalid and
// one line through report (package panicguard).
func guard(report func(line string), what string, f func() int) int {
	return panicguard.Run(report, what, pod.ExitInvalid, panicHook, f)
}
