package template

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// Usage is the `podinit template` help text.
const Usage = `usage: podinit template [flags] STACK.yml... (or - for standard input)
       podinit template -pod NAME [flags] COMPOSE.yml...

Turns a stack file whose services carry an x-podinit (or x-podlike) field into
a stack of pod controllers, printed on standard output:
  podinit template stack.yml | docker stack deploy -c - mystack
With -pod, every service of the Compose files becomes a component of one pod,
the stack's only service NAME:
  podinit template -pod shop compose.yaml | docker stack deploy -c - shop

flags:
`

// Main is the `podinit template` command: it parses args (flags, then stack
// files), renders, and writes the stack to stdout. It returns the exit code:
// 0, 1 when the stack cannot be rendered, 2 for a usage error, 130 when
// interrupted (SIGINT or SIGTERM).
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("podinit template", flag.ContinueOnError)
	fs.SetOutput(stderr)
	opts := Options{Stdin: stdin}
	fs.StringVar(&opts.Image, "image", DefaultImage, "the controllers' image, unless a pod template gives one")
	fs.StringVar(&opts.Project, "project", "", "the stack's name for templates (.Project.Name); default: the first stack file's folder name")
	fs.DurationVar(&opts.HTTPTimeout, "http-timeout", 10*time.Second, "how long fetching one http(s) template may take")
	var po PodOptions
	fs.StringVar(&po.Name, "pod", "", "render every service as a component of one pod, the Swarm service `NAME`")
	fs.StringVar(&po.CPUs, "cpus", "", "with -pod: the pod's CPU limit (default: the sum of its components' deploy.resources.limits.cpus)")
	fs.StringVar(&po.Memory, "memory", "", "with -pod: the pod's memory limit, such as 1G (default: the sum of its components' limits)")
	fs.Usage = func() {
		fmt.Fprint(stderr, Usage)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() == 0 {
		fmt.Fprintln(stderr, "podinit template: no stack file: give one or more STACK.yml, or - for standard input")
		fs.Usage()
		return 2
	}
	if po.Name == "" && (po.CPUs != "" || po.Memory != "") {
		fmt.Fprintln(stderr, "podinit template: -cpus and -memory are the limits of a -pod NAME: give -pod")
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var (
		out   []byte
		notes []string
		err   error
	)
	if po.Name != "" {
		po.Profiles = os.Getenv("COMPOSE_PROFILES")
		out, notes, err = RenderPod(ctx, fs.Args(), opts, po)
	} else {
		out, err = Render(ctx, fs.Args(), opts)
	}
	for _, n := range notes {
		fmt.Fprintf(stderr, "podinit template: note: %s\n", n)
	}
	if err != nil && ctx.Err() != nil {
		fmt.Fprintln(stderr, "podinit template: interrupted")
		return 130
	}
	if err != nil {
		fmt.Fprintf(stderr, "podinit template: %v\n", err)
		return 1
	}
	if _, err := stdout.Write(out); err != nil {
		fmt.Fprintf(stderr, "podinit template: writing the stack: %v\n", err)
		return 1
	}
	return 0
}
