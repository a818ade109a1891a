package testenv

import (
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// Images the end-to-end tests use; `make test` builds both. PODINIT_IMAGE
// names another tag for podinit's image (`make image IMAGE=…`), so that two
// work trees can test their own builds on one engine.
var PodImage = imageFromEnv()

const Busybox = "podinit-test/busybox:latest"

func imageFromEnv() string {
	if img := os.Getenv("PODINIT_IMAGE"); img != "" {
		return img
	}
	return "podinit:dev"
}

// Docker runs the docker CLI and returns its trimmed combined output.
func Docker(args ...string) (string, error) {
	out, err := exec.Command("docker", args...).CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

// MustDocker runs the docker CLI and fails the test when it fails.
func MustDocker(t testing.TB, args ...string) string {
	t.Helper()
	out, err := Docker(args...)
	if err != nil {
		t.Fatalf("docker %s: %v: %s", strings.Join(args, " "), err, out)
	}
	return out
}

// WaitFor polls cond until it holds, or fails the test after timeout with
// "timed out after <timeout> waiting for "+what. Pointer arguments of the
// message are read at that time, so that it can show the last thing cond
// saw.
func WaitFor(t testing.TB, timeout time.Duration, cond func() bool, what string, args ...any) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			vals := []any{timeout}
			for _, a := range args {
				switch p := a.(type) {
				case *string:
					a = *p
				case *int:
					a = *p
				case *[]string:
					a = *p
				}
				vals = append(vals, a)
			}
			t.Fatalf("timed out after %s waiting for "+what, vals...)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
