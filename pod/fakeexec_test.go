package pod

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/container"

	"github.com/podinit/podinit/plan"
)

// The fake engine's execs, for lifecycle hooks. An exec's command says what
// it does:
//
//	["exit", "N", "D"]  exits with N after D (a Go duration)
//	["hang"]            runs until its container ends
//
// An exec ends with 137 when its container ends first. Its end is seen at
// the next inspect, which records it in the trail. Starting one in a
// container that does not run fails, as with the engine.
type fakeExec struct {
	c       *fakeContainer
	cmd     []string
	opts    container.ExecOptions
	started time.Time
	after   time.Duration // -1: until its container ends
	code    int
	running bool
}

// poll brings an exec up to date with the fake clock, under f.mu: its end
// is read at the inspect (the trail's "exec-done") so that an exec that
// ends at the moment of an inspect is always seen ended.
func (f *fakeEngine) poll(e *fakeExec) {
	if !e.running {
		return
	}
	code := e.code
	switch {
	case e.after >= 0 && !time.Now().Before(e.started.Add(e.after)):
	case e.c.status != "running":
		code = 137
	default:
		return
	}
	e.running, e.code = false, code
	f.trail = append(f.trail, fmt.Sprintf("%s exec-done %s %d", e.c.cfg.Labels[plan.LabelComponent], strings.Join(e.cmd, " "), code))
}

func (f *fakeEngine) ContainerExecCreate(ctx context.Context, id string, opts container.ExecOptions) (container.ExecCreateResponse, error) {
	if err := f.enter(ctx, "ContainerExecCreate"); err != nil {
		return container.ExecCreateResponse{}, err
	}
	c, err := f.get(id)
	if err != nil {
		return container.ExecCreateResponse{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if c.status != "running" {
		return container.ExecCreateResponse{}, fmt.Errorf("container %s is not running: %w", c.id, errdefs.ErrConflict)
	}
	f.seq++
	execID := fmt.Sprintf("exec%d", f.seq)
	f.execs[execID] = &fakeExec{c: c, cmd: opts.Cmd, opts: opts}
	return container.ExecCreateResponse{ID: execID}, nil
}

func (f *fakeEngine) ContainerExecStart(ctx context.Context, execID string, _ container.ExecStartOptions) error {
	if err := f.enter(ctx, "ContainerExecStart"); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	e, ok := f.execs[execID]
	if !ok {
		return fmt.Errorf("no such exec: %s: %w", execID, errdefs.ErrNotFound)
	}
	if e.c.status != "running" {
		return fmt.Errorf("container %s is not running: %w", e.c.id, errdefs.ErrConflict)
	}
	name := e.c.cfg.Labels[plan.LabelComponent]
	what := strings.Join(e.cmd, " ")
	f.trail = append(f.trail, name+" exec "+what)
	e.running, e.started, e.after = true, time.Now(), -1
	if len(e.cmd) == 3 && e.cmd[0] == "exit" {
		e.code, _ = strconv.Atoi(e.cmd[1])
		e.after, _ = time.ParseDuration(e.cmd[2])
	}
	return nil
}

func (f *fakeEngine) ContainerExecInspect(ctx context.Context, execID string) (container.ExecInspect, error) {
	if err := f.enter(ctx, "ContainerExecInspect"); err != nil {
		return container.ExecInspect{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	e, ok := f.execs[execID]
	if !ok {
		return container.ExecInspect{}, fmt.Errorf("no such exec: %s: %w", execID, errdefs.ErrNotFound)
	}
	f.poll(e)
	return container.ExecInspect{ExecID: execID, ContainerID: e.c.id, Running: e.running, ExitCode: e.code}, nil
}

// trailOf is the fake engine's trail of what happened to component name's
// containers, without the name.
func (f *fakeEngine) trailOf(name string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, t := range f.trail {
		if n, what, _ := strings.Cut(t, " "); n == name {
			out = append(out, what)
		}
	}
	return out
}

// fullTrail is the whole trail.
func (f *fakeEngine) fullTrail() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.trail...)
}

// execOpts is the options of the execs made in component name's containers,
// in order.
func (f *fakeEngine) execOpts(name string) []container.ExecOptions {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []container.ExecOptions
	for i := 1; i <= f.seq; i++ {
		if e, ok := f.execs[fmt.Sprintf("exec%d", i)]; ok && e.c.cfg.Labels[plan.LabelComponent] == name {
			out = append(out, e.opts)
		}
	}
	return out
}
