package template

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"text/template"
	"text/template/parse"
)

// checkRecursion refuses a template that calls itself, directly or through
// others: text/template allows 100,000 nested calls, which hold over 100 MB
// before failing, and no stack needs a recursive template.
func checkRecursion(t *template.Template) error {
	calls := map[string][]string{}
	for _, tt := range t.Templates() {
		if tt.Tree != nil {
			calls[tt.Name()] = called(tt.Tree.Root, nil)
		}
	}
	const (
		visiting = 1
		visited  = 2
	)
	state := map[string]int{}
	var visit func(name string, path []string) error
	visit = func(name string, path []string) error {
		switch state[name] {
		case visiting:
			cycle := append(path[slices.Index(path, name):], name)
			return fmt.Errorf("template %q calls itself (%s): recursive templates are not supported", name, strings.Join(cycle, " → "))
		case visited:
			return nil
		}
		state[name] = visiting
		for _, c := range calls[name] {
			if err := visit(c, append(path, name)); err != nil {
				return err
			}
		}
		state[name] = visited
		return nil
	}
	for _, name := range slices.Sorted(maps.Keys(calls)) {
		if err := visit(name, nil); err != nil {
			return err
		}
	}
	return nil
}

// called appends the names of the templates n calls ({{template}},
// {{block}}) to out.
func called(n parse.Node, out []string) []string {
	switch x := n.(type) {
	case *parse.ListNode:
		if x == nil {
			return out
		}
		for _, c := range x.Nodes {
			out = called(c, out)
		}
	case *parse.TemplateNode:
		out = append(out, x.Name)
	case *parse.IfNode:
		out = called(x.ElseList, called(x.List, out))
	case *parse.RangeNode:
		out = called(x.ElseList, called(x.List, out))
	case *parse.WithNode:
		out = called(x.ElseList, called(x.List, out))
	}
	return out
}
