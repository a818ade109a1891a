package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/podinit/podinit/internal/testenv"
	"github.com/podinit/podinit/plan"
)

// A pod while its engine restarts. The engine is a private dockerd that the
// test starts in its own network, mount and UTS namespaces (a fresh sysfs,
// the cgroup v1 tree bind-mounted back, its own data, exec root, socket and
// pid file), never the shared one. The controller reaches it through a
// socket that outlives the engine's restarts, as systemd's socket
// activation (docker.socket) or a socket proxy give: a restarted dockerd
// makes its socket file anew, and a container that bind-mounted the old
// one can never reach it again.

type privateEngine struct {
	t           *testing.T
	dir         string
	holder      *exec.Cmd  // keeps the namespaces
	front       *idleProxy // the socket the controllers mount
	liveRestore bool
	flags       []string // more dockerd flags of this test's
	dockerd     *exec.Cmd
}

// startPrivateEngine starts a dockerd of the test's own, loaded with the
// pod's images; cleanup removes its containers and everything of it.
func startPrivateEngine(t *testing.T, liveRestore bool) *privateEngine {
	t.Helper()
	return startPrivateEngineWith(t, liveRestore)
}

// startPrivateEngineWith is startPrivateEngine with more dockerd flags.
func startPrivateEngineWith(t *testing.T, liveRestore bool, flags ...string) *privateEngine {
	t.Helper()
	testenv.RequireRoot(t)
	requirePodEnv(t)
	for _, tool := range []string{"dockerd", "unshare", "nsenter", "ip"} {
		if _, err := exec.LookPath(tool); err != nil {
			testenv.Unavailable(t, "needs %s for a private dockerd: %v", tool, err)
		}
	}
	dir, err := os.MkdirTemp("/tmp", "podinit-dockerd-")
	require.NoError(t, err)
	e := &privateEngine{t: t, dir: dir, liveRestore: liveRestore, flags: flags}
	e.holder = exec.Command("unshare", "--net", "--mount", "--uts", "--propagation", "private", "--", "sleep", "3600")
	require.NoError(t, e.holder.Start())
	t.Cleanup(e.cleanup)
	setup := `set -e
mkdir -p "$1/cg"
mount --rbind /sys/fs/cgroup "$1/cg"
mount -t sysfs sysfs /sys
mount --rbind "$1/cg" /sys/fs/cgroup
ip link set lo up`
	// Until unshare has made them, the holder is in this test's own
	// namespaces: nothing may be mounted before.
	testenv.WaitFor(t, 5*time.Second, func() bool { return e.ownNamespaces() }, "the private namespaces")
	out, err := e.nsenter("sh", "-c", setup, "setup", dir).CombinedOutput()
	require.NoError(t, err, "%s", out)
	e.start()
	e.checkVersion()
	save := exec.Command("sh", "-c", "docker save "+podImage+" "+bbox+" | DOCKER_HOST="+e.host()+" docker load -q")
	out, err = save.CombinedOutput()
	require.NoError(t, err, "%s", out)
	e.front = startIdleProxy(t, 0, e.socket())
	return e
}

// ownNamespaces reports whether the holder's mount and network namespaces
// are no longer the test's.
func (e *privateEngine) ownNamespaces() bool {
	for _, ns := range []string{"mnt", "net"} {
		theirs, err1 := os.Readlink(fmt.Sprintf("/proc/%d/ns/%s", e.holder.Process.Pid, ns))
		ours, err2 := os.Readlink("/proc/self/ns/" + ns)
		if err1 != nil || err2 != nil || theirs == ours {
			return false
		}
	}
	return true
}

// mountedUnder reports whether this test's mount namespace has anything
// mounted under dir (then it must not be removed: a bind of the cgroup tree
// would lose its empty cgroups).
func mountedUnder(dir string) bool {
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return true
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) > 4 && (f[4] == dir || strings.HasPrefix(f[4], dir+"/")) {
			return true
		}
	}
	return false
}

func (e *privateEngine) nsenter(args ...string) *exec.Cmd {
	return exec.Command("nsenter", append([]string{"-t", strconv.Itoa(e.holder.Process.Pid), "-n", "-m", "-u", "--"}, args...)...)
}

func (e *privateEngine) socket() string { return filepath.Join(e.dir, "docker.sock") }
func (e *privateEngine) host() string   { return "unix://" + e.socket() }

// docker runs the docker CLI against the private engine.
func (e *privateEngine) docker(args ...string) (string, error) {
	cmd := exec.Command("docker", args...)
	cmd.Env = append(os.Environ(), "DOCKER_HOST="+e.host())
	out, err := cmd.CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

func (e *privateEngine) mustDocker(args ...string) string {
	e.t.Helper()
	out, err := e.docker(args...)
	require.NoError(e.t, err, "docker %s: %s", strings.Join(args, " "), out)
	return out
}

// dockerdRoot is PODINIT_TEST_DOCKERD_ROOT: a root file system tree (as
// scripts/engine.sh unpacks Docker 28.5 into) whose usr/bin and usr/sbin
// come first on the private dockerd's PATH, so that dockerd, containerd and
// the shim are that engine's. Unset, they are the machine's.
var dockerdRoot = os.Getenv("PODINIT_TEST_DOCKERD_ROOT")

// dockerdArgs is PODINIT_TEST_DOCKERD_ARGS: more flags for the private
// dockerd, so that it is configured as the engine under test (the
// 28-containerd stage: its containerd image store).
var dockerdArgs = strings.Fields(os.Getenv("PODINIT_TEST_DOCKERD_ARGS"))

func (e *privateEngine) start() {
	e.t.Helper()
	// --debug: the engine's own SIGKILLs are logged at debug level only.
	args := []string{"dockerd", "--debug", "--data-root", filepath.Join(e.dir, "data"), "--exec-root", filepath.Join(e.dir, "exec"),
		"--pidfile", filepath.Join(e.dir, "dockerd.pid"), "-H", e.host(), "--iptables=false", "--ip-masq=false"}
	if e.liveRestore {
		args = append(args, "--live-restore")
	}
	args = append(append(args, dockerdArgs...), e.flags...)
	log, err := os.OpenFile(e.logFile(), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	require.NoError(e.t, err)
	defer log.Close()
	e.dockerd = e.nsenter(args...)
	if dockerdRoot != "" {
		path := filepath.Join(dockerdRoot, "usr/bin") + ":" + filepath.Join(dockerdRoot, "usr/sbin") + ":" + os.Getenv("PATH")
		e.dockerd.Env = append(os.Environ(), "PATH="+path)
	}
	e.dockerd.Stdout, e.dockerd.Stderr = log, log
	require.NoError(e.t, e.dockerd.Start())
	testenv.WaitFor(e.t, 60*time.Second, func() bool { _, err := e.docker("info"); return err == nil }, "the private dockerd to answer")
}

func (e *privateEngine) logFile() string { return filepath.Join(e.dir, "dockerd.log") }

// version is the private engine's (Docker's ServerVersion).
func (e *privateEngine) version() string {
	e.t.Helper()
	return e.mustDocker("version", "-f", "{{.Server.Version}}")
}

// checkVersion makes sure that the private engine is the one under test:
// the suite on Docker 28.5 must restart a 28.5 dockerd, not the machine's.
func (e *privateEngine) checkVersion() {
	e.t.Helper()
	ours, theirs := e.version(), testenv.MustDocker(e.t, "version", "-f", "{{.Server.Version}}")
	major := func(v string) string { m, _, _ := strings.Cut(v, "."); return m }
	if major(ours) != major(theirs) {
		testenv.Unavailable(e.t, "the private dockerd is %s but the engine under test is %s: set PODINIT_TEST_DOCKERD_ROOT to that engine's root (scripts/test.sh does)", ours, theirs)
	}
}

// keepsAutoRemoveOnRestore reports whether the engine leaves running
// auto-remove containers alone when it restarts with live-restore; where it
// does not, podinit makes its containers without auto-remove.
func (e *privateEngine) keepsAutoRemoveOnRestore() bool {
	return !plan.RestoreKillsAutoRemove(e.version())
}

// stop stops the private dockerd as a service manager would (SIGTERM) and
// waits for it.
func (e *privateEngine) stop() {
	e.t.Helper()
	if e.dockerd == nil {
		return
	}
	require.NoError(e.t, e.dockerd.Process.Signal(syscall.SIGTERM))
	e.dockerd.Wait()
	e.dockerd = nil
}

func (e *privateEngine) cleanup() {
	if e.dockerd != nil {
		if ids, err := e.docker("ps", "-aq"); err == nil && ids != "" {
			e.docker(append([]string{"rm", "-f"}, strings.Fields(ids)...)...)
		}
		e.dockerd.Process.Signal(syscall.SIGTERM)
		e.dockerd.Wait()
	}
	// With live-restore the engine's containerd outlives it.
	if b, err := os.ReadFile(filepath.Join(e.dir, "exec", "containerd", "containerd.pid")); err == nil {
		if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil {
			syscall.Kill(pid, syscall.SIGTERM)
		}
	}
	if e.holder.Process != nil {
		e.holder.Process.Kill()
		e.holder.Wait()
	}
	if e.t.Failed() {
		b, _ := os.ReadFile(e.logFile())
		e.t.Logf("private dockerd log (tail):\n%s", tail(string(b), 30))
	}
	if mountedUnder(e.dir) {
		e.t.Errorf("something is mounted under %s in the test's own mount namespace: left in place", e.dir)
		return
	}
	os.RemoveAll(e.dir)
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// runPod starts a controller on the private engine.
func (e *privateEngine) runPod(name string, labels map[string]string, flags ...string) {
	e.t.Helper()
	args := []string{"run", "-d", "--name", name, "-v", e.front.socket + ":/var/run/docker.sock"}
	for k, v := range labels {
		args = append(args, "--label", k+"="+v)
	}
	args = append(append(args, podImage), flags...)
	e.mustDocker(args...)
	e.t.Cleanup(func() {
		if e.t.Failed() {
			out, _ := e.docker("logs", name)
			e.t.Logf("controller %s logs:\n%s", name, out)
		}
	})
}

func (e *privateEngine) running(names ...string) {
	e.t.Helper()
	testenv.WaitFor(e.t, 60*time.Second, func() bool {
		for _, n := range names {
			if out, err := e.docker("inspect", "-f", "{{.State.Running}}", n); err != nil || out != "true" {
				return false
			}
		}
		return true
	}, "%v to run on the private engine", names)
}

func (e *privateEngine) exitCode(name string, timeout time.Duration) int {
	e.t.Helper()
	var code int
	testenv.WaitFor(e.t, timeout, func() bool {
		out, err := e.docker("inspect", "-f", "{{.State.Running}} {{.State.ExitCode}}", name)
		running, c, _ := strings.Cut(out, " ")
		code, _ = strconv.Atoi(c)
		return err == nil && running == "false"
	}, "%s to exit", name)
	return code
}

func (e *privateEngine) noneLeft(pod string) {
	e.t.Helper()
	testenv.WaitFor(e.t, 30*time.Second, func() bool {
		out, _ := e.docker("ps", "-aq", "--filter", "label=podinit.pod="+pod)
		return out == ""
	}, "no container of %s left", pod)
}

var restartPod = map[string]string{"pod.component.app": "image: " + bbox + "\ncommand: [\"sh\", \"-c\", \"trap 'exit 0' TERM; while true; do sleep 0.2; done\"]"}

func TestEngineRestartWithoutLiveRestoreStopsThePodCleanly(t *testing.T) {
	t.Parallel()
	e := startPrivateEngine(t, false)
	e.runPod("rs-off", restartPod, "-stop-budget", "5s")
	e.running("rs-off", "rs-off.app")
	// Without live-restore no engine keeps containers across its restart:
	// auto-remove, whatever the version.
	require.Equal(t, "true", e.mustDocker("inspect", "-f", "{{.HostConfig.AutoRemove}}", "rs-off.app"))
	// Without live-restore the engine stops every container as it stops:
	// the controller gets SIGTERM like any stop, and stops its pod.
	e.stop()
	e.start()
	require.Equal(t, 0, e.exitCode("rs-off", 30*time.Second))
	logs := e.mustDocker("logs", "rs-off")
	require.Contains(t, logs, "ended: received SIGTERM; exit 0")
	e.noneLeft("rs-off")
}

// With live-restore the engine's containers outlive it, and so does the
// pod: the same component processes go on, the controller's waits and
// event stream are made again, and the pod then stops as any pod, within
// its budget, leaving nothing. With and without the IPC holder. An engine
// before 24.0.8 kills and removes auto-remove containers as it restores
// them (moby/moby#46308): there podinit makes them without auto-remove and
// removes them itself.
func TestEngineRestartWithLiveRestoreFollowsTheEngine(t *testing.T) {
	t.Parallel()
	for _, holder := range []bool{false, true} {
		name := map[bool]string{false: "ipc=false", true: "with the IPC holder"}[holder]
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			liveRestoreRestart(t, holder)
		})
	}
}

func liveRestoreRestart(t *testing.T, holder bool) {
	e := startPrivateEngine(t, true)
	podName, flags, members := "rs-on", []string{"-stop-budget", "5s", "-ipc=false"}, []string{"app"}
	if holder {
		podName, flags, members = "rs-on-ipc", []string{"-stop-budget", "5s"}, []string{"app", "ipc-holder"}
	}
	e.runPod(podName, restartPod, flags...)
	e.running(podName, podName+".app")
	autoRemove := strconv.FormatBool(e.keepsAutoRemoveOnRestore())
	ids := map[string]string{}
	procs := map[string]process{}
	for _, m := range members {
		e.running(podName + "." + m)
		ids[m] = e.mustDocker("inspect", "-f", "{{.Id}}", podName+"."+m)
		procs[m] = processOf(t, e.mustDocker("inspect", "-f", "{{.State.Pid}}", podName+"."+m))
		require.Equal(t, autoRemove, e.mustDocker("inspect", "-f", "{{.HostConfig.AutoRemove}}", podName+"."+m), "%s's auto-remove", m)
	}
	if autoRemove == "false" {
		require.Contains(t, e.mustDocker("logs", podName), "with live-restore kills auto-remove containers as it restarts (moby/moby#46308): podinit removes the pod's containers itself")
	}
	ctrl := processOf(t, e.mustDocker("inspect", "-f", "{{.State.Pid}}", podName))
	e.stop()
	for m, p := range procs {
		require.True(t, p.alive(), "with live-restore %s outlives its engine", m)
	}
	require.True(t, ctrl.alive(), "with live-restore the controller outlives its engine")
	time.Sleep(3 * time.Second) // the engine is gone
	e.start()
	// Past the longest delay before the controller asks again (5s), so
	// that the stop below is served by the waits and event stream made anew.
	time.Sleep(6 * time.Second)
	for m, p := range procs {
		require.True(t, p.alive(), "%s's process %d survives the engine's restart", m, p.pid)
		require.Equal(t, ids[m], e.mustDocker("inspect", "-f", "{{if .State.Running}}{{.Id}}{{end}}", podName+"."+m))
		require.Equal(t, strconv.Itoa(p.pid), e.mustDocker("inspect", "-f", "{{.State.Pid}}", podName+"."+m))
	}
	require.True(t, ctrl.alive(), "the controller's process %d survives the engine's restart", ctrl.pid)
	logs := e.mustDocker("logs", podName)
	require.Contains(t, logs, "the wait for app", "the controller saw its wait break")
	require.NotContains(t, logs, "exited with")
	e.mustDocker("stop", "-t", "5", podName)
	require.Equal(t, 0, e.exitCode(podName, 10*time.Second))
	logs = e.mustDocker("logs", podName)
	// On podinit's own clock: the CLI's and the engine's time around it
	// are not the pod's.
	require.Less(t, stopTook(t, logs), 5*time.Second, "the stop takes less than the pod's budget")
	require.Contains(t, logs, "ended: received SIGTERM; exit 0")
	e.noneLeft(podName)
}

// process is a host process, known by its pid and start time, so that a
// recycled pid is not taken for the same process.
type process struct {
	pid   int
	start string
}

func processOf(t *testing.T, pid string) process {
	t.Helper()
	n, err := strconv.Atoi(pid)
	require.NoError(t, err, "pid %q", pid)
	p := process{pid: n, start: startTime(n)}
	require.NotEmpty(t, p.start, "process %d", n)
	return p
}

func (p process) alive() bool { return startTime(p.pid) == p.start }

// startTime is field 22 of /proc/<pid>/stat, "" when there is no such
// process (or it is a zombie's).
func startTime(pid int) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return ""
	}
	// The command name, field 2, is in parentheses and may hold spaces.
	_, rest, ok := strings.Cut(string(b), ") ")
	f := strings.Fields(rest)
	if !ok || len(f) < 20 || f[0] == "Z" {
		return ""
	}
	return f[19]
}

// The component dies while the engine is gone: once the engine is back, the
// engine says it is gone, and the pod ends. The restarted engine removes the
// auto-remove container without a die event, so its code is unknown: 255,
// with a reason that says so.
func TestEngineRestartWithAComponentDeadMeanwhile(t *testing.T) {
	t.Parallel()
	e := startPrivateEngine(t, true)
	e.runPod("rs-dead", restartPod, "-stop-budget", "5s", "-ipc=false")
	e.running("rs-dead", "rs-dead.app")
	pid, err := strconv.Atoi(e.mustDocker("inspect", "-f", "{{.State.Pid}}", "rs-dead.app"))
	require.NoError(t, err)
	e.stop()
	require.NoError(t, syscall.Kill(pid, syscall.SIGKILL))
	time.Sleep(2 * time.Second)
	e.start()
	code := e.exitCode("rs-dead", 60*time.Second)
	logs := e.mustDocker("logs", "rs-dead")
	if code == 255 {
		require.Contains(t, logs, "ended: main app ended; the engine did not report its exit code; exit 255")
	} else {
		require.Equal(t, 137, code, "the engine's own code for the SIGKILL")
		require.Contains(t, logs, "main component app exited with 137")
	}
	e.noneLeft("rs-dead")
}

// Under -logs, what a component writes while its attach is being made again
// is not shown in the controller's output: the engine reads it from the
// component's pipe as soon as it is back, into the component's own log,
// before the controller has attached again. This measures that loss for a
// component printing a counter every 10 ms across an engine restart with
// live-restore: one gap, at the restart, and nothing shown twice or out of
// order; the missing lines are in the engine's log of the component.
func TestEngineRestartWithLiveRestoreLosesOutputWhileReattaching(t *testing.T) {
	t.Parallel()
	e := startPrivateEngine(t, true)
	counter := map[string]string{"pod.component.app": "image: " + bbox +
		"\ncommand: [\"sh\", \"-c\", \"trap 'exit 0' TERM; i=0; while true; do echo $$i; i=$$((i+1)); usleep 10000; done\"]"}
	e.runPod("rs-logs", counter, "-stop-budget", "5s", "-ipc=false", "-logs")
	e.running("rs-logs", "rs-logs.app")
	shownNow := func() []int {
		out, _ := e.docker("logs", "rs-logs")
		return counterLines(t, out, "app | ")
	}
	testenv.WaitFor(t, 30*time.Second, func() bool { return len(shownNow()) > 0 }, "the controller to show app's output before the engine stops")
	e.stop()
	stopped := time.Now()
	time.Sleep(3 * time.Second) // the engine is gone
	e.start()
	back := time.Now()
	// However long the controller takes to attach again: until it has
	// shown more than a second of output after the gap.
	testenv.WaitFor(t, 60*time.Second, func() bool {
		n := shownNow()
		for i := 1; i < len(n); i++ {
			if n[i] != n[i-1]+1 {
				return n[len(n)-1] > n[i]+100
			}
		}
		return false
	}, "the controller to attach again and show app's output after the engine's restart")
	own := counterLines(t, e.mustDocker("logs", "rs-logs.app"), "")
	e.mustDocker("stop", "-t", "5", "rs-logs")
	require.Equal(t, 0, e.exitCode("rs-logs", 10*time.Second))
	shown := counterLines(t, e.mustDocker("logs", "rs-logs"), "app | ")
	e.noneLeft("rs-logs")

	require.NotEmpty(t, shown)
	require.Equal(t, 0, shown[0], "the output is shown from its first line")
	var gaps [][2]int
	for i := 1; i < len(shown); i++ {
		require.Greater(t, shown[i], shown[i-1], "line %d shown after %d: twice or out of order", shown[i], shown[i-1])
		if shown[i] != shown[i-1]+1 {
			gaps = append(gaps, [2]int{shown[i-1] + 1, shown[i] - 1})
		}
	}
	require.Len(t, gaps, 1, "one gap, at the restart: %v", gaps)
	lost := gaps[0][1] - gaps[0][0] + 1
	t.Logf("shown %d lines (%d..%d); lost %d (%d..%d), %s of output or more, for an engine that answered again %s after it stopped",
		len(shown), shown[0], shown[len(shown)-1], lost, gaps[0][0], gaps[0][1],
		time.Duration(lost)*10*time.Millisecond, back.Sub(stopped).Round(time.Millisecond))
	require.Greater(t, shown[len(shown)-1], gaps[0][1]+100, "the output goes on after the restart")
	// What app wrote while the engine was away is in the engine's own log
	// of app. The gap's first lines are not always: an engine that stops
	// may drop the lines it was copying at that moment (once, on the
	// containerd image store, the first line of the gap).
	require.Contains(t, own, gaps[0][1], "the engine's own log of app has the lines the controller lost")
}

// counterLines reads the numbers of a counter's output lines that start
// with prefix.
func counterLines(t *testing.T, out, prefix string) []int {
	t.Helper()
	var n []int
	for _, line := range strings.Split(out, "\n") {
		rest, ok := strings.CutPrefix(line, prefix)
		if !ok {
			continue
		}
		if i, err := strconv.Atoi(strings.TrimSpace(rest)); err == nil {
			n = append(n, i)
		}
	}
	return n
}

// On a live-restore engine a pod's containers come and go as on any other:
// a component that fails is restarted under its policy, each of its ended
// containers removed (by podinit where the engine's restore would kill
// auto-remove containers), and the pod ends with its code, leaving nothing.
func TestLiveRestoreEngineRestartsAndRemovesComponents(t *testing.T) {
	t.Parallel()
	e := startPrivateEngine(t, true)
	e.runPod("lr-fail", map[string]string{
		"pod.component.side": "image: " + bbox + "\ncommand: [\"sleep\", \"600\"]",
		"pod.component.app":  "image: " + bbox + "\ncommand: [\"sh\", \"-c\", \"sleep 0.3; exit 3\"]\nrestart: on-failure:2",
	}, "-stop-budget", "5s")
	require.Equal(t, 3, e.exitCode("lr-fail", 60*time.Second))
	logs := e.mustDocker("logs", "lr-fail")
	require.Equal(t, 2, strings.Count(logs, "app exited with 3; restarting in"), "%s", logs)
	require.Contains(t, logs, "ended: main component app exited with 3; exit 3")
	require.Equal(t, !e.keepsAutoRemoveOnRestore(), strings.Contains(logs, "podinit removes the pod's containers itself"))
	e.noneLeft("lr-fail")
}
