//go:build podinit_panic_injection

package main

import "os"

// Built only with -tags podinit_panic_injection, for the tests that prove
// on the real engine that a panic while reading a pod ends podinit with
// exit 2 and one line: PODINIT_INJECT_PANIC names the guard to panic in
// ("reading the pod", "validating the pod", "rendering the stack").
func init() {
	if what := os.Getenv("PODINIT_INJECT_PANIC"); what != "" {
		panicHook = func(w string) {
			if w == what {
				panic("injected for a test\nwith a second line")
			}
		}
	}
}
