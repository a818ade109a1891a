package main

import (
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestComposeStaysOutOfTheSupervisor: podinit-pod runs for the pod's whole
// life, so compose-go, whose schema validator keeps about 1.2 MiB resident
// from its package initialisation, and the YAML library are linked into
// podinit-spec only (README, Dependencies).
func TestComposeStaysOutOfTheSupervisor(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").CombinedOutput()
	require.NoError(t, err, "%s", out)
	for _, pkg := range strings.Fields(string(out)) {
		for _, banned := range []string{"github.com/compose-spec/", "github.com/santhosh-tekuri/jsonschema", "go.yaml.in/yaml", "github.com/podinit/podinit/labels"} {
			require.False(t, strings.HasPrefix(pkg, banned), "podinit-pod links %s", pkg)
		}
	}
}

// TestTheEngineClientStaysBehindTheAdapter: only package engine's adapter
// (engine/moby.go) and the benchmark call the Engine API client; the rest
// of podinit uses the Engine API's types (docs/engines.md, API versions).
// Tests that set up controllers of their own may use the client.
// The deprecated github.com/docker/docker is not even in the module graph.
func TestTheEngineClientStaysBehindTheAdapter(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}}:{{range .Imports}} {{.}}{{end}}`, "../../...").CombinedOutput()
	require.NoError(t, err, "%s", out)
	var users []string
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		pkg, imports, _ := strings.Cut(line, ":")
		for _, imp := range strings.Fields(imports) {
			if imp == "github.com/moby/moby/client" && !slices.Contains(users, pkg) {
				users = append(users, pkg)
			}
		}
	}
	require.ElementsMatch(t, []string{"github.com/podinit/podinit/engine", "github.com/podinit/podinit/bench/podbench"}, users, "packages that import the engine client")
	mods, err := exec.Command("go", "list", "-m", "all").CombinedOutput()
	require.NoError(t, err, "%s", mods)
	require.NotContains(t, string(mods), "github.com/docker/docker ")
}
