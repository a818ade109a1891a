package docs

import (
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"unicode"

	"github.com/stretchr/testify/require"

	"github.com/podinit/podinit/internal/testenv"
)

// pages lists the Markdown files whose links are checked, as paths from the
// repository's top folder: README.md, CONTRIBUTING.md, every page under
// docs/, and the READMEs of bench/ and examples/, which the pages link to.
func pages(t *testing.T) []string {
	t.Helper()
	root := testenv.RepoRoot()
	list := []string{"README.md", "CONTRIBUTING.md", "bench/README.md", "examples/README.md"}
	err := filepath.WalkDir(filepath.Join(root, "docs"), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".md") {
			return err
		}
		rel, err := filepath.Rel(root, p)
		list = append(list, filepath.ToSlash(rel))
		return err
	})
	require.NoError(t, err)
	return list
}

func read(t *testing.T, page string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), filepath.FromSlash(page)))
	require.NoError(t, err)
	return string(b)
}

var (
	fence    = regexp.MustCompile("(?ms)^```.*?^```")
	code     = regexp.MustCompile("`[^`\n]*`")
	link     = regexp.MustCompile(`\]\(([^)\s]+)\)`)
	heading  = regexp.MustCompile(`(?m)^#{1,6} +(.+?) *#* *$`)
	mdLink   = regexp.MustCompile(`\[([^\]]*)\]\([^)]*\)`)
	external = regexp.MustCompile(`^[a-z][a-z0-9+.-]*:`)
)

// links returns the link targets of a page, leaving out code blocks and
// inline code, where a bracket is no link.
func links(text string) []string {
	text = fence.ReplaceAllString(text, "")
	text = code.ReplaceAllString(text, "")
	var out []string
	for _, m := range link.FindAllStringSubmatch(text, -1) {
		out = append(out, m[1])
	}
	return out
}

// slug is GitHub's anchor for a heading: the rendered text in lower case,
// without punctuation, spaces made hyphens.
func slug(h string) string {
	h = mdLink.ReplaceAllString(h, "$1")
	var b strings.Builder
	for _, r := range strings.ToLower(h) {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-' || r == '_':
			b.WriteRune(r)
		case r == ' ':
			b.WriteRune('-')
		}
	}
	return b.String()
}

// anchors returns the anchors of a page's headings; a repeated heading gets
// -1, -2, … as on GitHub.
func anchors(text string) map[string]bool {
	text = fence.ReplaceAllString(text, "")
	seen := map[string]int{}
	out := map[string]bool{}
	for _, m := range heading.FindAllStringSubmatch(text, -1) {
		s := slug(m[1])
		if n := seen[s]; n > 0 {
			out[s+"-"+strconvItoa(n)] = true
		} else {
			out[s] = true
		}
		seen[s]++
	}
	return out
}

func strconvItoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return strconvItoa(n/10) + string(rune('0'+n%10))
}

// resolve gives a relative link's file (from the top folder) and anchor.
func resolve(page, target string) (file, anchor string) {
	file, anchor, _ = strings.Cut(target, "#")
	if file == "" {
		return page, anchor
	}
	return path.Clean(path.Join(path.Dir(page), file)), anchor
}

// TestDocsLinksResolve: every relative link of the documentation names a
// file or folder that exists and, with an #anchor into a Markdown file, a
// heading of that file.
func TestDocsLinksResolve(t *testing.T) {
	root := testenv.RepoRoot()
	for _, page := range pages(t) {
		for _, target := range links(read(t, page)) {
			if external.MatchString(target) {
				continue
			}
			file, anchor := resolve(page, target)
			if strings.HasPrefix(file, "../") {
				t.Errorf("%s: link %s leaves the repository", page, target)
				continue
			}
			if _, err := os.Stat(filepath.Join(root, filepath.FromSlash(file))); err != nil {
				t.Errorf("%s: link %s: no file %s", page, target, file)
				continue
			}
			if anchor != "" && strings.HasSuffix(file, ".md") && !anchors(read(t, file))[anchor] {
				t.Errorf("%s: link %s: %s has no heading with the anchor #%s", page, target, file, anchor)
			}
		}
	}
}

// TestDocsPagesReachableFromREADME: every page under docs/ can be reached
// from README.md by following links.
func TestDocsPagesReachableFromREADME(t *testing.T) {
	reached := map[string]bool{"README.md": true}
	queue := []string{"README.md"}
	for len(queue) > 0 {
		page := queue[0]
		queue = queue[1:]
		for _, target := range links(read(t, page)) {
			if external.MatchString(target) {
				continue
			}
			file, _ := resolve(page, target)
			if strings.HasSuffix(file, ".md") && !reached[file] {
				if _, err := os.Stat(filepath.Join(testenv.RepoRoot(), filepath.FromSlash(file))); err == nil {
					reached[file] = true
					queue = append(queue, file)
				}
			}
		}
	}
	var missing []string
	for _, page := range pages(t) {
		if !reached[page] {
			missing = append(missing, page)
		}
	}
	sort.Strings(missing)
	require.Empty(t, missing, "pages no link from README.md leads to")
}

// TestDocsSlug pins the anchors the links rely on to GitHub's rules.
func TestDocsSlug(t *testing.T) {
	for h, want := range map[string]string{
		"A whole Compose project as one pod: `-pod`":         "a-whole-compose-project-as-one-pod--pod",
		"Docker before 24.0.8: live-restore and auto-remove": "docker-before-2408-live-restore-and-auto-remove",
		"`podinit run` against tini":                         "podinit-run-against-tini",
		"What each component's container gets":               "what-each-components-container-gets",
		"Cost per pod, side by side (issue 11)":              "cost-per-pod-side-by-side-issue-11",
		"[Engines](engines.md) tested":                       "engines-tested",
	} {
		require.Equal(t, want, slug(h), h)
	}
	require.Equal(t, map[string]bool{"a": true, "a-1": true, "b": true}, anchors("# a\n## a\n```\n# c\n```\n### b\n"))
}

// TestReadmeExampleIsTheTestedStack: the README's stack file is the one the
// examples' tests deploy, byte for byte.
func TestReadmeExampleIsTheTestedStack(t *testing.T) {
	stack := read(t, "examples/sidecar/stack.yml")
	require.Equal(t, "```yaml\n"+stack+"```\n", testenv.DocBlock(t, "README.md", "example-sidecar"),
		"README.md's example-sidecar block must be examples/sidecar/stack.yml")
}

// TestStageListsAreTheScripts: the stages CONTRIBUTING.md names, and the
// ones the engines table of engines.md names, are those scripts/test.sh
// runs by default, in its order.
func TestStageListsAreTheScripts(t *testing.T) {
	script := read(t, "scripts/test.sh")
	m := regexp.MustCompile(`STAGES=\$\{PODINIT_TEST_STAGES:-([^}]*)\}`).FindStringSubmatch(script)
	require.NotNil(t, m, "scripts/test.sh sets STAGES")
	stages := strings.Fields(m[1])

	contrib := read(t, "CONTRIBUTING.md")
	m = regexp.MustCompile("The stages are ((?s:.*?))\n\\(").FindStringSubmatch(contrib)
	require.NotNil(t, m, "CONTRIBUTING.md lists the stages (\"The stages are …\")")
	var listed []string
	for _, n := range regexp.MustCompile("`([^`]+)`").FindAllStringSubmatch(m[1], -1) {
		listed = append(listed, n[1])
	}
	require.Equal(t, stages, listed, "CONTRIBUTING.md's stages")

	// Every stage that runs on an engine of the table is named in it.
	engines := read(t, "docs/engines.md")
	for _, s := range stages {
		if s == "vet" || s == "swarmlab" || s == "fuzz" {
			continue
		}
		require.Contains(t, engines, "`"+s+"`", "docs/engines.md's table names the stage %s", s)
	}
}
