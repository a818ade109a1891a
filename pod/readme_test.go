package pod

import (
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/podinit/podinit/internal/testenv"
)

// docs/lifecycle.md's table of component states is the transition table.
func TestReadmeComponentStatesMatchTheCode(t *testing.T) {
	got := map[string][]string{}
	for _, line := range strings.Split(testenv.DocBlock(t, "docs/lifecycle.md", "component-states"), "\n") {
		cells := strings.Split(line, "|")
		if len(cells) != 5 || strings.HasPrefix(strings.TrimSpace(cells[1]), "state") || strings.HasPrefix(strings.TrimSpace(cells[1]), "---") {
			continue
		}
		var next []string
		for _, n := range strings.Split(cells[3], ",") {
			if n = strings.TrimSpace(n); n != "" {
				next = append(next, n)
			}
		}
		got[strings.TrimSpace(cells[1])] = next
	}
	want := map[string][]string{}
	for s := stateWaiting; s <= stateFailed; s++ {
		var next []string
		for _, n := range transitions[s] {
			next = append(next, n.String())
		}
		slices.Sort(next)
		want[s.String()] = next
	}
	for k := range got {
		slices.Sort(got[k])
	}
	require.Equal(t, want, got, "docs/lifecycle.md's component states must be the transition table")
}
