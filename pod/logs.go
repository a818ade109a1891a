package pod

import (
	"context"
	"io"

	"github.com/docker/docker/api/types"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/pkg/stdcopy"

	"github.com/podinit/podinit/linesplit"
)

// streamLogs attaches to the created container before it starts, so that no
// output is lost even when it exits at once and auto-remove takes it, and
// copies its output to the controller's, each line prefixed with the
// component's name. An attach that breaks while the container still runs
// (a proxy's idle timeout, an engine restart) is made again; what the
// container wrote in between is not shown.
func (s *Supervisor) streamLogs(ctx context.Context, id string, m *member) error {
	resp, err := s.attach(ctx, id)
	if err != nil {
		return err
	}
	// Lines are bounded: a component that never writes a newline cannot
	// grow the controller's memory (linesplit cuts and marks long lines).
	prefix := m.Name + " | "
	out := linesplit.New(s.out, prefix, &s.outMu)
	errw := linesplit.New(s.errw, prefix, &s.outMu)
	s.spawn("the output of "+m.Name, func() {
		defer out.Flush()
		defer errw.Flush()
		for {
			s.copyOutput(resp, m.Config.Tty, out, errw)
			if s.life.Err() != nil {
				return
			}
			if alive, _, err := s.watch.aliveOrExit(s.life, id); err != nil || !alive {
				return
			}
			s.log.Printf("warning: the output stream of %s broke; attaching again", m.Name)
			if resp, err = s.attach(s.life, id); err != nil {
				s.log.Printf("warning: %s: cannot stream logs: %v", m.Name, err)
				return
			}
		}
	})
	return nil
}

func (s *Supervisor) attach(ctx context.Context, id string) (types.HijackedResponse, error) {
	ctx, cancel := s.withTimeout(ctx, callTimeout)
	defer cancel()
	return s.eng.ContainerAttach(ctx, id, container.AttachOptions{Stream: true, Stdout: true, Stderr: true})
}

// copyOutput copies one attach stream until it ends, or the supervisor's
// life does.
func (s *Supervisor) copyOutput(resp types.HijackedResponse, tty bool, out, errw io.Writer) {
	defer context.AfterFunc(s.life, resp.Close)()
	defer resp.Close()
	if tty {
		// A tty has one stream and no multiplexing header.
		io.Copy(out, resp.Reader)
	} else {
		stdcopy.StdCopy(out, errw, resp.Reader)
	}
}
