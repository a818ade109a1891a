package pod

import (
	"context"
	"io"
	"time"

	"github.com/moby/moby/api/pkg/stdcopy"

	"github.com/podinit/podinit/engine"
	"github.com/podinit/podinit/linesplit"
)

// streamLogs attaches to the created container before it starts, so that no
// output is lost even when it exits at once and auto-remove takes it, and
// copies its output to the controller's, each line prefixed with the
// component's name. An attach that breaks while the container still runs
// (a proxy's idle timeout, an engine restart) is made again; what the
// container wrote in between is not shown (see reattach).
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
			var ok bool
			if resp, ok = r.reattach(id); !ok {
				return
			}
		}
	})
	return nil
}

// reattach attaches again to a container whose output stream ended, for as
// long as the engine says it runs. While the engine does not answer (it
// may be restarting) it asks again, each time a little later, as a broken
// wait does: giving up then would leave the rest of the output unshown.
// What the container writes until the new attach is in place goes to the
// engine's own log of it only.
func (r *runner) reattach(id string) (engine.Stream, bool) {
	life := r.calls.life
	for delay, warned := rewaitFirst, false; ; delay = min(2*delay, rewaitMax) {
		if life.Err() != nil {
			return engine.Stream{}, false
		}
		alive, _, err := r.watch.aliveOrExit(life, id)
		if err == nil && !alive {
			return engine.Stream{}, false
		}
		if !warned {
			r.log.Printf("warning: the output stream of %s broke; attaching again", r.m.Name)
			warned = true
		}
		if err == nil {
			var resp engine.Stream
			if resp, err = r.calls.attach(life, id); err == nil {
				return resp, true
			}
		}
		r.log.Printf("warning: the output stream of %s: %v; attaching again in %s", r.m.Name, err, delay)
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-life.Done():
			t.Stop()
			return engine.Stream{}, false
		}
	}
}

// copyOutput copies one attach stream until it ends, or the supervisor's
// life does.
func (r *runner) copyOutput(resp engine.Stream, tty bool, out, errw io.Writer) {
	defer context.AfterFunc(r.calls.life, resp.Close)()
	defer resp.Close()
	if tty {
		// A tty has one stream and no multiplexing header.
		io.Copy(out, resp.Reader)
	} else {
		stdcopy.StdCopy(out, errw, resp.Reader)
	}
}
