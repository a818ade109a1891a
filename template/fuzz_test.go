package template

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	yaml "go.yaml.in/yaml/v4"

	"github.com/podinit/podinit/internal/fuzzbudget"
	"github.com/podinit/podinit/internal/fuzzseed"
	"github.com/podinit/podinit/yamltree"
)

// Budget per input: one second of rendering per template (renderTimeout is
// shortened while fuzzing), and memory for a stack at its size limit.
const (
	fuzzRender = time.Second
	fuzzTime   = 5 * time.Second
	fuzzAlloc  = 512 << 20
)

// hugeRange finds a range over a literal of millions or more.
var hugeRange = regexp.MustCompile(`range[^}]*[0-9]{7}`)

// skipHugeRange skips an input with a range over millions. Rendering it is
// refused after renderTimeout (TestRenderingIsTimed), but text/template
// cannot be stopped: the abandoned execution would spin on in this worker
// and eat the budget of the inputs after it.
func skipHugeRange(t *testing.T, input []byte) {
	if hugeRange.Match(input) {
		t.Skip("a range over millions: bounded by time, not here")
	}
}

// offline answers every http(s) template with a small one, so that fuzzing
// never reaches the network.
type offline struct{}

func (offline) RoundTrip(r *http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: 200, Status: "200 OK", Request: r, Header: http.Header{},
		Body: io.NopCloser(strings.NewReader("side: {image: 'x:{{ .Service.Name }}'}\n"))}, nil
}

// fuzzRenderStack renders data as standard input and checks the properties
// of any rendering: an error names the file it is about; an output is a
// YAML mapping, within bounds, and the same bytes every time.
func fuzzRenderStack(t *testing.T, dir string, data []byte) {
	skipHugeRange(t, data)
	renderTimeout = fuzzRender
	defer func() { renderTimeout = RenderTimeout }()
	opts := Options{WorkDir: dir, HTTPTimeout: time.Second, transport: offline{}}
	var out []byte
	var err error
	fuzzbudget.Check(t, fuzzTime, fuzzAlloc, func() {
		opts.Stdin = bytes.NewReader(data)
		out, err = Render(context.Background(), []string{"-"}, opts)
	})
	if err != nil {
		var e *Error
		if !strings.HasPrefix(err.Error(), "-") && (!errors.As(err, &e) || e.File == "") {
			t.Fatalf("error names no file: %v", err)
		}
		return
	}
	var doc map[string]any
	if uerr := yaml.Unmarshal(out, &doc); uerr != nil {
		t.Fatalf("output is not a YAML mapping: %v\n%s", uerr, out)
	}
	opts.Stdin = bytes.NewReader(data)
	again, err := Render(context.Background(), []string{"-"}, opts)
	if err != nil || !bytes.Equal(out, again) {
		t.Fatalf("rendering twice differs (%v):\n%s\n---\n%s", err, out, again)
	}
}

// FuzzRenderStack renders stack files.
func FuzzRenderStack(f *testing.F) {
	for _, b := range fuzzseed.Files(filepath.Join("testdata", "*.yml")) {
		f.Add(b)
	}
	for _, b := range fuzzseed.Files(filepath.Join("testdata", "limits", "*.yml")) {
		f.Add(b)
	}
	for _, s := range fuzzseed.TestStrings(".", "x-podinit") {
		f.Add([]byte(s))
	}
	f.Add([]byte(inlineStack(`{{range 3}}x{{end}}`)))
	f.Add([]byte(stack("    x-podinit:\n      templates:\n        - http: {url: https://example.com/t.yml, fallback: {file: nope.yml}}\n")))
	dir := f.TempDir()
	for name, b := range map[string]string{"templates/sidecar.yml": "side: {image: x}\n", "proxy.conf": "x"} {
		os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755)
		os.WriteFile(filepath.Join(dir, name), []byte(b), 0o644)
	}
	f.Fuzz(func(t *testing.T, data []byte) { fuzzRenderStack(t, dir, data) })
}

// FuzzTemplateText renders one template file's text over a fixed service.
func FuzzTemplateText(f *testing.F) {
	for _, b := range fuzzseed.Files(filepath.Join("testdata", "templates", "*.yml")) {
		f.Add(string(b))
	}
	for _, s := range fuzzseed.TestStrings(".", "{{") {
		f.Add(s)
	}
	dir := f.TempDir()
	stackFile := []byte(`services:
  web:
    image: example/app:1
    labels: {a: b}
    environment: [A=1]
    x-podinit:
      templates: [t.yml]
      init: [t.yml]
      args: {Port: 8080, List: [1, 2]}
`)
	f.Fuzz(func(t *testing.T, text string) {
		skipHugeRange(t, []byte(text))
		if err := os.WriteFile(filepath.Join(dir, "t.yml"), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		fuzzRenderStack(t, dir, stackFile)
	})
}

// FuzzParseYAML flattens YAML documents: anchors, aliases and merge keys.
// Whatever the input, the expansion stays within yamltree.MaxAliasNodes.
func FuzzParseYAML(f *testing.F) {
	for _, b := range fuzzseed.Files(filepath.Join("testdata", "*.yml")) {
		f.Add(b)
	}
	for _, b := range fuzzseed.Files(filepath.Join("testdata", "limits", "*.yml")) {
		f.Add(b)
	}
	f.Add([]byte("a: &a {x: 1}\nb: {<<: *a, y: 2}\nc: {<<: [*a, {z: 3}]}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		var n *yaml.Node
		var err error
		fuzzbudget.Check(t, fuzzTime, fuzzAlloc, func() { n, err = yamltree.ParseFlat(data) })
		if err != nil || n == nil {
			return
		}
		var in yaml.Node
		if yaml.Unmarshal(data, &in) != nil {
			t.Fatal("flattened a document the parser refuses")
		}
		if c, plain := count(n), count(&in); c > yamltree.MaxAliasNodes+plain {
			t.Fatalf("%d nodes from a document of %d nodes before expansion: past the alias budget", c, plain)
		}
	})
}

// count counts a tree's nodes, not following aliases.
func count(n *yaml.Node) int {
	c := 1
	for _, k := range n.Content {
		c += count(k)
	}
	return c
}
