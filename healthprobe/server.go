package healthprobe

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// DefaultPath is where the controller serves and the client asks unless told
// otherwise. /run is a tmpfs in most images; on a read-only root without one,
// choose a path on a tmpfs.
const DefaultPath = "/run/podinit/podinit.sock"

// DefaultRequestTimeout bounds each connection on the server when
// Server.RequestTimeout is zero.
const DefaultRequestTimeout = 2 * time.Second

// maxRequest is longer than any request; a longer line is not one of ours.
const maxRequest = 64

// maxSocketPath is what fits in sockaddr_un's sun_path with its NUL.
const maxSocketPath = 107

// Server answers "health" and "status" requests on a unix socket.
//
// Use it as an oklog/run actor:
//
//	ctx, cancel := context.WithCancel(context.Background())
//	g.Add(func() error { return srv.Serve(ctx) }, func(error) { cancel() })
//
// Call Listen first to fail before the group starts when the socket cannot be
// served (another controller holds it, the directory cannot be made). A
// Server serves once: Listen and Serve must not be called again or from two
// goroutines at once.
type Server struct {
	// Path is the socket's path; "" means DefaultPath.
	Path string
	// Status returns a snapshot of the pod. It is called once per request,
	// from several goroutines at once, so it must be safe for concurrent use,
	// return quickly and not panic (a panic would end PID 1). The server
	// reads the result after the call without any lock, so the supervisor
	// must not modify what it returned (copy the Components slice and what
	// the pointers point to). Health, Reasons and Notes are filled in by the server.
	// Required.
	Status func() Status
	// StartPeriod is passed to Evaluate.
	StartPeriod time.Duration
	// RequestTimeout bounds each connection from accept to the last byte of
	// the reply; zero means DefaultRequestTimeout.
	RequestTimeout time.Duration

	ln   *net.UnixListener
	path string
}

// Listen makes the socket: it creates the socket's directory with mode 0700
// when missing (an existing directory is left as it is), removes a stale
// socket left by a controller that is gone, and binds a new one with mode
// 0600. It refuses, and leaves the path alone, when a server answers on it or
// when something other than a socket is there.
func (s *Server) Listen() error {
	if s.ln != nil {
		return fmt.Errorf("healthprobe: Listen called twice on the server for %s", s.path)
	}
	if s.Status == nil {
		return errors.New("healthprobe: Server.Status is nil: the server needs a function that returns the pod's status")
	}
	path := s.Path
	if path == "" {
		path = DefaultPath
	}
	if len(path) > maxSocketPath {
		return fmt.Errorf("health socket path %s is %d bytes long; a unix socket path holds at most %d: choose a shorter path",
			path, len(path), maxSocketPath)
	}
	if err := makeDir(filepath.Dir(path)); err != nil {
		return err
	}
	if err := clearStale(path); err != nil {
		return err
	}
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		return fmt.Errorf("health socket: %w", err)
	}
	// Serve removes the socket itself, and only when it is done with it.
	ln.SetUnlinkOnClose(false)
	// bind(2) applies the umask, which leaves the socket unconnectable by
	// others (connecting needs write permission) unless the umask is unusually
	// open; chmod then closes even that short window to 0600.
	if err := os.Chmod(path, 0o600); err != nil {
		ln.Close()
		os.Remove(path)
		return fmt.Errorf("health socket: %w", err)
	}
	s.ln, s.path = ln, path
	return nil
}

// makeDir creates dir 0700 if it does not exist.
func makeDir(dir string) error {
	fi, err := os.Stat(dir)
	if err == nil {
		if !fi.IsDir() {
			return fmt.Errorf("health socket directory %s exists and is not a directory: choose another socket path", dir)
		}
		return nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("health socket directory: %w", err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("health socket directory: %w; on a read-only root file system, put the socket on a tmpfs", err)
	}
	// MkdirAll's mode passes through the umask; make the leaf exactly 0700.
	if err := os.Chmod(dir, 0o700); err != nil {
		return fmt.Errorf("health socket directory: %w", err)
	}
	return nil
}

// clearStale removes a socket at path that nobody listens on, and refuses
// when somebody does or when path is not a socket.
func clearStale(path string) error {
	fi, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("health socket: %w", err)
	}
	if fi.Mode().Type() != fs.ModeSocket {
		return fmt.Errorf("health socket path %s exists and is not a socket (%s); refusing to replace it: remove it or choose another socket path",
			path, fi.Mode().Type())
	}
	conn, err := net.DialTimeout("unix", path, time.Second)
	if err == nil {
		conn.Close()
		return fmt.Errorf("another server answers on the health socket %s (is another podinit controller running in this container?): stop it or choose another socket path", path)
	}
	if !errors.Is(err, syscall.ECONNREFUSED) {
		return fmt.Errorf("health socket %s is there and could not be checked for a live server: %w", path, err)
	}
	// Nobody listens: a previous run left it behind.
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("removing the stale health socket: %w", err)
	}
	return nil
}

// Serve answers requests until ctx is cancelled, then closes the socket,
// waits for the requests in flight (which the cancellation cuts short),
// removes the socket and returns nil. It calls Listen first unless that was
// done, and returns Listen's error without serving. Errors accepting a
// connection (too many open files, say) do not end it: a health server must
// not end the pod it reports on.
func (s *Server) Serve(ctx context.Context) error {
	if s.ln == nil {
		if err := s.Listen(); err != nil {
			return err
		}
	}
	ln := s.ln
	stop := context.AfterFunc(ctx, func() { ln.Close() })
	defer stop()

	var wg sync.WaitGroup
	backoff := time.Duration(0)
	for {
		conn, err := ln.AcceptUnix()
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			// Back off as net/http does, so that a persistent error does
			// not spin; the context still ends the wait.
			backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
			select {
			case <-ctx.Done():
			case <-time.After(backoff):
			}
			continue
		}
		backoff = 0
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.handle(ctx, conn)
		}()
	}
	ln.Close()
	wg.Wait()
	if err := os.Remove(s.path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("removing the health socket: %w", err)
	}
	return nil
}

// handle answers one connection.
func (s *Server) handle(ctx context.Context, conn *net.UnixConn) {
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	timeout := s.RequestTimeout
	if timeout <= 0 {
		timeout = DefaultRequestTimeout
	}
	conn.SetDeadline(time.Now().Add(timeout))

	line, err := bufio.NewReader(io.LimitReader(conn, maxRequest)).ReadString('\n')
	switch {
	case err == nil:
	case err == io.EOF && len(line) == maxRequest:
		fmt.Fprintf(conn, "error: request longer than %d bytes: send \"health\" or \"status\"\n", maxRequest)
		// Closing with the rest of the request unread would reset the
		// connection and lose the reply: end ours, then read theirs away
		// until they hang up or the deadline passes.
		conn.CloseWrite()
		io.Copy(io.Discard, io.LimitReader(conn, maxDrain))
		return
	case err == io.EOF && line != "":
		// The client half-closed after a request without a newline
		// (`printf health | nc -U`): answer it all the same.
	default:
		// The client hung up, or timed out, before asking: nobody to tell.
		return
	}
	conn.Write(s.reply(strings.TrimSpace(line)))
	// Bytes sent after the request, unread, would make closing reset the
	// connection and lose the reply: end ours, then read theirs away.
	conn.CloseWrite()
	io.Copy(io.Discard, io.LimitReader(conn, maxDrain))
}

// maxDrain bounds what is read away after a reply; the request timeout
// bounds how long.
const maxDrain = 1 << 20

// reply is the answer to one request.
func (s *Server) reply(request string) []byte {
	switch request {
	case "health":
		return []byte(s.snapshot().Health + "\n")
	case "status":
		st := s.snapshot()
		b, err := json.MarshalIndent(st, "", "  ")
		if err != nil {
			return fmt.Appendf(nil, "error: encoding the status: %v\n", err)
		}
		return append(b, '\n')
	default:
		return fmt.Appendf(nil, "error: unknown request %q: send \"health\" or \"status\"\n", request)
	}
}

// snapshot asks the supervisor and judges the answer.
func (s *Server) snapshot() Status {
	st := s.Status()
	st.Health, st.Reasons = diagnose(st, time.Now(), s.StartPeriod)
	st.Notes = notes(st)
	return st
}
