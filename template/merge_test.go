package template

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestMergeRules(t *testing.T) {
	for _, tc := range []struct {
		name           string
		target, source map[string]any
		want           map[string]any
	}{
		{"new key is added", m("a", 1), m("b", 2), m("a", 1, "b", 2)},
		{"scalar is never overwritten", m("image", "first"), m("image", "second"), m("image", "first")},
		{"null stays (a template can block a key)", m("labels", nil), m("labels", m("x", "y")), m("labels", nil)},
		{"map merges into map", m("labels", m("a", "1", "b", "1")), m("labels", m("b", "2", "c", "2")), m("labels", m("a", "1", "b", "1", "c", "2"))},
		{"nested maps merge", m("deploy", m("resources", m("limits", m("memory", "64M")))), m("deploy", m("resources", m("limits", m("cpus", "0.5")), "replicas", 2)),
			m("deploy", m("resources", m("limits", m("memory", "64M", "cpus", "0.5")), "replicas", 2))},
		{"k=v list merges into map", m("environment", m("A", "1")), m("environment", l("A=2", "B=2")), m("environment", m("A", "1", "B", "2"))},
		{"list that is not k=v does not merge into a map", m("environment", m("A", "1")), m("environment", l("A=2", 3)), m("environment", m("A", "1"))},
		{"list appends to list", m("command", l("a")), m("command", l("b", "c")), m("command", l("a", "b", "c"))},
		{"string appends to list", m("dns", l("1.1.1.1")), m("dns", "8.8.8.8"), m("dns", l("1.1.1.1", "8.8.8.8"))},
		{"map into k=v list makes a map", m("environment", l("A=1")), m("environment", m("A", "2", "B", "2")), m("environment", m("A", "1", "B", "2"))},
		{"map into other list is dropped", m("ports", l(80)), m("ports", m("a", "b")), m("ports", l(80))},
		{"list into string is dropped", m("command", "run"), m("command", l("x")), m("command", "run")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			merge(tc.target, tc.source)
			require.Equal(t, tc.want, tc.target)
		})
	}
}

func TestMergeDoesNotAliasSource(t *testing.T) {
	src := m("labels", m("a", "1"), "list", l("x"))
	target := map[string]any{}
	merge(target, src)
	merge(target, m("labels", m("b", "2"), "list", l("y")))
	require.Equal(t, m("labels", m("a", "1"), "list", l("x")), src, "merging into the copy changed the source")
}

func TestAddServiceKey(t *testing.T) {
	for _, tc := range []struct {
		name   string
		target map[string]any
		k      string
		v      any
		want   any
	}{
		{"absent key is copied", m(), "image", "app", "app"},
		{"template's scalar wins", m("image", "tmpl"), "image", "svc", "tmpl"},
		{"template's list is not extended", m("command", l("a")), "command", l("b"), l("a")},
		{"maps merge", m("deploy", m("replicas", 1)), "deploy", m("replicas", 3, "mode", "replicated"), m("replicas", 1, "mode", "replicated")},
		{"environment list and map merge", m("environment", l("A=1")), "environment", m("A", "2", "B", "2"), m("A", "1", "B", "2")},
		{"environment lists merge", m("environment", l("A=1")), "environment", l("B=2"), m("A", "1", "B", "2")},
		{"labels map and list merge", m("labels", m("a", "1")), "labels", l("b=2"), m("a", "1", "b", "2")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			addServiceKey(tc.target, tc.k, tc.v)
			require.Equal(t, tc.want, tc.target[tc.k])
		})
	}
}

// m builds a map from key, value pairs.
func m(kv ...any) map[string]any {
	out := map[string]any{}
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i].(string)] = kv[i+1]
	}
	return out
}

func l(items ...any) []any { return items }
