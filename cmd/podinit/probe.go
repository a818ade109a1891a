package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/podinit/podinit/healthprobe"
)

// probeFlags are the flags of healthcheck and status: where the controller's
// socket is.
func probeFlags(name string, args []string) (string, bool) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	socket := fs.String("socket", healthprobe.DefaultPath, "unix socket of the controller's health and status server")
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 {
		if fs.NArg() > 0 {
			fmt.Fprintf(os.Stderr, "podinit %s: unexpected argument %q\n", name, fs.Arg(0))
		}
		return "", false
	}
	return *socket, true
}

// runHealthcheck is the image's HEALTHCHECK: 0 when the pod is healthy.
func runHealthcheck(args []string) int {
	socket, ok := probeFlags("healthcheck", args)
	if !ok {
		return 2
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	code, msg := healthprobe.Healthcheck(ctx, socket)
	fmt.Println(msg)
	return code
}

// runStatus prints the pod's state as JSON.
func runStatus(args []string) int {
	socket, ok := probeFlags("status", args)
	if !ok {
		return 2
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	out, err := healthprobe.Query(ctx, socket, "status")
	if err != nil {
		fmt.Fprintf(os.Stderr, "podinit status: %v\n", err)
		return 1
	}
	os.Stdout.Write(out)
	return 0
}
