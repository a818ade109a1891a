//go:build multinode

package multinode

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestRollingUpdateKeepsItsPromise: forced updates of two services of three
// pods each, parallelism 1, one start-first and one stop-first, at the same
// time: neither ever has fewer whole pods running than its update config
// promises (start-first: all three; stop-first: two), every pod is
// replaced, and no component is left behind on any node.
func TestRollingUpdateKeepsItsPromise(t *testing.T) {
	requireLab(t)
	orders := []struct {
		svc, order string
		least      int
	}{{"upd_first", "start-first", 3}, {"upd_stop", "stop-first", 2}}
	deploy(t, "upd", stack(t, false,
		pod{Name: "first", Replicas: 3, Order: "start-first"},
		pod{Name: "stop", Replicas: 3, Order: "stop-first"}))
	old := map[string]bool{}
	for _, o := range orders {
		for _, c := range waitWhole(t, o.svc, 3, 90*time.Second, nodes, components...).running() {
			old[c.id] = true
		}
	}

	done := make(chan error, len(orders))
	for _, o := range orders {
		go func() {
			out, err := manager.docker("service", "update", "--force", "--detach=false", "--no-resolve-image", o.svc)
			if err != nil {
				err = &updateError{o.svc, out, err}
			}
			done <- err
		}()
	}
	fewest := map[string]int{}
	worst := map[string]snapshot{}
	for _, o := range orders {
		fewest[o.svc] = 3
	}
	polls := 0
	for pending := len(orders); pending > 0; {
		select {
		case err := <-done:
			require.NoError(t, err)
			pending--
		case <-time.After(200 * time.Millisecond): // a dip lasts seconds: a stop, a start, a health check
		}
		polls++
		for _, o := range orders {
			s := take(t, o.svc)
			if n := len(s.whole(components...)); n < fewest[o.svc] {
				fewest[o.svc], worst[o.svc] = n, s
			}
		}
	}
	for _, o := range orders {
		t.Logf("%s: fewest whole pods during the update: %d (%d looks)", o.order, fewest[o.svc], polls)
		require.GreaterOrEqual(t, fewest[o.svc], o.least, "%s: whole pods during the update:%v", o.order, worst[o.svc])

		after := waitWhole(t, o.svc, 3, 60*time.Second, nodes, components...)
		for _, c := range after.running() {
			require.False(t, old[c.id], "pod %s was not replaced", c.name)
		}
		for id := range old {
			require.Empty(t, after.of(id), "components of the replaced controller %.12s", id)
		}
	}
}

type updateError struct {
	svc, out string
	err      error
}

func (e *updateError) Error() string {
	return "docker service update " + e.svc + ": " + e.err.Error() + ": " + e.out
}
