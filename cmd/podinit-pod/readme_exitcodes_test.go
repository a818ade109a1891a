package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/podinit/podinit/internal/testenv"
	"github.com/podinit/podinit/pod"
)

// The README's exit-code table lists every code of the controller's own.
func TestReadmeExitCodesListTheCodes(t *testing.T) {
	block := testenv.ReadmeBlock(t, "exit-codes")
	for _, code := range []int{0, pod.ExitInvalid, pod.ExitCannotRun, pod.ExitEngineLost, pod.ExitPanic} {
		require.True(t, strings.Contains(block, fmt.Sprintf("\n| %d | ", code)), "README's exit codes miss %d", code)
	}
}
