package main

import (
	"bytes"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/podinit/podinit/internal/testenv"
	"github.com/podinit/podinit/pod"
)

// inject makes the next guard around what panic with a message of two
// lines, as compose-go's panics often are.
func inject(t *testing.T, what string) {
	panicHook = func(w string) {
		if w == what {
			panic("runtime error: index out of range [3] with length 3\ngoroutine 1 [running]:")
		}
	}
	t.Cleanup(func() { panicHook = nil })
}

func TestPanicWhileValidatingExit2WithOneLine(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	f := filepath.Join(t.TempDir(), "pod.yml")
	require.NoError(t, os.WriteFile(f, []byte("services: {app: {image: busybox}}\n"), 0o644))
	inject(t, "validating the pod")
	var code int
	out := testenv.CaptureStderr(t, func() { code = dispatch([]string{"validate", "-file", f}) })
	require.Equal(t, pod.ExitInvalid, code)
	require.Equal(t, 1, strings.Count(out, "\n"), "one line: %q", out)
	require.Contains(t, out, "podinit validate: internal error while validating the pod: runtime error: index out of range [3] with length 3 goroutine 1 [running]:; this is a bug in podinit")
	require.Contains(t, testenv.PanicStackFile(t, out), "panicguard", "the file holds the stack")
}

func TestPanicStackOnStderrWithDebug(t *testing.T) {
	t.Setenv(debugEnv, "1")
	f := filepath.Join(t.TempDir(), "pod.yml")
	require.NoError(t, os.WriteFile(f, []byte("services: {app: {image: busybox}}\n"), 0o644))
	inject(t, "validating the pod")
	var code int
	out := testenv.CaptureStderr(t, func() { code = dispatch([]string{"validate", "-file", f}) })
	require.Equal(t, pod.ExitInvalid, code)
	first, rest, _ := strings.Cut(out, "\n")
	require.Contains(t, first, "internal error while validating the pod")
	require.Contains(t, first, "(stack below)")
	require.Contains(t, rest, "goroutine ")
}

// TestPanicWhileReadingThePodIsOneLogLine: the controller's guard around
// reading and planning the pod logs one line, and the pod exits 2 without
// having created anything (planPod runs before the supervisor exists).
func TestPanicWhileReadingThePodIsOneLogLine(t *testing.T) {
	t.Setenv("TMPDIR", "/nonexistent")
	inject(t, "reading the pod")
	var buf bytes.Buffer
	logger := log.New(&buf, "podinit: ", 0)
	code := guard(func(line string) { logger.Print(line) }, "reading the pod", func() int {
		t.Fatal("the panic comes first")
		return 0
	})
	require.Equal(t, pod.ExitInvalid, code)
	require.Equal(t, 1, strings.Count(buf.String(), "\n"))
	require.Contains(t, buf.String(), "podinit: internal error while reading the pod: runtime error: index out of range")
	require.Contains(t, buf.String(), "(set PODINIT_DEBUG=1 to print the stack)", "no temporary directory: says how to get the stack")
}

func TestGuardPassesCodesThrough(t *testing.T) {
	require.Equal(t, 3, guard(func(string) { t.Fatal("no report without a panic") }, "x", func() int { return 3 }))
}

// injectingBinary builds podinit-pod with the panic-injection hook
// (panicinject.go), static, as the image ships it.
func injectingBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "podinit-pod")
	cmd := exec.Command("go", "build", "-tags", "podinit_panic_injection", "-o", bin, ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	return bin
}

// TestInjectedPanicInTheRealBinary: `podinit validate` run as a process.
func TestInjectedPanicInTheRealBinary(t *testing.T) {
	bin := injectingBinary(t)
	f := filepath.Join(t.TempDir(), "pod.yml")
	require.NoError(t, os.WriteFile(f, []byte("services: {app: {image: busybox}}\n"), 0o644))
	cmd := exec.Command(bin, "validate", "-file", f)
	cmd.Env = append(os.Environ(), "PODINIT_INJECT_PANIC=validating the pod", "TMPDIR="+t.TempDir())
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	require.ErrorAs(t, err, &ee)
	require.Equal(t, pod.ExitInvalid, ee.ExitCode(), "%s", out)
	require.Equal(t, 1, strings.Count(string(out), "\n"), "one line: %s", out)
	require.Contains(t, string(out), "podinit validate: internal error while validating the pod: injected for a test with a second line")
}

// TestInjectedPanicInTheController: a controller on the real engine whose
// reading of the pod panics exits 2 with one line in its log, no Go stack,
// and creates nothing.
func TestInjectedPanicInTheController(t *testing.T) {
	testenv.RequireRoot(t)
	bin := injectingBinary(t)
	p := runPod(t, map[string]string{
		"pod.component.app": "image: " + bbox + "\ncommand: sleep 3600",
	}, []string{"-v", bin + ":/podinit-pod:ro", "-e", "PODINIT_INJECT_PANIC=reading the pod"})
	require.Equal(t, pod.ExitInvalid, p.exitCode(30*time.Second))
	logs := p.logs()
	require.Contains(t, logs, "internal error while reading the pod: injected for a test with a second line; this is a bug in podinit")
	require.Contains(t, logs, "(set PODINIT_DEBUG=1 to print the stack)", "the image has no /tmp")
	require.NotContains(t, logs, "goroutine ")
	for _, line := range strings.Split(logs, "\n") {
		if strings.Contains(line, "internal error") {
			require.NotContains(t, line, "\t")
		}
	}
	require.Empty(t, p.components(), "nothing was created")
}

// TestInjectedPanicInTheSpecReader: a controller whose podinit-spec panics
// while reading the labels exits 2 with podinit-spec's one line in its log
// and creates nothing.
func TestInjectedPanicInTheSpecReader(t *testing.T) {
	testenv.RequireRoot(t)
	bin := filepath.Join(t.TempDir(), "podinit-spec")
	cmd := exec.Command("go", "build", "-tags", "podinit_panic_injection", "-o", bin, "../podinit-spec")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	p := runPod(t, map[string]string{
		"pod.component.app": "image: " + bbox + "\ncommand: sleep 3600",
	}, []string{"-v", bin + ":/podinit-spec:ro", "-e", "PODINIT_INJECT_PANIC=reading the pod"})
	require.Equal(t, pod.ExitInvalid, p.exitCode(30*time.Second))
	logs := p.logs()
	require.Contains(t, logs, "internal error while reading the pod: injected for a test with a second line; this is a bug in podinit")
	require.NotContains(t, logs, "goroutine ")
	require.Empty(t, p.components(), "nothing was created")
}

// TestInjectedPanicInASupervisorGoroutine: a controller on the real engine
// whose second container start (app's, after its sidecar's) panics inside
// app's lifecycle goroutine stops the pod in order, sidecar included, and
// exits 70, leaving nothing.
func TestInjectedPanicInASupervisorGoroutine(t *testing.T) {
	testenv.RequireRoot(t)
	bin := injectingBinary(t)
	p := runPod(t, map[string]string{
		"pod.component.side": "image: " + bbox + "\nx-podinit: {role: sidecar}\ncommand: sleep 3600",
		"pod.component.app":  "image: " + bbox + "\ncommand: sleep 3600",
	}, []string{"-v", bin + ":/podinit-pod:ro", "-e", "PODINIT_INJECT_START_PANIC=2"}, "-ipc=false")
	require.Equal(t, pod.ExitPanic, p.exitCode(30*time.Second))
	logs := p.logs()
	require.Contains(t, logs, "panic in the lifecycle of app")
	require.Contains(t, logs, "injected for a test: start number 2")
	require.Contains(t, logs, "side: running -> stopping", "the sidecar that ran was stopped in order")
	require.Contains(t, logs, "exit 70")
	p.noneLeft()
}
