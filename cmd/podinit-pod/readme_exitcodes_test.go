package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/podinit/podinit/internal/testenv"
	"github.com/podinit/podinit/pod"
)

// docs/reference/exit-codes.md's table lists every code of the controller's own.
func TestReadmeExitCodesListTheCodes(t *testing.T) {
	block := testenv.DocBlock(t, "docs/reference/exit-codes.md", "exit-codes")
	for _, code := range []int{0, pod.ExitInvalid, pod.ExitCannotRun, pod.ExitEngineLost, pod.ExitPanic} {
		require.True(t, strings.Contains(block, fmt.Sprintf("\n| %d | ", code)), "docs/reference/exit-codes.md misses %d", code)
	}
}
