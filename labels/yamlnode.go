package labels

import (
	"fmt"
	"sort"

	yaml "go.yaml.in/yaml/v4"
)

// compose-go parses Compose files with go.yaml.in/yaml/v4; parsing labels
// with the same library keeps YAML's meaning identical (`no` is a string, not
// false, as in YAML 1.2) and gives the line of every key.

// parseYAML parses the first YAML document of text. An empty document gives
// a nil node.
func parseYAML(text []byte) (*yaml.Node, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(text, &doc); err != nil {
		return nil, err
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return nil, nil
	}
	return doc.Content[0], nil
}

// keyLines maps each key of a mapping node to the line it is on.
func keyLines(n *yaml.Node) map[string]int {
	lines := map[string]int{}
	if n == nil || n.Kind != yaml.MappingNode {
		return lines
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		lines[n.Content[i].Value] = n.Content[i].Line
	}
	return lines
}

// mappingValue returns the value node of key in a mapping node, or nil.
func mappingValue(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

// decodeMap decodes a mapping node into plain values with string keys, the
// form compose-go's loader takes as an in-memory Compose file.
func decodeMap(n *yaml.Node) (map[string]any, error) {
	var v any
	if err := n.Decode(&v); err != nil {
		return nil, err
	}
	s, err := stringKeys(v)
	if err != nil {
		return nil, err
	}
	m, _ := s.(map[string]any)
	return m, nil
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

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.SequenceNode:
		return "a list"
	case yaml.MappingNode:
		return "a mapping"
	case yaml.ScalarNode:
		return fmt.Sprintf("the scalar %q", n.Value)
	}
	return "an alias"
}

// duplicate is a key written twice in one mapping.
type duplicate struct {
	key         string
	line, first int
}

// dropDuplicateKeys removes from every mapping under n each key that an
// earlier key of the same mapping repeats, and returns them: YAML allows a
// key once per mapping, and compose-go refuses the whole file otherwise.
func dropDuplicateKeys(n *yaml.Node) []duplicate {
	if n == nil {
		return nil
	}
	var out []duplicate
	if n.Kind == yaml.MappingNode {
		seen := map[string]int{}
		kept := n.Content[:0]
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if first, ok := seen[k.Value]; ok && k.Kind == yaml.ScalarNode && k.Value != "<<" {
				out = append(out, duplicate{key: k.Value, line: k.Line, first: first})
				continue
			}
			seen[k.Value] = k.Line
			kept = append(kept, n.Content[i], n.Content[i+1])
		}
		n.Content = kept
	}
	for _, c := range n.Content {
		out = append(out, dropDuplicateKeys(c)...)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].line < out[j].line })
	return out
}

func (d duplicate) msg() string {
	return fmt.Sprintf("duplicate key %q (first at line %d): a key may appear once in a mapping; remove one, or merge them", d.key, d.first)
}
