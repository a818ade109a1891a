//go:build podinit_panic_injection

package main

import "os"

// Built only with -tags podinit_panic_injection, for the tests that prove
// on the real engine that a panic while reading the pod ends the controller
// as docs/limits.md says: PODINIT_INJECT_PANIC="reading the pod" panics in the
// guard.
func init() {
	if what := os.Getenv("PODINIT_INJECT_PANIC"); what != "" {
		panicHook = func(w string) {
			if w == what {
				panic("injected for a test\nwith a second line")
			}
		}
	}
}
