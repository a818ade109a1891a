package yamltree

import (
	"fmt"

	yaml "go.yaml.in/yaml/v4"
)

// Parse parses the first YAML document of text as it is written (aliases
// and merge keys are left to whoever decodes it). An empty document gives
// a nil node.
func Parse(text []byte) (*yaml.Node, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(text, &doc); err != nil {
		return nil, err
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return nil, nil
	}
	return doc.Content[0], nil
}

// Lookup returns the key's node and its value in mapping n; both are nil
// when n is not a mapping or has no such key.
func Lookup(n *yaml.Node, key string) (k, v *yaml.Node) {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil, nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i], n.Content[i+1]
		}
	}
	return nil, nil
}

// Value is the value of key in mapping n, or nil.
func Value(n *yaml.Node, key string) *yaml.Node {
	_, v := Lookup(n, key)
	return v
}

// KeyLines maps each key of mapping n to the line it is on.
func KeyLines(n *yaml.Node) map[string]int {
	lines := map[string]int{}
	if n == nil || n.Kind != yaml.MappingNode {
		return lines
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		lines[n.Content[i].Value] = n.Content[i].Line
	}
	return lines
}

// IsNull is true for a missing value or an explicit null (`key:` or `~`).
func IsNull(n *yaml.Node) bool {
	return n == nil || n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

// KindName names a node's kind for error messages.
func KindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return "null"
		}
		return fmt.Sprintf("the scalar %q", n.Value)
	case yaml.AliasNode:
		return "an alias"
	}
	return "something else"
}

// Decode turns a node into plain Go values: map[string]any, []any,
// string, int, float64, bool or nil, the form compose-go's loader takes as
// an in-memory Compose file. A mapping key that is not a string (`80: x`)
// is an error, as in compose-go.
func Decode(n *yaml.Node) (any, error) {
	if n == nil {
		return nil, nil
	}
	var v any
	if err := n.Decode(&v); err != nil {
		return nil, err
	}
	return stringKeys(v)
}

func stringKeys(v any) (any, error) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			s, err := stringKeys(e)
			if err != nil {
				return nil, err
			}
			x[k] = s
		}
		return x, nil
	case map[any]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			ks, ok := k.(string)
			if !ok {
				return nil, fmt.Errorf("key %v is not a string: quote it", k)
			}
			s, err := stringKeys(e)
			if err != nil {
				return nil, err
			}
			m[ks] = s
		}
		return m, nil
	case []any:
		for i, e := range x {
			s, err := stringKeys(e)
			if err != nil {
				return nil, err
			}
			x[i] = s
		}
		return x, nil
	}
	return v, nil
}

// DeepCopy copies the maps and lists of a decoded value, so that changing
// the copy leaves the original (which other steps still read) alone.
func DeepCopy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = DeepCopy(e)
		}
		return m
	case []any:
		l := make([]any, len(x))
		for i, e := range x {
			l[i] = DeepCopy(e)
		}
		return l
	}
	return v
}
