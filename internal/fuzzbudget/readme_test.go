package fuzzbudget

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/podinit/podinit/internal/testenv"
)

// TestReadmeListsEveryFuzzTarget keeps docs/testing.md's table of fuzz targets
// true: each FuzzX function of the module, in its package, and no other.
func TestReadmeListsEveryFuzzTarget(t *testing.T) {
	root := testenv.RepoRoot()
	var code []string
	fset := token.NewFileSet()
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, "_test.go") {
			return err
		}
		file, err := parser.ParseFile(fset, p, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(root, filepath.Dir(p))
		for _, decl := range file.Decls {
			if fn, ok := decl.(*ast.FuncDecl); ok && fn.Recv == nil && strings.HasPrefix(fn.Name.Name, "Fuzz") && len(fn.Name.Name) > 4 {
				code = append(code, fn.Name.Name+" "+filepath.ToSlash(rel))
			}
		}
		return nil
	})
	var readme []string
	row := regexp.MustCompile("^\\| `(Fuzz\\w+)` \\| `([\\w/]+)` \\|")
	for _, line := range strings.Split(testenv.DocBlock(t, "docs/testing.md", "fuzz"), "\n") {
		if m := row.FindStringSubmatch(line); m != nil {
			readme = append(readme, m[1]+" "+m[2])
		}
	}
	if len(code) == 0 {
		t.Fatal("found no fuzz target in the code")
	}
	sort.Strings(code)
	sort.Strings(readme)
	if strings.Join(code, "\n") != strings.Join(readme, "\n") {
		t.Fatalf("docs/testing.md's fuzz targets:\n%s\nthe code's:\n%s", strings.Join(readme, "\n"), strings.Join(code, "\n"))
	}
}
