//go:build multinode

package multinode

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/podinit/podinit/internal/testenv"
)

// TestPodsSpreadAndTalkAcrossNodes: three pods, one per node, each whole on
// its controller's node; a client on n2 reaches every pod's web component
// through the pod service's name, and every pod's components reach a
// service on n1.
func TestPodsSpreadAndTalkAcrossNodes(t *testing.T) {
	requireLab(t)
	deploy(t, "spread", stack(t, true, pod{Name: "pod", Replicas: 3}))
	s := waitWhole(t, "spread_pod", 3, 90*time.Second, nodes, components...)
	require.Equal(t, map[node]int{1: 1, 2: 1, 3: 1}, perNode(s.running()), "one pod per node:%v", s)
	for _, c := range s.running() {
		for _, m := range s.of(c.id) {
			// The component is in its own controller's pod: its network and
			// PID namespaces are the controller's, and the pod label is the
			// controller's slot.
			mode := c.node.must(t, "inspect", "-f", "{{.HostConfig.NetworkMode}} {{.HostConfig.PidMode}}", m.id)
			require.Equal(t, "container:"+c.id+" container:"+c.id, mode, "%s of %s", m.component, c.name)
			require.Equal(t, strings.Join(strings.Split(c.name, ".")[:2], "."), m.pod)
		}
	}

	// The client on n2 reaches every pod's web through the name "pod"
	// (dnsrr: each lookup lists every pod's address, in turn first).
	client := waitRunning(t, 2, "spread_client")
	want := map[string]bool{}
	for _, c := range s.running() {
		want[c.id[:12]] = true
	}
	seen := map[string]bool{}
	var last string
	testenv.WaitFor(t, 60*time.Second, func() bool {
		body, err := get(2, client, "pod")
		last = fmt.Sprint(body, err)
		if want[body] {
			seen[body] = true
		}
		return len(seen) == len(want)
	}, "the client on n2 to reach all three pods by the service name (last: %s)", &last)

	// Every pod's components reach peer, on n1, by its name.
	for _, c := range s.running() {
		side := ""
		for _, m := range s.of(c.id) {
			if m.component == "side" {
				side = m.id
			}
		}
		testenv.WaitFor(t, 30*time.Second, func() bool {
			body, err := get(c.node, side, "peer")
			last = fmt.Sprint(body, err)
			return body == "peer"
		}, "pod on "+c.node.String()+" to reach peer on n1 (last: %s)", &last)
	}
}

// waitRunning returns the running container of a plain service on a node.
func waitRunning(t *testing.T, n node, service string) string {
	t.Helper()
	var id string
	testenv.WaitFor(t, 60*time.Second, func() bool {
		id, _ = n.docker("ps", "-q", "--filter", "label=com.docker.swarm.service.name="+service)
		return id != "" && !strings.Contains(id, "\n")
	}, service+" running on "+n.String())
	return id
}

// TestDrainStopsPodsInOrderAndMovesThem: draining n3 stops its pod in
// order within the budget (each component gets SIGTERM and exits 0, the
// controller exits 0), nothing of it stays on n3, and three whole pods run
// on n1 and n2.
func TestDrainStopsPodsInOrderAndMovesThem(t *testing.T) {
	requireLab(t)
	deploy(t, "drain", stack(t, false, pod{Name: "pod", Replicas: 3}))
	s := waitWhole(t, "drain_pod", 3, 90*time.Second, nodes, components...)
	var old box
	for _, c := range s.running() {
		if c.node == 3 {
			old = c
		}
	}
	require.NotEmpty(t, old.id, "a pod on n3:%v", s)

	t.Cleanup(func() { manager.docker("node", "update", "--availability", "active", "lab-n3") })
	manager.must(t, "node", "update", "--availability", "drain", "lab-n3")
	var state string
	testenv.WaitFor(t, 30*time.Second, func() bool {
		state, _ = node(3).docker("inspect", "-f", "{{.State.Status}} {{.State.ExitCode}}", old.id)
		return strings.HasPrefix(state, "exited")
	}, "the controller on n3 to exit (state %s)", &state)
	require.Equal(t, "exited 0", state, "the drained pod's controller exits 0")
	logs := node(3).must(t, "logs", old.id)
	for _, want := range []string{"web | web got TERM", "side | side got TERM", "web exited with 0", "side exited with 0"} {
		require.Contains(t, logs, want)
	}
	require.NotContains(t, logs, "SIGKILL")
	// The stop is in order: the main component before its sidecar. Both
	// lines are podinit's own (stderr): the components' output comes on
	// stdout, and docker logs does not keep the order across the two
	// streams.
	require.Less(t, strings.Index(logs, "web exited with 0"), strings.Index(logs, "side: running -> stopping"), logs)

	after := waitWhole(t, "drain_pod", 3, 90*time.Second, nodes, components...)
	require.Zero(t, perNode(after.running())[3], "no pod on the drained node:%v", after)
	require.Empty(t, after.of(old.id), "nothing of the drained pod left")
}

// TestNodeLossReschedulesPodsAndLeavesNothing: n3's engine is SIGKILLed
// under four pod services, with and without PID sharing, each with the
// default -engine-lost-after (60s, longer than the outage here) or 0, or
// fenced with -engine-lost-after 1s. Swarm reschedules their pods onto n1
// and n2, where they come up whole. On n3 the fenced pods stop without
// their engine (with PID sharing every process of theirs is gone) before
// Swarm's copies start elsewhere; the others run on until n3's engine
// returns. Then nothing of any lost pod stays on n3.
func TestNodeLossReschedulesPodsAndLeavesNothing(t *testing.T) {
	requireLab(t)
	// Below the lab's node-down time (1.3s on 28.5, 2.2s and more on 20.10,
	// with its 1s heartbeat).
	fence := []string{"-engine-lost-after", "1s"}
	deploy(t, "loss", stack(t, false,
		pod{Name: "shared", Replicas: 3},
		pod{Name: "private", Replicas: 3, Flags: []string{"-pids=false", "-engine-lost-after", "0"}},
		pod{Name: "fenced", Replicas: 3, Flags: fence},
		pod{Name: "fencedprivate", Replicas: 3, Flags: append([]string{"-pids=false"}, fence...)}))
	lost := map[string]box{}
	ctrlPid := map[string]string{}    // service: the host pid of its controller on n3
	compPids := map[string][]string{} // service: the host pids of its components on n3
	before := map[string]bool{}       // every controller that ran before the loss
	for _, svc := range []string{"loss_shared", "loss_private", "loss_fenced", "loss_fencedprivate"} {
		s := waitWhole(t, svc, 3, 90*time.Second, nodes, components...)
		for _, c := range s.running() {
			before[c.id] = true
			if c.node == 3 {
				lost[svc] = c
				ctrlPid[svc], _ = node(3).docker("inspect", "-f", "{{.State.Pid}}", c.id)
				for _, m := range s.of(c.id) {
					pid, _ := node(3).docker("inspect", "-f", "{{.State.Pid}}", m.id)
					compPids[svc] = append(compPids[svc], pid)
				}
			}
		}
		require.Contains(t, lost, svc, "a pod of %s on n3:%v", svc, s)
	}

	t.Cleanup(func() { restartNode(t, 3) })
	killed := time.Now()
	out, err := run(lab, "kill", "3")
	require.NoError(t, err, out)

	// On n3, seen from the host: when the fenced pods are gone, and when
	// the manager has n3 Down. seen is when a look that still found a
	// fenced pod began: it ran then or later, however late the look. (When
	// it was gone can only be seen late.)
	gone, seen := map[string]time.Duration{}, map[string]time.Duration{}
	var down time.Duration
	for (len(gone) < 2 || down == 0) && time.Since(killed) < 30*time.Second {
		look := time.Since(killed)
		if _, ok := gone["loss_fenced"]; !ok {
			if anyAlive(append(compPids["loss_fenced"], ctrlPid["loss_fenced"])) {
				seen["loss_fenced"] = look
			} else {
				gone["loss_fenced"] = time.Since(killed)
			}
		}
		look = time.Since(killed)
		if _, ok := gone["loss_fencedprivate"]; !ok {
			if processAlive(ctrlPid["loss_fencedprivate"]) {
				seen["loss_fencedprivate"] = look
			} else {
				gone["loss_fencedprivate"] = time.Since(killed)
			}
		}
		if down == 0 {
			if st, _ := manager.docker("node", "inspect", "-f", "{{.Status.State}}", "lab-n3"); st == "down" {
				down = time.Since(killed)
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	require.Len(t, gone, 2, "the fenced pods on n3 still run 30s after their engine died")
	require.NotZero(t, down, "n3 not Down 30s after its engine died")
	t.Logf("after n3's engine died: n3 Down at %s; fenced pods gone from n3 at %v (-pids: every process; -pids=false: the controller)",
		down.Round(time.Millisecond), gone)

	up := map[string]time.Duration{}
	for svc := range lost {
		s := waitWhole(t, svc, 3, 60*time.Second, []node{1, 2}, components...)
		up[svc] = time.Since(killed)
		// The first of Swarm's copies: the earliest start of a controller
		// that did not run before the loss.
		var first time.Time
		for _, c := range s.running() {
			if before[c.id] {
				continue
			}
			at, err := time.Parse(time.RFC3339Nano, c.node.must(t, "inspect", "-f", "{{.State.StartedAt}}", c.id))
			require.NoError(t, err)
			if first.IsZero() || at.Before(first) {
				first = at
			}
		}
		require.False(t, first.IsZero(), "no new pod of %s:%v", svc, s)
		copyAt := first.Sub(killed)
		t.Logf("%s: Swarm's copy started %s after the loss, whole on n1/n2 at %s", svc, copyAt.Round(time.Millisecond), up[svc].Round(time.Millisecond))
		if _, fenced := gone[svc]; fenced {
			require.Less(t, seen[svc], copyAt, "%s: the fenced pod must be gone from n3 before Swarm's copy starts (gone seen at %s)", svc, gone[svc])
		}
	}

	// Unfenced, the pods on n3 run on without their engine; fenced without
	// PID sharing, its components too (only the engine could stop them).
	require.Less(t, time.Since(killed), 50*time.Second, "the outage must stay under the default -engine-lost-after (60s)")
	for _, svc := range []string{"loss_shared", "loss_private"} {
		require.True(t, processAlive(ctrlPid[svc]), "%s's controller on n3 ended without its engine", svc)
	}
	for _, svc := range []string{"loss_shared", "loss_private", "loss_fencedprivate"} {
		for _, pid := range compPids[svc] {
			require.True(t, processAlive(pid), "a component of %s on n3 ended without its engine", svc)
		}
	}

	restartNode(t, 3)
	for svc, c := range lost {
		state, _ := node(3).docker("inspect", "-f", "{{.State.Status}} {{.State.ExitCode}}", c.id)
		logs, _ := node(3).docker("logs", "--tail", "8", c.id)
		t.Logf("%s: the lost controller %.12s on n3 after its engine returned: %s; its last words:\n%s", svc, c.id, state, logs)
		var s snapshot
		testenv.WaitFor(t, 30*time.Second, func() bool {
			s = take(t, svc, 3)
			return len(s.of(c.id)) == 0
		}, "nothing of the lost pod on n3:%v", &stringer{&s})
	}
	// Nor any of their processes, which the engine might no longer see.
	for svc, pids := range compPids {
		for _, pid := range append(pids, ctrlPid[svc]) {
			testenv.WaitFor(t, 20*time.Second, func() bool { return !processAlive(pid) },
				"pid "+pid+" of "+svc+" to end once n3's engine is back")
		}
	}
}

func anyAlive(pids []string) bool {
	for _, p := range pids {
		if processAlive(p) {
			return true
		}
	}
	return false
}

// restartNode starts a node's engine again and waits until it is Ready.
func restartNode(t *testing.T, n node) {
	t.Helper()
	out, err := run(lab, "start", fmt.Sprint(int(n)))
	require.NoError(t, err, out)
	waitReady(t, n)
}
