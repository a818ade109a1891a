package testenv

import (
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Images the end-to-end tests use; `make test` builds both. PODINIT_IMAGE
// names another tag for podinit's image (`make image IMAGE=…`), so that two
// work trees can test their own builds on one engine.
var PodImage = imageFromEnv()

// TemplateImage holds `podinit template`, which the controller image leaves
// out; `make image` builds it beside PodImage.
var TemplateImage = PodImage + "-template"

const Busybox = "podinit-test/busybox:latest"

func imageFromEnv() string {
	if img := os.Getenv("PODINIT_IMAGE"); img != "" {
		return img
	}
	return "podinit:dev"
}

var slowness = slownessFromEnv()

func slownessFromEnv() time.Duration {
	v := os.Getenv("PODINIT_TEST_SLOWNESS")
	if v == "" {
		return 1
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		panic("PODINIT_TEST_SLOWNESS=" + v + ": want a whole number of 1 or more")
	}
	return time.Duration(n)
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
//
// PODINIT_TEST_SLOWNESS, a whole number, stretches every timeout that many
// times: the cgroup v2 VM (scripts/v2lab.sh) runs under software emulation,
// many times slower than the hardware the timeouts are set for.
func WaitFor(t testing.TB, timeout time.Duration, cond func() bool, what string, args ...any) {
	t.Helper()
	timeout *= slowness
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
