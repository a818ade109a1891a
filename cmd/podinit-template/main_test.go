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

func inject(t *testing.T) {
	panicHook = func(w string) {
		if w == "rendering the stack" {
			panic("runtime error: index out of range [3] with length 3\ngoroutine 1 [running]:")
		}
	}
	t.Cleanup(func() { panicHook = nil })
}

func TestPanicWhileRenderingExit2WithOneLine(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	inject(t)
	var code int
	out := testenv.CaptureStderr(t, func() { code = dispatch([]string{"template", "-"}) })
	require.Equal(t, exitInvalid, code)
	require.Equal(t, 1, strings.Count(out, "\n"), "one line: %q", out)
	require.Contains(t, out, "podinit template: internal error while rendering the stack: runtime error: index out of range [3] with length 3 goroutine 1 [running]:; this is a bug in podinit")
	require.Contains(t, testenv.PanicStackFile(t, out), "panicguard", "the file holds the stack")
}

func TestPanicStackOnStderrWithDebug(t *testing.T) {
	t.Setenv("PODINIT_DEBUG", "1")
	inject(t)
	var code int
	out := testenv.CaptureStderr(t, func() { code = dispatch([]string{"template", "-"}) })
	require.Equal(t, exitInvalid, code)
	first, rest, _ := strings.Cut(out, "\n")
	require.Contains(t, first, "(stack below)")
	require.Contains(t, rest, "goroutine ")
}

func TestOnlyTheTemplateCommand(t *testing.T) {
	for _, args := range [][]string{nil, {"validate"}, {"-ipc=false"}} {
		var code int
		out := testenv.CaptureStderr(t, func() { code = dispatch(args) })
		require.Equal(t, 2, code, "%q", args)
		require.Contains(t, out, "it runs `template` only")
	}
}

// TestBinaryRendersAStack: the built binary, as the template image runs it
// (podinit execs it with `template`), renders a stack from standard input.
func TestBinaryRendersAStack(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "podinit-template")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	out, err := build.CombinedOutput()
	require.NoError(t, err, "%s", out)
	cmd := exec.Command(bin, "template", "-image", "podinit:test", "-")
	cmd.Stdin = strings.NewReader("services:\n  web:\n    image: busybox\n    command: sleep 60\n    x-podinit: {}\n")
	out, err = cmd.Output()
	require.NoError(t, err)
	require.Contains(t, string(out), "image: podinit:test")
	require.Contains(t, string(out), "pod.component.app")
}
