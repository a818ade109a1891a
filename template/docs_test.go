package template

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/podinit/podinit/internal/testenv"
)

// TestDocsListFuncsAndKeys keeps docs/templates.md in step with the code:
// every template function and every configuration key is documented.
func TestDocsListFuncsAndKeys(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), "docs", "templates.md"))
	require.NoError(t, err)
	doc := string(b)
	for name := range Funcs {
		require.True(t, strings.Contains(doc, "`"+name+" ") || strings.Contains(doc, "`"+name+"`"), "function %s is not documented", name)
	}
	for _, k := range configKeys {
		require.Contains(t, doc, "| `"+k+"` |", "config key %s is not in the table", k)
	}
	for k := range controllerKeys {
		require.Contains(t, doc, "`"+k+"`", "controller key %s is not documented", k)
	}
}
