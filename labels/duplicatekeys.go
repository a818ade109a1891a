package labels

import (
	"fmt"
	"sort"

	yaml "go.yaml.in/yaml/v4"
)

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
