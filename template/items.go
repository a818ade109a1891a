package template

import (
	"path/filepath"
	"strings"

	yaml "go.yaml.in/yaml/v4"

	"github.com/podinit/podinit/yamltree"
)

// itemKind is where a template's text comes from.
type itemKind int

const (
	fromFile itemKind = iota
	fromHTTP
	fromInline
)

// item is one template: its source, and what to try when that fails.
type item struct {
	kind     itemKind
	path     string // fromFile: absolute, or as given for error messages in given
	given    string // the path or URL as written
	url      string // fromHTTP
	insecure bool   // fromHTTP: skip TLS verification
	text     string // fromInline
	// firstLine is the stack file line of the inline text's first line, or 0
	// when template lines do not map onto the stack file (a mapping).
	firstLine int
	fallback  *item
	where     *Error // the stack file place that declared it (Msg unused)
}

// parseItems reads a single template item or a list of them.
func parseItems(n *yaml.Node, a at, dir string) ([]*item, error) {
	if yamltree.IsNull(n) {
		return nil, nil
	}
	if n.Kind == yaml.SequenceNode {
		var items []*item
		for i, c := range n.Content {
			it, err := parseItem(c, a.index(i), dir)
			if err != nil {
				return nil, err
			}
			items = append(items, it)
		}
		return items, nil
	}
	it, err := parseItem(n, a, dir)
	if err != nil {
		return nil, err
	}
	return []*item{it}, nil
}

const itemForms = "a path or http(s):// URL, {file: PATH}, {file: {path, fallback}}, {inline: TEXT or mapping}, {http: URL} or {http: {url, insecure, fallback}}"

// parseItem reads one template item: a string (path or URL) or a mapping
// with exactly one of file, inline or http.
func parseItem(n *yaml.Node, a at, dir string) (*item, error) {
	where := a.errf(n, "")
	switch n.Kind {
	case yaml.ScalarNode:
		if yamltree.IsNull(n) || n.Value == "" {
			return nil, a.errf(n, "empty template: give %s", itemForms)
		}
		if isURL(n.Value) {
			return &item{kind: fromHTTP, url: n.Value, given: n.Value, where: where}, nil
		}
		return fileItem(n.Value, dir, where), nil
	case yaml.MappingNode:
	default:
		return nil, a.errf(n, "a template is %s; got %s", itemForms, yamltree.KindName(n))
	}
	if len(n.Content) != 2 {
		var keys []string
		for i := 0; i < len(n.Content); i += 2 {
			keys = append(keys, n.Content[i].Value)
		}
		return nil, a.errf(n, "a template mapping has exactly one of file, inline or http; got %s", describeKeys(keys))
	}
	k, v := n.Content[0], n.Content[1]
	ka := a.key(k.Value)
	switch k.Value {
	case "inline":
		return inlineItem(v, ka, where)
	case "file":
		if v.Kind == yaml.ScalarNode && !yamltree.IsNull(v) && v.Value != "" {
			return fileItem(v.Value, dir, where), nil
		}
		fields, err := itemFields(v, ka, "path", "path", "fallback")
		if err != nil {
			return nil, err
		}
		p := fields["path"]
		if p.Kind != yaml.ScalarNode || p.Value == "" {
			return nil, ka.key("path").errf(p, "must be a file path, got %s", yamltree.KindName(p))
		}
		it := fileItem(p.Value, dir, where)
		if fb := fields["fallback"]; fb != nil {
			if it.fallback, err = parseItem(fb, ka.key("fallback"), dir); err != nil {
				return nil, err
			}
		}
		return it, nil
	case "http":
		if v.Kind == yaml.ScalarNode && !yamltree.IsNull(v) && v.Value != "" {
			if !isURL(v.Value) {
				return nil, ka.errf(v, "%q is not an http:// or https:// URL", v.Value)
			}
			return &item{kind: fromHTTP, url: v.Value, given: v.Value, where: where}, nil
		}
		fields, err := itemFields(v, ka, "url", "url", "insecure", "fallback")
		if err != nil {
			return nil, err
		}
		u := fields["url"]
		if u.Kind != yaml.ScalarNode || !isURL(u.Value) {
			return nil, ka.key("url").errf(u, "must be an http:// or https:// URL, got %s", yamltree.KindName(u))
		}
		it := &item{kind: fromHTTP, url: u.Value, given: u.Value, where: where}
		if ins := fields["insecure"]; ins != nil {
			if ins.Kind != yaml.ScalarNode || ins.Tag != "!!bool" {
				return nil, ka.key("insecure").errf(ins, "must be true or false, got %s", yamltree.KindName(ins))
			}
			it.insecure = ins.Value == "true"
		}
		if fb := fields["fallback"]; fb != nil {
			if it.fallback, err = parseItem(fb, ka.key("fallback"), dir); err != nil {
				return nil, err
			}
		}
		return it, nil
	}
	return nil, a.errf(k, "unknown key %q: a template is %s", k.Value, itemForms)
}

// itemFields reads the long form of file or http: a mapping of the allowed
// keys, of which required must be present.
func itemFields(n *yaml.Node, a at, required string, allowed ...string) (map[string]*yaml.Node, error) {
	if n.Kind != yaml.MappingNode {
		return nil, a.errf(n, "must be a string or a mapping with %s, got %s", strings.Join(allowed, ", "), yamltree.KindName(n))
	}
	out := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		ok := false
		for _, x := range allowed {
			ok = ok || k.Value == x
		}
		if !ok {
			return nil, a.errf(k, "unknown key %q: the keys are %s", k.Value, strings.Join(allowed, ", "))
		}
		out[k.Value] = n.Content[i+1]
	}
	if out[required] == nil {
		return nil, a.errf(n, "%s is required", required)
	}
	return out, nil
}

// inlineItem reads inline: a template text, or a mapping written as YAML
// (then rendered as a template, so its strings may use {{ }} too).
func inlineItem(v *yaml.Node, a at, where *Error) (*item, error) {
	it := &item{kind: fromInline, where: where, given: "inline"}
	switch {
	case yamltree.IsNull(v):
		return nil, a.errf(v, "empty inline template: give a template text or a mapping")
	case v.Kind == yaml.ScalarNode:
		it.text = v.Value
		switch v.Style {
		case yaml.LiteralStyle:
			// A literal block's text starts on the line after the | .
			it.firstLine = v.Line + 1
		case yaml.FoldedStyle:
			it.firstLine = 0 // folding joins lines: template lines do not map
		default:
			if !strings.Contains(v.Value, "\n") {
				it.firstLine = v.Line
			}
		}
	default:
		val, err := yamltree.Decode(v)
		if err != nil {
			return nil, a.errf(v, "%v", err)
		}
		text, err := marshalYAML(val)
		if err != nil {
			return nil, a.errf(v, "%v", err)
		}
		it.text = string(text)
	}
	return it, nil
}

func fileItem(p, dir string, where *Error) *item {
	abs := p
	if !filepath.IsAbs(p) {
		abs = filepath.Join(dir, p)
	}
	return &item{kind: fromFile, path: abs, given: p, where: where}
}

func isURL(s string) bool {
	return strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://")
}
