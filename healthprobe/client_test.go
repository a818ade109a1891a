package healthprobe

import (
	"context"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const wantHint = "is this the controller container? set -socket to the path the controller uses"

func TestQueryNoSocket(t *testing.T) {
	path := filepath.Join(t.TempDir(), "podinit.sock")
	_, err := Query(context.Background(), path, "health")
	require.Error(t, err)
	assert.Equal(t, "no podinit controller answers on "+path+" (there is no socket): "+wantHint, err.Error())
}

func TestQueryStaleSocket(t *testing.T) {
	path := filepath.Join(t.TempDir(), "podinit.sock")
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	require.NoError(t, err)
	ln.SetUnlinkOnClose(false)
	require.NoError(t, ln.Close())

	_, err = Query(context.Background(), path, "health")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "no podinit controller answers on "+path+" (the socket is there but nobody listens")
	assert.Contains(t, err.Error(), wantHint)
}

// A server that accepts and never replies: Query gives up at the context's
// deadline and says so.
func TestQueryTimeout(t *testing.T) {
	path := filepath.Join(t.TempDir(), "podinit.sock")
	ln, err := net.Listen("unix", path)
	require.NoError(t, err)
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			t.Cleanup(func() { c.Close() })
		}
	}()

	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = Query(ctx, path, "health")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "the podinit controller on "+path+" did not reply in time (reading the reply)")
	// Without the context's deadline it would wait for the silent server
	// until DefaultQueryTimeout.
	assert.Less(t, time.Since(start), DefaultQueryTimeout)

	// Cancelling, not only a deadline, ends the wait too.
	ctx, cancel = context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	start = time.Now()
	_, err = Query(ctx, path, "health")
	assert.ErrorContains(t, err, "did not reply in time")
	// Without the cancellation, DefaultQueryTimeout would end it.
	assert.Less(t, time.Since(start), DefaultQueryTimeout)
}

func TestQueryEmptyReply(t *testing.T) {
	path := filepath.Join(t.TempDir(), "podinit.sock")
	ln, err := net.Listen("unix", path)
	require.NoError(t, err)
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err == nil {
			c.Read(make([]byte, 64)) // unread input would reset, not close
			c.Close()
		}
	}()
	_, err = Query(context.Background(), path, "health")
	assert.ErrorContains(t, err, "closed the connection without replying")
}

func TestHealthcheck(t *testing.T) {
	pod := healthyPod()
	path, stop := serve(t, &Server{Status: pod.snapshot, StartPeriod: time.Hour})
	ctx := context.Background()

	exit, msg := Healthcheck(ctx, path)
	assert.Equal(t, 0, exit)
	assert.Equal(t, "healthy", msg)

	pod.set(func(s *Status) {
		s.Components[1].Health = Unhealthy
		s.Components[2].State, s.Components[2].Restarts, s.Components[2].LastExit = StateRestarting, 1, code(2)
	})
	exit, msg = Healthcheck(ctx, path)
	assert.Equal(t, 1, exit)
	assert.Equal(t, "unhealthy: web: running, healthcheck unhealthy; proxy: restarting (1 restart, last exit 2)", msg)

	// Starting is not healthy either: Docker's own start period keeps it
	// from counting.
	pod.set(func(s *Status) {
		s.Phase, s.StartedAt = PhaseStarting, time.Now()
		s.Components[1].State, s.Components[1].Health, s.Components[1].Message = StateWaiting, "", "waiting for proxy to be healthy"
		s.Components[2].State = StateStarting
	})
	exit, msg = Healthcheck(ctx, path)
	assert.Equal(t, 1, exit)
	assert.Equal(t, "starting: pod: starting; web: waiting (waiting for proxy to be healthy); proxy: starting", msg)

	stop()
	exit, msg = Healthcheck(ctx, path)
	assert.Equal(t, 1, exit)
	assert.Equal(t, "no podinit controller answers on "+path+" (there is no socket): "+wantHint, msg)
}

func TestHealthcheckNotJSON(t *testing.T) {
	path := filepath.Join(t.TempDir(), "podinit.sock")
	ln, err := net.Listen("unix", path)
	require.NoError(t, err)
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		c.Read(make([]byte, 64))
		c.Write([]byte("healthy\n"))
	}()
	exit, msg := Healthcheck(context.Background(), path)
	assert.Equal(t, 1, exit)
	assert.Contains(t, msg, "sent a status that is not JSON")
}

// The JSON names are the command line's contract for `podinit status`.
func TestStatusJSONNames(t *testing.T) {
	at := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	st := Status{
		Phase: PhaseStopped, Health: Unhealthy, Reasons: []string{"pod: stopped"}, StartedAt: at,
		Components: []Component{{
			Name: "web", Role: RoleMain, State: StateExited, Health: Healthy, Restarts: 2,
			LastExit: code(143), StartedAt: &at, FinishedAt: &at,
			StopDuration: Duration(1500 * time.Millisecond), Killed: true, Message: "stopped",
		}},
	}
	b, err := json.Marshal(st)
	require.NoError(t, err)
	var doc map[string]any
	require.NoError(t, json.Unmarshal(b, &doc))
	assert.Equal(t, []string{"components", "health", "phase", "reasons", "startedAt"}, keys(doc))
	c := doc["components"].([]any)[0].(map[string]any)
	assert.Equal(t, []string{"finishedAt", "health", "killed", "lastExit", "message", "name", "restarts", "role",
		"startedAt", "state", "stopDuration"}, keys(c))
	assert.Equal(t, "1.5s", c["stopDuration"])
	assert.Equal(t, "2025-01-02T03:04:05Z", c["startedAt"])

	var back Status
	require.NoError(t, json.Unmarshal(b, &back))
	assert.Equal(t, st, back)

	// A component that has not run yet shows only what is known; health ""
	// (no healthcheck) is still there.
	b, err = json.Marshal(Component{Name: "db", Role: RoleSidecar, State: StateWaiting})
	require.NoError(t, err)
	assert.JSONEq(t, `{"name":"db","role":"sidecar","state":"waiting","health":"","restarts":0}`, string(b))

	var d Duration
	assert.ErrorContains(t, json.Unmarshal([]byte(`1500`), &d), `duration must be a JSON string such as "1.5s"`)
	assert.Error(t, json.Unmarshal([]byte(`"soon"`), &d))
}

func keys(m map[string]any) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// The default path is used when none is given; nothing listens there in a
// test, so the error names it.
func TestQueryDefaultPath(t *testing.T) {
	if _, err := os.Lstat(DefaultPath); err == nil {
		t.Skip(DefaultPath + " exists on this machine")
	}
	_, err := Query(context.Background(), "", "health")
	assert.ErrorContains(t, err, "no podinit controller answers on "+DefaultPath)
}

// TestHealthcheckMessageIsOneLine is a fuzzing finding
// (FuzzHealthcheck's seeds): reasons or an error reply with newlines made a
// multi-line message for Docker's health log.
func TestHealthcheckMessageIsOneLine(t *testing.T) {
	require.Equal(t, "unhealthy: web: exited 1; db: starting", oneLine("unhealthy: web: exited 1; db:\nstarting"))
	long := oneLine(strings.Repeat("€", maxMessage))
	require.LessOrEqual(t, len(long), maxMessage)
	require.True(t, utf8.ValidString(long))
}
