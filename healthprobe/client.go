package healthprobe

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"strings"
	"syscall"
	"time"
)

// DefaultQueryTimeout bounds Query when ctx has no deadline. It is well
// under Docker's default HEALTHCHECK timeout (30s), so that a stuck
// controller is reported by podinit with a reason rather than by Docker.
const DefaultQueryTimeout = 5 * time.Second

// maxReply bounds what Query reads; a status of a few hundred components is
// far smaller.
const maxReply = 1 << 20

// Query sends request ("health" or "status") to the server on the socket at
// path ("" means DefaultPath) and returns its reply. It gives up at ctx's
// deadline, or after DefaultQueryTimeout when ctx has none. Its errors say
// what was wrong and what would work; an "error: " reply from the server is
// returned as an error, not as a reply.
func Query(ctx context.Context, path, request string) ([]byte, error) {
	if path == "" {
		path = DefaultPath
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, DefaultQueryTimeout)
		defer cancel()
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "unix", path)
	if err != nil {
		return nil, dialError(ctx, path, err)
	}
	defer conn.Close()
	// The deadline covers the whole exchange; the context also ends it when
	// cancelled early.
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()

	if _, err := io.WriteString(conn, request+"\n"); err != nil {
		return nil, exchangeError(ctx, path, "sending the request", err)
	}
	reply, err := io.ReadAll(io.LimitReader(conn, maxReply+1))
	if err != nil {
		return nil, exchangeError(ctx, path, "reading the reply", err)
	}
	if len(reply) > maxReply {
		return nil, fmt.Errorf("the server on %s sent more than %d bytes to %q: is it a podinit controller?", path, maxReply, request)
	}
	if len(reply) == 0 {
		return nil, fmt.Errorf("the server on %s closed the connection without replying to %q: is it a podinit controller of the same version?", path, request)
	}
	if msg, ok := strings.CutPrefix(string(reply), "error: "); ok {
		return nil, fmt.Errorf("the podinit controller on %s: %s", path, strings.TrimSpace(msg))
	}
	return reply, nil
}

// hint ends every "cannot reach" error.
const hint = "is this the controller container? set -socket to the path the controller uses"

func dialError(ctx context.Context, path string, err error) error {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("no podinit controller answers on %s (there is no socket): %s", path, hint)
	case errors.Is(err, syscall.ECONNREFUSED):
		return fmt.Errorf("no podinit controller answers on %s (the socket is there but nobody listens: the controller has stopped): %s", path, hint)
	case errors.Is(err, fs.ErrPermission):
		return fmt.Errorf("permission denied on %s: the socket is 0600, owned by the controller's user; run as that user (docker exec -u)", path)
	case ctx.Err() != nil:
		return fmt.Errorf("no podinit controller answered on %s in time: %w", path, ctx.Err())
	default:
		return fmt.Errorf("no podinit controller answers on %s (%v): %s", path, err, hint)
	}
}

func exchangeError(ctx context.Context, path, doing string, err error) error {
	if ctx.Err() != nil || errors.Is(err, os.ErrDeadlineExceeded) {
		return fmt.Errorf("the podinit controller on %s did not reply in time (%s): it may be stuck or overloaded", path, doing)
	}
	return fmt.Errorf("the podinit controller on %s: %s: %w", path, doing, err)
}

// Healthcheck asks the controller on the socket at path for the pod's status
// and returns the exit code for `podinit healthcheck`, 0 when the pod is
// healthy and 1 otherwise (Docker reserves 2), with a one-line message for
// Docker's health log: "healthy", or the verdict and why, e.g.
// "unhealthy: web: restarting (3 restarts, last exit 1); db: starting".
func Healthcheck(ctx context.Context, path string) (code int, msg string) {
	code, msg = healthcheck(ctx, path)
	return code, oneLine(msg)
}

func healthcheck(ctx context.Context, path string) (code int, msg string) {
	if path == "" {
		path = DefaultPath
	}
	reply, err := Query(ctx, path, "status")
	if err != nil {
		return 1, err.Error()
	}
	var st Status
	if err := json.Unmarshal(reply, &st); err != nil {
		return 1, fmt.Sprintf("the podinit controller on %s sent a status that is not JSON (%v): is it the same podinit version?", path, err)
	}
	if st.Health == Healthy {
		if len(st.Notes) > 0 {
			return 0, Healthy + ": " + strings.Join(st.Notes, "; ")
		}
		return 0, Healthy
	}
	if st.Health == "" {
		return 1, "the podinit controller sent a status without a health verdict: is it the same podinit version?"
	}
	if len(st.Reasons) == 0 {
		return 1, st.Health
	}
	return 1, st.Health + ": " + strings.Join(st.Reasons, "; ")
}

// maxMessage is what Docker keeps of a health check's output.
const maxMessage = 4096

// oneLine keeps a message for Docker's health log on one line (whatever the
// server sent) and within what Docker keeps.
func oneLine(s string) string {
	s = strings.Map(func(r rune) rune {
		if r == '\n' || r == '\r' {
			return ' '
		}
		return r
	}, s)
	if len(s) > maxMessage {
		s = strings.ToValidUTF8(s[:maxMessage-len("…")], "") + "…"
	}
	return s
}
