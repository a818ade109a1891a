package main

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/podinit/podinit/internal/testenv"
	"github.com/podinit/podinit/linesplit"
)

// peakRSS reads a container's first process's peak resident memory (VmHWM)
// from the host's /proc, in KiB.
func peakRSS(t *testing.T, container string) int {
	t.Helper()
	pid := testenv.MustDocker(t, "inspect", "-f", "{{.State.Pid}}", container)
	b, err := os.ReadFile("/proc/" + pid + "/status")
	require.NoError(t, err)
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			var kb int
			fmt.Sscan(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), &kb)
			return kb
		}
	}
	t.Fatalf("no VmHWM in /proc/%s/status", pid)
	return 0
}

// TestLogsOfOutputWithoutNewlinesStayBounded is the case: a
// component that prints without newlines under -logs grew the controller
// to 411 MiB in 15 seconds. Its output now comes through in marked chunks
// and the controller's peak RSS stays where a quiet pod's is.
func TestLogsOfOutputWithoutNewlinesStayBounded(t *testing.T) {
	testenv.RequireRoot(t)
	p := runPod(t, map[string]string{
		"pod.component.app":  "image: " + bbox + "\ncommand: [\"sh\", \"-c\", \"while :; do printf xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx; done\"]",
		"pod.component.tick": "image: " + bbox + "\ncommand: [\"sh\", \"-c\", \"while :; do echo tick; sleep 0.05; done\"]",
	}, nil, "-logs")
	p.running("app", "tick")
	time.Sleep(15 * time.Second)
	kb := peakRSS(t, p.name)
	t.Logf("controller peak RSS after 15s of output without newlines: %d KiB", kb)
	require.Less(t, kb, 48<<10, "controller peak RSS %d KiB", kb)
	// The last lines: whole chunks of the endless line, each cut marked on
	// both sides and short enough to stay one message in Docker's log, and
	// the other component's lines whole among them.
	tail := testenv.MustDocker(t, "logs", "--tail", "400", p.name)
	chunks, ticks := 0, 0
	for _, line := range strings.Split(tail, "\n") {
		switch {
		case len(line) == linesplit.MaxLine-1 && strings.HasPrefix(line, "app | "+linesplit.Cut+"xxx") && strings.HasSuffix(line, "xxx"+linesplit.Cut):
			chunks++
		case line == "tick | tick":
			ticks++
		}
	}
	require.Positive(t, chunks, "no full chunk of the endless line in the last 400 lines")
	require.Positive(t, ticks, "no line of the other component in the last 400 lines")
}
