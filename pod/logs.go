package pod

import (
	"context"
	"io"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/pkg/stdcopy"

	"github.com/podinit/podinit/linesplit"
)

// streamLogs attaches to the created container before it starts, so that no
// output is lost even when it exits at once and auto-remove takes it, and
// copies its output to the controller's, each line prefixed with the
// component's name.
func (s *Supervisor) streamLogs(ctx context.Context, id string, m *member) error {
	resp, err := s.eng.ContainerAttach(ctx, id, container.AttachOptions{Stream: true, Stdout: true, Stderr: true})
	if err != nil {
		return err
	}
	// Lines are bounded: a component that never writes a newline cannot
	// grow the controller's memory (linesplit cuts and marks long lines).
	prefix := m.Name + " | "
	out := linesplit.New(s.out, prefix, &s.outMu)
	errw := linesplit.New(s.errw, prefix, &s.outMu)
	go func() {
		defer resp.Close()
		if m.Config.Tty {
			// A tty has one stream and no multiplexing header.
			io.Copy(out, resp.Reader)
		} else {
			stdcopy.StdCopy(out, errw, resp.Reader)
		}
		out.Flush()
		errw.Flush()
	}()
	return nil
}
