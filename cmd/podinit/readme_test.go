package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/podinit/podinit/internal/testenv"
)

func TestReadmeCommandTableMatchesTheCode(t *testing.T) {
	var want []string
	for _, c := range commands {
		line := strings.Join(strings.Fields("podinit "+c.name+" "+c.args), " ")
		want = append(want, "| `"+strings.ReplaceAll(line, "|", `\|`)+"` | "+c.help+" |")
	}
	var got []string
	for _, line := range strings.Split(testenv.DocBlock(t, "docs/reference/cli.md", "commands"), "\n") {
		if strings.HasPrefix(line, "| `") {
			got = append(got, line)
		}
	}
	require.Equal(t, want, got, "docs/reference/cli.md's command table must list the commands as the code does")
}
