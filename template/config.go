package template

import (
	"fmt"
	"strings"

	yaml "go.yaml.in/yaml/v4"

	"github.com/podinit/podinit/yamltree"
)

// Extension field names: podinit's own, and podlike's, read the same way so
// that podlike stacks move over unchanged.
const (
	Extension        = "x-podinit"
	PodlikeExtension = "x-podlike"
)

// Error is a problem in a stack file or a template, with where it is.
type Error struct {
	File string // stack file, template file or URL; "-" is standard input
	Line int    // 1-based; 0 when unknown
	Path string // where in the file, e.g. x-podinit.web.templates[1]; may be empty
	Msg  string
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	b.WriteString(": ")
	if e.Path != "" {
		b.WriteString(e.Path + ": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// at is a place in a stack file for error messages.
type at struct {
	file string
	path string
}

func (a at) errf(n *yaml.Node, format string, args ...any) *Error {
	line := 0
	if n != nil {
		line = n.Line
	}
	return &Error{File: a.file, Line: line, Path: a.path, Msg: fmt.Sprintf(format, args...)}
}

func (a at) key(k string) at { return at{file: a.file, path: joinPath(a.path, k)} }
func (a at) index(i int) at  { return at{file: a.file, path: fmt.Sprintf("%s[%d]", a.path, i)} }
func joinPath(p, k string) string {
	if p == "" {
		return k
	}
	return p + "." + k
}

// config is one pod's template configuration: the keys of an x-podinit
// entry, podlike's schema.
type config struct {
	pod, transformer, templates, init, copy []*item
	args                                    map[string]any
}

// configKeys are the keys an x-podinit entry takes, in the order the
// documentation lists them.
var configKeys = []string{"pod", "transformer", "templates", "init", "copy", "args"}

// parseConfig reads one x-podinit entry. dir is the folder relative template
// paths start from. A null entry is the empty configuration: the service
// becomes a pod with the default templates.
func parseConfig(n *yaml.Node, a at, dir string) (*config, error) {
	c := &config{}
	if yamltree.IsNull(n) {
		return c, nil
	}
	if n.Kind != yaml.MappingNode {
		return nil, a.errf(n, "must be a mapping with any of the keys %s, got %s", strings.Join(configKeys, ", "), yamltree.KindName(n))
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		ka := a.key(k.Value)
		var (
			items []*item
			err   error
		)
		switch k.Value {
		case "pod", "transformer", "templates", "init", "copy":
			items, err = parseItems(v, ka, dir)
		case "args":
			if yamltree.IsNull(v) {
				continue
			}
			if v.Kind != yaml.MappingNode {
				return nil, ka.errf(v, "must be a mapping of argument names to values, got %s", yamltree.KindName(v))
			}
			val, derr := yamltree.Decode(v)
			if derr != nil {
				return nil, ka.errf(v, "%v", derr)
			}
			c.args = val.(map[string]any)
			continue
		default:
			return nil, a.errf(k, "unknown key %q: the keys are %s", k.Value, strings.Join(configKeys, ", "))
		}
		if err != nil {
			return nil, err
		}
		switch k.Value {
		case "pod":
			c.pod = items
		case "transformer":
			c.transformer = items
		case "templates":
			c.templates = items
		case "init":
			c.init = items
		case "copy":
			c.copy = items
		}
	}
	return c, nil
}

// add appends other's templates after c's; args are merged separately, by
// their own precedence (see argTiers).
func (c *config) add(other *config) {
	c.pod = append(c.pod, other.pod...)
	c.transformer = append(c.transformer, other.transformer...)
	c.templates = append(c.templates, other.templates...)
	c.init = append(c.init, other.init...)
	c.copy = append(c.copy, other.copy...)
}

func describeKeys(keys []string) string {
	if len(keys) == 0 {
		return "an empty mapping"
	}
	return "the keys " + strings.Join(keys, ", ")
}
