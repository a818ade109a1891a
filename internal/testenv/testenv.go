// Package testenv gives tests what they need from the machine: root, a
// Docker engine, the podinit binary and images. On a developer laptop a
// missing piece skips the test; when CI is set it fails it, so that CI can
// never pass by skipping.
package testenv

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// Unavailable skips the test, or fails it when CI is set.
func Unavailable(t testing.TB, format string, args ...any) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatalf("CI: "+format, args...)
	}
	t.Skipf(format, args...)
}

// RequireRoot makes sure the test runs as root (for PID namespaces).
func RequireRoot(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		Unavailable(t, "needs root")
	}
}

var (
	dockerOnce sync.Once
	dockerErr  error
)

// RequireDocker makes sure a Docker engine answers (`make test` starts one).
func RequireDocker(t testing.TB) {
	t.Helper()
	dockerOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		out, err := exec.CommandContext(ctx, "docker", "info", "--format", "{{.ServerVersion}}").CombinedOutput()
		if err != nil {
			dockerErr = &exec.Error{Name: "docker info: " + strings.TrimSpace(string(out)), Err: err}
		}
	})
	if dockerErr != nil {
		Unavailable(t, "needs a Docker engine (run `make test`): %v", dockerErr)
	}
}

// RequireImage makes sure a local image exists (`make test` builds them).
func RequireImage(t testing.TB, image string) {
	t.Helper()
	RequireDocker(t)
	if err := exec.Command("docker", "image", "inspect", image).Run(); err != nil {
		Unavailable(t, "needs the image %s (run `make test`)", image)
	}
}

// RepoRoot is the repository's top folder.
func RepoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// DocBlock returns the text of the Markdown file doc (a path from the
// repository's top folder, such as "docs/reference/cli.md") between
// <!-- BEGIN name --> and <!-- END name -->, for tests that keep the
// documentation true to the code.
func DocBlock(t testing.TB, doc, name string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(RepoRoot(), filepath.FromSlash(doc)))
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	begin, end := "<!-- BEGIN "+name+" -->\n", "<!-- END "+name+" -->"
	i := strings.Index(text, begin)
	j := strings.Index(text, end)
	if i < 0 || j < i {
		t.Fatalf("%s has no %s block", doc, name)
	}
	return text[i+len(begin) : j]
}

var (
	binOnce sync.Once
	binPath string
	binErr  error
	binOut  []byte
)

// Binary builds podinit once per test process (static, as shipped) and
// returns its path; podinit-pod, which podinit runs for controller mode and
// validate, and podinit-spec, which podinit-pod runs to read the pod, are
// built beside it (podinit-template, for template, is not).
func Binary(t testing.TB) string {
	t.Helper()
	binOnce.Do(func() {
		dir, err := os.MkdirTemp("", "podinit-bin-")
		if err != nil {
			binErr = err
			return
		}
		binPath = filepath.Join(dir, "podinit")
		cmd := exec.Command("go", "build", "-o", dir+"/", "./cmd/podinit", "./cmd/podinit-pod", "./cmd/podinit-spec")
		cmd.Dir = RepoRoot()
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		binOut, binErr = cmd.CombinedOutput()
	})
	if binErr != nil {
		t.Fatalf("building podinit: %v\n%s", binErr, binOut)
	}
	return binPath
}
