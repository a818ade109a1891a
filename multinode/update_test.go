//go:build multinode

package multinode

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/podinit/podinit/internal/testenv"
)

// TestRollingUpdateKeepsItsPromise: a forced update of three pods with
// parallelism 1 never has fewer whole pods running than the update config
// promises (start-first: all three; stop-first: two), replaces every pod,
// and leaves no component behind on any node.
func TestRollingUpdateKeepsItsPromise(t *testing.T) {
	requireLab(t)
	for _, tc := range []struct {
		order string
		least int
	}{{"start-first", 3}, {"stop-first", 2}} {
		t.Run(tc.order, func(t *testing.T) {
			name := "upd" + tc.order[:4]
			svc := name + "_pod"
			deploy(t, name, stack(t, false, pod{Name: "pod", Replicas: 3, Order: tc.order}))
			before := waitWhole(t, svc, 3, 90*time.Second, nodes, components...)
			old := map[string]bool{}
			for _, c := range before.running() {
				old[c.id] = true
			}

			done := make(chan error, 1)
			go func() {
				_, err := manager.docker("service", "update", "--force", "--detach=false", "--no-resolve-image", svc)
				done <- err
			}()
			fewest, polls := 3, 0
			var worst snapshot
			for updating := true; updating; {
				select {
				case err := <-done:
					require.NoError(t, err)
					updating = false
				default:
				}
				time.Sleep(200 * time.Millisecond) // a dip lasts seconds: a stop, a start, a health check
				s := take(t, svc)
				polls++
				if n := len(s.whole(components...)); n < fewest {
					fewest, worst = n, s
				}
			}
			t.Logf("%s: fewest whole pods during the update: %d (%d looks)", tc.order, fewest, polls)
			require.GreaterOrEqual(t, fewest, tc.least, "whole pods during the update:%v", worst)

			after := waitWhole(t, svc, 3, 60*time.Second, nodes, components...)
			for _, c := range after.running() {
				require.False(t, old[c.id], "pod %s was not replaced", c.name)
			}
			for id := range old {
				require.Empty(t, after.of(id), "components of the replaced controller %.12s", id)
			}
		})
	}
}

// TestScaleToZeroAndBack: at 0 no pod runs and no component is left on any
// node; back at 3 the pods are whole, one per node.
func TestScaleToZeroAndBack(t *testing.T) {
	requireLab(t)
	deploy(t, "scale", stack(t, false, pod{Name: "pod", Replicas: 3}))
	waitWhole(t, "scale_pod", 3, 90*time.Second, nodes, components...)

	manager.must(t, "service", "scale", "--detach", "scale_pod=0")
	var s snapshot
	testenv.WaitFor(t, 60*time.Second, func() bool {
		s = take(t, "scale_pod")
		return len(s.running()) == 0 && len(s.components) == 0
	}, "no pod and no component at 0:%v", &stringer{&s})

	manager.must(t, "service", "scale", "--detach", "scale_pod=3")
	s = waitWhole(t, "scale_pod", 3, 90*time.Second, nodes, components...)
	require.Equal(t, map[node]int{1: 1, 2: 1, 3: 1}, perNode(s.running()), "spread again:%v", s)
}
