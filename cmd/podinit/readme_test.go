package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/podinit/podinit/internal/testenv"
)

// readmeBlock returns the README's text between <!-- BEGIN name --> and
// <!-- END name -->.
func readmeBlock(t *testing.T, name string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), "README.md"))
	require.NoError(t, err)
	text := string(data)
	begin, end := "<!-- BEGIN "+name+" -->\n", "<!-- END "+name+" -->"
	i := strings.Index(text, begin)
	j := strings.Index(text, end)
	require.True(t, i >= 0 && j > i, "README.md has no %s block", name)
	return text[i+len(begin) : j]
}

func TestReadmeCommandTableMatchesTheCode(t *testing.T) {
	var want []string
	for _, c := range commands {
		line := strings.Join(strings.Fields("podinit "+c.name+" "+c.args), " ")
		want = append(want, "| `"+strings.ReplaceAll(line, "|", `\|`)+"` | "+c.help+" |")
	}
	var got []string
	for _, line := range strings.Split(readmeBlock(t, "commands"), "\n") {
		if strings.HasPrefix(line, "| `") {
			got = append(got, line)
		}
	}
	require.Equal(t, want, got, "README's command table must list the commands as the code does")
}

func TestReadmeControllerFlagsMatchTheCode(t *testing.T) {
	block := readmeBlock(t, "controller-flags")
	block = strings.TrimPrefix(block, "```\n")
	block = strings.TrimSuffix(block, "```\n")
	require.Equal(t, controllerFlagsUsage(), block, "README's controller flags must be `podinit help`'s")
}
