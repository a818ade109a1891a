package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/podinit/podinit/internal/testenv"
)

// These tests run controllers from the podinit:dev image on the real engine
// (`make test` builds it) and look at the pod only from outside, as a user
// would: docker inspect, docker logs, files on shared volumes.

var podImage = testenv.PodImage

const bbox = testenv.Busybox

var podSeq atomic.Int64

func requirePodEnv(t *testing.T) {
	t.Helper()
	testenv.RequireImage(t, podImage)
	testenv.RequireImage(t, bbox)
}

// uniqueName gives each pod (and volume) of a test run its own name.
func uniqueName(t *testing.T, what string) string {
	return fmt.Sprintf("pt-%s-%d-%d", what, os.Getpid(), podSeq.Add(1))
}

// testPod is a controller container under test.
type testPod struct {
	t    *testing.T
	name string
}

// runPod starts a controller with the given labels and extra `docker run`
// arguments (before the image) and podinit flags (after it). Cleanup removes
// the controller and anything labelled as part of its pod.
func runPod(t *testing.T, labels map[string]string, dockerArgs []string, flags ...string) *testPod {
	t.Helper()
	return runPodOn(t, "/var/run/docker.sock", labels, dockerArgs, flags...)
}

// runPodOn is runPod with another engine socket of the host mounted as the
// controller's /var/run/docker.sock.
func runPodOn(t *testing.T, socket string, labels map[string]string, dockerArgs []string, flags ...string) *testPod {
	t.Helper()
	return runPodFrom(t, socket, podImage, labels, dockerArgs, flags...)
}

// runPodFrom is runPodOn with the controller made from image (a name or an
// ID) instead of podImage.
func runPodFrom(t *testing.T, socket, image string, labels map[string]string, dockerArgs []string, flags ...string) *testPod {
	t.Helper()
	requirePodEnv(t)
	p := &testPod{t: t, name: uniqueName(t, "pod")}
	args := []string{"run", "-d", "--name", p.name, "-v", socket + ":/var/run/docker.sock"}
	keys := make([]string, 0, len(labels))
	for k := range labels {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		args = append(args, "--label", k+"="+labels[k])
	}
	args = append(args, dockerArgs...)
	args = append(args, image)
	args = append(args, flags...)
	t.Cleanup(p.cleanup)
	testenv.MustDocker(t, args...)
	return p
}

func (p *testPod) cleanup() {
	if p.t.Failed() {
		out, _ := testenv.Docker("logs", p.name)
		p.t.Logf("controller %s logs:\n%s", p.name, out)
	}
	testenv.Docker("rm", "-f", p.name)
	ids, _ := testenv.Docker("ps", "-aq", "--filter", "label=podinit.pod="+p.name)
	for _, id := range strings.Fields(ids) {
		testenv.Docker("rm", "-f", id)
	}
}

// components lists the pod's containers still on the engine, by name.
func (p *testPod) components() []string {
	out, _ := testenv.Docker("ps", "-a", "--filter", "label=podinit.pod="+p.name, "--format", "{{.Names}}")
	var names []string
	for _, n := range strings.Fields(out) {
		names = append(names, strings.TrimPrefix(n, p.name+"."))
	}
	sort.Strings(names)
	return names
}

// running waits until every named component runs.
func (p *testPod) running(names ...string) {
	p.t.Helper()
	testenv.WaitFor(p.t, 60*time.Second, func() bool {
		for _, n := range names {
			out, err := testenv.Docker("inspect", "-f", "{{.State.Running}}", p.name+"."+n)
			if err != nil || out != "true" {
				return false
			}
		}
		return true
	}, "components %v running in pod %s", names, p.name)
}

// exitCode waits for the controller to exit and returns its code.
func (p *testPod) exitCode(timeout time.Duration) int {
	p.t.Helper()
	var code string
	testenv.WaitFor(p.t, timeout, func() bool {
		out, err := testenv.Docker("inspect", "-f", "{{.State.Running}} {{.State.ExitCode}}", p.name)
		if err != nil {
			return false
		}
		running, c, _ := strings.Cut(out, " ")
		code = c
		return running == "false"
	}, "controller %s to exit", p.name)
	var n int
	fmt.Sscan(code, &n)
	return n
}

func (p *testPod) logs() string {
	out, _ := testenv.Docker("logs", p.name)
	return out
}

// noneLeft asserts that no container of the pod remains.
func (p *testPod) noneLeft() {
	p.t.Helper()
	testenv.WaitFor(p.t, 20*time.Second, func() bool { return len(p.components()) == 0 }, "no component of %s left (left: %v)", p.name, p.components())
}

// volume makes a named volume removed at cleanup, and returns its name.
func volume(t *testing.T) string {
	name := uniqueName(t, "vol")
	testenv.MustDocker(t, "volume", "create", name)
	t.Cleanup(func() { testenv.Docker("volume", "rm", "-f", name) })
	return name
}

// ownVolume mounts vol on the controller too, as `docker run` arguments:
// components may mount the controller's own volumes (and, without -allow
// named-volumes, no others).
func ownVolume(vol string) []string {
	return []string{"-v", vol + ":/pod-volumes/" + vol}
}

// readVolume reads a file from a named volume with a throwaway container.
func readVolume(t *testing.T, vol, file string) string {
	out, _ := testenv.Docker("run", "--rm", "-v", vol+":/v", bbox, "cat", "/v/"+file)
	return out
}

func nsOf(t *testing.T, container, ns string) string {
	pid := testenv.MustDocker(t, "inspect", "-f", "{{.State.Pid}}", container)
	link, err := os.Readlink(filepath.Join("/proc", pid, "ns", ns))
	require.NoError(t, err)
	return link
}

func TestPodSharesNamespacesAndLocalhost(t *testing.T) {
	t.Parallel()
	p := runPod(t, map[string]string{
		"pod.component.web": `
image: ` + bbox + `
command: ["sh", "-c", "mkdir -p /www && echo hello-from-web > /www/index.html && exec httpd -f -p 8080 -h /www"]`,
		"pod.component.client": `
image: ` + bbox + `
command: ["sh", "-c", "sleep 3600"]
depends_on: [web]`,
	}, nil)
	p.running("web", "client")

	var body string
	testenv.WaitFor(t, 20*time.Second, func() bool {
		body, _ = testenv.Docker("exec", p.name+".client", "wget", "-qO-", "http://localhost:8080/")
		return body == "hello-from-web"
	}, "the client to reach web over localhost (last: %q)", body)

	for _, ns := range []string{"net", "pid"} {
		want := nsOf(t, p.name, ns)
		require.Equal(t, want, nsOf(t, p.name+".web", ns), "web's %s namespace", ns)
		require.Equal(t, want, nsOf(t, p.name+".client", ns), "client's %s namespace", ns)
	}
	// Under the engine's default private IPC mode the controller's IPC
	// namespace cannot be joined: the components share a holder's.
	require.Equal(t, nsOf(t, p.name+".web", "ipc"), nsOf(t, p.name+".client", "ipc"))
	require.NotEqual(t, nsOf(t, p.name, "ipc"), nsOf(t, p.name+".web", "ipc"))
	require.Contains(t, p.components(), "ipc-holder")

	// The client sees web's httpd: one PID namespace.
	ps := testenv.MustDocker(t, "exec", p.name+".client", "ps")
	require.Contains(t, ps, "httpd")

	// Ownership labels.
	require.Equal(t, p.name, testenv.MustDocker(t, "inspect", "-f", `{{index .Config.Labels "podinit.pod"}}`, p.name+".web"))
	require.Equal(t, "web", testenv.MustDocker(t, "inspect", "-f", `{{index .Config.Labels "podinit.component"}}`, p.name+".web"))

	testenv.MustDocker(t, "stop", p.name)
	require.Equal(t, 0, p.exitCode(30*time.Second))
	p.noneLeft()
}

func TestPodSharesControllerIPCWhenShareable(t *testing.T) {
	t.Parallel()
	p := runPod(t, map[string]string{
		"pod.component.app": "image: " + bbox + "\ncommand: sleep 3600",
	}, []string{"--ipc", "shareable"})
	p.running("app")
	require.Equal(t, nsOf(t, p.name, "ipc"), nsOf(t, p.name+".app", "ipc"))
	require.NotContains(t, p.components(), "ipc-holder")
}

// TestHeadStartHolderIsAdopted: the holder podinit starts while it reads
// the labels is the pod's holder: created and started once, never removed
// and made again by the supervisor, and the components join it.
func TestHeadStartHolderIsAdopted(t *testing.T) {
	t.Parallel()
	since := time.Now().Unix()
	p := runPod(t, map[string]string{"pod.component.app": "image: " + bbox + "\ncommand: sleep 3600"}, nil)
	p.running("app", "ipc-holder")
	require.Equal(t, nsOf(t, p.name+".ipc-holder", "ipc"), nsOf(t, p.name+".app", "ipc"))
	testenv.MustDocker(t, "stop", p.name)
	require.Equal(t, 0, p.exitCode(30*time.Second))
	events := testenv.MustDocker(t, "events", "--since", strconv.FormatInt(since, 10), "--until", strconv.FormatInt(time.Now().Unix()+1, 10),
		"--filter", "container="+p.name+".ipc-holder", "--filter", "event=create", "--filter", "event=start", "--format", "{{.Action}}")
	require.Equal(t, []string{"create", "start"}, strings.Fields(events), "the holder's creates and starts")
	logs := p.logs()
	require.NotContains(t, logs, "removing an old container named")
	require.NotContains(t, logs, "head start")
	p.noneLeft()
}

// TestShareableByDefaultNeedsNoHolder: on a node whose daemon makes
// containers shareable by default (`"default-ipc-mode": "shareable"` in
// daemon.json, which Swarm's tasks follow too), the controller's own IPC
// namespace can be joined: podinit makes no IPC holder, and the components
// share the controller's (docs/sharing.md).
func TestShareableByDefaultNeedsNoHolder(t *testing.T) {
	t.Parallel()
	e := startPrivateEngineWith(t, false, "--default-ipc-mode", "shareable")
	e.runPod("shared", lostPodLabels)
	e.running("shared", "shared.app", "shared.side")
	require.Equal(t, "shareable", e.mustDocker("inspect", "-f", "{{.HostConfig.IpcMode}}", "shared"), "the daemon's default")
	ipc := func(name string) string {
		l, err := os.Readlink(fmt.Sprintf("/proc/%d/ns/ipc", e.hostPid(name)))
		require.NoError(t, err)
		return l
	}
	require.Equal(t, ipc("shared"), ipc("shared.app"), "app shares the controller's IPC namespace")
	require.Equal(t, ipc("shared"), ipc("shared.side"))
	names := e.mustDocker("ps", "-a", "--format", "{{.Names}}")
	require.NotContains(t, names, "ipc-holder", "no holder: %s", names)
}

func TestPodStartsInDependencyOrderAndStopsInReverse(t *testing.T) {
	t.Parallel()
	vol := volume(t)
	// Each component notes its start, and its stop signal when it gets it.
	comp := func(name, sig string, deps string) string {
		return fmt.Sprintf(`
image: %s
volumes: ["%s:/shared"]
stop_signal: %s
command: ["sh", "-c", "trap 'echo stop %s $(date +%%s%%N) >> /shared/log; exit 0' %s; echo start %s >> /shared/log; while true; do sleep 0.1; done"]
%s`, bbox, vol, sig, name, strings.TrimPrefix(sig, "SIG"), name, deps)
	}
	p := runPod(t, map[string]string{
		"pod.component.db":    comp("db", "SIGTERM", ""),
		"pod.component.cache": comp("cache", "SIGUSR1", "depends_on: [db]"),
		"pod.component.app":   comp("app", "SIGINT", "depends_on: {cache: {condition: service_started}, db: {condition: service_started}}"),
	}, append(ownVolume(vol), "--stop-timeout", "60")) // a roomy budget: in the emulated v2 VM one shell's trap takes seconds
	p.running("db", "cache", "app")
	// Running is the engine's word; the shells' traps are set a moment later.
	testenv.WaitFor(t, 30*time.Second, func() bool {
		return len(strings.Fields(readVolume(t, vol, "log"))) == 6
	}, "the traps to be set")
	testenv.MustDocker(t, "stop", p.name)
	require.Equal(t, 0, p.exitCode(90*time.Second))
	p.noneLeft()
	startedInOrder(t, p.logs(), "db", "cache", "app")

	// The stop order holds whatever the timing: each stop begins once its
	// dependents have exited. Which shell wrote its first line first, once
	// their containers ran, is the machine's.
	var order []string
	for _, line := range strings.Split(readVolume(t, vol, "log"), "\n") {
		f := strings.Fields(line)
		if len(f) >= 2 {
			order = append(order, f[0]+" "+f[1])
		}
	}
	require.Len(t, order, 6)
	require.ElementsMatch(t, []string{"start db", "start cache", "start app"}, order[:3])
	require.Equal(t, []string{"stop app", "stop cache", "stop db"}, order[3:],
		"stop in reverse dependency order, each by its own stop_signal")
}

// startedInOrder asserts from podinit's log that each component began
// to start only once the one before it ran.
func startedInOrder(t *testing.T, logs string, names ...string) {
	t.Helper()
	for i := 1; i < len(names); i++ {
		ran := strings.Index(logs, names[i-1]+": starting -> running")
		starts := strings.Index(logs, names[i]+": creating -> starting")
		require.True(t, ran >= 0 && starts > ran, "%s started before %s ran:\n%s", names[i], names[i-1], logs)
	}
}

// A component without stop_signal is stopped with its image's STOPSIGNAL,
// as docker stop would: here USR1, while TERM is ignored.
func TestImageStopSignalStopsTheComponent(t *testing.T) {
	t.Parallel()
	requirePodEnv(t)
	image := fmt.Sprintf("podinit-test/stopsignal:%d", os.Getpid())
	build := exec.Command("docker", "build", "-q", "-t", image, "-")
	build.Stdin = strings.NewReader("FROM " + bbox + "\nSTOPSIGNAL SIGUSR1\n")
	out, err := build.CombinedOutput()
	require.NoError(t, err, "docker build: %s", out)
	t.Cleanup(func() { testenv.Docker("rmi", image) })

	for _, mode := range []string{"shared-pid", "engine"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			vol := volume(t)
			var flags []string
			if mode == "engine" {
				flags = []string{"-pids=false"}
			}
			p := runPod(t, map[string]string{
				"pod.component.app": fmt.Sprintf(`
image: %s
volumes: ["%s:/shared"]
command: ["sh", "-c", "trap '' TERM; trap 'echo USR1 > /shared/stop; exit 0' USR1; touch /shared/up; while true; do sleep 0.1; done"]`, image, vol),
			}, ownVolume(vol), flags...)
			p.running("app")
			// Running is the engine's word; the shell's traps are set a moment later.
			testenv.WaitFor(t, 30*time.Second, func() bool {
				_, err := testenv.Docker("run", "--rm", "-v", vol+":/v", bbox, "test", "-f", "/v/up")
				return err == nil
			}, "the traps to be set")
			testenv.MustDocker(t, "stop", p.name)
			require.Equal(t, 0, p.exitCode(30*time.Second))
			require.Equal(t, "USR1", readVolume(t, vol, "stop"))
			require.Contains(t, p.logs(), "app stopped in", "USR1 ended it, not a SIGKILL")
			p.noneLeft()
		})
	}
}

func TestInitComponentsRunFirstInOrder(t *testing.T) {
	t.Parallel()
	vol := volume(t)
	p := runPod(t, map[string]string{
		"pod.init.components": fmt.Sprintf(`
- image: %[1]s
  volumes: ["%[2]s:/shared"]
  command: ["sh", "-c", "echo first > /shared/config"]
- image: %[1]s
  volumes: ["%[2]s:/shared"]
  command: ["sh", "-c", "echo second >> /shared/config"]`, bbox, vol),
		"pod.component.app": fmt.Sprintf(`
image: %s
volumes: ["%s:/shared"]
command: ["sh", "-c", "cat /shared/config > /shared/seen; sleep 3600"]`, bbox, vol),
	}, ownVolume(vol))
	p.running("app")
	testenv.WaitFor(t, 10*time.Second, func() bool { return readVolume(t, vol, "seen") == "first\nsecond" }, "app to see the init components' config")
}

func TestFailingInitComponentFailsThePod(t *testing.T) {
	t.Parallel()
	p := runPod(t, map[string]string{
		"pod.init.components": "- image: " + bbox + "\n  command: [\"sh\", \"-c\", \"exit 4\"]",
		"pod.component.app":   "image: " + bbox + "\ncommand: sleep 3600",
	}, nil)
	require.Equal(t, 4, p.exitCode(30*time.Second))
	require.Contains(t, p.logs(), "init component init-1 exited with 4")
	p.noneLeft()
}

func TestCopiesFilesAndDirectories(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "app.conf"), []byte("listen 80\n"), 0o640))
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "conf.d", "sub"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "conf.d", "sub", "x.sh"), []byte("#!/bin/sh\n"), 0o755))
	p := runPod(t, map[string]string{
		"pod.component.app": "image: " + bbox + "\ncommand: sleep 3600",
		"pod.copy.app":      "- /config/app.conf:/etc/app/app.conf\n- /config/conf.d:/etc/app/conf.d",
	}, []string{"-v", dir + ":/config:ro"})
	p.running("app")
	require.Equal(t, "listen 80", testenv.MustDocker(t, "exec", p.name+".app", "cat", "/etc/app/app.conf"))
	require.Equal(t, "640", testenv.MustDocker(t, "exec", p.name+".app", "stat", "-c", "%a", "/etc/app/app.conf"))
	require.Equal(t, "755", testenv.MustDocker(t, "exec", p.name+".app", "stat", "-c", "%a", "/etc/app/conf.d/sub/x.sh"))
}

func TestComponentCrashEndsThePodWithItsCode(t *testing.T) {
	t.Parallel()
	p := runPod(t, map[string]string{
		"pod.component.app":     "image: " + bbox + "\ncommand: [\"sh\", \"-c\", \"sleep 1; exit 42\"]",
		"pod.component.sidecar": "image: " + bbox + "\ncommand: sleep 3600",
	}, nil)
	require.Equal(t, 42, p.exitCode(60*time.Second))
	require.Contains(t, p.logs(), "main component app exited with 42")
	p.noneLeft()
}

func TestLogsArePrefixedForTTYAndPlainComponents(t *testing.T) {
	t.Parallel()
	p := runPod(t, map[string]string{
		"pod.component.plain": "image: " + bbox + "\ncommand: [\"sh\", \"-c\", \"echo out-line; echo err-line >&2; printf 'a\\nb\\n'; sleep 3600\"]",
		"pod.component.tty":   "image: " + bbox + "\ntty: true\ncommand: [\"sh\", \"-c\", \"echo tty-line; sleep 3600\"]",
	}, nil, "-logs")
	p.running("plain", "tty")
	testenv.WaitFor(t, 10*time.Second, func() bool {
		l := p.logs()
		return strings.Contains(l, "plain | out-line") && strings.Contains(l, "plain | err-line") &&
			strings.Contains(l, "plain | a\n") && strings.Contains(l, "plain | b") && strings.Contains(l, "tty | tty-line")
	}, "prefixed log lines (got %q)", p.logs())
	// stdout and stderr stay apart.
	stderr, _ := exec.Command("sh", "-c", "docker logs "+p.name+" 2>&1 >/dev/null").CombinedOutput()
	require.Contains(t, string(stderr), "plain | err-line")
	require.NotContains(t, string(stderr), "plain | out-line")
}

func TestBadLabelsFailClearlyAndLeaveNothing(t *testing.T) {
	t.Parallel()
	cases := map[string]struct {
		labels map[string]string
		want   []string
	}{
		"invalid yaml": {map[string]string{"pod.component.app": "image: [unclosed"}, []string{"pod.component.app"}},
		"unknown key":  {map[string]string{"pod.component.app": "image: " + bbox + "\nfrobnicate: 1"}, []string{"pod.component.app", "frobnicate"}},
		"refused":      {map[string]string{"pod.component.app": "image: " + bbox + "\nuts: host"}, []string{"pod.component.app", "uts"}},
		"no image":     {map[string]string{"pod.component.app": "command: sleep 1"}, []string{"pod.component.app", "image"}},
		"cycle": {map[string]string{
			"pod.component.a": "image: " + bbox + "\ndepends_on: [b]",
			"pod.component.b": "image: " + bbox + "\ndepends_on: [a]",
		}, []string{"cycle", "a", "b"}},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			since := time.Now().Unix()
			p := runPod(t, c.labels, nil)
			require.Equal(t, 2, p.exitCode(30*time.Second))
			logs := p.logs()
			for _, w := range c.want {
				require.Contains(t, logs, w)
			}
			require.Empty(t, p.components())
			// The IPC holder's head start made it while the labels were
			// read; the refusal removed it.
			made := testenv.MustDocker(t, "events", "--since", strconv.FormatInt(since, 10), "--until", strconv.FormatInt(time.Now().Unix()+1, 10),
				"--filter", "container="+p.name+".ipc-holder", "--format", "{{.Action}}")
			for _, a := range []string{"create", "start", "destroy"} {
				require.Contains(t, strings.Fields(made), a, "the holder's events: %s", made)
			}
		})
	}
}

func TestMissingImageFailsThePod(t *testing.T) {
	t.Parallel()
	p := runPod(t, map[string]string{
		"pod.component.app": "image: podinit-test/does-not-exist:never\ncommand: sleep 1",
	}, nil, "-pull-timeout", "20s")
	require.Equal(t, 3, p.exitCode(60*time.Second))
	require.Contains(t, p.logs(), "podinit-test/does-not-exist:never")
	p.noneLeft()
}

func TestLeftoversOfADeadControllerAreRemoved(t *testing.T) {
	t.Parallel()
	labels := map[string]string{"pod.component.app": "image: " + bbox + "\ncommand: sleep 3600"}
	// Without PID sharing a component outlives a killed controller, as a
	// leftover. Any controller on the engine may remove it: a new one of
	// the same name (the same pod), or another test's, at its start or
	// following the deaths after an engine's return (pod.RemoveLeftovers).
	// Which one does is not asserted, only that it goes and that the pod
	// runs again.
	p := runPod(t, labels, nil, "-pids=false")
	p.running("app")
	oldID := testenv.MustDocker(t, "inspect", "-f", "{{.Id}}", p.name+".app")
	testenv.MustDocker(t, "rm", "-f", p.name)
	if state, err := testenv.Docker("inspect", "-f", "{{.State.Status}}", oldID); err == nil {
		// "removing": another controller's sweep has it (a forced removal
		// marks it so before it kills it).
		require.Contains(t, []string{"running", "removing"}, state, "the component outlives its killed controller")
	} else {
		t.Logf("another controller removed the leftover %s.app already: %s", p.name, state)
	}

	// A new controller of the same name (the same pod) cleans up first.
	args := []string{"run", "-d", "--name", p.name, "-v", "/var/run/docker.sock:/var/run/docker.sock", "--label", "pod.component.app=" + labels["pod.component.app"], podImage, "-pids=false"}
	testenv.MustDocker(t, args...)
	testenv.WaitFor(t, 30*time.Second, func() bool {
		id, _ := testenv.Docker("inspect", "-f", "{{.Id}}", p.name+".app")
		return id != "" && id != oldID
	}, "a new app container to replace the leftover")
	p.running("app")
	_, err := testenv.Docker("inspect", oldID)
	require.Error(t, err, "the leftover is gone")
}

func TestSignalsDuringStartUpAreHandled(t *testing.T) {
	t.Parallel()
	// A dependency that never gets healthy: podlike hung here and ignored
	// SIGTERM until Docker killed it.
	p := runPod(t, map[string]string{
		"pod.component.db":  "image: " + bbox + "\ncommand: sleep 3600\nhealthcheck: {test: [\"CMD\", \"false\"], interval: 1s, retries: 1000}",
		"pod.component.app": "image: " + bbox + "\ncommand: sleep 3600\ndepends_on: {db: {condition: service_healthy}}",
	}, nil)
	p.running("db")
	testenv.MustDocker(t, "stop", "-t", "20", p.name)
	require.Equal(t, 0, p.exitCode(5*time.Second), "Docker's SIGKILL at 20s would make it 137")
	// On podinit's own clock, within its default 10s budget: the CLI's
	// and the engine's time around it are not the pod's.
	require.Less(t, stopTook(t, p.logs()), 10*time.Second)
	p.noneLeft()
}

func TestDependencyThatNeverGetsReadyFailsThePod(t *testing.T) {
	t.Parallel()
	p := runPod(t, map[string]string{
		"pod.component.db":  "image: " + bbox + "\ncommand: sleep 3600\nhealthcheck: {test: [\"CMD\", \"sleep\", \"100\"], interval: 30s, timeout: 60s}",
		"pod.component.app": "image: " + bbox + "\ncommand: sleep 3600\ndepends_on: {db: {condition: service_healthy}}",
	}, nil, "-ready-timeout", "3s")
	require.Equal(t, 3, p.exitCode(60*time.Second))
	require.Contains(t, p.logs(), "did not become healthy within 3s")
	p.noneLeft()
}

func TestVolumesAreSharedByReferenceAndNeverTheSocket(t *testing.T) {
	t.Parallel()
	vol := uniqueName(t, "realvol")
	testenv.MustDocker(t, "volume", "create", "--label", "podinit.volume-ref=data", vol)
	t.Cleanup(func() { testenv.Docker("volume", "rm", "-f", vol) })
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "shared.txt"), []byte("from-controller\n"), 0o644))

	p := runPod(t, map[string]string{
		// "data" is the reference; the real volume has another name.
		"pod.component.app": "image: " + bbox + "\nvolumes: [\"data:/d\"]\ncommand: [\"sh\", \"-c\", \"echo written-by-app > /d/f; sleep 3600\"]",
	}, []string{"-v", vol + ":/unused", "-v", dir + ":/conf:ro"}, "-volumes")
	p.running("app")
	testenv.WaitFor(t, 10*time.Second, func() bool { return readVolume(t, vol, "f") == "written-by-app" }, "app to write into the controller's volume by its reference")
	// -volumes: the controller's mounts, but not the Docker socket.
	require.Equal(t, "from-controller", testenv.MustDocker(t, "exec", p.name+".app", "cat", "/conf/shared.txt"))
	_, err := testenv.Docker("exec", p.name+".app", "test", "-e", "/var/run/docker.sock")
	require.Error(t, err, "the Docker socket must never reach a component")
}

func TestPrivateCgroupNamespace(t *testing.T) {
	t.Parallel()
	p := runPod(t, map[string]string{
		"pod.component.app": "image: " + bbox + "\ncommand: sleep 3600",
	}, []string{"--cgroupns", "private"})
	p.running("app")
	require.Contains(t, p.logs(), "pod "+p.name+": 0 init, 1 components")
}

func TestValidatePrintsThePlanOrEveryError(t *testing.T) {
	t.Parallel()
	bin := testenv.Binary(t)
	dir := t.TempDir()
	good := filepath.Join(dir, "good.yml")
	require.NoError(t, os.WriteFile(good, []byte(`
services:
  app:
    image: my/app
    depends_on: {db: {condition: service_healthy}}
    stop_grace_period: 4s
  db:
    image: my/db
    healthcheck: {test: ["CMD", "true"]}
  proxy:
    image: my/proxy
    x-podinit: {role: sidecar}
`), 0o644))
	out, err := exec.Command(bin, "validate", "-file", good).CombinedOutput()
	require.NoError(t, err, string(out))
	plan := string(out)
	require.Contains(t, plan, "1. proxy [sidecar]")
	require.Contains(t, plan, "2. db [main] image my/db after proxy ready")
	require.Contains(t, plan, "3. app [main] image my/app after db service_healthy, proxy ready")
	require.Contains(t, plan, "controller: "+standInNote+"\n")
	// The stop as the runtime follows it, inside the default 10s budget.
	require.Contains(t, plan, `stop, within the budget 10s from the stop request (the service's stop_grace_period should be the same):
  1. by 0s:
     app: SIGTERM (or its image's STOPSIGNAL), then SIGKILL by 4s (its stop_grace_period 4s)
  2. by 4s:
     db: SIGTERM (or its image's STOPSIGNAL), then SIGKILL by 9s (the pod's deadline)
  3. by 9s:
     proxy: SIGTERM (or its image's STOPSIGNAL), then SIGKILL by 9s (the pod's deadline)
  the pod's deadline 9s keeps 1s for the last kills; podinit exits by 9.5s, before Docker's SIGKILL at 10s
`)
	// -stop-budget and -stop-margin move it.
	out, err = exec.Command(bin, "validate", "-file", good, "-stop-budget", "3s", "-stop-margin", "500ms").CombinedOutput()
	require.NoError(t, err, string(out))
	require.Contains(t, string(out), "     app: SIGTERM (or its image's STOPSIGNAL), then SIGKILL by 2.5s (the pod's deadline)\n")
	out, err = exec.Command(bin, "validate", "-file", good, "-stop-budget", "1s", "-stop-margin", "2s").CombinedOutput()
	require.Error(t, err)
	require.Equal(t, "podinit validate: -stop-margin 2s must be less than the stop budget 1s\n", string(out))

	bad := filepath.Join(dir, "bad.yml")
	require.NoError(t, os.WriteFile(bad, []byte(`
services:
  app:
    image: my/app
    ports: ["80:80"]
  db:
    hostname: db
`), 0o644))
	out, err = exec.Command(bin, "validate", "-file", bad).CombinedOutput()
	require.Error(t, err)
	require.Equal(t, 2, err.(*exec.ExitError).ExitCode())
	require.Contains(t, string(out), "services.app.ports")
	require.Contains(t, string(out), "services.db.hostname")
	require.Contains(t, string(out), "image")

	// A controller's labels, read through the engine, without running it.
	requirePodEnv(t)
	name := uniqueName(t, "validate")
	t.Cleanup(func() { testenv.Docker("rm", "-f", name) })
	testenv.MustDocker(t, "create", "--name", name, "--label", "pod.component.app=image: "+bbox+"\ncpus: 0.5", podImage)
	out, err = exec.Command(bin, "validate", "-container", name).CombinedOutput()
	require.NoError(t, err, string(out))
	require.Contains(t, string(out), "app [main] image "+bbox+" (cpus 0.5)")
	left, _ := testenv.Docker("ps", "-aq", "--filter", "label=podinit.pod="+name)
	require.Empty(t, left, "validate creates nothing")
}
