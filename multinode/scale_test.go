//go:build multinode

package multinode

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/podinit/podinit/internal/testenv"
)

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
