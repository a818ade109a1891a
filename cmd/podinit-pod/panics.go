package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"

	"github.com/podinit/podinit/pod"
)

// Reading a pod runs code that takes outside input (compose-go's loader has
// had panics). As PID 1 a panic would end podinit with the Go runtime's
// exit 2 and a screenful of goroutines; guard turns it into the exit code
// of an invalid pod and one line that says what happened, before anything
// was created.

// debugEnv, when set to 1, prints a recovered panic's stack on stderr too.
const debugEnv = "PODINIT_DEBUG"

// panicHook runs first inside every guard; tests set it to inject a panic.
var panicHook func(what string)

// engineHook wraps the engine the supervisor uses; a test build wraps it to
// inject a panic into one of the supervisor's goroutines.
var engineHook = func(e pod.Engine) pod.Engine { return e }

// guard runs f and returns its code. A panic in f gives pod.ExitInvalid and
// one line through report, naming what was being done; the stack goes to a
// file in the temporary directory when one can be written, and to stderr
// with PODINIT_DEBUG=1.
func guard(report func(line string), what string, f func() int) (code int) {
	defer func() {
		r := recover()
		if r == nil {
			return
		}
		stack := debug.Stack()
		where := "set " + debugEnv + "=1 to print the stack"
		if p, err := saveStack(r, stack); err == nil {
			where = "stack in " + p
		}
		if os.Getenv(debugEnv) == "1" {
			where = "stack below"
		}
		report(fmt.Sprintf("internal error while %s: %s; this is a bug in podinit, please report it (%s)", what, oneLine(fmt.Sprint(r)), where))
		if os.Getenv(debugEnv) == "1" {
			fmt.Fprintf(os.Stderr, "panic: %v\n\n%s", r, stack)
		}
		code = pod.ExitInvalid
	}()
	if panicHook != nil {
		panicHook(what)
	}
	return f()
}

// saveStack writes a panic and its stack to podinit-panic-<pid>.log in the
// temporary directory (the image has none unless a tmpfs is mounted).
func saveStack(r any, stack []byte) (string, error) {
	p := filepath.Join(os.TempDir(), fmt.Sprintf("podinit-panic-%d.log", os.Getpid()))
	return p, os.WriteFile(p, fmt.Appendf(nil, "panic: %v\n\n%s", r, stack), 0o600)
}

// oneLine keeps a panic's message on one short line.
func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}
