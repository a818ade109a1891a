package pod

import (
	"bytes"
	"context"
	"io"
	"sync"

	"github.com/docker/docker/api/types"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/pkg/stdcopy"
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
	prefix := []byte(m.Name + " | ")
	out := &lineWriter{w: s.out, prefix: prefix, mu: &s.outMu}
	errw := &lineWriter{w: s.errw, prefix: prefix, mu: &s.outMu}
	s.spawn("the output of "+m.Name, func() {
		defer out.flush()
		defer errw.flush()
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

// lineWriter writes whole lines, each behind a prefix; a partial line waits
// for its end (or flush), so lines of different components never mix.
type lineWriter struct {
	w      io.Writer
	prefix []byte
	mu     *sync.Mutex // shared by every writer to the same output
	buf    []byte
}

func (l *lineWriter) Write(p []byte) (int, error) {
	l.buf = append(l.buf, p...)
	for {
		i := bytes.IndexByte(l.buf, '\n')
		if i < 0 {
			break
		}
		l.emit(l.buf[:i+1])
		l.buf = l.buf[i+1:]
	}
	return len(p), nil
}

func (l *lineWriter) flush() {
	if len(l.buf) > 0 {
		l.emit(append(l.buf, '\n'))
		l.buf = nil
	}
}

func (l *lineWriter) emit(line []byte) {
	line = bytes.TrimSuffix(line, []byte("\r\n"))
	line = bytes.TrimSuffix(line, []byte("\n"))
	out := make([]byte, 0, len(l.prefix)+len(line)+1)
	out = append(append(append(out, l.prefix...), line...), '\n')
	l.mu.Lock()
	l.w.Write(out)
	l.mu.Unlock()
}
