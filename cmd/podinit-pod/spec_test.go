package main

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/podinit/podinit/internal/testenv"
	"github.com/podinit/podinit/pod"
	"github.com/podinit/podinit/podspec"
)

// fakeSpec puts a podinit-spec that runs script on PATH (the test binary
// has none beside it).
func fakeSpec(t *testing.T, script string) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, specBinary), []byte("#!/bin/sh\n"+script+"\n"), 0o755))
	t.Setenv("PATH", dir+":"+os.Getenv("PATH"))
}

func TestReadSpecWithoutTheBinary(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	_, err := readSpec(podspec.Request{Labels: map[string]string{"pod.component.app": "image: x"}})
	require.ErrorContains(t, err, "podinit-spec is not next to podinit-pod nor on PATH")
}

func TestReadSpecBoundsTheAnswer(t *testing.T) {
	fakeSpec(t, "head -c 70000000 /dev/zero")
	_, err := readSpec(podspec.Request{})
	require.ErrorContains(t, err, "answered more than 67108864 bytes")
}

func TestReadSpecNeedsAnAnswer(t *testing.T) {
	fakeSpec(t, "cat >/dev/null; echo '{}'")
	_, err := readSpec(podspec.Request{})
	require.ErrorContains(t, err, "answered neither a spec nor an error")
	fakeSpec(t, "exit 3")
	_, err = readSpec(podspec.Request{})
	require.ErrorContains(t, err, "exit status 3")
}

func TestReadSpecReportsItsCost(t *testing.T) {
	fakeSpec(t, `cat >/dev/null; echo '{"Problems":[{"Source":"pod.x","Msg":"unknown pod label"}]}'`)
	run, err := readSpec(podspec.Request{})
	require.NoError(t, err)
	require.Equal(t, []*podspec.Problem{{Source: "pod.x", Msg: "unknown pod label"}}, run.Problems)
	require.Positive(t, run.peakKiB)
	require.Positive(t, run.ownPeakKiB)
	require.Regexp(t, `^read the pod in \d+ ms \(podinit-spec: \d+ ms of CPU, peak RSS \d+\.\d MiB, while podinit-pod's peak was \d+\.\d MiB\)$`, run.String())
}

// TestControllerWithoutASpecReaderCreatesNothing: a controller whose
// /podinit-spec cannot run exits 3 and creates nothing.
func TestControllerWithoutASpecReaderCreatesNothing(t *testing.T) {
	testenv.RequireRoot(t)
	p := runPod(t, map[string]string{
		"pod.component.app": "image: " + bbox + "\ncommand: sleep 3600",
	}, []string{"-v", "/dev/null:/podinit-spec:ro"})
	require.Equal(t, pod.ExitCannotRun, p.exitCode(30*time.Second))
	require.Contains(t, p.logs(), "running /podinit-spec: ")
	require.Empty(t, p.components(), "nothing was created")
}
