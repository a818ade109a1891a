// Package examples holds podinit's runnable example pods (one folder each,
// deployable with `docker stack deploy`) and their end-to-end tests.
//
// The tests deploy each example's stack.yml, unchanged, on the engine's
// single-node swarm under a unique stack name, and check what the example's
// README promises only from outside, as a user would: docker exec into a
// component, docker service logs, docker inspect, docker service ps. Every
// test ends with `docker stack rm` and checks that no container of its pods
// remains.
package examples

import (
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/podinit/podinit/internal/testenv"
)

var podImage = testenv.PodImage

const bbox = testenv.Busybox

var (
	buildOnce sync.Once
	buildErr  error
	buildOut  []byte
	stackSeq  atomic.Int64
)

// TestMain runs four tests of this package at a time unless -parallel is
// given: the tests spend their time waiting for the engine, not on CPU, so
// go test's default (GOMAXPROCS, two on a small CI machine) wastes time, but
// all nine stacks at once start containers slower than one by one (measured:
// tasks still "Starting" after 90 s).
func TestMain(m *testing.M) {
	flag.Parse()
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == "test.parallel" })
	if !set {
		flag.Set("test.parallel", "4")
	}
	code := m.Run()
	if keeper != "" {
		testenv.Docker("service", "rm", keeper)
	}
	os.Exit(code)
}

// keeper is a service that holds a port on the swarm's ingress network for
// as long as the tests run. Only the sidecar example publishes a port, so
// without it each run would make the node's first ingress endpoint and then
// remove its last one while other stacks come and go: the join/leave race in
// libnetwork (moby/libnetwork#1765) that once left ingress failing every
// join with "error creating vxlan interface: file exists" on 28.5 in CI.
var keeper string

// staleService names the services an earlier run of these tests left on
// the engine when it was killed before its clean-up: its keeper and its
// stacks' services. The 20.10 stage's engine keeps its data root between
// runs, so they are still there, and the keeper still holds its port.
var staleService = regexp.MustCompile(`^(podinit-examples-ingress-\d+|ex\d+-[a-z0-9-]+-\d+_[a-z0-9-]+)$`)

// removeStaleRuns removes what staleService matches. One test process of
// this package runs per engine at a time, so none of it is in use.
func removeStaleRuns() {
	names, _ := testenv.Docker("service", "ls", "--format", "{{.Name}}")
	for _, name := range strings.Fields(names) {
		if staleService.MatchString(name) {
			testenv.Docker("service", "rm", name)
		}
	}
}

// keepIngress starts the keeper and waits until its task runs. A port that
// a removed service held is free again once the manager has released it,
// which it does a moment after the removal: creation is retried for 30 s.
func keepIngress() error {
	removeStaleRuns()
	name := fmt.Sprintf("podinit-examples-ingress-%d", os.Getpid())
	var out string
	var err error
	for try := time.Now(); ; time.Sleep(time.Second) {
		out, err = testenv.Docker("service", "create", "--detach", "--name", name,
			"--publish", "published=28099,target=80", "--no-resolve-image", bbox, "sleep", "86400")
		if err == nil || !strings.Contains(out, "already in use") || time.Since(try) > 30*time.Second {
			break
		}
	}
	if err != nil {
		return fmt.Errorf("docker service create %s: %v: %s", name, err, out)
	}
	keeper = name
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		state, _ := testenv.Docker("service", "ps", "--no-trunc", "--format", "{{.CurrentState}} {{.Error}}", name)
		if strings.HasPrefix(state, "Running") {
			return nil
		}
		time.Sleep(500 * time.Millisecond)
	}
	state, _ := testenv.Docker("service", "ps", "--no-trunc", name)
	return fmt.Errorf("the ingress keeper %s did not run within 60 s:\n%s", name, state)
}

// requireSwarm makes sure the engine is a swarm manager with the images the
// examples need, and builds the examples' own images once per test process.
func requireSwarm(t *testing.T) {
	t.Helper()
	testenv.RequireRoot(t)
	testenv.RequireImage(t, podImage)
	testenv.RequireImage(t, bbox)
	state, _ := testenv.Docker("info", "--format", "{{.Swarm.LocalNodeState}} {{.Swarm.ControlAvailable}}")
	if state != "active true" {
		testenv.Unavailable(t, "needs a swarm manager (docker swarm init --advertise-addr 127.0.0.1), node state %q", state)
	}
	buildOnce.Do(func() {
		cmd := exec.Command(filepath.Join(testenv.RepoRoot(), "scripts", "examples.sh"))
		if buildOut, buildErr = cmd.CombinedOutput(); buildErr == nil {
			buildErr = keepIngress()
		}
	})
	if buildErr != nil {
		t.Fatalf("setting up the examples (scripts/examples.sh, then the ingress keeper): %v\n%s", buildErr, buildOut)
	}
}

// stack is one deployed example.
type stack struct {
	t    *testing.T
	name string
	dir  string
	gone bool // removed by the test itself
}

// deploy runs `docker stack deploy -c stack.yml` in the example's folder, as
// its README says, under a unique stack name. Cleanup removes the stack, if
// the test has not, and the volumes Swarm made for it.
func deploy(t *testing.T, example string) *stack {
	t.Helper()
	return deployEdited(t, example, nil)
}

// deployEdited deploys the example's stack file as edit changes it (from a
// copy: the example itself stays as users read it).
func deployEdited(t *testing.T, example string, edit func(stack string) string) *stack {
	t.Helper()
	requireSwarm(t)
	s := &stack{
		t:    t,
		name: fmt.Sprintf("ex%d-%s-%d", os.Getpid()%100000, example, stackSeq.Add(1)),
		dir:  filepath.Join(testenv.RepoRoot(), "examples", example),
	}
	if edit != nil {
		b, err := os.ReadFile(filepath.Join(s.dir, "stack.yml"))
		require.NoError(t, err)
		edited := edit(string(b))
		require.NotEqual(t, string(b), edited, "the edit changed nothing of %s's stack file", example)
		s.dir = t.TempDir()
		require.NoError(t, os.WriteFile(filepath.Join(s.dir, "stack.yml"), []byte(edited), 0o644))
	}
	t.Cleanup(s.cleanup)
	cmd := exec.Command("docker", "stack", "deploy", "-c", "stack.yml", s.name)
	cmd.Dir = s.dir
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "docker stack deploy %s: %s", s.name, out)
	return s
}

func (s *stack) cleanup() {
	if s.t.Failed() {
		for _, svc := range strings.Fields(s.services()) {
			out, _ := testenv.Docker("service", "ps", "--no-trunc", svc)
			logs, _ := testenv.Docker("service", "logs", "--raw", svc)
			s.t.Logf("service %s tasks:\n%s\nlogs:\n%s", svc, out, logs)
		}
		// Why Swarm judged a controller unhealthy: its last probes.
		ids, _ := testenv.Docker("ps", "-aq", "--filter", "label=com.docker.stack.namespace="+s.name)
		for _, id := range strings.Fields(ids) {
			health, _ := testenv.Docker("inspect", "-f", "{{.Name}} {{.State.Status}} {{json .State.Health}}", id)
			s.t.Logf("controller %s", health)
		}
	}
	if !s.gone {
		testenv.Docker("stack", "rm", s.name)
		s.waitNoneLeft(90 * time.Second)
		testenv.Docker("stack", "rm", s.name) // a network still in use the first time
	}
	vols, _ := testenv.Docker("volume", "ls", "-q", "--filter", "label=com.docker.stack.namespace="+s.name)
	for _, v := range strings.Fields(vols) {
		if out, err := testenv.Docker("volume", "rm", v); err != nil {
			s.t.Logf("removing volume %s: %s", v, out)
		}
	}
}

func (s *stack) services() string {
	out, _ := testenv.Docker("service", "ls", "--filter", "label=com.docker.stack.namespace="+s.name, "--format", "{{.Name}}")
	return out
}

// svc is the Swarm name of the stack's service.
func (s *stack) svc(service string) string { return s.name + "_" + service }

// containers lists the stack's containers, controllers (Swarm's labels) and
// components (podinit's copies of them), in any state, as "name state".
func (s *stack) containers() []string {
	var all []string
	for _, label := range []string{"com.docker.stack.namespace", "podinit.swarm.stack.namespace"} {
		out, _ := testenv.Docker("ps", "-a", "--filter", "label="+label+"="+s.name, "--format", "{{.Names}} {{.State}}")
		all = append(all, strings.Split(out, "\n")...)
	}
	var left []string
	for _, c := range all {
		if c != "" {
			left = append(left, c)
		}
	}
	sort.Strings(left)
	return left
}

// rm runs `docker stack rm` and asserts that no container of the stack's
// pods remains.
func (s *stack) rm() {
	s.t.Helper()
	out, err := testenv.Docker("stack", "rm", s.name)
	s.gone = true
	s.waitNoneLeft(60 * time.Second)
	if err != nil {
		// Swarm removes the stack's network without waiting for its tasks
		// to shut down ("network … is in use by task"); once they are
		// gone, a second rm removes what is left, as a user would.
		require.Contains(s.t, out, "is in use by task", "docker stack rm %s: %s", s.name, out)
		testenv.MustDocker(s.t, "stack", "rm", s.name)
	}
}

func (s *stack) waitNoneLeft(timeout time.Duration) {
	s.t.Helper()
	var left []string
	testenv.WaitFor(s.t, timeout, func() bool {
		left = s.containers()
		return len(left) == 0
	}, "no container of stack %s left (left: %v)", s.name, &left)
}

// component returns the ID of the running container of component comp in
// the service's only pod, waiting for it.
func (s *stack) component(service, comp string) string {
	s.t.Helper()
	var id string
	testenv.WaitFor(s.t, 90*time.Second, func() bool {
		out, _ := testenv.Docker("ps", "-q", "--filter", "label=podinit.swarm.service.name="+s.svc(service),
			"--filter", "label=podinit.component="+comp, "--filter", "status=running")
		ids := strings.Fields(out)
		if len(ids) == 1 {
			id = ids[0]
		}
		return len(ids) == 1
	}, "component %s of %s running", comp, s.svc(service))
	return id
}

// controllers returns the running controllers of a service, as ID → image.
func (s *stack) controllers(service string) map[string]string {
	out, _ := testenv.Docker("ps", "--no-trunc", "--filter", "label=com.docker.swarm.service.name="+s.svc(service),
		"--filter", "status=running", "--format", "{{.ID}} {{.Image}}")
	ctrl := map[string]string{}
	for _, line := range strings.Split(out, "\n") {
		if id, image, ok := strings.Cut(line, " "); ok {
			ctrl[id] = image
		}
	}
	return ctrl
}

// controller returns the ID of the service's only running controller.
func (s *stack) controller(service string) string {
	s.t.Helper()
	var id string
	testenv.WaitFor(s.t, 60*time.Second, func() bool {
		ctrl := s.controllers(service)
		for k := range ctrl {
			id = k
		}
		return len(ctrl) == 1
	}, "one running controller of %s", s.svc(service))
	return id
}

// logs is `docker service logs` of the service, without Swarm's prefixes.
func (s *stack) logs(service string) string {
	out, _ := testenv.Docker("service", "logs", "--raw", s.svc(service))
	return out
}

// waitLogs waits until the service's logs match every pattern.
func (s *stack) waitLogs(service string, timeout time.Duration, patterns ...string) {
	s.t.Helper()
	var missing string
	testenv.WaitFor(s.t, timeout, func() bool {
		logs := s.logs(service)
		for _, p := range patterns {
			if !regexp.MustCompile(p).MatchString(logs) {
				missing = p
				return false
			}
		}
		return true
	}, "docker service logs %s to show %q", s.svc(service), &missing)
}

// execIn runs a command in a container and returns its output.
func execIn(id string, cmd ...string) (string, error) {
	return testenv.Docker(append([]string{"exec", id}, cmd...)...)
}

// The two longest tests come first, so that they start first: go test starts
// parallel tests in the order they are declared.

// pods describes a service's running pods: controller ID → the pod's
// identity and the running components that name that controller.
func (s *stack) pods(service string) map[string]podView {
	pods := map[string]podView{}
	for id := range s.controllers(service) {
		pods[id] = podView{}
	}
	out, _ := testenv.Docker("ps", "--no-trunc", "--filter", "label=podinit.swarm.service.name="+s.svc(service),
		"--filter", "status=running", "--format", `{{.Label "podinit.controller"}} {{.Label "podinit.pod"}} {{.Label "podinit.component"}}`)
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) != 3 {
			continue
		}
		p := pods[f[0]]
		if p.components == nil {
			p.components = map[string]string{}
		}
		p.components[f[2]] = f[1]
		pods[f[0]] = p
	}
	return pods
}

type podView struct {
	components map[string]string // component → its podinit.pod label
}

// complete reports whether every controller runs all of comps, all labelled
// with one pod name, and the pods' names are distinct.
func complete(pods map[string]podView, n int, comps ...string) (bool, string) {
	if len(pods) != n {
		return false, fmt.Sprintf("%d pods, want %d", len(pods), n)
	}
	names := map[string]bool{}
	for ctrl, p := range pods {
		if p.components == nil {
			return false, fmt.Sprintf("controller %.12s runs no component", ctrl)
		}
		name := p.components[comps[0]]
		for _, c := range comps {
			got, ok := p.components[c]
			if !ok {
				return false, fmt.Sprintf("controller %.12s: %s not running", ctrl, c)
			}
			if got != name {
				return false, fmt.Sprintf("controller %.12s: components in pods %q and %q", ctrl, name, got)
			}
		}
		if len(p.components) != len(comps) {
			return false, fmt.Sprintf("controller %.12s runs %v, want %v", ctrl, p.components, comps)
		}
		if names[name] {
			return false, fmt.Sprintf("two controllers run pod %q", name)
		}
		names[name] = true
	}
	return true, ""
}

func TestScaleAndRollingUpdate(t *testing.T) {
	t.Parallel()
	s := deploy(t, "signal")
	svc := s.svc("greeter")
	comps := []string{"greeter", "hup-sender", "ipc-holder"}
	s.component("greeter", "greeter")

	// Three replicas are three independent pods.
	testenv.MustDocker(t, "service", "scale", "-d", svc+"=3")
	var why string
	testenv.WaitFor(t, 90*time.Second, func() bool {
		ok, w := complete(s.pods("greeter"), 3, comps...)
		why = w
		return ok
	}, "3 complete, distinct pods (%s)", &why)
	names := map[string]bool{}
	for _, p := range s.pods("greeter") {
		names[p.components["greeter"]] = true
	}
	require.Equal(t, map[string]bool{svc + ".1": true, svc + ".2": true, svc + ".3": true}, names, "pods are named after the Swarm slots")
	old := s.controllers("greeter")

	// A rolling update to another tag of podinit's image replaces the pods
	// one at a time (Swarm's default: parallelism 1, stop-first).
	tag := fmt.Sprintf("podinit-example/podinit:update-%d-%d", os.Getpid(), stackSeq.Add(1))
	testenv.MustDocker(t, "tag", podImage, tag)
	t.Cleanup(func() { testenv.Docker("rmi", tag) })
	testenv.MustDocker(t, "service", "update", "-d", "--no-resolve-image", "--image", tag, svc)

	minRunning, lowest := 3, ""
	// Swarm waits for each new task to be healthy before the next: within
	// about 2 s of its components on Docker 25 and later, at its first
	// probe 10 s after its start with the image built on 20.10
	// (docs/lifecycle.md).
	deadline := time.Now().Add(150 * time.Second)
	for {
		ctrl := s.controllers("greeter")
		if len(ctrl) < minRunning {
			minRunning = len(ctrl)
			lowest, _ = testenv.Docker("service", "ps", svc)
		}
		replaced := 0
		for _, image := range ctrl {
			if image == tag {
				replaced++
			}
		}
		if replaced == 3 {
			if ok, _ := complete(s.pods("greeter"), 3, comps...); ok {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("rolling update not done after 150s: controllers %v, pods %v", ctrl, s.pods("greeter"))
		}
		time.Sleep(200 * time.Millisecond)
	}
	require.GreaterOrEqual(t, minRunning, 2, "at most one pod may be down at a time during the update; tasks then:\n%s", lowest)
	for id := range old {
		var left string
		testenv.WaitFor(t, 30*time.Second, func() bool {
			left, _ = testenv.Docker("ps", "-a", "--filter", "label=podinit.controller="+id, "--format", "{{.Names}}")
			return left == ""
		}, "no component of the replaced controller %.12s left (left: %q)", id, &left)
	}
	s.rm()
}

func TestHealth(t *testing.T) {
	t.Parallel()
	s := deploy(t, "health")
	ctrl := s.controller("app")
	app := s.component("app", "app")
	health := func(id string) string {
		out, _ := testenv.Docker("inspect", "-f", "{{.State.Health.Status}}", id)
		return out
	}
	var h string
	testenv.WaitFor(t, 60*time.Second, func() bool { h = health(ctrl); return h == "healthy" },
		"the controller to be healthy (last: %q)", &h)

	// Break the app: the health component's probe fails, so the pod, so the
	// controller: Swarm then replaces the task.
	out, err := execIn(app, "rm", "/www/index.html")
	require.NoError(t, err, out)
	// The image's HEALTHCHECK at the stack's own interval (10 s; the test
	// and the retries are the image's: 2, or 3 for an image built on an
	// engine before 25, docs/lifecycle.md) reports the pod unhealthy after
	// that many failed probes: 20-30 s, after the health component's own 2
	// failed probes. At the image's 45 s it would take 45-90 s.
	retries := testenv.MustDocker(t, "image", "inspect", "-f", "{{.Config.Healthcheck.Retries}}", podImage)
	require.Equal(t, "10s "+retries+" [CMD /podinit healthcheck]", testenv.MustDocker(t, "inspect", "-f", "{{.Config.Healthcheck.Interval}} {{.Config.Healthcheck.Retries}} {{.Config.Healthcheck.Test}}", ctrl),
		"the stack's interval with the image's probe and retries")
	testenv.WaitFor(t, 45*time.Second, func() bool { h = health(ctrl); return h == "unhealthy" },
		"the controller to turn unhealthy once the app fails its probe (last: %q)", &h)

	testenv.WaitFor(t, 90*time.Second, func() bool {
		for id := range s.controllers("app") {
			if id != ctrl && health(id) == "healthy" {
				return true
			}
		}
		return false
	}, "Swarm to replace the unhealthy pod with a healthy one")
	left, _ := testenv.Docker("ps", "-aq", "--filter", "label=podinit.controller="+ctrl)
	require.Empty(t, left, "the unhealthy pod's components must be gone")
	s.rm()
}

func TestSidecar(t *testing.T) {
	t.Parallel()
	s := deploy(t, "sidecar")
	app := s.component("web", "app")
	s.component("web", "proxy")

	// Through the proxy: the app's page, marked by the proxy.
	var out string
	testenv.WaitFor(t, 30*time.Second, func() bool {
		out, _ = execIn(app, "wget", "-S", "-qO-", "http://localhost:80/")
		return strings.Contains(out, "Hello from the app, served through its sidecar proxy.")
	}, "the app's page through the proxy (last: %q)", &out)
	require.Contains(t, out, "X-Proxied-By: podinit-example-proxy", "the proxy's name comes from the Swarm config copied in with pod.copy.proxy")

	// The app itself answers on localhost only: on the pod's own address
	// only the proxy does.
	ip, err := execIn(app, "hostname", "-i")
	require.NoError(t, err, ip)
	ip = strings.Fields(ip)[0]
	out, err = execIn(app, "wget", "-qO-", "http://"+ip+":80/")
	require.NoError(t, err, "the proxy on %s:80: %s", ip, out)
	out, err = execIn(app, "wget", "-qO-", "http://"+ip+":8080/")
	require.Error(t, err, "the app must not answer on %s:8080, only on localhost: %s", ip, out)

	// The published port goes through Swarm's routing mesh, which not every
	// engine set-up provides (this one may lack the ingress rules): report it.
	c := http.Client{Timeout: 2 * time.Second}
	if resp, err := c.Get("http://127.0.0.1:28080/"); err != nil {
		t.Logf("published port 28080 on 127.0.0.1 does not answer here (routing mesh): %v", err)
	} else {
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		require.Equal(t, "podinit-example-proxy", resp.Header.Get("X-Proxied-By"))
		require.Contains(t, string(body), "Hello from the app")
	}

	// What getting-started shows: the logs, and the pod's own view.
	s.waitLogs("web", 30*time.Second, `proxy \| .*listening on :80, forwarding to http://127.0.0.1:8080`)
	ctrl := s.controller("web")
	testenv.WaitFor(t, 30*time.Second, func() bool {
		out, _ = execIn(ctrl, "/podinit", "status")
		return regexp.MustCompile(`^\{\s*"phase": "running",\s*"health": "healthy",`).MatchString(out)
	}, "podinit status to say running and healthy (last: %s)", &out)
	require.Contains(t, out, `"name": "proxy"`)
	require.Contains(t, out, `"role": "sidecar"`)
	out, err = execIn(ctrl, "/podinit", "healthcheck")
	require.NoError(t, err, out)
	out, err = execIn(ctrl, "/podinit", "validate")
	require.NoError(t, err, out)
	require.Contains(t, out, "start order:\n  1. proxy [sidecar]")
	require.Contains(t, out, "stop, within the budget")

	s.rm()
}

func TestSidecarInit(t *testing.T) {
	t.Parallel()
	s := deploy(t, "sidecar-init")
	want := map[string]string{
		"init":    "hello from an init component",
		"healthy": "hello once the writer is healthy",
	}
	for service, greeting := range want {
		app := s.component(service, "app")
		var out string
		testenv.WaitFor(t, 20*time.Second, func() bool {
			out, _ = execIn(app, "wget", "-qO-", "http://localhost:8080/")
			return out == greeting
		}, "the %s app to serve its config's greeting %q (last: %q)", service, greeting, &out)
	}
	// The app exits 1 without its config, so serving it proves the order;
	// the controller's log says it as well.
	s.waitLogs("init", 10*time.Second, `(?s)write-config exited with 0.*app started`)
	s.waitLogs("healthy", 10*time.Second, `(?s)writer is healthy.*app started`)
	s.rm()
}

// fileIn returns the host path of a file in a running container's file
// system: reading it there is much faster than docker exec, which matters
// for reads that must happen close together.
func fileIn(t *testing.T, id, file string) string {
	pid := testenv.MustDocker(t, "inspect", "-f", "{{.State.Pid}}", id)
	return filepath.Join("/proc", pid, "root", file)
}

// readInt reads a number a component keeps in a file.
func readInt(path string) (int, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(strings.TrimSpace(string(b)))
}

// hupsFromOutside returns the greeter's reloads minus the SIGHUPs the sender
// sent, read so that a send in between cannot be mistaken for one from
// outside (the sender counts a signal before sending it).
func hupsFromOutside(reloads, sent string) (int, bool) {
	s1, err1 := readInt(sent)
	r, err2 := readInt(reloads)
	s2, err3 := readInt(sent)
	if err1 != nil || err2 != nil || err3 != nil || s1 != s2 {
		return 0, false
	}
	return r - s1, true
}

func TestSignal(t *testing.T) {
	t.Parallel()
	s := deploy(t, "signal")
	greeter := s.component("greeter", "greeter")
	sender := s.component("greeter", "hup-sender")
	ctrl := s.controller("greeter")
	reloads, sent := fileIn(t, greeter, "/tmp/reloads"), fileIn(t, sender, "/tmp/sent")

	// The sidecar's SIGHUPs reach the app through the shared PID namespace.
	s.waitLogs("greeter", 30*time.Second,
		`hup-sender \| hup-sender: sent SIGHUP #1 to the greeter`,
		`greeter \| greeter: SIGHUP received, reload #1`)
	var diff int
	testenv.WaitFor(t, 10*time.Second, func() bool {
		d, ok := hupsFromOutside(reloads, sent)
		diff = d
		return ok && d == 0
	}, "every SIGHUP the sender sent to be a reload of the greeter (reloads-sent: %d)", &diff)

	// docker kill -s HUP on the controller reaches the app.
	testenv.MustDocker(t, "kill", "-s", "HUP", ctrl)
	testenv.WaitFor(t, 10*time.Second, func() bool {
		d, ok := hupsFromOutside(reloads, sent)
		diff = d
		return ok && d == 1
	}, "one reload more than the sender's SIGHUPs after docker kill -s HUP (reloads-sent: %d)", &diff)

	// x-podinit signals: [] kept it from the sender, which would have died
	// of it (and ended the pod).
	state := testenv.MustDocker(t, "inspect", "-f", "{{.State.Running}}", sender)
	require.Equal(t, "true", state, "the sender must not get the forwarded SIGHUP")
	require.Equal(t, sender, s.component("greeter", "hup-sender"))
	s.rm()
}

func TestLogging(t *testing.T) {
	t.Parallel()
	s := deploy(t, "logging")
	s.component("app", "legacy-app")
	s.component("app", "shipper")
	s.waitLogs("app", 30*time.Second,
		`(?m)^legacy-app \| legacy-app: started; logging to /var/log/app/app\.log only$`,
		`(?m)^shipper \| shipper: following /var/log/app/app\.log$`,
		`(?m)^shipper \| \d\d:\d\d:\d\d request #3 served$`)
	s.rm()
}

func TestVolume(t *testing.T) {
	t.Parallel()
	s := deploy(t, "volume")
	site := s.component("site", "site")
	s.component("site", "configurer")
	var out string
	testenv.WaitFor(t, 20*time.Second, func() bool {
		out, _ = execIn(site, "wget", "-qO-", "http://localhost:8080/")
		return out == "hello from the site"
	}, "the site's default page (last: %q)", &out)

	out, err := execIn(site, "wget", "-qO-", "http://localhost:8081/cgi-bin/set?greeting=bonjour+from+the+configurer")
	require.NoError(t, err, out)
	testenv.WaitFor(t, 10*time.Second, func() bool {
		out, _ = execIn(site, "wget", "-qO-", "http://localhost:8080/")
		return out == "bonjour from the configurer"
	}, "the site to reload the rewritten config (last: %q)", &out)
	s.waitLogs("site", 10*time.Second, `configurer \| configurer: greeting set to 'bonjour from the configurer', SIGHUP sent`)
	s.rm()
}

func TestJob(t *testing.T) {
	t.Parallel()
	s := deploy(t, "job")
	var tasks string
	testenv.WaitFor(t, 90*time.Second, func() bool {
		tasks, _ = testenv.Docker("service", "ps", "--format", "{{.ID}} {{.CurrentState}}", s.svc("batch"))
		return strings.Contains(tasks, "Complete")
	}, "the job's task to complete (tasks: %q)", &tasks)
	// A task Swarm rejected before it ran (seen on Docker 28.5 while
	// parallel stacks made their networks: "Pool overlaps with other one")
	// never started the job; every task that did run counts.
	var lines []string
	for _, l := range strings.Split(tasks, "\n") {
		if !strings.Contains(l, "Rejected") {
			lines = append(lines, l)
		}
	}
	require.Len(t, lines, 1, "a job that succeeds runs once (tasks: %s)", tasks)
	task := strings.Fields(lines[0])[0]
	status := testenv.MustDocker(t, "inspect", "-f", "{{.Status.ContainerStatus.ExitCode}} {{.Status.ContainerStatus.ContainerID}}", task)
	code, ctrl, _ := strings.Cut(status, " ")
	require.Equal(t, "0", code, "the controller's exit code")
	left, _ := testenv.Docker("ps", "-aq", "--filter", "label=podinit.controller="+ctrl)
	require.Empty(t, left, "the job's components must be gone once it completed")

	s.waitLogs("batch", 10*time.Second,
		`(?m)^shipper \| \d\d:\d\d:\d\d batch: step 5/5 done$`,
		`(?m)^shipper \| \d\d:\d\d:\d\d batch: finished$`,
		`(?m)^batch \| batch: exiting 0$`,
		`every main component completed; exit 0`)
	s.rm()
}

func TestServiceRmDuringStartUp(t *testing.T) {
	t.Parallel()
	// The writer becomes healthy once it has written the config, and only
	// then does the app start: remove the service in between. Its DELAY
	// (2s in the example) is an hour here, so that the test cannot miss
	// the moment.
	s := deployEdited(t, "sidecar-init", func(stack string) string {
		return strings.Replace(stack, "[GREETING=hello once the writer is healthy]", "[GREETING=hello once the writer is healthy, DELAY=3600]", 1)
	})
	svc := s.svc("healthy")
	var states string
	testenv.WaitFor(t, 90*time.Second, func() bool {
		states, _ = testenv.Docker("ps", "-a", "--filter", "label=podinit.swarm.service.name="+svc, "--format", `{{.Label "podinit.component"}}`)
		return strings.Contains(states, "writer")
	}, "the writer component to exist (have: %q)", &states)
	require.NotContains(t, states, "app", "the app started before its writer was healthy")
	testenv.MustDocker(t, "service", "rm", svc)

	var left string
	for _, settle := range []time.Duration{0, 3 * time.Second} {
		// Check again after a pause: a controller still starting must not
		// create a component after its pod looked empty.
		time.Sleep(settle)
		testenv.WaitFor(t, 60*time.Second, func() bool {
			a, _ := testenv.Docker("ps", "-a", "--filter", "label=podinit.swarm.service.name="+svc, "--format", "{{.Names}} {{.State}}")
			b, _ := testenv.Docker("ps", "-a", "--filter", "label=com.docker.swarm.service.name="+svc, "--format", "{{.Names}} {{.State}}")
			left = strings.TrimSpace(a + "\n" + b)
			return left == ""
		}, "nothing of the removed service left (left: %q)", &left)
	}
	s.rm()
}
