// Command podinit is the small half of podinit's two binaries: the container
// init (`podinit run`), the health and status client the image's HEALTHCHECK
// runs every few seconds, and the IPC holder's process. It links no engine
// client and no Compose parser, so it starts in a few milliseconds with a
// couple of megabytes. Controller mode and validate live in podinit-pod:
// podinit execs it in its own place for validate, and runs it as its child
// in controller mode, staying PID 1 (see runPodController). template lives
// in podinit-template, which only the template image holds. See docs/reference/cli.md
// for the command line.
package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/podinit/podinit/internal/seal"
)

// Stamped by `make build`.
var (
	version = "dev"
	commit  = "unknown"
	built   = "unknown"
)

func main() {
	sealProcess()
	os.Exit(dispatch(os.Args[1:]))
}

// sealProcess makes this process not dumpable (package seal), if the
// binary's entry point has not already: components share the pod's PID
// namespace, often as the same uid, and the kernel then lets only a holder
// of CAP_SYS_PTRACE open /proc/<pid>/root, environ, fd targets, mem, maps or
// cwd, or ptrace-attach. The controller's root holds the Docker socket; the
// health check and `podinit run` run in it too. execve resets the flag, so
// podinit-pod seals itself again, and a CMD that `podinit run` starts is
// dumpable as usual.
func sealProcess() {
	if err := seal.Now(); err != nil {
		fmt.Fprintf(os.Stderr, "podinit: warning: cannot make the process non-dumpable (%v): processes of the pod with the same uid can read its /proc entries\n", err)
	}
}

// command is one mode of podinit; docs/reference/cli.md's command table is checked
// against this list.
type command struct {
	name, args, help string
	run              func(args []string) int
}

var commands = []command{
	{"", "[flags]", "controller mode (the image's entrypoint): run the pod from this container's labels", runPodController},
	{"run", "[flags] -- CMD [ARGS]", "init mode: run CMD as a container init, like tini", runInit},
	{"healthcheck", "[-socket PATH]", "exit 0 when the pod is healthy (the image's HEALTHCHECK)", runHealthcheck},
	{"status", "[-socket PATH]", "print the pod's state as JSON", runStatus},
	{"validate", "[-container NAME | -file COMPOSE.yml] [flags]", "print the plan for a controller's labels or a Compose file, or every error; creates nothing", podMode("validate")},
	{"template", "[-image IMAGE] [-pod NAME] FILE... | -", "turn a stack file with x-podinit (or x-podlike) fields, or with -pod a whole Compose project, into a deployable stack (in the template image)", templateMode},
	{"version", "", "print version, commit and build time", runVersion},
	{"pause", "", "hold a namespace open until SIGTERM (the IPC holder's process)", runPause},
}

// dispatch picks the mode from the first argument; flags or nothing mean
// controller mode, as with podlike.
func dispatch(args []string) int {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") && !isHelp(args[0]) {
		return commands[0].run(args)
	}
	if isHelp(args[0]) || args[0] == "help" {
		fmt.Fprint(os.Stdout, usage())
		return 0
	}
	for _, c := range commands {
		if c.name != "" && c.name == args[0] {
			return c.run(args[1:])
		}
	}
	fmt.Fprintf(os.Stderr, "podinit: unknown command %q\n%s", args[0], usage())
	return 2
}

func isHelp(arg string) bool {
	switch arg {
	case "-h", "-help", "--help":
		return true
	}
	return false
}

func runVersion(args []string) int {
	fmt.Printf("podinit %s (commit %s, built %s)\n", version, commit, built)
	return 0
}

// usage lists the commands.
func usage() string {
	var b strings.Builder
	b.WriteString("usage:\n")
	for _, c := range commands {
		line := strings.Join(strings.Fields("podinit "+c.name+" "+c.args), " ")
		fmt.Fprintf(&b, "  %s\n      %s\n", line, c.help)
	}
	b.WriteString("\nController flags: podinit -h\n")
	return b.String()
}
