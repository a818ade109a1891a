package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/podinit/podinit/internal/testenv"
	"github.com/podinit/podinit/labels"
	"github.com/podinit/podinit/podspec"
)

// answer runs one request through run, as podinit-pod's pipe would.
func answer(t *testing.T, req podspec.Request) podspec.Response {
	t.Helper()
	in, err := json.Marshal(req)
	require.NoError(t, err)
	var out bytes.Buffer
	require.Equal(t, 0, run(bytes.NewReader(in), &out, []string{"GREETING=hi"}))
	var resp podspec.Response
	require.NoError(t, json.Unmarshal(out.Bytes(), &resp))
	return resp
}

// TestSpecArrivesAsRead: a declaration with every kind of field (init,
// depends_on, healthcheck, env_file, volumes, x-podinit signals, restart,
// copies) reaches podinit-pod exactly as labels read it.
func TestSpecArrivesAsRead(t *testing.T) {
	file := filepath.Join(testenv.RepoRoot(), "labels", "testdata", "pod.yml")
	want, err := labels.FromComposeFile(file, []string{"GREETING=hi"})
	require.NoError(t, err)
	resp := answer(t, podspec.Request{File: file})
	require.Empty(t, resp.Problems)
	require.NotNil(t, resp.Spec)
	require.Equal(t, want, *resp.Spec)

	l := map[string]string{
		"pod.component.app":   "image: busybox\ncommand: [sleep, '1']\nrestart: on-failure:3\nstop_signal: SIGQUIT\nstop_grace_period: 3s\nx-podinit: {signals: [HUP]}\ndepends_on: {side: {condition: service_healthy}}",
		"pod.component.side":  "image: busybox\nhealthcheck: {test: [CMD, 'true'], interval: 1s}\nx-podinit: {role: sidecar}\nulimits: {nofile: 1024}\ncap_drop: [ALL]",
		"pod.init.components": "- image: busybox\n  x-podinit: {name: migrate}",
		"pod.copy.app":        "/etc/hostname:/etc/copied",
		"unrelated":           "ignored",
	}
	want, err = labels.FromLabels(l, []string{"GREETING=hi"})
	require.NoError(t, err)
	resp = answer(t, podspec.Request{Labels: l})
	require.NotNil(t, resp.Spec)
	require.Equal(t, want, *resp.Spec)
}

// TestInvalidDeclarationIsAnAnswer: the problems podinit-pod prints are the
// ones labels gives, every one, with what could be read of the spec, for
// the plan's checks.
func TestInvalidDeclarationIsAnAnswer(t *testing.T) {
	l := map[string]string{"pod.component.app": "imag: busybox\nprivileged: true", "pod.bogus": "x"}
	spec, err := labels.FromLabels(l, []string{"GREETING=hi"})
	require.Error(t, err)
	resp := answer(t, podspec.Request{Labels: l})
	require.Equal(t, labels.Problems(err), resp.Problems)
	require.Equal(t, &spec, resp.Spec)
	require.True(t, resp.Spec.Components[0].Host.Privileged)
	var got []string
	for _, p := range resp.Problems {
		got = append(got, p.Error())
	}
	require.Contains(t, got, "label pod.component.app (line 1): imag: unknown key, did you mean image? (not a Compose service key; podinit's own settings go under x-podinit)")
	require.Contains(t, got, "label pod.bogus: unknown pod label (podinit reads pod.component.<name>, pod.compose.file, pod.init.components and pod.copy.<name>)")
}

// TestUnreadableRequest: podinit-spec run by hand says what it expects.
func TestUnreadableRequest(t *testing.T) {
	var out bytes.Buffer
	stderr := testenv.CaptureStderr(t, func() {
		require.Equal(t, 2, run(strings.NewReader("pod.component.app: x"), &out, nil))
	})
	require.Contains(t, stderr, "podinit-spec: reading the request on stdin")
	require.Empty(t, out.String())
}

// TestPanicWhileReadingIsOneLine: the built binary, with a panic injected
// in its guard, answers one line and exits 0; podinit-pod turns the line
// into exit 2 (cmd/podinit-pod's TestInjectedPanicInTheSpecReader).
func TestPanicWhileReadingIsOneLine(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "podinit-spec")
	build := exec.Command("go", "build", "-tags", "podinit_panic_injection", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	out, err := build.CombinedOutput()
	require.NoError(t, err, "%s", out)
	cmd := exec.Command(bin)
	cmd.Stdin = strings.NewReader(`{"Labels":{"pod.component.app":"image: x"}}`)
	cmd.Env = append(os.Environ(), "PODINIT_INJECT_PANIC=reading the pod", "TMPDIR="+t.TempDir())
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	require.NoError(t, cmd.Run(), "%s", stderr.String())
	var resp podspec.Response
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &resp))
	require.Nil(t, resp.Spec)
	require.Contains(t, resp.Internal, "internal error while reading the pod: injected for a test with a second line; this is a bug in podinit")
	require.NotContains(t, resp.Internal, "\n")
	require.Empty(t, stderr.String())
}

// TestSealedWhileReading: podinit-spec, built with the seal's entry point
// as `make build` does and without it, and run as another uid, is not
// dumpable while it waits for its request: its /proc entries belong to
// root, so no process of the pod with its uid can reach the controller's
// root through them.
func TestSealedWhileReading(t *testing.T) {
	testenv.RequireRoot(t)
	// t.TempDir's parent is private: uid 65534 must reach the binary.
	dir, err := os.MkdirTemp("", "podinit-spec-seal-")
	require.NoError(t, err)
	t.Cleanup(func() { os.RemoveAll(dir) })
	require.NoError(t, os.Chmod(dir, 0o755))
	builds := map[string]string{"a plain go build (sealed from Go)": ""}
	if runtime.GOARCH == "amd64" || runtime.GOARCH == "arm64" {
		builds["the image's build (the entry point seals)"] = "-E github.com/podinit/podinit/internal/seal.Entry"
	}
	for what, ldflags := range builds {
		t.Run(what, func(t *testing.T) {
			bin := filepath.Join(dir, fmt.Sprintf("podinit-spec-%d", len(ldflags)))
			build := exec.Command("go", "build", "-ldflags", ldflags, "-o", bin, ".")
			build.Env = append(os.Environ(), "CGO_ENABLED=0")
			out, err := build.CombinedOutput()
			require.NoError(t, err, "%s", out)
			cmd := exec.Command(bin)
			stdin, err := cmd.StdinPipe()
			require.NoError(t, err)
			cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
			require.NoError(t, cmd.Start())
			defer func() { stdin.Close(); cmd.Wait() }()
			// A plain build is dumpable until Go's package initialisers
			// ran: wait until the process reads its stdin.
			testenv.WaitFor(t, 10*time.Second, func() bool {
				wchan, _ := os.ReadFile(fmt.Sprintf("/proc/%d/wchan", cmd.Process.Pid))
				return strings.Contains(string(wchan), "pipe_read")
			}, "podinit-spec waiting for its request")
			var st syscall.Stat_t
			require.NoError(t, syscall.Stat(fmt.Sprintf("/proc/%d/environ", cmd.Process.Pid), &st))
			require.Equal(t, uint32(0), st.Uid, "a dumpable process's /proc entries belong to its own uid (65534)")
		})
	}
}
