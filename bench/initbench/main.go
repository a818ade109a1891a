// Command initbench is the benchmark of `podinit run` against tini, and the
// helper processes it and podinit's end-to-end tests need:
//
//	initbench bench [flags]        run the benchmark (bench/init.sh calls it)
//	initbench orphans N FIFO       fork N children that exit when FIFO's writers close; exit at once
//	initbench catch                the workload: reports signals, runs orphans on command
package main

import (
	"fmt"
	"os"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: initbench bench|orphans|catch ...")
		os.Exit(2)
	}
	switch os.Args[1] {
	case "catch":
		os.Exit(catch(os.Args[2:]))
	case "bench":
		os.Exit(bench(os.Args[2:]))
	case "orphans":
		os.Exit(orphans(os.Args[2:]))
	default:
		fmt.Fprintf(os.Stderr, "initbench: unknown mode %q\n", os.Args[1])
		os.Exit(2)
	}
}
