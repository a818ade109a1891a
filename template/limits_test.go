package template

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
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
)

// allocated runs f and returns how many bytes it allocated.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

func laughs(t *testing.T) []byte {
	b, err := os.ReadFile(filepath.Join("testdata", "limits", "billion-laughs.yml"))
	require.NoError(t, err)
	return b
}

// TestBillionLaughsIsRefused: nine lines of nested anchors expand to 9^9
// nodes; the expansion is counted and refused at its first alias past the
// limit, within a few megabytes.
func TestBillionLaughsIsRefused(t *testing.T) {
	var err error
	n := allocated(func() {
		_, err = Render(context.Background(), []string{"-"}, Options{Stdin: strings.NewReader(string(laughs(t))), WorkDir: t.TempDir()})
	})
	require.ErrorContains(t, err, "-:6: refused: aliases expand to more than 100000 nodes")
	require.Less(t, n, uint64(64<<20), "allocated %d bytes", n)
}

// TestAliasesRealStacksUse: a block of settings reused by many services is
// far below the limit.
func TestAliasesRealStacksUse(t *testing.T) {
	var b strings.Builder
	b.WriteString("x-common: &common\n  image: example/app:1\n  environment: {A: 1, B: 2, C: 3}\n  deploy: {resources: {limits: {memory: 64M}}}\nservices:\n")
	for i := range 300 {
		fmt.Fprintf(&b, "  s%d:\n    <<: *common\n    x-podinit: {}\n", i)
	}
	_, err := Render(context.Background(), []string{"-"}, Options{Stdin: strings.NewReader(b.String()), WorkDir: t.TempDir()})
	require.NoError(t, err)
}

// TestBillionLaughsInTheImage is the case: the stack file fed to
// the template image's `template -` under 256 MiB, which the OOM killer
// ended.
func TestBillionLaughsInTheImage(t *testing.T) {
	testenv.RequireDocker(t)
	testenv.RequireImage(t, testenv.TemplateImage)
	cmd := exec.Command("docker", "run", "--rm", "-i", "--memory", "256m", testenv.TemplateImage, "template", "-")
	cmd.Stdin = strings.NewReader(string(laughs(t)))
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	require.ErrorAs(t, err, &ee, "output: %s", out)
	require.Equal(t, 1, ee.ExitCode(), "output: %s", out)
	require.Contains(t, string(out), "aliases expand to more than")
}

func TestStandardInputIsBounded(t *testing.T) {
	zero, err := os.Open("/dev/zero")
	require.NoError(t, err)
	defer zero.Close()
	_, err = Render(context.Background(), []string{"-"}, Options{Stdin: zero, WorkDir: t.TempDir()})
	require.ErrorContains(t, err, "-: cannot read the stack file: too large: more than the 262144 bytes allowed")
	_, err = Render(context.Background(), []string{"/dev/zero"}, Options{WorkDir: t.TempDir()})
	require.ErrorContains(t, err, "/dev/zero: cannot read the stack file: too large")
}

// TestInterruptEndsABlockedRead: Ctrl-C is caught, so a read from a pipe
// nobody writes to must end with the context.
func TestInterruptEndsABlockedRead(t *testing.T) {
	r, w := io.Pipe()
	defer w.Close()
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	done := make(chan error, 1)
	go func() {
		_, err := Render(ctx, []string{"-"}, Options{Stdin: r, WorkDir: t.TempDir()})
		done <- err
	}()
	// Without the context, the read would block for ever.
	select {
	case err := <-done:
		require.ErrorIs(t, err, context.Canceled)
	case <-time.After(30 * time.Second):
		t.Fatal("Render still blocked on the pipe 30s after the context was cancelled")
	}
}

// TestInterruptedCommandExits130 sends SIGINT to the real command waiting
// on standard input.
func TestInterruptedCommandExits130(t *testing.T) {
	exe, err := os.Executable()
	require.NoError(t, err)
	cmd := exec.Command(exe, "template", "-")
	cmd.Env = append(os.Environ(), cliEnv+"=1")
	stdin, err := cmd.StdinPipe()
	require.NoError(t, err)
	defer stdin.Close()
	var stderr strings.Builder
	cmd.Stderr = &stderr
	require.NoError(t, cmd.Start())
	// Signal once the command reads its standard input, which it does
	// after it has asked for SIGINT: a fixed wait lost the race on a loaded
	// machine, and the Go runtime killed the process before os/signal had
	// it.
	deadline := time.Now().Add(10 * time.Second)
	for !readingPipe(cmd.Process.Pid) {
		require.True(t, time.Now().Before(deadline), "podinit template never read its standard input")
		time.Sleep(5 * time.Millisecond)
	}
	require.NoError(t, cmd.Process.Signal(syscall.SIGINT))
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err = <-done:
	case <-time.After(5 * time.Second):
		cmd.Process.Kill()
		t.Fatal("podinit template did not end on SIGINT")
	}
	require.Equal(t, 130, cmd.ProcessState.ExitCode(), "stderr: %s", stderr.String())
	require.Contains(t, stderr.String(), "interrupted")
}

func inlineStack(tmpl string) string {
	return stack("    x-podinit:\n      templates:\n        - inline: |\n            " + tmpl + "\n")
}

func TestRenderedOutputIsBounded(t *testing.T) {
	for _, tc := range []struct{ tmpl, want string }{
		{`{{range 1000000000}}x{{end}}`, "renders more than 262144 bytes"},
		{`{{"x" | replace "" "0123456789" -1 | replace "" "0123456789" -1 | replace "" "0123456789" -1 | replace "" "0123456789" -1 | replace "" "0123456789" -1 | replace "" "0123456789" -1}}`, "replace would make"},
		{`{{printf "%0999999999d" 1}}`, "a width or precision over 1000"},
		{`{{printf "%.999999999f" 1.0}}`, "a width or precision over 1000"},
		{`{{printf "%*d" 999999999 1}}`, "widths from arguments (*) are not supported"},
		{`{{indent 999999999 "x"}}`, "indent 999999999: give 0 to 1000 spaces"},
		{`{{define "a"}}{{template "a"}}{{end}}{{template "a"}}`, `template "a" calls itself (a → a)`},
		{`{{define "a"}}{{if 1}}{{template "b"}}{{end}}{{end}}{{define "b"}}{{range 2}}{{template "a"}}{{end}}{{end}}{{template "a"}}`, `template "a" calls itself (a → b → a)`},
	} {
		var err error
		n := allocated(func() { _, _, err = renderFiles(t, map[string]string{"stack.yml": inlineStack(tc.tmpl)}, Options{}) })
		require.ErrorContains(t, err, tc.want, tc.tmpl)
		require.ErrorContains(t, err, "stack.yml:", "names the stack file")
		require.Less(t, n, uint64(64<<20), "%s allocated %d bytes", tc.tmpl, n)
	}
	// Widths that real templates use still work, and so do templates
	// calling others.
	_, _, err := renderFiles(t, map[string]string{"stack.yml": inlineStack(`{{define "img"}}x:1{{end}}{{define "side"}}side: {image: {{template "img"}}}{{end}}{{template "side"}}`)}, Options{})
	require.NoError(t, err)
	doc, _, err := renderFiles(t, map[string]string{"stack.yml": inlineStack(`side: {image: "x:{{printf "%03d" 7}}"}`)}, Options{})
	require.NoError(t, err)
	require.Equal(t, "x:007", label(t, service(t, doc, "web"), "pod.component.side").(map[string]any)["image"])
}

func TestRenderingIsTimed(t *testing.T) {
	renderTimeout = 300 * time.Millisecond
	defer func() { renderTimeout = RenderTimeout }()
	start := time.Now()
	_, _, err := renderFiles(t, map[string]string{"stack.yml": inlineStack(`{{range 1000000000}}{{end}}`)}, Options{})
	require.ErrorContains(t, err, "rendering took longer than 300ms")
	// The loop itself runs for about a minute (57s on the 2-core CI
	// machine): Render returns at its timeout, not at the loop's end.
	require.Less(t, time.Since(start), 20*time.Second)
}

func TestTemplateFilesMustBeRegular(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo.yml")
	require.NoError(t, syscall.Mkfifo(fifo, 0o644))
	for path, want := range map[string]string{
		"/dev/zero": "a character device, not a regular file",
		fifo:        "a FIFO, not a regular file",
		dir:         "a directory, not a regular file",
	} {
		done := make(chan error, 1)
		go func() {
			_, _, err := renderFiles(t, map[string]string{"stack.yml": stack("    x-podinit:\n      templates: [" + path + "]\n")}, Options{})
			done <- err
		}()
		select {
		case err := <-done:
			require.ErrorContains(t, err, "template file "+path+": "+want)
		case <-time.After(5 * time.Second):
			t.Fatalf("reading %s as a template hangs", path)
		}
	}
}

func TestHTTPSRedirectToHTTPIsRefused(t *testing.T) {
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		io.WriteString(w, "side: {image: evil}\n")
	}))
	defer plain.Close()
	tlsSrv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/same" {
			http.Redirect(w, r, "/ok", http.StatusFound)
			return
		}
		if r.URL.Path == "/ok" {
			io.WriteString(w, "side: {image: good}\n")
			return
		}
		http.Redirect(w, r, plain.URL+"/t.yml", http.StatusFound)
	}))
	defer tlsSrv.Close()
	item := func(path string) string {
		return stack("    x-podinit:\n      templates:\n        - http: {url: " + tlsSrv.URL + path + ", insecure: true}\n")
	}
	_, _, err := renderFiles(t, map[string]string{"stack.yml": item("/down")}, Options{})
	require.ErrorContains(t, err, "refused a redirect from https://")
	require.ErrorContains(t, err, "to "+plain.URL+"/t.yml")
	doc, _, err := renderFiles(t, map[string]string{"stack.yml": item("/same")}, Options{})
	require.NoError(t, err, "https to https redirects are followed")
	require.Equal(t, "good", label(t, service(t, doc, "web"), "pod.component.side").(map[string]any)["image"])
}

func TestHTTPBodyIsBounded(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		io.Copy(w, io.LimitReader(zeroReader{}, 64<<20))
	}))
	defer srv.Close()
	var err error
	n := allocated(func() {
		_, _, err = renderFiles(t, map[string]string{"stack.yml": stack("    x-podinit:\n      templates: [" + srv.URL + "/big.yml]\n")}, Options{})
	})
	require.ErrorContains(t, err, "the body is larger than 262144 bytes")
	require.Less(t, n, uint64(48<<20), "allocated %d bytes", n)
}

type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// TestWorstCaseStackFitsIn256MiB: the stack that costs the most memory per
// byte, a flow list of one-letter items, just under MaxStackSize, renders in
// the template image under --memory 256m (one of 512 KiB was OOM-killed).
func TestWorstCaseStackFitsIn256MiB(t *testing.T) {
	testenv.RequireDocker(t)
	testenv.RequireImage(t, testenv.TemplateImage)
	head := "services: {web: {image: x, x-podinit: {}}}\nx-a: [a"
	stack := head + strings.Repeat(",a", (MaxStackSize-len(head)-3)/2) + "]\n"
	require.LessOrEqual(t, len(stack), MaxStackSize)
	cmd := exec.Command("docker", "run", "--rm", "-i", "--memory", "256m", testenv.TemplateImage, "template", "-")
	cmd.Stdin = strings.NewReader(stack)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	require.NoError(t, cmd.Run(), "stderr: %s", stderr.String())
}

// readingPipe reports whether a thread of process pid waits in a read of a
// pipe (its wchan: pipe_read, or anon_pipe_read on newer kernels).
func readingPipe(pid int) bool {
	tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/wchan", pid))
	for _, w := range tasks {
		if b, _ := os.ReadFile(w); strings.HasSuffix(string(b), "pipe_read") {
			return true
		}
	}
	return false
}
