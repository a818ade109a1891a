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

// TestAnyControllerRemovesWhatADeadPodLeftOnItsNode: a pod's controller on
// n3 is SIGKILLed while n3 takes no new tasks, so Swarm restarts that slot
// on another node. Without PID sharing its components outlive it on n3 (with
// it, the kernel ends them with the controller). The next podinit
// controller to start on n3, of another pod, with or without -pids,
// removes them.
func TestAnyControllerRemovesWhatADeadPodLeftOnItsNode(t *testing.T) {
	requireLab(t)
	for i, remover := range []string{"-pids=true", "-pids=false"} {
		t.Run("remover "+remover, func(t *testing.T) {
			st := fmt.Sprint("dead", i)
			// The shared-PID pod shows once that nothing outlives it.
			pods := []pod{{Name: "private", Replicas: 3, Flags: []string{"-pids=false"}}}
			shared, private := st+"_shared", st+"_private"
			services := []string{private}
			if i == 0 {
				pods = append(pods, pod{Name: "shared", Replicas: 3})
				services = append(services, shared)
			}
			deploy(t, st, stack(t, false, pods...))
			dead := map[string]box{}
			for _, svc := range services {
				s := waitWhole(t, svc, 3, 90*time.Second, nodes, components...)
				for _, c := range s.running() {
					if c.node == 3 {
						dead[svc] = c
					}
				}
				require.Contains(t, dead, svc, "a pod of %s on n3:%v", svc, s)
			}
			t.Cleanup(func() { manager.docker("node", "update", "--availability", "active", "lab-n3") })
			manager.must(t, "node", "update", "--availability", "pause", "lab-n3")
			for _, c := range dead {
				node(3).must(t, "kill", "-s", "KILL", c.id)
			}
			// Swarm restarts both slots elsewhere; on n3 the private pod's
			// components still run, the shared pod's are gone.
			for svc := range dead {
				waitWhole(t, svc, 3, 60*time.Second, []node{1, 2}, components...)
			}
			if c, ok := dead[shared]; ok {
				var s snapshot
				testenv.WaitFor(t, 20*time.Second, func() bool {
					s = take(t, shared, 3)
					return len(s.of(c.id)) == 0
				}, "the shared-PID pod's components to end with their controller:%v", &stringer{&s})
			}
			left := take(t, private, 3).of(dead[private].id)
			require.Len(t, left, 3, "the private-PID pod's components outlive its controller on n3")
			for _, m := range left {
				require.Equal(t, "running", m.state, m.name)
			}

			// Another pod's controller starts on n3.
			manager.must(t, "node", "update", "--availability", "active", "lab-n3")
			name := fmt.Sprintf("remover-%d", time.Now().UnixNano())
			t.Cleanup(func() { node(3).docker("rm", "-f", name) })
			node(3).must(t, "run", "-d", "--name", name, "-v", "/var/run/docker.sock:/var/run/docker.sock",
				"--label", "pod.component.app=image: "+testenv.Busybox+"\ncommand: [sleep, '3600']",
				testenv.PodImage, remover)
			var logs string
			testenv.WaitFor(t, 30*time.Second, func() bool {
				logs, _ = node(3).docker("logs", name)
				return strings.Contains(logs, "app started")
			}, "the remover's pod to start:\n%s", &logs)
			for _, m := range left {
				_, err := node(3).docker("inspect", m.id)
				require.Error(t, err, "%s is still on n3", m.name)
				require.Contains(t, logs, fmt.Sprintf("removing %s (pod %s), left behind by controller %.12s which no longer runs", m.name, m.pod, dead[private].id))
			}
			node(3).must(t, "rm", "-f", name)
		})
	}
}
