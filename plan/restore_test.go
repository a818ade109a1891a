package plan

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestRestoreKillsAutoRemove(t *testing.T) {
	for version, kills := range map[string]bool{
		"20.10.24+dfsg1": true, // Debian bookworm's
		"23.0.6":         true,
		"24.0.7":         true,
		"24.0.8":         false,
		"24.0.9-1":       false,
		"25.0.0":         false,
		"26.1.5+dfsg1":   false,
		"28.5.2+dfsg4":   false,
		"":               false,
		"master":         false,
	} {
		require.Equal(t, kills, RestoreKillsAutoRemove(version), version)
	}
}
