package yamltree

import (
	"fmt"

	yaml "go.yaml.in/yaml/v4"
)

// ParseFlat reads one YAML document into a node tree with aliases and merge
// keys (<<) resolved, so that the rest of the package walks plain mappings,
// sequences and scalars that still carry their line numbers. An empty
// document gives nil.
func ParseFlat(data []byte) (*yaml.Node, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, err
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return nil, nil
	}
	var f flattener
	return f.flatten(&doc, 0, nil)
}

// maxDepth bounds nesting: YAML allows alias bombs.
const maxDepth = 200

// MaxAliasNodes bounds how many nodes aliases may bring into a document once
// expanded. Expanding copies: nine lines of nested anchors ("billion laughs")
// would otherwise make a billion nodes. Real stacks that reuse a block of
// settings in every service stay in the thousands.
const MaxAliasNodes = 100_000

// LimitError is a document refused for its size rather than its syntax.
type LimitError struct{ Msg string }

func (e *LimitError) Error() string { return e.Msg }

// flattener expands one document and counts what its aliases add.
type flattener struct {
	aliasNodes int
}

// flatten returns n with aliases replaced by their anchors' nodes and merge
// keys expanded. Explicit keys win over merged ones, and an earlier merged
// mapping wins over a later one, as in YAML 1.1's merge-key rules. alias is
// the alias being expanded, nil outside one: every node produced under it
// counts against MaxAliasNodes.
func (f *flattener) flatten(n *yaml.Node, depth int, alias *yaml.Node) (*yaml.Node, error) {
	if depth > maxDepth {
		return nil, &LimitError{Msg: fmt.Sprintf("line %d: nesting or aliases deeper than %d levels", n.Line, maxDepth)}
	}
	if alias != nil {
		if f.aliasNodes++; f.aliasNodes > MaxAliasNodes {
			return nil, &LimitError{Msg: fmt.Sprintf("line %d: aliases expand to more than %d nodes (nested anchors multiply: *%s is one of them); write the repeated settings out, or nest fewer anchors", alias.Line, MaxAliasNodes, alias.Value)}
		}
	}
	switch n.Kind {
	case yaml.DocumentNode:
		return f.flatten(n.Content[0], depth+1, alias)
	case yaml.AliasNode:
		if alias == nil {
			alias = n
		}
		return f.flatten(n.Alias, depth+1, alias)
	case yaml.SequenceNode:
		out := *n
		out.Content = make([]*yaml.Node, 0, len(n.Content))
		for _, c := range n.Content {
			fc, err := f.flatten(c, depth+1, alias)
			if err != nil {
				return nil, err
			}
			out.Content = append(out.Content, fc)
		}
		return &out, nil
	case yaml.MappingNode:
		out := *n
		out.Content = nil
		seen := map[string]bool{}
		var merged []*yaml.Node
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Kind == yaml.ScalarNode && k.Value == "<<" && k.Tag != "!!str" {
				sources, err := f.mergeSources(v, depth+1, alias)
				if err != nil {
					return nil, err
				}
				merged = append(merged, sources...)
				continue
			}
			fv, err := f.flatten(v, depth+1, alias)
			if err != nil {
				return nil, err
			}
			seen[k.Value] = true
			out.Content = append(out.Content, k, fv)
		}
		for i := 0; i+1 < len(merged); i += 2 {
			if k := merged[i]; !seen[k.Value] {
				seen[k.Value] = true
				out.Content = append(out.Content, k, merged[i+1])
			}
		}
		return &out, nil
	default:
		return n, nil
	}
}

// mergeSources gives the key/value pairs a merge key's value brings in: one
// mapping or a list of them, earlier ones first.
func (f *flattener) mergeSources(v *yaml.Node, depth int, alias *yaml.Node) ([]*yaml.Node, error) {
	fv, err := f.flatten(v, depth, alias)
	if err != nil {
		return nil, err
	}
	switch fv.Kind {
	case yaml.MappingNode:
		return fv.Content, nil
	case yaml.SequenceNode:
		var all []*yaml.Node
		for _, item := range fv.Content {
			if item.Kind != yaml.MappingNode {
				return nil, fmt.Errorf("line %d: a merge key (<<) takes a mapping or a list of mappings", item.Line)
			}
			all = append(all, item.Content...)
		}
		return all, nil
	}
	return nil, fmt.Errorf("line %d: a merge key (<<) takes a mapping or a list of mappings", v.Line)
}
