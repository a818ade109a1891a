package healthprobe

import (
	"context"
	"encoding/json"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakePod is a supervisor's state behind a lock, changed while being served.
type fakePod struct {
	mu sync.Mutex
	st Status
}

func (p *fakePod) set(f func(*Status)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	f(&p.st)
}

// snapshot copies under the lock, as Server.Status requires.
func (p *fakePod) snapshot() Status {
	p.mu.Lock()
	defer p.mu.Unlock()
	st := p.st
	st.Components = append([]Component(nil), p.st.Components...)
	return st
}

func healthyPod() *fakePod {
	started := time.Now().Add(-time.Minute)
	return &fakePod{st: Status{
		Phase:     PhaseRunning,
		StartedAt: started,
		Components: []Component{
			{Name: "migrate", Role: RoleInit, State: StateExited, LastExit: code(0)},
			{Name: "web", Role: RoleMain, State: StateRunning, Health: Healthy, StartedAt: &started},
			{Name: "proxy", Role: RoleSidecar, State: StateRunning},
		},
	}}
}

// serve starts a server on a socket in a fresh directory and stops it at the
// end of the test, checking that Serve returned nil.
func serve(t *testing.T, srv *Server) (path string, stop func()) {
	t.Helper()
	if srv.Path == "" {
		srv.Path = filepath.Join(t.TempDir(), "run", "podinit.sock")
	}
	require.NoError(t, srv.Listen())
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				assert.NoError(t, err)
			case <-time.After(5 * time.Second):
				t.Error("Serve did not return within 5s of its context being cancelled")
			}
		})
	}
	t.Cleanup(stop)
	return srv.Path, stop
}

func query(t *testing.T, path, request string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	b, err := Query(ctx, path, request)
	require.NoError(t, err)
	return string(b)
}

func TestServerHealthAndStatus(t *testing.T) {
	pod := healthyPod()
	path, _ := serve(t, &Server{Status: pod.snapshot, StartPeriod: time.Second})

	assert.Equal(t, "healthy\n", query(t, path, "health"))

	var st Status
	require.NoError(t, json.Unmarshal([]byte(query(t, path, "status")), &st))
	assert.Equal(t, PhaseRunning, st.Phase)
	assert.Equal(t, Healthy, st.Health)
	assert.Empty(t, st.Reasons)
	require.Len(t, st.Components, 3)
	assert.Equal(t, "web", st.Components[1].Name)
	assert.Equal(t, 0, *st.Components[0].LastExit)

	// The server judges each snapshot afresh, and says why.
	pod.set(func(s *Status) {
		s.Components[1].State, s.Components[1].Restarts, s.Components[1].LastExit = StateRestarting, 2, code(1)
	})
	assert.Equal(t, "unhealthy\n", query(t, path, "health"))
	require.NoError(t, json.Unmarshal([]byte(query(t, path, "status")), &st))
	assert.Equal(t, Unhealthy, st.Health)
	assert.Equal(t, []string{"web: restarting (2 restarts, last exit 1)"}, st.Reasons)

	// The server's start period is the one that counts.
	pod.set(func(s *Status) {
		s.Phase, s.StartedAt = PhaseStarting, time.Now()
		s.Components[1].State = StateWaiting
	})
	assert.Equal(t, "starting\n", query(t, path, "health"))
}

func TestServerRequestErrors(t *testing.T) {
	path, _ := serve(t, &Server{Status: healthyPod().snapshot})

	_, err := Query(context.Background(), path, "reboot")
	assert.ErrorContains(t, err, `unknown request "reboot": send "health" or "status"`)

	long := make([]byte, 100)
	for i := range long {
		long[i] = 'x'
	}
	_, err = Query(context.Background(), path, string(long))
	assert.ErrorContains(t, err, "request longer than 64 bytes")

	// A request ended by a half-close rather than a newline is answered too.
	conn, err := net.Dial("unix", path)
	require.NoError(t, err)
	defer conn.Close()
	_, err = io.WriteString(conn, "health")
	require.NoError(t, err)
	require.NoError(t, conn.(*net.UnixConn).CloseWrite())
	conn.SetDeadline(time.Now().Add(2 * time.Second))
	reply, err := io.ReadAll(conn)
	require.NoError(t, err)
	assert.Equal(t, "healthy\n", string(reply))
}

// Many clients at once, while the supervisor changes the pod: run with -race.
func TestServerConcurrentClients(t *testing.T) {
	pod := healthyPod()
	path, _ := serve(t, &Server{Status: pod.snapshot})

	stopChanging := make(chan struct{})
	changed := make(chan struct{})
	go func() {
		defer close(changed)
		for i := 0; ; i++ {
			select {
			case <-stopChanging:
				return
			default:
			}
			pod.set(func(s *Status) { s.Components[1].Restarts = i })
		}
	}()

	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for i := range 100 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			request := "health"
			if i%2 == 0 {
				request = "status"
			}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			reply, err := Query(ctx, path, request)
			if err != nil {
				errs <- err
				return
			}
			if request == "health" && string(reply) != "healthy\n" {
				errs <- &json.UnsupportedValueError{Str: string(reply)}
			}
			if request == "status" {
				var st Status
				if err := json.Unmarshal(reply, &st); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(stopChanging)
	<-changed
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// A client that connects and never sends holds only its own connection: the
// others are answered at once, and it is cut off at the request timeout.
func TestServerSilentClientBlocksNobody(t *testing.T) {
	// With a minute's request timeout, answers that waited for the silent
	// client would come after the queries' own 2s.
	path, _ := serve(t, &Server{Status: healthyPod().snapshot, RequestTimeout: time.Minute})
	silent, err := net.Dial("unix", path)
	require.NoError(t, err)
	defer silent.Close()
	for range 5 {
		assert.Equal(t, "healthy\n", query(t, path, "health"))
	}

	// Longer than DefaultRequestTimeout, so that the cut shows that the
	// server's own timeout was kept.
	const timeout = DefaultRequestTimeout + time.Second
	path, _ = serve(t, &Server{Status: healthyPod().snapshot, RequestTimeout: timeout})
	start := time.Now() // the server's deadline counts from its accept, after this
	cut, err := net.Dial("unix", path)
	require.NoError(t, err)
	defer cut.Close()
	cut.SetReadDeadline(time.Now().Add(timeout + 10*time.Second))
	n, err := cut.Read(make([]byte, 1))
	assert.Equal(t, 0, n)
	assert.ErrorIs(t, err, io.EOF, "the server closes a silent connection at its deadline")
	assert.GreaterOrEqual(t, time.Since(start), timeout, "cut off before the request timeout")
}

func TestServerPermissions(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run", "podinit")
	path, _ := serve(t, &Server{Path: filepath.Join(dir, "podinit.sock"), Status: healthyPod().snapshot})

	di, err := os.Stat(dir)
	require.NoError(t, err)
	assert.Equal(t, fs.ModeDir|0o700, di.Mode())
	si, err := os.Lstat(path)
	require.NoError(t, err)
	assert.Equal(t, fs.ModeSocket|0o600, si.Mode())
}

// An existing directory is the user's: it is used as it is.
func TestServerLeavesExistingDirectory(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.Chmod(dir, 0o755))
	serve(t, &Server{Path: filepath.Join(dir, "p.sock"), Status: healthyPod().snapshot})
	di, err := os.Stat(dir)
	require.NoError(t, err)
	assert.Equal(t, fs.FileMode(0o755), di.Mode().Perm())
}

func TestServerRemovesStaleSocket(t *testing.T) {
	path := filepath.Join(t.TempDir(), "podinit.sock")
	// A previous controller that died without cleaning up.
	old, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	require.NoError(t, err)
	old.SetUnlinkOnClose(false)
	require.NoError(t, old.Close())
	_, err = os.Lstat(path)
	require.NoError(t, err, "the stale socket must exist for this test")

	serve(t, &Server{Path: path, Status: healthyPod().snapshot})
	assert.Equal(t, "healthy\n", query(t, path, "health"))
}

func TestServerRefusesLiveSocket(t *testing.T) {
	path, _ := serve(t, &Server{Status: healthyPod().snapshot})

	second := &Server{Path: path, Status: func() Status { return Status{Phase: PhaseFailed} }}
	err := second.Listen()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "another server answers on the health socket "+path)
	// Serve reports the same refusal and does not touch the socket either.
	assert.ErrorContains(t, second.Serve(context.Background()), "another server answers")

	assert.Equal(t, "healthy\n", query(t, path, "health"), "the first server must keep its socket")
}

func TestServerRefusesNonSocket(t *testing.T) {
	path := filepath.Join(t.TempDir(), "podinit.sock")
	require.NoError(t, os.WriteFile(path, []byte("precious"), 0o644))

	err := (&Server{Path: path, Status: healthyPod().snapshot}).Listen()
	assert.ErrorContains(t, err, "exists and is not a socket")
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, "precious", string(b), "the file must be left alone")
}

func TestServerListenErrors(t *testing.T) {
	dir := t.TempDir()
	assert.ErrorContains(t, (&Server{Path: filepath.Join(dir, "s.sock")}).Listen(), "Server.Status is nil")

	long := filepath.Join(dir, string(make([]byte, 0)), "x")
	for len(long) <= maxSocketPath {
		long += "x"
	}
	assert.ErrorContains(t, (&Server{Path: long, Status: healthyPod().snapshot}).Listen(), "choose a shorter path")

	file := filepath.Join(dir, "file")
	require.NoError(t, os.WriteFile(file, nil, 0o644))
	assert.ErrorContains(t, (&Server{Path: filepath.Join(file, "s.sock"), Status: healthyPod().snapshot}).Listen(), "is not a directory")

	srv := &Server{Path: filepath.Join(dir, "twice.sock"), Status: healthyPod().snapshot}
	require.NoError(t, srv.Listen())
	assert.ErrorContains(t, srv.Listen(), "Listen called twice")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	assert.NoError(t, srv.Serve(ctx), "Serve after Listen with a done context cleans up")
	_, err := os.Lstat(srv.Path)
	assert.ErrorIs(t, err, fs.ErrNotExist)
}

// Cancelling Serve's context ends it promptly, even with a client connected
// that never sends, and removes the socket.
func TestServeReturnsAndRemovesSocketWhenCancelled(t *testing.T) {
	pod := healthyPod()
	path, stop := serve(t, &Server{Status: pod.snapshot, RequestTimeout: time.Minute})

	silent, err := net.Dial("unix", path)
	require.NoError(t, err)
	defer silent.Close()
	assert.Equal(t, "healthy\n", query(t, path, "health"))

	// stop fails the test unless Serve returns within 5s: had it waited
	// for the silent client, it would take the request timeout's minute.
	stop()
	_, err = os.Lstat(path)
	assert.ErrorIs(t, err, fs.ErrNotExist, "the socket must be removed")

	_, err = Query(context.Background(), path, "health")
	assert.ErrorContains(t, err, "no podinit controller answers on "+path)
}

// Serve without Listen listens itself, as an oklog/run actor would use it.
func TestServeListensItself(t *testing.T) {
	path := filepath.Join(t.TempDir(), "podinit.sock")
	srv := &Server{Path: path, Status: healthyPod().snapshot}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx) }()

	require.Eventually(t, func() bool {
		b, err := Query(context.Background(), path, "health")
		return err == nil && string(b) == "healthy\n"
	}, 2*time.Second, 10*time.Millisecond)
	cancel()
	require.NoError(t, <-done)
}

// TestReplyReachesAClientThatSentMore is a fuzzing finding
// (testdata/fuzz/FuzzServerRequest): bytes after the request line were left
// unread, and closing the connection reset it before the reply arrived.
func TestReplyReachesAClientThatSentMore(t *testing.T) {
	path, _ := serve(t, &Server{Status: healthyPod().snapshot})
	conn, err := net.Dial("unix", path)
	require.NoError(t, err)
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(3 * time.Second))
	_, err = conn.Write([]byte("health\n" + strings.Repeat("0", 60)))
	require.NoError(t, err)
	conn.(*net.UnixConn).CloseWrite()
	reply, err := io.ReadAll(conn)
	require.NoError(t, err)
	require.Equal(t, Healthy+"\n", string(reply))
}
