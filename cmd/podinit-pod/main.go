// Command podinit-pod is the pod half of podinit: controller mode and
// validate, with the engine client and the Compose parser. podinit runs it
// for those commands; it is not meant to be called by hand. `podinit
// template` is podinit-template, in its own image.
package main

import (
	"bytes"
	"fmt"
	"os"
	"strings"

	"github.com/podinit/podinit/internal/seal"
)

func main() {
	os.Exit(dispatch(os.Args[1:]))
}

// sealed makes podinit-pod not dumpable (package seal) before main runs,
// if the binary's entry point has not already: podinit sealed the process,
// but execve made it dumpable again. Not dumpable, its /proc/<pid>/root
// (with the Docker socket), environ, fd targets, mem, maps and cwd and
// ptrace attach are refused to every process of the pod without
// CAP_SYS_PTRACE.
var sealed = func() error {
	return seal.Now()
}()

func dispatch(args []string) int {
	if sealed != nil {
		fmt.Fprintf(os.Stderr, "podinit: warning: cannot make the process non-dumpable (%v): processes of the pod with the same uid can read its /proc entries and reach the Docker socket through /proc/<pid>/root\n", sealed)
	}
	if len(args) > 0 {
		switch args[0] {
		case "validate":
			return guard(stderrLine("podinit validate"), "validating the pod", func() int { return runValidate(args[1:]) })
		}
		if !strings.HasPrefix(args[0], "-") {
			fmt.Fprintf(os.Stderr, "podinit-pod: unknown command %q: it runs the controller (flags only) and validate\n", args[0])
			return 2
		}
	}
	return runController(args)
}

// stderrLine reports a line on stderr behind the command's name.
func stderrLine(cmd string) func(string) {
	return func(line string) { fmt.Fprintf(os.Stderr, "%s: %s\n", cmd, line) }
}

// controllerFlagsUsage is the flag list docs/reference/cli.md shows; a test keeps the
// two the same.
func controllerFlagsUsage() string {
	fs, _ := newControllerFlags("podinit")
	var buf bytes.Buffer
	fs.SetOutput(&buf)
	fs.PrintDefaults()
	return buf.String()
}
