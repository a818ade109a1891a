package labels

import (
	"fmt"
	"path"
	"strings"

	yaml "go.yaml.in/yaml/v4"

	"github.com/podinit/podinit/podspec"
	"github.com/podinit/podinit/yamltree"
)

// parseCopies reads a pod.copy.<name> value: "src:dst", a YAML list of
// "src:dst", or a YAML map of src: dst. Both paths must be absolute; a path
// that contains ':' can be written only in the map form.
func parseCopies(value string) ([]podspec.Copy, error) {
	node, err := yamltree.Parse([]byte(value))
	if err != nil {
		return nil, fmt.Errorf("invalid YAML: %v", strings.TrimPrefix(err.Error(), "yaml: "))
	}
	if node == nil {
		return nil, fmt.Errorf("empty: give /src/in/controller:/dst/in/component, a list of them, or a map of src: dst")
	}
	var out []podspec.Copy
	switch node.Kind {
	case yaml.ScalarNode:
		c, err := splitCopy(node.Value)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	case yaml.SequenceNode:
		for _, item := range node.Content {
			if item.Kind != yaml.ScalarNode {
				return nil, fmt.Errorf("line %d: list items must be strings src:dst, got %s", item.Line, yamltree.KindName(item))
			}
			c, err := splitCopy(item.Value)
			if err != nil {
				return nil, fmt.Errorf("line %d: %w", item.Line, err)
			}
			out = append(out, c)
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(node.Content); i += 2 {
			k, v := node.Content[i], node.Content[i+1]
			if v.Kind != yaml.ScalarNode {
				return nil, fmt.Errorf("line %d: %s: the destination must be a path, got %s", v.Line, k.Value, yamltree.KindName(v))
			}
			c := podspec.Copy{Src: k.Value, Dst: v.Value}
			if err := checkCopy(c); err != nil {
				return nil, fmt.Errorf("line %d: %w", k.Line, err)
			}
			out = append(out, c)
		}
	default:
		return nil, fmt.Errorf("give src:dst, a list of them, or a map of src: dst")
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("empty: give /src/in/controller:/dst/in/component, a list of them, or a map of src: dst")
	}
	return out, nil
}

func splitCopy(s string) (podspec.Copy, error) {
	parts := strings.Split(s, ":")
	if len(parts) != 2 {
		return podspec.Copy{}, fmt.Errorf("%q: write src:dst with exactly one ':' (for paths with ':' use the map form, \"src\": \"dst\")", s)
	}
	c := podspec.Copy{Src: strings.TrimSpace(parts[0]), Dst: strings.TrimSpace(parts[1])}
	return c, checkCopy(c)
}

func checkCopy(c podspec.Copy) error {
	if !path.IsAbs(c.Src) || !path.IsAbs(c.Dst) {
		return fmt.Errorf("%q -> %q: both paths must be absolute (the source inside the controller, the destination inside the component)", c.Src, c.Dst)
	}
	return nil
}
