package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/podinit/podinit/internal/testenv"
)

func TestReadmeControllerFlagsMatchTheCode(t *testing.T) {
	block := testenv.ReadmeBlock(t, "controller-flags")
	block = strings.TrimPrefix(block, "```\n")
	block = strings.TrimSuffix(block, "```\n")
	require.Equal(t, controllerFlagsUsage(), block, "README's controller flags must be `podinit -h`'s")
}
