package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/podinit/podinit/internal/testenv"
)

const stack = "services:\n  web:\n    image: busybox\n    command: sleep 60\n    x-podinit: {}\n"

// TestTemplateWithoutItsBinaryNamesTheTemplateImage: the controller image
// has no podinit-template; `podinit template` says where it is.
func TestTemplateWithoutItsBinaryNamesTheTemplateImage(t *testing.T) {
	cmd := exec.Command(testenv.Binary(t), "template", "-")
	cmd.Env = append(os.Environ(), "PATH="+t.TempDir())
	cmd.Stdin = strings.NewReader(stack)
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	require.ErrorAs(t, err, &ee)
	require.Equal(t, 3, ee.ExitCode(), "%s", out)
	require.Contains(t, string(out), "podinit-template is not next to podinit nor on PATH: `podinit template` is in the template image")
	require.Contains(t, string(out), "podinit:dev-template template STACK.yml")
}

// TestTemplateExecsPodinitTemplate: with podinit-template on PATH, `podinit
// template` is that binary in podinit's place.
func TestTemplateExecsPodinitTemplate(t *testing.T) {
	dir := t.TempDir()
	build := exec.Command("go", "build", "-o", filepath.Join(dir, templateBinary), "./cmd/podinit-template")
	build.Dir = testenv.RepoRoot()
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	out, err := build.CombinedOutput()
	require.NoError(t, err, "%s", out)
	cmd := exec.Command(testenv.Binary(t), "template", "-image", "podinit:test", "-")
	cmd.Env = append(os.Environ(), "PATH="+dir)
	cmd.Stdin = strings.NewReader(stack)
	out, err = cmd.Output()
	require.NoError(t, err)
	require.Contains(t, string(out), "image: podinit:test")
	require.Contains(t, string(out), "pod.component.app")
}
