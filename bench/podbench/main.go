// Command podbench measures the pod controller against the engine's own
// floor on the local Docker engine: pod start and stop, a depends_on edge,
// the controller's memory (bench/pod.sh), and signal latency through the
// controller (bench/signal.sh). It talks to the engine through the API, so
// that no CLI start-up time lands in a figure, except in the figures issue
// 21 defines by the CLI: those start and stop the same containers by
// `docker run -d` and `docker stop` (launcher.go).
//
//	podbench pod [flags]      start/stop, depends_on, RSS and image size
//	podbench signal [flags]   SIGHUP latency through the controller vs direct
//	podbench scale [flags]    N pods started together beside the floor (issue 21)
//
// Every container it makes is named pb-<pid>-… and removed before it exits,
// also on SIGINT/SIGTERM.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"
)

const bbox = "podinit-test/busybox:latest"

// podImage is the image under test: PODINIT_IMAGE (bench/pod.sh sets it
// from IMAGE), podinit:dev by default.
var podImage = func() string {
	if v := os.Getenv("PODINIT_IMAGE"); v != "" {
		return v
	}
	return "podinit:dev"
}()

// bench is what every measurement shares: the engine, the event recorder
// and the names of what this process created.
type bench struct {
	ctx    context.Context
	cli    *client.Client
	ev     *recorder
	prefix string
	seq    atomic.Int64
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: podbench pod|signal|scale [flags]")
		os.Exit(2)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cli, err := client.New(client.FromEnv)
	if err != nil {
		fmt.Fprintf(os.Stderr, "podbench: connecting to the Docker engine: %v\n", err)
		os.Exit(1)
	}
	cli.Ping(ctx, client.PingOptions{NegotiateAPIVersion: true})
	b := &bench{ctx: ctx, cli: cli, prefix: fmt.Sprintf("pb-%d-", os.Getpid())}
	b.ev = record(ctx, cli)

	sigc := make(chan os.Signal, 1)
	signal.Notify(sigc, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		s := <-sigc
		fmt.Fprintf(os.Stderr, "podbench: %v: cleaning up\n", s)
		b.cleanup()
		os.Exit(130)
	}()

	code := 0
	switch os.Args[1] {
	case "pod":
		code = b.podMain(os.Args[2:])
	case "signal":
		code = b.signalMain(os.Args[2:])
	case "scale":
		code = b.scaleMain(os.Args[2:])
	default:
		fmt.Fprintf(os.Stderr, "podbench: unknown mode %q (want pod, signal or scale)\n", os.Args[1])
		code = 2
	}
	b.cleanup()
	cancel()
	os.Exit(code)
}

// name gives a new unique container name.
func (b *bench) name(what string) string {
	return fmt.Sprintf("%s%s%d", b.prefix, what, b.seq.Add(1))
}

// cleanup force-removes every container this process created: controllers,
// floor containers, and the components podinit made for them (their names
// start with the controller's).
func (b *bench) cleanup() {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	list, err := b.cli.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: client.Filters{}.Add("name", b.prefix)})
	if err != nil {
		fmt.Fprintf(os.Stderr, "podbench: listing containers to clean up: %v\n", err)
		return
	}
	for _, c := range list.Items {
		mine := false
		for _, n := range c.Names {
			mine = mine || strings.HasPrefix(strings.TrimPrefix(n, "/"), b.prefix)
		}
		if mine {
			b.cli.ContainerRemove(ctx, c.ID, client.ContainerRemoveOptions{Force: true})
		}
	}
}

// warmUp runs one throw-away container to completion: it proves the event
// subscription live and brings the engine's caches to the same state for
// every measurement after it.
func (b *bench) warmUp() error {
	name := b.name("warm")
	resp, err := b.cli.ContainerCreate(b.ctx, client.ContainerCreateOptions{Name: name, Config: &container.Config{Image: bbox, Cmd: []string{"true"}}, HostConfig: &container.HostConfig{AutoRemove: true}})
	if err != nil {
		return fmt.Errorf("creating a warm-up container from %s: %w (run ./scripts/test-images.sh)", bbox, err)
	}
	if _, err := b.cli.ContainerStart(b.ctx, resp.ID, client.ContainerStartOptions{}); err != nil {
		return fmt.Errorf("starting the warm-up container: %w", err)
	}
	_, err = b.ev.waitAll([]string{name}, "destroy", 30*time.Second)
	return err
}

// flagSet is a flag set whose errors go to stderr and end the program.
func flagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet("podbench "+name, flag.ExitOnError)
	fs.SetOutput(os.Stderr)
	return fs
}
