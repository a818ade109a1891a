package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/podinit/podinit/healthprobe"
	"github.com/podinit/podinit/internal/testenv"
)

// Supervision as a user sees it: signals to the pod, orphans, the stop
// budget, health, limits, sidecars, jobs and restarts, on the real engine.

// catcher is a component that records every HUP and USR1 it gets in a file
// on a shared volume, named after the component.
func catcher(name, vol, extra string) string {
	return fmt.Sprintf(`
image: %s
volumes: ["%s:/shared"]
command: ["sh", "-c", "trap 'echo HUP >> /shared/%[3]s' HUP; trap 'echo USR1 >> /shared/%[3]s' USR1; trap 'exit 0' TERM; touch /shared/%[3]s.up; while true; do sleep 0.1; done"]
%s`, bbox, vol, name, extra)
}

func TestSignalsToTheControllerReachTheComponents(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{"shared-pid", "engine"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			vol := volume(t)
			var flags []string
			if mode == "engine" {
				flags = []string{"-pids=false"}
			}
			p := runPod(t, map[string]string{
				"pod.component.app":   catcher("app", vol, ""),
				"pod.component.proxy": catcher("proxy", vol, "x-podinit: {signals: [USR1]}"),
			}, ownVolume(vol), flags...)
			p.running("app", "proxy")
			testenv.WaitFor(t, 10*time.Second, func() bool {
				return readVolume(t, vol, "app.up") == "" && readVolume(t, vol, "proxy.up") == ""
			}, "the traps to be set")
			// cat of an empty file prints nothing; a missing one errors.
			_, err := testenv.Docker("run", "--rm", "-v", vol+":/v", bbox, "test", "-f", "/v/proxy.up")
			require.NoError(t, err)

			testenv.MustDocker(t, "kill", "-s", "HUP", p.name)
			testenv.WaitFor(t, 10*time.Second, func() bool { return readVolume(t, vol, "app") == "HUP" }, "app to get HUP")
			testenv.MustDocker(t, "kill", "-s", "USR1", p.name)
			testenv.WaitFor(t, 10*time.Second, func() bool {
				return readVolume(t, vol, "app") == "HUP\nUSR1" && readVolume(t, vol, "proxy") == "USR1"
			}, "app and proxy to get USR1 (app %q, proxy %q)", readVolume(t, vol, "app"), readVolume(t, vol, "proxy"))
			// The controller keeps running, and proxy never saw HUP.
			require.Equal(t, "true", testenv.MustDocker(t, "inspect", "-f", "{{.State.Running}}", p.name))
			require.Equal(t, "USR1", readVolume(t, vol, "proxy"))
		})
	}
}

// zombies counts the zombie processes in the pod's PID namespace, as seen
// from inside a component.
func zombies(t *testing.T, container string) int {
	out, err := testenv.Docker("exec", container, "sh", "-c", "grep -l '^State:.*Z' /proc/[0-9]*/status 2>/dev/null | wc -l")
	require.NoError(t, err, out)
	n, err := strconv.Atoi(strings.TrimSpace(out))
	require.NoError(t, err, out)
	return n
}

func TestOrphansOfComponentsAreReaped(t *testing.T) {
	t.Parallel()
	// Each `(sleep 0.2 &)` leaves an orphan that re-parents to the pod's
	// PID 1: podinit. 1,000 of them must leave no zombie.
	p := runPod(t, map[string]string{
		"pod.component.app": "image: " + bbox + `
command: ["sh", "-c", "i=0; while [ $i -lt 1000 ]; do (sleep 0.2 &); i=$((i+1)); done; touch /tmp/done; sleep 3600"]`,
	}, nil)
	p.running("app")
	testenv.WaitFor(t, 60*time.Second, func() bool {
		_, err := testenv.Docker("exec", p.name+".app", "test", "-f", "/tmp/done")
		return err == nil
	}, "1,000 orphans to be made")
	testenv.WaitFor(t, 10*time.Second, func() bool { return zombies(t, p.name+".app") == 0 }, "no zombie left (zombies: %d)", zombies(t, p.name+".app"))
}

// status asks the controller for `podinit status`.
func status(t *testing.T, p *testPod) healthprobe.Status {
	t.Helper()
	out := testenv.MustDocker(t, "exec", p.name, "/podinit", "status")
	var st healthprobe.Status
	require.NoError(t, json.Unmarshal([]byte(out), &st), out)
	return st
}

func component(st healthprobe.Status, name string) healthprobe.Component {
	for _, c := range st.Components {
		if c.Name == name {
			return c
		}
	}
	return healthprobe.Component{}
}

// stubbornPod runs three components against a stop budget of 6s: quick
// stops on TERM; own ignores it and gets SIGKILL at its own grace (2s);
// long ignores it with a grace longer than the budget and gets SIGKILL at
// the pod's deadline (budget 6s - margin 1s).
func stubbornPod(t *testing.T) *testPod {
	stubborn := func(grace string) string {
		return "image: " + bbox + "\nstop_grace_period: " + grace + "\ncommand: [\"sh\", \"-c\", \"trap '' TERM; while true; do sleep 0.1; done\"]"
	}
	p := runPod(t, map[string]string{
		"pod.component.quick": "image: " + bbox + "\ncommand: [\"sh\", \"-c\", \"trap 'exit 0' TERM; while true; do sleep 0.1; done\"]",
		"pod.component.own":   stubborn("2s"),
		"pod.component.long":  stubborn("30s"),
	}, nil, "-stop-budget", "6s")
	p.running("quick", "own", "long")
	// Running is the engine's word; the shells' traps are set a moment
	// later, and a TERM before them would end own and long at once.
	testenv.WaitFor(t, 30*time.Second, func() bool {
		return handles(hostPid(t, p.name+".quick"), syscall.SIGTERM) &&
			handles(hostPid(t, p.name+".own"), syscall.SIGTERM) &&
			handles(hostPid(t, p.name+".long"), syscall.SIGTERM)
	}, "the traps to be set")
	return p
}

// stopTook is the time from SIGTERM received to the pod ended, from
// podinit's own clock: the CLI and the engine add their own time around it.
func stopTook(t *testing.T, logs string) time.Duration {
	return logSpan(t, logs, `received SIGTERM`, `pod \S+ ended`)
}

// logSpan is the time from podinit's first log line matching from to its
// first one matching to, by podinit's clock (across midnight too).
func logSpan(t *testing.T, logs, from, to string) time.Duration {
	const day = 24 * time.Hour
	return (logStamp(t, logs, to).Sub(logStamp(t, logs, from))%day + day) % day
}

// stubbornKills checks the SIGKILLs of stubbornPod's stop (a 6s budget,
// the default 1s margin) against the design's bounds: own's at its 2s
// stop_grace_period after its own stop signal or later, long's at the
// pod's deadline (5s after the stop request) or later, both before the
// budget's end. How late a loaded machine runs them is not the design's
// to promise.
func stubbornKills(t *testing.T, logs string) {
	t.Helper()
	own := regexp.MustCompile(`own: SIGKILL after (\S+) \(its stop_grace_period\)`).FindStringSubmatch(logs)
	require.NotNil(t, own, "no SIGKILL of own at its stop_grace_period in:\n%s", logs)
	after, err := time.ParseDuration(own[1])
	require.NoError(t, err)
	require.GreaterOrEqual(t, after, 2*time.Second, "own's SIGKILL before its stop_grace_period")
	require.Less(t, logSpan(t, logs, `received SIGTERM`, `own: SIGKILL after`), 6*time.Second, "own's SIGKILL past the stop budget's end")
	long := logSpan(t, logs, `received SIGTERM`, `long: SIGKILL after \S+ \(the pod's stop deadline\)`)
	require.GreaterOrEqual(t, long, 5*time.Second, "long's SIGKILL before the pod's stop deadline")
	require.Less(t, long, 6*time.Second, "long's SIGKILL past the stop budget's end")
}

// logStamp is the time of day of podinit's first log line matching re.
func logStamp(t *testing.T, logs, re string) time.Time {
	m := regexp.MustCompile(`podinit: (\d\d:\d\d:\d\d\.\d+) ` + re).FindStringSubmatch(logs)
	require.NotNil(t, m, "no log line %q in:\n%s", re, logs)
	at, err := time.Parse("15:04:05.000000", m[1])
	require.NoError(t, err)
	return at
}

func TestStopBudgetKillsStubbornComponentsInTime(t *testing.T) {
	p := stubbornPod(t)
	testenv.MustDocker(t, "stop", "-t", "6", p.name)
	// Docker's SIGKILL at 6s would make it 137.
	require.Equal(t, 0, p.exitCode(5*time.Second), "a requested stop that completes in its budget is success")
	logs := p.logs()
	require.Less(t, stopTook(t, logs), 6*time.Second, "podinit exits inside its budget, before Docker's SIGKILL")
	require.Contains(t, logs, "quick stopped in")
	stubbornKills(t, logs)
	require.Contains(t, logs, "own killed (SIGKILL) in")
	require.Contains(t, logs, "more than the pod's stop budget") // the plan warned that long's grace cannot fit
	p.noneLeft()
}

// The TestEngineStall tests pause dockerd itself; `make test` runs them
// alone, after every other test, which would otherwise see the engine stall.

// A busy engine can take seconds over one call. Here it takes none at all,
// from just after the stop signal until the pod is gone: the pod still
// stops in its budget, since podinit signals the components straight
// through their pidfds and bounds every wait for the engine.
func TestEngineStallStopKeepsItsBudget(t *testing.T) {
	dockerd := dockerdPid(t)
	p := stubbornPod(t)
	ids := strings.Fields(testenv.MustDocker(t, "ps", "-q", "--no-trunc", "--filter", "label=podinit.pod="+p.name))
	ctrl := testenv.MustDocker(t, "inspect", "-f", "{{.Id}}", p.name)
	ids = append(ids, ctrl)
	testenv.MustDocker(t, "kill", "-s", "TERM", p.name)
	resume := pauseEngine(t, dockerd)
	// Still paused: no process of the pod runs, podinit included, though
	// the engine had no part in the stop. Had podinit waited for the
	// engine, they would run as long as the pause.
	testenv.WaitFor(t, 60*time.Second, func() bool { return len(processesOf(ids)) == 0 }, "the pod's processes to end with the engine paused")
	resume()

	require.Equal(t, 0, p.exitCode(10*time.Second))
	logs := p.logs()
	// Inside the budget, give or take a busy machine's scheduling.
	require.Less(t, stopTook(t, logs), 6500*time.Millisecond, "podinit exits inside its budget while the engine is paused")
	stubbornKills(t, logs)
	p.noneLeft()
}

// A stop that comes while podinit waits for the engine to create a
// component (here the restart of a crashed one, with the engine paused)
// abandons the call at the stop deadline: the pod still stops in its
// budget. The controller's engine is a proxy that holds the restart's
// create, so that the stop is sure to find it waiting: the engine itself
// is paused from then on.
func TestEngineStallDuringAStartStopKeepsItsBudget(t *testing.T) {
	dockerd := dockerdPid(t)
	proxy := startIdleProxy(t, 0, "/var/run/docker.sock")
	proxy.holdRecreate("app")
	p := runPodOn(t, proxy.socket, map[string]string{
		"pod.component.app": "image: " + bbox + "\ncommand: [\"sh\", \"-c\", \"sleep 1; exit 1\"]\nrestart: on-failure",
	}, nil, "-stop-budget", "4s")
	ctrl := testenv.MustDocker(t, "inspect", "-f", "{{.Id}}", p.name)
	pid := hostPid(t, p.name)
	testenv.WaitFor(t, 60*time.Second, func() bool { return proxy.held.Load() > 0 }, "app to crash and podinit to create it again")

	resume := pauseEngine(t, dockerd)
	require.NoError(t, syscall.Kill(pid, syscall.SIGTERM))
	// Had podinit waited for the create, the pod would run as long as the
	// pause.
	testenv.WaitFor(t, 60*time.Second, func() bool { return len(processesOf([]string{ctrl})) == 0 }, "the pod's processes to end with the engine paused")
	resume()

	require.Equal(t, 0, p.exitCode(10*time.Second))
	logs := p.logs()
	require.Contains(t, logs, "app: the engine did not answer by the pod's stop deadline")
	require.Less(t, stopTook(t, logs), 4*time.Second, "podinit exits inside its 4s budget")
}

// Without a shared PID namespace signals go through the engine. A HUP for
// the components must not hold up the TERM that follows it while the engine
// does not answer: the stop starts at once.
func TestEngineStallSignalsDoNotWait(t *testing.T) {
	dockerd := dockerdPid(t)
	vol := volume(t)
	p := runPod(t, map[string]string{"pod.component.app": catcher("app", vol, "")}, ownVolume(vol), "-pids=false")
	p.running("app")
	pid := hostPid(t, p.name)

	resume := pauseEngine(t, dockerd)
	require.NoError(t, syscall.Kill(pid, syscall.SIGHUP))
	time.Sleep(100 * time.Millisecond) // the HUP first (sent together, either may come first)
	sent := time.Now().UTC()
	require.NoError(t, syscall.Kill(pid, syscall.SIGTERM))
	// A TERM held up behind the HUP would be handled only once the engine
	// answers again, at least hold after it was sent.
	const hold = 5 * time.Second
	time.Sleep(hold)
	resume()

	p.exitCode(30 * time.Second)
	logs := p.logs()
	got := logStamp(t, logs, `received SIGTERM`)
	day := 24 * time.Hour
	sentOfDay := sent.Sub(sent.Truncate(day))
	late := ((got.Sub(got.Truncate(day))-sentOfDay)%day + day) % day
	require.Less(t, late, hold, "TERM handled %s after it was sent, behind a HUP waiting for the paused engine", late)
}

// dockerdPid is the pid of the engine's dockerd on this host, for tests
// that pause it: the one in this process's mount namespace, where
// /var/run/docker.sock is its socket (engines of the multi-node lab or of
// scripts/engine.sh's private runs live in namespaces of their own).
func dockerdPid(t *testing.T) string {
	out, err := exec.Command("pidof", "dockerd").Output()
	if err != nil {
		testenv.Unavailable(t, "needs the engine's dockerd process on this host to pause it: %v", err)
	}
	self, _ := os.Readlink("/proc/self/ns/mnt")
	var found []string
	for _, pid := range strings.Fields(string(out)) {
		if ns, _ := os.Readlink("/proc/" + pid + "/ns/mnt"); ns == self {
			found = append(found, pid)
		}
	}
	if len(found) != 1 {
		testenv.Unavailable(t, "needs exactly one dockerd in this mount namespace to pause it; found %v (all: %s)", found, strings.TrimSpace(string(out)))
	}
	return found[0]
}

// pauseEngine pauses dockerd from a separate process, which resumes it
// when resume is called, at the test's end, or when this test process
// ends, whatever this test does. It returns once dockerd is stopped.
func pauseEngine(t *testing.T, dockerd string) (resume func()) {
	stall := exec.Command("sh", "-c", `kill -STOP "$1"; read _; kill -CONT "$1"`, "sh", dockerd)
	hold, err := stall.StdinPipe()
	require.NoError(t, err)
	require.NoError(t, stall.Start())
	var once sync.Once
	resume = func() {
		once.Do(func() {
			hold.Close()
			stall.Wait()
		})
	}
	t.Cleanup(resume)
	testenv.WaitFor(t, 10*time.Second, func() bool {
		b, err := os.ReadFile("/proc/" + dockerd + "/stat")
		// The state follows the command, which is in parentheses.
		_, rest, ok := strings.Cut(string(b), ") ")
		return err == nil && ok && strings.HasPrefix(rest, "T")
	}, "dockerd %s to stop", dockerd)
	return resume
}

// hostPid is the host pid of a container's first process.
func hostPid(t *testing.T, container string) int {
	var pid int
	_, err := fmt.Sscan(testenv.MustDocker(t, "inspect", "-f", "{{.State.Pid}}", container), &pid)
	require.NoError(t, err)
	return pid
}

// handles reports whether process pid catches or ignores sig, from
// /proc/<pid>/status: whether a shell's trap for it is set.
func handles(pid int, sig syscall.Signal) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return false
	}
	for _, line := range strings.Split(string(b), "\n") {
		for _, field := range []string{"SigCgt:\t", "SigIgn:\t"} {
			if hex, ok := strings.CutPrefix(line, field); ok {
				if mask, err := strconv.ParseUint(hex, 16, 64); err == nil && mask&(1<<(uint(sig)-1)) != 0 {
					return true
				}
			}
		}
	}
	return false
}

// processesOf lists the host's processes that run in the cgroup of one of
// the containers ids, as "pid: cgroup line".
func processesOf(ids []string) []string {
	var found []string
	cgs, _ := filepath.Glob("/proc/[0-9]*/cgroup")
	for _, f := range cgs {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		for _, id := range ids {
			if strings.Contains(string(b), id) {
				found = append(found, f+": "+strings.SplitN(string(b), "\n", 2)[0])
				break
			}
		}
	}
	return found
}

func TestHealthFollowsTheComponents(t *testing.T) {
	t.Parallel()
	p := runPod(t, map[string]string{
		"pod.component.app": "image: " + bbox + `
command: ["sh", "-c", "touch /tmp/ok; sleep 3600"]
healthcheck: {test: ["CMD", "test", "-f", "/tmp/ok"], interval: 1s, retries: 1}`,
	}, []string{"--health-interval", "1s", "--health-retries", "2", "--health-start-period", "1s"})
	health := func() string {
		out, _ := testenv.Docker("inspect", "-f", "{{if .State.Health}}{{.State.Health.Status}}{{end}}", p.name)
		return out
	}
	testenv.WaitFor(t, 30*time.Second, func() bool { return health() == "healthy" }, "the controller to be healthy (is %s)", health())
	require.Equal(t, "healthy", component(status(t, p), "app").Health)

	testenv.MustDocker(t, "exec", p.name+".app", "rm", "/tmp/ok")
	testenv.WaitFor(t, 30*time.Second, func() bool { return health() == "unhealthy" }, "the controller to be unhealthy (is %s)", health())
	st := status(t, p)
	require.Equal(t, "unhealthy", st.Health)
	require.Equal(t, "unhealthy", component(st, "app").Health)

	testenv.MustDocker(t, "exec", p.name+".app", "touch", "/tmp/ok")
	testenv.WaitFor(t, 30*time.Second, func() bool { return health() == "healthy" }, "the controller to be healthy again (is %s)", health())
}

func TestComponentsOverThePodsLimitsAreRejected(t *testing.T) {
	t.Parallel()
	p := runPod(t, map[string]string{
		"pod.component.app":  "image: " + bbox + "\nmem_limit: 128m\ncommand: sleep 3600",
		"pod.component.side": "image: " + bbox + "\npids_limit: 500\ncommand: sleep 3600",
	}, []string{"--memory", "64m", "--pids-limit", "100"})
	require.Equal(t, 2, p.exitCode(30*time.Second))
	logs := p.logs()
	require.Contains(t, logs, "128MiB")
	require.Contains(t, logs, "64MiB")
	require.Contains(t, logs, "500")
	require.Contains(t, logs, "100")
	require.Empty(t, p.components())
}

func TestSidecarsStartFirstAndStopLast(t *testing.T) {
	t.Parallel()
	vol := volume(t)
	comp := func(name, role string) string {
		return fmt.Sprintf(`
image: %s
volumes: ["%s:/shared"]
x-podinit: {role: %s}
command: ["sh", "-c", "trap 'echo stop %[4]s >> /shared/log; sleep 0.5; exit 0' TERM; echo start %[4]s >> /shared/log; while true; do sleep 0.1; done"]`, bbox, vol, role, name)
	}
	p := runPod(t, map[string]string{
		"pod.component.app":   comp("app", "main"),
		"pod.component.proxy": comp("proxy", "sidecar"),
	}, ownVolume(vol))
	p.running("app", "proxy")
	// Running is the engine's word; the shells' traps are set a moment later.
	testenv.WaitFor(t, 10*time.Second, func() bool {
		log := readVolume(t, vol, "log")
		return strings.Contains(log, "start app") && strings.Contains(log, "start proxy")
	}, "the traps to be set")
	testenv.MustDocker(t, "stop", p.name)
	require.Equal(t, 0, p.exitCode(30*time.Second))
	// The start order is podinit's: which shell writes its first line
	// first, once both containers run, is the machine's.
	startedInOrder(t, p.logs(), "proxy", "app")
	// The stop order holds whatever the timing: proxy's stop begins once
	// app has exited.
	lines := strings.Split(readVolume(t, vol, "log"), "\n")
	require.Len(t, lines, 4)
	require.ElementsMatch(t, []string{"start proxy", "start app"}, lines[:2])
	require.Equal(t, []string{"stop app", "stop proxy"}, lines[2:])
}

func TestJobPodExitsZeroWhenMainComponentsComplete(t *testing.T) {
	t.Parallel()
	p := runPod(t, map[string]string{
		"pod.component.job":     "image: " + bbox + "\ncommand: [\"sh\", \"-c\", \"sleep 1; echo done\"]",
		"pod.component.shipper": "image: " + bbox + "\nx-podinit: {role: sidecar}\ncommand: [\"sh\", \"-c\", \"trap 'exit 0' TERM; while true; do sleep 0.1; done\"]",
	}, nil)
	require.Equal(t, 0, p.exitCode(60*time.Second))
	require.Contains(t, p.logs(), "every main component completed")
	p.noneLeft()
}

func TestCrashingComponentRestartsWithGrowingDelays(t *testing.T) {
	t.Parallel()
	vol := volume(t)
	p := runPod(t, map[string]string{
		"pod.component.flaky": fmt.Sprintf(`
image: %s
volumes: ["%s:/shared"]
restart: on-failure
command: ["sh", "-c", "cut -d' ' -f1 /proc/uptime >> /shared/runs; exit 3"]`, bbox, vol),
		"pod.component.steady": "image: " + bbox + "\ncommand: sleep 3600",
	}, ownVolume(vol))
	// Each run notes the host's uptime (not namespaced) in seconds.
	var runs []float64
	testenv.WaitFor(t, 60*time.Second, func() bool {
		runs = runs[:0]
		for _, f := range strings.Fields(readVolume(t, vol, "runs")) {
			if n, err := strconv.ParseFloat(f, 64); err == nil {
				runs = append(runs, n)
			}
		}
		return len(runs) >= 4
	}, "four runs of flaky")
	var gaps []time.Duration
	for i := 1; i < len(runs); i++ {
		gaps = append(gaps, time.Duration((runs[i]-runs[i-1])*float64(time.Second)))
	}
	// The backoff doubles: 1s, 2s, 4s, each on top of the engine's own
	// (noisy) time to remove, create and start the container.
	for i, min := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second} {
		require.GreaterOrEqual(t, gaps[i], min, "gap %d of %v", i, gaps)
	}
	logs := p.logs()
	for _, d := range []string{"1s", "2s", "4s"} {
		require.Contains(t, logs, "flaky exited with 3; restarting in "+d)
	}
	require.Equal(t, "true", testenv.MustDocker(t, "inspect", "-f", "{{.State.Running}}", p.name), "a restarting component does not end the pod")
	c := component(status(t, p), "flaky")
	require.GreaterOrEqual(t, c.Restarts, 3)
	require.NotNil(t, c.LastExit)
	require.Equal(t, 3, *c.LastExit)
}
