package main

import (
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/podinit/podinit/internal/testenv"
)

// -engine-lost-after on the real engine: the private dockerd (see
// dockerd_restart_test.go) is SIGKILLed under running pods, as a node's
// engine dies. Every process is found from the host (the test shares the
// host's PID namespace with the private engine): a pod with PID sharing is
// every process in its controller's PID namespace.

var lostPodLabels = map[string]string{
	"pod.component.app":  "image: " + bbox + "\ncommand: [\"sh\", \"-c\", \"trap 'exit 0' TERM; while true; do sleep 0.2; done\"]",
	"pod.component.side": "image: " + bbox + "\ncommand: [\"sh\", \"-c\", \"trap 'exit 0' TERM; while true; do sleep 0.2; done\"]\nx-podinit: {role: sidecar}",
}

// hostPid is a container's first process on the host.
func (e *privateEngine) hostPid(name string) int {
	e.t.Helper()
	pid, err := strconv.Atoi(e.mustDocker("inspect", "-f", "{{.State.Pid}}", name))
	require.NoError(e.t, err)
	require.Positive(e.t, pid, "%s has no process", name)
	return pid
}

// inPidNS lists the host's processes in the PID namespace ns.
func inPidNS(ns string) []int {
	var pids []int
	entries, _ := os.ReadDir("/proc")
	for _, d := range entries {
		pid, err := strconv.Atoi(d.Name())
		if err != nil {
			continue
		}
		if l, err := os.Readlink(filepath.Join("/proc", d.Name(), "ns", "pid")); err == nil && l == ns {
			pids = append(pids, pid)
		}
	}
	return pids
}

func pidNS(t *testing.T, pid int) string {
	l, err := os.Readlink("/proc/" + strconv.Itoa(pid) + "/ns/pid")
	require.NoError(t, err)
	return l
}

func alive(pid int) bool {
	_, err := os.Stat("/proc/" + strconv.Itoa(pid))
	return err == nil
}

// kill SIGKILLs the private dockerd, as a node's engine dies. If the test
// does not start it again, its cleanup does: only the engine removes what
// it left (containers, and the shims its lost containerd leaves behind).
func (e *privateEngine) kill() {
	e.t.Helper()
	require.NoError(e.t, e.dockerd.Process.Kill())
	e.dockerd.Wait()
	e.dockerd = nil
	os.Remove(filepath.Join(e.dir, "dockerd.pid"))
	e.t.Cleanup(func() {
		if e.dockerd == nil {
			e.start()
		}
	})
}

// exitOf follows a host process with strace from now on, and returns a
// function that waits for its end and gives its exit code: the kernel's
// word, for a controller whose engine is not there to see it (28.5 records
// such an exit as 255 once it returns).
func exitOf(t *testing.T, pid int) func() int {
	t.Helper()
	if _, err := exec.LookPath("strace"); err != nil {
		testenv.Unavailable(t, "needs strace to read an exit code without the engine: %v", err)
	}
	out := filepath.Join(t.TempDir(), "strace")
	cmd := exec.Command("strace", "-e", "trace=exit_group", "-e", "signal=none", "-o", out, "-p", strconv.Itoa(pid))
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	// strace says nothing once attached: it has when the process is stopped
	// for it (TracerPid in its status).
	testenv.WaitFor(t, 10*time.Second, func() bool {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
		return err == nil && !strings.Contains(string(b), "TracerPid:\t0\n")
	}, "strace to attach to %d", pid)
	return func() int {
		t.Helper()
		cmd.Wait()
		b, err := os.ReadFile(out)
		require.NoError(t, err)
		m := regexp.MustCompile(`\+\+\+ exited with (\d+) \+\+\+`).FindSubmatch(b)
		require.NotNil(t, m, "strace of %d saw no exit:\n%s", pid, b)
		code, _ := strconv.Atoi(string(m[1]))
		return code
	}
}

// containerdAlive reports whether the private engine's containerd runs.
func (e *privateEngine) containerdAlive() bool {
	b, err := os.ReadFile(filepath.Join(e.dir, "exec", "containerd", "containerd.pid"))
	if err != nil {
		return false
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	return err == nil && alive(pid)
}

// TestEngineLost: three pods on one engine, which is SIGKILLed. With
// -engine-lost-after 3s and PID sharing the pod stops without the engine:
// every process of it is gone within 3s (and a ping's second) + its
// budget, and the engine, once back, reports the controller's exit 69.
// With -pids=false the controller exits the same way, its components run
// on. With 0 the pod runs on without the engine.
func TestEngineLost(t *testing.T) {
	t.Parallel()
	e := startPrivateEngine(t, false)
	e.runPod("fenced", lostPodLabels, "-engine-lost-after", "3s", "-stop-budget", "5s")
	e.runPod("unfenced", lostPodLabels, "-engine-lost-after", "0", "-stop-budget", "5s")
	e.runPod("nopids", lostPodLabels, "-engine-lost-after", "3s", "-stop-budget", "5s", "-pids=false")
	e.running("fenced", "fenced.app", "fenced.side", "unfenced", "unfenced.app", "unfenced.side", "nopids", "nopids.app", "nopids.side")
	fencedNS := pidNS(t, e.hostPid("fenced"))
	fencedExit, nopidsExit := exitOf(t, e.hostPid("fenced")), exitOf(t, e.hostPid("nopids"))
	unfenced := []int{e.hostPid("unfenced"), e.hostPid("unfenced.app"), e.hostPid("unfenced.side")}
	nopidsCtrl := e.hostPid("nopids")
	nopids := []int{e.hostPid("nopids.app"), e.hostPid("nopids.side")}
	require.GreaterOrEqual(t, len(inPidNS(fencedNS)), 4, "podinit, podinit-pod and the two components")
	testenv.WaitFor(t, 30*time.Second, func() bool {
		for _, c := range []string{"fenced.app", "fenced.side", "unfenced.app", "unfenced.side", "nopids.app", "nopids.side"} {
			if !handles(e.hostPid(c), syscall.SIGTERM) {
				return false
			}
		}
		return true
	}, "the components' traps to be set")

	killed := time.Now()
	e.kill()
	t.Logf("dockerd SIGKILLed; its containerd alive: %v", e.containerdAlive())
	// Lost after 3s of unanswered pings (a second apart, each within 1s),
	// then a stop within the 5s budget; 1s of slack for a busy machine.
	limit := 3*time.Second + 2*time.Second + 5*time.Second + time.Second
	var fencedGone, nopidsGone time.Duration
	for (fencedGone == 0 || nopidsGone == 0) && time.Since(killed) < limit {
		if fencedGone == 0 && len(inPidNS(fencedNS)) == 0 {
			fencedGone = time.Since(killed)
		}
		if nopidsGone == 0 && !alive(nopidsCtrl) {
			nopidsGone = time.Since(killed)
		}
		time.Sleep(20 * time.Millisecond)
	}
	require.NotZero(t, fencedGone, "processes of the fenced pod still run %s after its engine died: %v", limit, inPidNS(fencedNS))
	require.NotZero(t, nopidsGone, "the -pids=false controller still runs %s after its engine died", limit)
	require.GreaterOrEqual(t, fencedGone, 3*time.Second, "gone before -engine-lost-after")
	t.Logf("fenced pod gone %s after its engine; -pids=false controller gone after %s", fencedGone.Round(time.Millisecond), nopidsGone.Round(time.Millisecond))

	time.Sleep(max(0, 10*time.Second-time.Since(killed)))
	for _, pid := range append(unfenced, nopids...) {
		require.True(t, alive(pid), "process %d ended without its engine", pid)
	}
	t.Logf("10s after the engine died the -engine-lost-after 0 pod and the -pids=false components run on; containerd alive: %v", e.containerdAlive())

	require.Equal(t, 69, fencedExit(), "the fenced controller's exit")
	require.Equal(t, 69, nopidsExit(), "the -pids=false controller's exit")

	e.start()
	t.Logf("the returning engine reports the fenced controllers' exit as %d and %d", e.exitCode("fenced", 30*time.Second), e.exitCode("nopids", 30*time.Second))
	// What the returning engine (without live-restore) does with the pod
	// that ran on: it stops what it had left running.
	code := e.exitCode("unfenced", 60*time.Second)
	t.Logf("the returning engine ended the -engine-lost-after 0 pod: controller exit %d; logs:\n%s", code, tail(e.mustDocker("logs", "unfenced"), 12))
	// The returning engine may leave the pods' auto-remove containers (20.10
	// does, at times, after a restart): the next controller to start on
	// the node removes them, whichever pod they belong to.
	// A sweep that meets the engine's own removal of a container on its way
	// may leave it Dead on 20.10: let the engine's restore settle first.
	testenv.WaitFor(t, 30*time.Second, func() bool {
		out, err := e.docker("ps", "-q", "--filter", "label=podinit.controller")
		return err == nil && out == ""
	}, "the returning engine to end what it had left running")
	left := e.mustDocker("ps", "-a", "--format", "{{.ID}} {{.Names}} {{.Status}}", "--filter", "label=podinit.controller")
	t.Logf("left by the returning engine:\n%s", left)
	e.runPod("sweeper", restartPod, "-stop-budget", "5s")
	e.running("sweeper", "sweeper.app")
	deadline := time.Now().Add(15 * time.Second)
	for {
		out, _ := e.docker("ps", "-aq", "--filter", "label=podinit.controller", "--filter", "label=podinit.pod!=sweeper")
		if out == "" {
			break
		}
		if time.Now().After(deadline) {
			for _, id := range strings.Fields(out) {
				st, _ := e.docker("inspect", "-f", "{{.State.Status}} {{.State.Error}} {{.HostConfig.AutoRemove}} {{index .Config.Labels \"podinit.pod\"}}", id)
				rm, _ := e.docker("rm", "-f", id)
				t.Logf("left: %s: %s; docker rm -f: %s", id, st, rm)
			}
			t.Fatalf("containers of the lost pods left after the sweep")
		}
		time.Sleep(200 * time.Millisecond)
	}
	for _, pid := range append(unfenced, nopids...) {
		require.False(t, alive(pid), "process %d outlived its pod", pid)
	}
}

// TestEngineReturnSweepsTheNode: the private dockerd is paused (SIGSTOP:
// it breaks no stream and answers nothing), and meanwhile a -pids=false
// controller is SIGKILLed, its component running on. When the engine
// answers again, the controller that kept running (-engine-lost-after 0)
// sweeps the node: the dead pod's component is removed, though no
// controller started since.
func TestEngineReturnSweepsTheNode(t *testing.T) {
	t.Parallel()
	e := startPrivateEngine(t, false)
	e.runPod("survivor", lostPodLabels, "-engine-lost-after", "0", "-stop-budget", "5s")
	e.runPod("victim", restartPod, "-pids=false", "-stop-budget", "5s")
	e.running("survivor", "survivor.app", "victim", "victim.app")
	victim, victimApp := e.hostPid("victim"), e.hostPid("victim.app")

	dockerd := e.dockerd.Process
	require.NoError(t, dockerd.Signal(syscall.SIGSTOP))
	t.Cleanup(func() { dockerd.Signal(syscall.SIGCONT) })
	// The survivor's ping while its engine answered (every 15s) goes
	// unanswered within its 1s timeout.
	time.Sleep(17 * time.Second)
	require.NoError(t, syscall.Kill(victim, syscall.SIGKILL))
	time.Sleep(time.Second)
	require.True(t, alive(victimApp), "the -pids=false component outlives its controller")
	require.NoError(t, dockerd.Signal(syscall.SIGCONT))

	testenv.WaitFor(t, 20*time.Second, func() bool {
		out, err := e.docker("ps", "-aq", "--filter", "label=podinit.pod=victim")
		return err == nil && out == "" && !alive(victimApp)
	}, "the dead pod's component to be removed once the engine answers again")
	logs := e.mustDocker("logs", "survivor")
	require.Contains(t, logs, "warning: the engine does not answer")
	require.Contains(t, logs, "the engine answers again after")
	require.Regexp(t, `removing victim\.app \(pod victim\), left behind by controller [0-9a-f]{12} which no longer runs`, logs)
	require.Equal(t, "true", e.mustDocker("inspect", "-f", "{{.State.Running}}", "survivor"), "the survivor runs on")
}

// TestLongOutageNeverHoldsUpTheStop: without its engine nobody reads the
// controller's output, and the pipe fills (64 KiB and the shim's 64 KiB
// FIFO: about five minutes of warnings; here both are shrunk to 4 KiB so
// that it takes seconds). A stop request then still ends the pod in time:
// podinit's output never waits.
func TestLongOutageNeverHoldsUpTheStop(t *testing.T) {
	t.Parallel()
	e := startPrivateEngine(t, false)
	e.runPod("long", lostPodLabels, "-engine-lost-after", "0", "-stop-budget", "5s")
	e.running("long", "long.app", "long.side")
	ctrl := e.hostPid("long")
	ns := pidNS(t, ctrl)
	var podinitPod int
	for _, pid := range inPidNS(ns) {
		if comm, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid)); strings.TrimSpace(string(comm)) == "podinit-pod" {
			podinitPod = pid
		}
	}
	require.NotZero(t, podinitPod, "podinit-pod among %v", inPidNS(ns))
	id := e.mustDocker("inspect", "-f", "{{.Id}}", "long")
	fifo := shrinkPipe(t, e.stderrFIFO(id))
	pipe := shrinkPipe(t, fmt.Sprintf("/proc/%d/fd/2", podinitPod))
	exit := exitOf(t, ctrl)

	e.kill()
	// The test fills both itself rather than waiting for podinit's
	// reconnection warnings to (their pace varies: once they took over
	// 120s): the shim's copy then blocks on the FIFO, and podinit-pod's
	// next write on the pipe.
	testenv.WaitFor(t, 120*time.Second, func() bool {
		fillPipe(fifo)
		fillPipe(pipe)
		return pipeFull(fifo) && pipeFull(pipe)
	}, "the controller's stderr to fill")
	time.Sleep(2 * time.Second) // podinit-pod's next lines now find it full
	stopAt := time.Now()
	require.NoError(t, syscall.Kill(ctrl, syscall.SIGTERM))
	for len(inPidNS(ns)) > 0 && time.Since(stopAt) < 7*time.Second {
		time.Sleep(20 * time.Millisecond)
	}
	require.Empty(t, inPidNS(ns), "the pod still runs %s after SIGTERM with its stderr full", time.Since(stopAt).Round(time.Millisecond))
	t.Logf("stopped %s after SIGTERM, its stderr full", time.Since(stopAt).Round(time.Millisecond))
	require.Equal(t, 0, exit())
}

const shrunkPipe = 4096

// stderrFIFO finds the FIFO through which the engine reads a container's
// stderr: a named pipe under its exec root, named for the container and
// stderr (20.10: containerd/<id>/init-stderr).
func (e *privateEngine) stderrFIFO(id string) string {
	e.t.Helper()
	var found string
	filepath.WalkDir(filepath.Join(e.dir, "exec"), func(path string, d fs.DirEntry, err error) error {
		if err == nil && d.Type()&fs.ModeNamedPipe != 0 && strings.Contains(path, id) && strings.HasSuffix(path, "stderr") {
			found = path
		}
		return nil
	})
	require.NotEmpty(e.t, found, "no stderr FIFO of %s under %s", id, filepath.Join(e.dir, "exec"))
	return found
}

// shrinkPipe opens a pipe or FIFO (without taking its data) and makes its
// buffer 4 KiB.
func shrinkPipe(t *testing.T, path string) *os.File {
	t.Helper()
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	require.NoError(t, err)
	t.Cleanup(func() { f.Close() })
	_, err = unix.FcntlInt(f.Fd(), unix.F_SETPIPE_SZ, shrunkPipe)
	require.NoError(t, err, "shrinking %s", path)
	return f
}

// fillPipe writes into a pipe until it is full, without blocking.
func fillPipe(f *os.File) {
	fd := int(f.Fd())
	unix.SetNonblock(fd, true)
	line := []byte(strings.Repeat("x", 127) + "\n")
	for {
		if _, err := unix.Write(fd, line); err != nil {
			return
		}
	}
}

// pipeFull reports whether a pipe holds (nearly) all its buffer can.
func pipeFull(f *os.File) bool {
	n, err := unix.IoctlGetInt(int(f.Fd()), unix.TIOCINQ) // FIONREAD
	return err == nil && n > shrunkPipe-512
}
