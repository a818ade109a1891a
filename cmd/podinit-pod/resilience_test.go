package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"
	"github.com/stretchr/testify/require"

	"github.com/podinit/podinit/internal/testenv"
)

// A pod's life on an engine that is not always reachable: behind a proxy
// that cuts idle connections, and signals from the controller's first
// moments.

// idleProxy forwards a unix socket to an engine's (upstream, dialled anew
// for each connection) and cuts every connection that carries no byte,
// either way, for idle (never when 0): HAProxy's `timeout server`/`timeout
// client`, which the popular socket-proxy images set (to 10 minutes).
//
// While stallPings is set it holds every engine ping (`/_ping`) instead of
// passing it on, and passes every other call: an engine so loaded that its
// 1s pings time out while its other calls are answered, late.
//
// After holdRecreate it passes the first create of a component of that
// name and holds every later one for good (counted in held): an engine
// that does not answer a restart's create.
type idleProxy struct {
	socket     string
	upstream   string
	idle       time.Duration
	cuts       atomic.Int64
	stallPings atomic.Bool

	recreate atomic.Pointer[regexp.Regexp]
	creates  atomic.Int64
	held     atomic.Int64
}

func (p *idleProxy) holdRecreate(component string) {
	p.recreate.Store(regexp.MustCompile(`^POST /\S*containers/create\?(\S*&)?name=\S*` + regexp.QuoteMeta(url.QueryEscape("."+component)) + `[ &]`))
}

func (p *idleProxy) holds(b []byte) bool {
	call := p.recreate.Load()
	if call == nil || !call.Match(b) {
		return false
	}
	if p.creates.Add(1) == 1 {
		return false
	}
	p.held.Add(1)
	return true
}

func startIdleProxy(t *testing.T, idle time.Duration, upstream string) *idleProxy {
	t.Helper()
	// Short: a unix socket path is limited to 108 bytes.
	dir, err := filepath.Abs(t.TempDir())
	require.NoError(t, err)
	p := &idleProxy{socket: filepath.Join(dir, "docker.sock"), upstream: upstream, idle: idle}
	ln, err := net.Listen("unix", p.socket)
	require.NoError(t, err)
	var wg sync.WaitGroup
	done := make(chan struct{})
	t.Cleanup(func() {
		close(done)
		ln.Close()
		wg.Wait()
	})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				p.serve(c, done)
			}()
		}
	}()
	return p
}

func (p *idleProxy) serve(down net.Conn, done <-chan struct{}) {
	defer down.Close()
	up, err := net.Dial("unix", p.upstream)
	if err != nil {
		return
	}
	defer up.Close()
	var last atomic.Int64
	last.Store(time.Now().UnixNano())
	ended := make(chan struct{}, 2)
	pipe := func(dst, src net.Conn) {
		buf := make([]byte, 32<<10)
		for {
			n, err := src.Read(buf)
			if n > 0 {
				last.Store(time.Now().UnixNano())
				for src == down && p.stallPings.Load() && bytes.Contains(buf[:n], []byte("/_ping ")) {
					time.Sleep(20 * time.Millisecond) // the client gives up on it meanwhile
				}
				if src == down && p.holds(buf[:n]) {
					<-done // nothing more of this connection reaches the engine
					break
				}
				if _, werr := dst.Write(buf[:n]); werr != nil {
					break
				}
			}
			if err != nil {
				break
			}
		}
		ended <- struct{}{}
	}
	go pipe(up, down)
	go pipe(down, up)
	tick := time.NewTicker(time.Second)
	if p.idle > 0 {
		tick.Reset(p.idle / 10)
	}
	defer tick.Stop()
	for {
		select {
		case <-ended:
			return
		case <-done:
			return
		case <-tick.C:
			if p.idle > 0 && time.Since(time.Unix(0, last.Load())) >= p.idle {
				p.cuts.Add(1)
				return // the deferred closes end both pipes
			}
		}
	}
}

// Without PID sharing a stop reaches the components only through the
// engine. When the engine stops answering pings (held by the proxy) after
// the stop began, long enough to be declared lost, the stop still goes on
// through it: the sidecar, whose turn comes after the loss, is stopped,
// every container is removed and the pod exits 0, not 69.
func TestPingsUnansweredDuringAStopWithoutPIDSharing(t *testing.T) {
	t.Parallel()
	proxy := startIdleProxy(t, 0, "/var/run/docker.sock")
	vol := volume(t)
	// app's stop lasts until the test has seen the engine's loss in
	// podinit's log (the test reads it through the engine's own socket,
	// not the proxy), so that the sidecar's turn is sure to come after it.
	p := runPodOn(t, proxy.socket, map[string]string{
		"pod.component.app": "image: " + bbox + "\nvolumes: [\"" + vol + ":/shared\"]\n" +
			`command: ["sh", "-c", "trap 'until [ -f /shared/lost ]; do sleep 0.1; done; exit 0' TERM; touch /shared/app; sleep 3600 & wait"]`,
		"pod.component.side": "image: " + bbox + "\nvolumes: [\"" + vol + ":/shared\"]\n" + `
command: ["sh", "-c", "trap 'exit 0' TERM; touch /shared/side; sleep 3600 & wait"]
x-podinit: {role: sidecar}`,
	}, ownVolume(vol), "-pids=false", "-engine-lost-after", "1s", "-stop-budget", "25s")
	p.running("app", "side")
	testenv.WaitFor(t, 30*time.Second, func() bool {
		_, err := testenv.Docker("run", "--rm", "-v", vol+":/v", bbox, "test", "-f", "/v/app", "-a", "-f", "/v/side")
		return err == nil
	}, "the traps to be set")
	require.NoError(t, syscall.Kill(hostPid(t, p.name), syscall.SIGTERM))
	proxy.stallPings.Store(true)
	t.Cleanup(func() { proxy.stallPings.Store(false) })
	testenv.WaitFor(t, 20*time.Second, func() bool { return strings.Contains(p.logs(), "the engine was lost") }, "the engine to be lost (-engine-lost-after 1s)")
	testenv.MustDocker(t, "run", "--rm", "-v", vol+":/v", bbox, "touch", "/v/lost")
	code := p.exitCode(40 * time.Second)
	logs := p.logs()
	require.Contains(t, logs, "the stop under way goes on asking it")
	require.NotContains(t, logs, "left running")
	require.Regexp(t, `side stopped in \d`, logs)
	require.Equal(t, 0, code)
	p.noneLeft()
}

// The proxy cuts idle connections after 3s; the pod runs for five times
// that, with a health-checked component (its checks come every 5s, so
// even the event stream goes idle) and a service_healthy dependent, then
// stops cleanly within its budget.
func TestPodSurvivesAProxyThatCutsIdleConnections(t *testing.T) {
	t.Parallel()
	const idle = 3 * time.Second
	for _, logs := range []bool{false, true} {
		name := map[bool]string{false: "plain", true: "logs"}[logs]
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			proxy := startIdleProxy(t, idle, "/var/run/docker.sock")
			flags := []string{"-stop-budget", "8s"}
			if logs {
				flags = append(flags, "-logs")
			}
			p := runPodOn(t, proxy.socket, map[string]string{
				"pod.component.db": "image: " + bbox + `
command: ["sh", "-c", "echo db up; trap 'exit 0' TERM; while true; do sleep 0.2; done"]
healthcheck: {test: ["CMD", "true"], interval: 5s}`,
				"pod.component.app": "image: " + bbox + `
command: ["sh", "-c", "echo app up; trap 'exit 0' TERM; while true; do sleep 0.2; done"]
depends_on: {db: {condition: service_healthy}}`,
			}, nil, flags...)
			p.running("db", "app")
			ids := map[string]string{}
			for _, c := range []string{"db", "app"} {
				ids[c] = testenv.MustDocker(t, "inspect", "-f", "{{.Id}}", p.name+"."+c)
			}
			time.Sleep(5 * idle)

			require.Equal(t, "true", testenv.MustDocker(t, "inspect", "-f", "{{.State.Running}}", p.name), "the controller runs")
			for c, id := range ids {
				require.Equal(t, id, testenv.MustDocker(t, "inspect", "-f", "{{.Id}}", p.name+"."+c), "%s is the container it was: never restarted", c)
			}
			require.Greater(t, proxy.cuts.Load(), int64(4), "the proxy cut the controller's idle connections")
			logs := p.logs()
			require.Contains(t, logs, "the wait for app", "the controller saw its waits cut")
			require.NotContains(t, logs, "exited with")
			if logs := p.logs(); strings.Contains(strings.Join(flags, " "), "-logs") {
				require.Contains(t, logs, "app | app up")
				require.Contains(t, logs, "db | db up")
			}
			require.Equal(t, "healthy", component(status(t, p), "db").Health)

			testenv.MustDocker(t, "stop", "-t", "8", p.name)
			require.Equal(t, 0, p.exitCode(5*time.Second))
			require.Less(t, stopTook(t, p.logs()), 8*time.Second)
			p.noneLeft()
		})
	}
}

// A SIGTERM at any moment of the controller's start-up (podinit, its start
// of podinit-pod, the engine client's start, the plan, the first creates)
// stops the pod: exit 0, never the Go runtime's 2, and nothing left. The
// moments count from when podinit takes SIGTERM (package early's SIGTSTP
// handler shows it in /proc/<pid>/status SigCgt): no program can take a
// signal before its first instructions have run, and for a PID 1 without a
// handler the kernel drops it. The test reports how long after the
// engine's start that is.
func TestSignalsInTheFirstMomentsStopThePodCleanly(t *testing.T) {
	t.Parallel()
	requirePodEnv(t)
	cli, err := client.New(client.FromEnv)
	require.NoError(t, err)
	defer cli.Close()
	ctx := context.Background()
	labels := map[string]string{"pod.component.app": "image: " + bbox + "\ncommand: sleep 3600"}
	for _, delay := range []time.Duration{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 14, 16, 20, 30, 40, 60, 80, 100, 130, 160, 200} {
		delay *= time.Millisecond
		p := &testPod{t: t, name: uniqueName(t, "sig")}
		t.Cleanup(p.cleanup)
		_, err := cli.ContainerCreate(ctx, client.ContainerCreateOptions{Name: p.name,
			Config:     &container.Config{Image: podImage, Labels: labels},
			HostConfig: &container.HostConfig{Binds: []string{"/var/run/docker.sock:/var/run/docker.sock"}}})
		require.NoError(t, err)
		_, err = cli.ContainerStart(ctx, p.name, client.ContainerStartOptions{})
		require.NoError(t, err)
		started := time.Now()
		info, err := cli.ContainerInspect(ctx, p.name, client.ContainerInspectOptions{})
		require.NoError(t, err)
		pid := info.Container.State.Pid
		// How soon it comes is reported below, not asserted: a loaded
		// machine may take long to run podinit's first instructions.
		for !catches(pid, syscall.SIGTSTP) {
			require.Less(t, time.Since(started), 30*time.Second, "podinit (pid %d) has no SIGTERM handler 30s after its start", pid)
			time.Sleep(50 * time.Microsecond)
		}
		caught := time.Since(started)
		time.Sleep(delay)
		at := time.Since(started)
		if err := syscall.Kill(pid, syscall.SIGTERM); err != nil {
			t.Fatalf("SIGTERM %s after start: %v", at, err)
		}
		code := p.exitCode(30 * time.Second)
		logs := p.logs()
		require.Equal(t, 0, code, "SIGTERM %s after the start: exit %d; logs:\n%s", at, code, logs)
		p.noneLeft()
		t.Logf("handler %4.1fms, SIGTERM %5.1fms after the start: exit 0, %s", ms(caught), ms(at), lastLine(logs))
	}
}

// catches reports whether process pid runs podinit (the engine's start
// returns while the runtime's `runc init` may still be about to exec it)
// and has a handler for sig, from /proc/<pid>/status.
func catches(pid int, sig syscall.Signal) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return false
	}
	podinit, caught := false, false
	for _, line := range strings.Split(string(b), "\n") {
		if name, ok := strings.CutPrefix(line, "Name:\t"); ok {
			podinit = name == "podinit"
		}
		if hex, ok := strings.CutPrefix(line, "SigCgt:\t"); ok {
			mask, err := strconv.ParseUint(hex, 16, 64)
			caught = err == nil && mask&(1<<(uint(sig)-1)) != 0
		}
	}
	return podinit && caught
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}

// A pod of init components only is a job: it ends with 0 once they all
// exited 0 (it used to run, healthy, until stopped).
func TestPodOfInitComponentsOnlyEnds(t *testing.T) {
	t.Parallel()
	p := runPod(t, map[string]string{
		"pod.init.components": "- image: " + bbox + "\n  command: [\"true\"]\n- image: " + bbox + "\n  command: [\"true\"]",
	}, nil)
	require.Equal(t, 0, p.exitCode(60*time.Second))
	require.Contains(t, p.logs(), "every init component completed")
	p.noneLeft()
}

// `--stop-timeout 1` makes the budget 1s; the default 1s margin would leave
// none of it, so podinit keeps a quarter: the component still gets its
// stop signal before SIGKILL, which comes at the pod's deadline (750ms
// after the stop request) or later, never past the budget's end (1s), and
// podinit exits before Docker's SIGKILL. The times are podinit's own, from
// its log: how late past the deadline a loaded machine runs the kill is
// not the design's to promise.
func TestTinyStopTimeoutStillSendsTheStopSignal(t *testing.T) {
	t.Parallel()
	vol := volume(t)
	p := runPod(t, map[string]string{
		"pod.component.app": "image: " + bbox + "\nvolumes: [\"" + vol + ":/shared\"]\n" +
			`command: ["sh", "-c", "trap 'echo TERM > /shared/got' TERM; touch /shared/up; while true; do sleep 0.05; done"]`,
	}, append(ownVolume(vol), "--stop-timeout", "1"))
	p.running("app")
	testenv.WaitFor(t, 10*time.Second, func() bool {
		_, err := testenv.Docker("run", "--rm", "-v", vol+":/v", bbox, "test", "-f", "/v/up")
		return err == nil
	}, "the trap to be set")
	testenv.MustDocker(t, "stop", p.name)
	code := p.exitCode(10 * time.Second)
	logs := p.logs()
	require.Contains(t, logs, "leaves nothing of the stop budget 1s: keeping 250ms")
	require.Equal(t, "TERM", readVolume(t, vol, "got"), "app got its stop signal before SIGKILL")
	killed := logSpan(t, logs, `received SIGTERM`, `app: SIGKILL after \S+ \(the pod's stop deadline\)`)
	require.GreaterOrEqual(t, killed, 750*time.Millisecond, "SIGKILL before the pod's stop deadline")
	require.Less(t, killed, time.Second, "SIGKILL past the stop budget's end")
	require.Equal(t, 0, code, "podinit exits before Docker's SIGKILL at 1s")
	p.noneLeft()
}

// An error while a component is made again (here its image is gone when
// it restarts, and cannot be pulled) is retried under the component's
// backoff: the pod goes on, and the status shows the error until the image
// is back and the component runs. The first run exits only once the test
// has removed the image's tag, so that the restart is sure to miss it.
func TestRestartSurvivesAnImageGoneDuringTheBackoff(t *testing.T) {
	t.Parallel()
	requirePodEnv(t)
	vol := volume(t)
	tag := "podinit-test/sup-transient:" + uniqueName(t, "img")
	testenv.MustDocker(t, "tag", bbox, tag)
	t.Cleanup(func() { testenv.Docker("rmi", tag) })
	p := runPod(t, map[string]string{
		"pod.component.app": "image: " + tag + "\nrestart: on-failure\nvolumes: [\"" + vol + ":/shared\"]\n" +
			`command: ["sh", "-c", "if [ -f /shared/once ]; then exec sleep 3600; fi; touch /shared/once; until [ -f /shared/untagged ]; do sleep 0.05; done; exit 1"]`,
	}, ownVolume(vol), "-pull-timeout", "3s")
	p.running("app")
	// Untagging leaves the running container its image, under bbox's tag.
	testenv.MustDocker(t, "rmi", tag)
	testenv.MustDocker(t, "run", "--rm", "-v", vol+":/v", bbox, "touch", "/v/untagged")
	testenv.WaitFor(t, 30*time.Second, func() bool { return strings.Contains(p.logs(), "app exited with 1; restarting in 1s") }, "app's first exit")
	testenv.WaitFor(t, 60*time.Second, func() bool { return strings.Contains(p.logs(), "retrying in") }, "a failed restart to be retried")
	require.Contains(t, component(status(t, p), "app").Message, tag, "the status shows the last error")
	testenv.MustDocker(t, "tag", bbox, tag)
	p.running("app")
	require.Equal(t, "true", testenv.MustDocker(t, "inspect", "-f", "{{.State.Running}}", p.name))
	testenv.MustDocker(t, "stop", p.name)
	require.Equal(t, 0, p.exitCode(15*time.Second))
	p.noneLeft()
}

// An init component may not take the IPC holder's name: it would replace,
// force-removing it, the live holder's container.
func TestInitComponentCannotTakeTheHoldersName(t *testing.T) {
	t.Parallel()
	p := runPod(t, map[string]string{
		"pod.init.components": "- image: " + bbox + "\n  command: [\"true\"]\n  x-podinit: {name: ipc-holder}",
		"pod.component.app":   "image: " + bbox + "\ncommand: sleep 3600",
	}, nil)
	require.Equal(t, 2, p.exitCode(30*time.Second))
	require.Contains(t, p.logs(), `component name "ipc-holder" is reserved for the IPC holder`)
	p.noneLeft()
}
