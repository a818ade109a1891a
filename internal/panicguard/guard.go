// Package panicguard turns a panic in code that reads outside input (a
// pod's labels, a stack file) into one line naming what was being done and
// an exit code, instead of the Go runtime's exit 2 and a screenful of
// goroutines. podinit-pod and podinit-template share it.
package panicguard

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
)

// DebugEnv, when set to 1, prints a recovered panic's stack on stderr too.
const DebugEnv = "PODINIT_DEBUG"

// Run runs f and returns its code. A panic in f gives the code onPanic and
// one line through report, naming what was being done; the stack goes to a
// file in the temporary directory when one can be written, and to stderr
// with PODINIT_DEBUG=1. hook, when not nil, runs first (tests inject a
// panic with it).
func Run(report func(line string), what string, onPanic int, hook func(what string), f func() int) (code int) {
	defer func() {
		r := recover()
		if r == nil {
			return
		}
		stack := debug.Stack()
		where := "set " + DebugEnv + "=1 to print the stack"
		if p, err := saveStack(r, stack); err == nil {
			where = "stack in " + p
		}
		if os.Getenv(DebugEnv) == "1" {
			where = "stack below"
		}
		report(fmt.Sprintf("internal error while %s: %s; this is a bug in podinit, please report it (%s)", what, oneLine(fmt.Sprint(r)), where))
		if os.Getenv(DebugEnv) == "1" {
			fmt.Fprintf(os.Stderr, "panic: %v\n\n%s", r, stack)
		}
		code = onPanic
	}()
	if hook != nil {
		hook(what)
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
