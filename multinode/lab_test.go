//go:build multinode

package multinode

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/podinit/podinit/internal/testenv"
)

// nodes of the lab: n1 is the manager.
var nodes = []node{1, 2, 3}

type node int

func (n node) String() string   { return fmt.Sprintf("n%d", int(n)) }
func (n node) hostname() string { return fmt.Sprintf("lab-n%d", int(n)) }
func (n node) socket() string   { return fmt.Sprintf("/run/podinit-lab/n%d/docker.sock", int(n)) }

// docker runs the docker CLI against the node's engine.
func (n node) docker(args ...string) (string, error) {
	cmd := exec.Command("docker", args...)
	cmd.Env = append(os.Environ(), "DOCKER_HOST=unix://"+n.socket())
	out, err := cmd.CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

func (n node) must(t testing.TB, args ...string) string {
	t.Helper()
	out, err := n.docker(args...)
	if err != nil {
		t.Fatalf("%s: docker %s: %v: %s", n, strings.Join(args, " "), err, out)
	}
	return out
}

const manager node = 1

var lab = filepath.Join(testenv.RepoRoot(), "scripts", "swarmlab.sh")

// requireLab makes sure the lab is up and every node Ready.
func requireLab(t *testing.T) {
	t.Helper()
	testenv.RequireRoot(t)
	out, err := exec.Command(lab, "status").CombinedOutput()
	if err != nil {
		testenv.Unavailable(t, "the swarm lab is not up (run scripts/swarmlab-tests.sh, or scripts/swarmlab.sh up): %s", out)
	}
	for _, img := range []string{testenv.PodImage, testenv.Busybox} {
		for _, n := range nodes {
			if _, err := n.docker("image", "inspect", img); err != nil {
				testenv.Unavailable(t, "image %s is not loaded on %s (PODINIT_IMAGE=%s scripts/swarmlab.sh up)", img, n, testenv.PodImage)
			}
		}
	}
	waitReady(t, nodes...)
}

func waitReady(t *testing.T, want ...node) {
	t.Helper()
	var got string
	testenv.WaitFor(t, 60*time.Second, func() bool {
		got, _ = manager.docker("node", "ls", "--format", "{{.Hostname}} {{.Status}} {{.Availability}}")
		for _, n := range want {
			if !strings.Contains(got, n.hostname()+" Ready Active") {
				return false
			}
		}
		return true
	}, "nodes %v Ready and Active (last: %q)", want, &got)
}

// deploy deploys a stack from the manager and removes it at cleanup,
// waiting until nothing of it is left on any node.
func deploy(t *testing.T, name, yaml string) {
	t.Helper()
	file := filepath.Join(t.TempDir(), "stack.yml")
	if err := os.WriteFile(file, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { removeStack(t, name) })
	// A network of an earlier stack of the same name may still be on its
	// way out (Swarm removes it asynchronously): try again then.
	var out string
	testenv.WaitFor(t, 30*time.Second, func() bool {
		var err error
		out, err = manager.docker("stack", "deploy", "--resolve-image", "never", "-c", file, name)
		return err == nil
	}, "stack deploy %s: %s", name, &out)
}

func removeStack(t *testing.T, name string) {
	t.Helper()
	if t.Failed() {
		for _, n := range nodes {
			ids, _ := n.docker("ps", "-aq", "--filter", "label=com.docker.stack.namespace="+name)
			for _, id := range strings.Fields(ids) {
				logs, _ := n.docker("logs", "--tail", "40", id)
				t.Logf("%s: controller %s:\n%s", n, id, logs)
			}
		}
	}
	// The controllers' stops, read as they happen: once a controller is
	// removed its log is gone, and it is what says why a component stayed.
	stops := followControllers(name)
	defer stops.end()
	manager.docker("stack", "rm", name)
	var left []string
	leftNow := func() bool {
		left = nil
		for _, n := range nodes {
			out, _ := n.docker("ps", "-a", "--filter", "label=podinit.swarm.service.name", "--format",
				`{{.Label "podinit.swarm.service.name"}} {{.Names}} {{.Status}} controller {{.Label "podinit.controller"}}`)
			for _, l := range strings.Split(out, "\n") {
				if strings.HasPrefix(l, name+"_") {
					left = append(left, n.String()+":"+l)
				}
			}
		}
		return len(left) == 0
	}
	for deadline := time.Now().Add(60 * time.Second); !leftNow(); time.Sleep(200 * time.Millisecond) {
		if time.Now().After(deadline) {
			stops.end()
			t.Fatalf("60s after stack rm %s, components are left on the nodes: %v\nthe controllers' logs during the removal:\n%s", name, left, stops)
		}
	}
	// Swarm removes the network without waiting for the tasks; once they
	// are gone a second rm takes the network away.
	manager.docker("stack", "rm", name)
}

// followed is every controller of a stack followed with `docker logs -f`
// on its node, until each ends or end is called.
type followed struct {
	cmds []*exec.Cmd
	outs []*testenv.SyncBuffer
	ids  []string
}

func followControllers(stack string) *followed {
	f := &followed{}
	for _, n := range nodes {
		ids, _ := n.docker("ps", "-q", "--filter", "label=com.docker.stack.namespace="+stack)
		for _, id := range strings.Fields(ids) {
			cmd := exec.Command("docker", "logs", "-f", "--since", "1s", id)
			cmd.Env = append(os.Environ(), "DOCKER_HOST=unix://"+n.socket())
			out := &testenv.SyncBuffer{}
			cmd.Stdout, cmd.Stderr = out, out
			if cmd.Start() == nil {
				f.cmds, f.outs, f.ids = append(f.cmds, cmd), append(f.outs, out), append(f.ids, n.String()+":"+id)
			}
		}
	}
	return f
}

func (f *followed) end() {
	for _, c := range f.cmds {
		if c.Process != nil {
			c.Process.Kill()
			c.Wait()
		}
	}
	f.cmds = nil
}

func (f *followed) String() string {
	var b strings.Builder
	for i, id := range f.ids {
		fmt.Fprintf(&b, "--- controller %.16s:\n%s", id, f.outs[i].String())
	}
	return b.String()
}

// box is one container on a node, as the tests see it.
type box struct {
	node       node
	id         string
	name       string
	state      string // running, exited, created…
	controller string // podinit.controller of a component, "" for a controller
	component  string
	pod        string
}

// snapshot lists a service's controllers and components on every node that
// answers; down nodes are skipped.
type snapshot struct {
	controllers []box
	components  []box
}

func take(t *testing.T, service string, on ...node) snapshot {
	t.Helper()
	if len(on) == 0 {
		on = nodes
	}
	var s snapshot
	const format = `{{.ID}}|{{.Names}}|{{.State}}|{{.Label "podinit.controller"}}|{{.Label "podinit.component"}}|{{.Label "podinit.pod"}}`
	for _, n := range on {
		for _, filter := range []string{"label=com.docker.swarm.service.name=" + service, "label=podinit.swarm.service.name=" + service} {
			out, err := n.docker("ps", "-a", "--no-trunc", "--filter", filter, "--format", format)
			if err != nil {
				continue
			}
			for _, l := range strings.Split(out, "\n") {
				f := strings.Split(l, "|")
				if len(f) != 6 {
					continue
				}
				b := box{node: n, id: f[0], name: f[1], state: f[2], controller: f[3], component: f[4], pod: f[5]}
				if b.controller == "" {
					s.controllers = append(s.controllers, b)
				} else {
					s.components = append(s.components, b)
				}
			}
		}
	}
	return s
}

// running lists the running controllers.
func (s snapshot) running() []box {
	var r []box
	for _, c := range s.controllers {
		if c.state == "running" {
			r = append(r, c)
		}
	}
	return r
}

// of lists the components of a controller.
func (s snapshot) of(controller string) []box {
	var r []box
	for _, c := range s.components {
		if c.controller == controller {
			r = append(r, c)
		}
	}
	return r
}

// whole lists the running controllers whose pods are whole: exactly the
// wanted components (and the IPC holder), each running, on the
// controller's own node.
func (s snapshot) whole(want ...string) []box {
	want = append(append([]string{}, want...), "ipc-holder")
	sort.Strings(want)
	var r []box
	for _, c := range s.running() {
		var got []string
		ok := true
		for _, m := range s.of(c.id) {
			got = append(got, m.component)
			ok = ok && m.state == "running" && m.node == c.node
		}
		sort.Strings(got)
		if ok && strings.Join(got, ",") == strings.Join(want, ",") {
			r = append(r, c)
		}
	}
	return r
}

// orphans lists components whose controller is not a running controller of
// the snapshot (on the nodes it covers).
func (s snapshot) orphans() []box {
	live := map[string]bool{}
	for _, c := range s.running() {
		live[c.id] = true
	}
	var r []box
	for _, m := range s.components {
		if !live[m.controller] {
			r = append(r, m)
		}
	}
	return r
}

func (s snapshot) String() string {
	var b strings.Builder
	for _, c := range s.controllers {
		fmt.Fprintf(&b, "\n  %s controller %.12s %s %s", c.node, c.id, c.state, c.name)
		for _, m := range s.of(c.id) {
			fmt.Fprintf(&b, "\n    %s %s %s", m.node, m.component, m.state)
		}
	}
	for _, m := range s.orphans() {
		fmt.Fprintf(&b, "\n  %s orphan %s (controller %.12s) %s", m.node, m.name, m.controller, m.state)
	}
	return b.String()
}

// perNode counts boxes by node.
func perNode(bs []box) map[node]int {
	m := map[node]int{}
	for _, b := range bs {
		m[b.node]++
	}
	return m
}

// waitWhole waits until the service has n whole pods on the given nodes and
// no orphan, and returns that snapshot.
func waitWhole(t *testing.T, service string, n int, timeout time.Duration, on []node, components ...string) snapshot {
	t.Helper()
	var s snapshot
	testenv.WaitFor(t, timeout, func() bool {
		s = take(t, service, on...)
		return len(s.whole(components...)) == n && len(s.running()) == n && len(s.orphans()) == 0
	}, "%d whole pods of %s and nothing else:%v", n, service, &stringer{&s})
	return s
}

// stringer prints a snapshot at the time of a failure message.
type stringer struct{ s *snapshot }

func (s *stringer) String() string { return s.s.String() }

// run runs a command and returns its combined output.
func run(name string, args ...string) (string, error) {
	out, err := exec.Command(name, args...).CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

// processAlive tells whether a host pid runs (a zombie does not).
func processAlive(pid string) bool {
	stat, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return false
	}
	i := strings.LastIndexByte(string(stat), ')')
	return i > 0 && i+2 < len(stat) && stat[i+2] != 'Z'
}
