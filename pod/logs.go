package pod

import (
	"context"
	"io"

	"github.com/docker/docker/api/types"
	"github.com/docker/docker/pkg/stdcopy"

	"github.com/podinit/podinit/linesplit"
)

// streamLogs attaches to the created container before it starts, so that no
// output is lost even when it exits at once and auto-remove takes it, and
// copies its output to the controller's, each line prefixed with the
// component's name. An attach that breaks while the container still runs
// (a proxy's idle timeout, an engine restart) is made again; what the
// container wrote in between is not shown.
func (r *runner) streamLogs(ctx context.Context, id string) error {
	m := r.m
	resp, err := r.calls.attach(ctx, id)
	if err != nil {
		return err
	}
	// Lines are bounded: a component that never writes a newline cannot
	// grow the controller's memory (linesplit cuts and marks long lines).
	prefix := m.Name + " | "
	out := linesplit.New(r.out, prefix, &r.outMu)
	errw := linesplit.New(r.errw, prefix, &r.outMu)
	r.crew.spawn("the output of "+m.Name, func() {
		defer out.Flush()
		defer errw.Flush()
		for {
			r.copyOutput(resp, m.Config.Tty, out, errw)
			if r.calls.life.Err() != nil {
				return
			}
			if alive, _, err := r.watch.aliveOrExit(r.calls.life, id); err != nil || !alive {
				return
			}
			r.log.Printf("warning: the output stream of %s broke; attaching again", m.Name)
			if resp, err = r.calls.attach(r.calls.life, id); err != nil {
				r.log.Printf("warning: %s: cannot stream logs: %v", m.Name, err)
				return
			}
		}
	})
	return nil
}

// copyOutput copies one attach stream until it ends, or the supervisor's
// life does.
func (r *runner) copyOutput(resp types.HijackedResponse, tty bool, out, errw io.Writer) {
	defer context.AfterFunc(r.calls.life, resp.Close)()
	defer resp.Close()
	if tty {
		// A tty has one stream and no multiplexing header.
		io.Copy(out, resp.Reader)
	} else {
		stdcopy.StdCopy(out, errw, resp.Reader)
	}
}
