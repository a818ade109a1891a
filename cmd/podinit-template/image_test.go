package main

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/podinit/podinit/internal/testenv"
)

// TestTemplateImage: `make image` builds IMAGE-template beside the
// controller's IMAGE; `docker run -i IMAGE-template template -` renders a
// stack, and the controller image, which leaves podinit-template out, names
// the template image instead.
func TestTemplateImage(t *testing.T) {
	img := testenv.TemplateImage
	testenv.RequireImage(t, img)
	run := exec.Command("docker", "run", "--rm", "-i", img, "template", "-image", "podinit:test", "-")
	run.Stdin = strings.NewReader("services:\n  web:\n    image: busybox\n    command: sleep 60\n    x-podinit: {}\n")
	out, err := run.Output()
	require.NoError(t, err)
	require.Contains(t, string(out), "pod.component.app")

	testenv.RequireImage(t, testenv.PodImage)
	run = exec.Command("docker", "run", "--rm", "-i", testenv.PodImage, "template", "-")
	out, err = run.CombinedOutput()
	var ee *exec.ExitError
	require.ErrorAs(t, err, &ee)
	require.Equal(t, 3, ee.ExitCode(), "%s", out)
	require.Contains(t, string(out), "is in the template image")
}
