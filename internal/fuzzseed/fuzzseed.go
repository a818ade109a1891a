// Package fuzzseed gathers seed inputs for fuzz targets from what the
// project already has: string literals in a package's tests and the pod
// labels of the example stacks, so that fuzzing starts from inputs that
// reach deep into the parsers.
package fuzzseed

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	yaml "go.yaml.in/yaml/v4"
)

// TestStrings returns the string literals in the _test.go files of dir that
// contain every one of marks, sorted and without duplicates.
func TestStrings(dir string, marks ...string) []string {
	files, _ := filepath.Glob(filepath.Join(dir, "*_test.go"))
	seen := map[string]bool{}
	fset := token.NewFileSet()
	for _, f := range files {
		file, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			continue
		}
		ast.Inspect(file, func(n ast.Node) bool {
			lit, ok := n.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			s, err := strconv.Unquote(lit.Value)
			if err != nil {
				return true
			}
			for _, m := range marks {
				if !strings.Contains(s, m) {
					return true
				}
			}
			seen[s] = true
			return true
		})
	}
	return sorted(seen)
}

// ExampleLabels returns the labels of every service of the example stacks
// under root/examples whose name starts with prefix.
func ExampleLabels(root, prefix string) []map[string]string {
	files, _ := filepath.Glob(filepath.Join(root, "examples", "*", "stack.yml"))
	var out []map[string]string
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		var stack struct {
			Services map[string]struct {
				Labels map[string]string `yaml:"labels"`
			} `yaml:"services"`
		}
		if yaml.Unmarshal(b, &stack) != nil {
			continue
		}
		for _, name := range sortedKeys(stack.Services) {
			l := map[string]string{}
			for k, v := range stack.Services[name].Labels {
				if strings.HasPrefix(k, prefix) {
					l[k] = v
				}
			}
			if len(l) > 0 {
				out = append(out, l)
			}
		}
	}
	return out
}

// Files returns the contents of the files matching pattern.
func Files(pattern string) [][]byte {
	names, _ := filepath.Glob(pattern)
	sort.Strings(names)
	var out [][]byte
	for _, n := range names {
		if b, err := os.ReadFile(n); err == nil {
			out = append(out, b)
		}
	}
	return out
}

func sorted(set map[string]bool) []string {
	out := make([]string, 0, len(set))
	for s := range set {
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
