// Command podinit runs a pod of containers on Docker Swarm from inside one
// controller container, as that container's PID 1; `podinit run` is a plain
// container init. See the README for the command line.
package main

import (
	"fmt"
	"os"
	"strings"
)

// Stamped by `make build`.
var (
	version = "dev"
	commit  = "unknown"
	built   = "unknown"
)

func main() {
	os.Exit(dispatch(os.Args[1:]))
}

// dispatch picks the mode from the first argument; anything else (flags or
// nothing) is controller mode, as with podlike.
func dispatch(args []string) int {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") && !isHelp(args[0]) {
		return runController(args)
	}
	if len(args) > 0 {
		switch args[0] {
		case "run":
			return runInit(args[1:])
		case "healthcheck":
			return runHealthcheck(args[1:])
		case "status":
			return runStatus(args[1:])
		case "validate":
			return runValidate(args[1:])
		case "pause":
			return runPause(args[1:])
		case "version":
			fmt.Printf("podinit %s (commit %s, built %s)\n", version, commit, built)
			return 0
		case "help", "-h", "-help", "--help":
			fmt.Fprint(os.Stdout, usage)
			return 0
		}
	}
	fmt.Fprintf(os.Stderr, "podinit: unknown command %q\n%s", args[0], usage)
	return 2
}

func isHelp(arg string) bool {
	switch arg {
	case "-h", "-help", "--help":
		return true
	}
	return false
}

const usage = `usage:
  podinit [flags]                     controller mode: run the pod from this container's labels
  podinit run [flags] -- CMD [ARGS]   init mode: run CMD as a container init
  podinit healthcheck                 exit 0 when the pod is healthy
  podinit status                      print the pod's state as JSON
  podinit validate                    print the plan for a container's labels or a Compose file
  podinit template STACK.yml...       turn a stack with x-podinit fields into a deployable stack
  podinit version                     print version, commit and build time
`
