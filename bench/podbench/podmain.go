package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// podMain is `podbench pod`: every figure of the pod benchmark in one run.
func (b *bench) podMain(args []string) int {
	fs := flagSet("pod")
	rounds := fs.Int("rounds", 3, "rounds of each start/stop variant (podinit and floor interleaved)")
	depRounds := fs.Int("depends-rounds", 4, "rounds of the depends_on measurement")
	sizes := fs.String("sizes", "3,10", "pod sizes (components), comma-separated")
	ipcModes := fs.String("ipc", "true,false", "podinit -ipc settings to measure, comma-separated")
	floor := fs.Bool("floor", false, "only the side-by-side cost table (issue 11): podinit default and --ipc shareable, the issue's floor (no holder) and the holder floor, start, stop, RssAnon, VmHWM, CPU, image; beside them issue 21's CLI-started pair: podinit's controller by `docker run -d` and the floor by the docker CLI; the largest -sizes, -rounds rounds (a multiple of 6: the order rotates)")
	logDir := fs.String("logs", "", "directory to copy every controller's log into (podinit's microsecond timestamps, for profiling)")
	fs.Parse(args)

	var ns []int
	for _, s := range strings.Split(*sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 {
			fmt.Fprintf(os.Stderr, "podbench: -sizes: %q is not a positive number\n", s)
			return 2
		}
		ns = append(ns, n)
	}
	var ipcs []bool
	for _, s := range strings.Split(*ipcModes, ",") {
		v, err := strconv.ParseBool(strings.TrimSpace(s))
		if err != nil {
			fmt.Fprintf(os.Stderr, "podbench: -ipc: %q is not true or false\n", s)
			return 2
		}
		ipcs = append(ipcs, v)
	}
	began := time.Now()
	if err := b.warmUp(); err != nil {
		fmt.Fprintf(os.Stderr, "podbench: %v\n", err)
		return 1
	}
	type step struct {
		what string
		run  func() error
	}
	steps := []step{
		{"start/stop", func() error { return b.startStop(ns, ipcs, *rounds, *logDir) }},
		{"depends_on", func() error { return b.dependsOn(*depRounds, *logDir) }},
		{"memory", func() error { return b.memory(10, *logDir) }},
	}
	if *floor {
		n := 0
		for _, v := range ns {
			n = max(n, v)
		}
		steps = []step{{"cost, side by side", func() error { return b.cost(n, *rounds, *logDir) }}}
	}
	for _, s := range steps {
		fmt.Fprintf(os.Stderr, "podbench: %s…\n", s.what)
		if err := s.run(); err != nil {
			fmt.Fprintf(os.Stderr, "podbench: %s: %v\n", s.what, err)
			return 1
		}
	}
	fmt.Printf("\n(whole run: %s)\n", time.Since(began).Round(time.Second))
	return 0
}
