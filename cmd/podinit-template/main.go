// Command podinit-template is `podinit template` (package template), in a
// binary and an image of its own: text/template keeps every exported method
// of the program it is linked into reachable, about 3.4 MB that the
// controller, which every pod runs, no longer carries. Its image holds
// podinit as the entrypoint too, so that `docker run IMAGE-template
// template STACK.yml` reads as before; podinit execs this binary for
// `template`.
package main

import (
	"fmt"
	"os"

	"github.com/podinit/podinit/internal/panicguard"
	"github.com/podinit/podinit/template"
)

// exitInvalid is the code of a panic while rendering, as for an invalid
// pod in podinit-pod.
const exitInvalid = 2

// panicHook runs first inside the guard; tests set it to inject a panic.
var panicHook func(what string)

func main() {
	os.Exit(dispatch(os.Args[1:]))
}

func dispatch(args []string) int {
	if len(args) == 0 || args[0] != "template" {
		fmt.Fprintln(os.Stderr, "podinit-template: it runs `template` only (podinit execs it for `podinit template`)")
		return 2
	}
	report := func(line string) { fmt.Fprintf(os.Stderr, "podinit template: %s\n", line) }
	return panicguard.Run(report, "rendering the stack", exitInvalid, panicHook, func() int {
		return template.Main(args[1:], os.Stdin, os.Stdout, os.Stderr)
	})
}
