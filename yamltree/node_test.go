package yamltree

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestDecodeGivesStringKeysOrSaysWhichKeyIsNot(t *testing.T) {
	n, err := Parse([]byte("a: {b: [1, {c: no}]}\n"))
	require.NoError(t, err)
	v, err := Decode(n)
	require.NoError(t, err)
	require.Equal(t, map[string]any{"a": map[string]any{"b": []any{1, map[string]any{"c": "no"}}}}, v, "YAML 1.2: no is a string")

	n, err = Parse([]byte("ports: {80: web}\n"))
	require.NoError(t, err)
	_, err = Decode(n)
	require.EqualError(t, err, "key 80 is not a string: quote it")
}

func TestLookupKeyLinesAndKinds(t *testing.T) {
	n, err := Parse([]byte("x: 1\ny:\n  - a\nz: ~\n"))
	require.NoError(t, err)
	require.Equal(t, map[string]int{"x": 1, "y": 2, "z": 4}, KeyLines(n))
	k, v := Lookup(n, "y")
	require.Equal(t, 2, k.Line)
	require.Equal(t, "a list", KindName(v))
	require.Equal(t, `the scalar "1"`, KindName(Value(n, "x")))
	require.Equal(t, "null", KindName(Value(n, "z")))
	require.True(t, IsNull(Value(n, "z")))
	require.True(t, IsNull(Value(n, "missing")))
	require.Nil(t, Value(Value(n, "x"), "x"), "a scalar has no keys")
}

func TestDeepCopyLeavesTheOriginalAlone(t *testing.T) {
	orig := map[string]any{"a": []any{map[string]any{"b": 1}}}
	cp := DeepCopy(orig).(map[string]any)
	cp["a"].([]any)[0].(map[string]any)["b"] = 2
	require.Equal(t, 1, orig["a"].([]any)[0].(map[string]any)["b"])
}

func TestParseFlatExpandsMergeKeysAndBoundsAliases(t *testing.T) {
	n, err := ParseFlat([]byte("base: &b {x: 1, y: 2}\nsvc:\n  <<: *b\n  y: 3\n"))
	require.NoError(t, err)
	v, err := Decode(Value(n, "svc"))
	require.NoError(t, err)
	require.Equal(t, map[string]any{"x": 1, "y": 3}, v, "explicit keys win over merged ones")

	bomb := "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n"
	_, err = ParseFlat([]byte(bomb))
	var le *LimitError
	require.ErrorAs(t, err, &le)
	require.Contains(t, le.Msg, "aliases expand to more than")
}
