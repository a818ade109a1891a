package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/podinit/podinit/internal/testenv"
)

func TestReadmeControllerFlagsMatchTheCode(t *testing.T) {
	block := testenv.DocBlock(t, "docs/reference/cli.md", "controller-flags")
	block = strings.TrimPrefix(block, "```\n")
	block = strings.TrimSuffix(block, "```\n")
	require.Equal(t, controllerFlagsUsage(), block, "docs/reference/cli.md's controller flags must be `podinit -h`'s")
}
