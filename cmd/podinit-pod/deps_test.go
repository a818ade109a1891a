package main

import (
	"os/exec"
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
