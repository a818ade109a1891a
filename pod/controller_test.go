package pod

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// A local volume that binds a host folder is that folder: the ceiling
// treats it as a bind of it (plan's TestVolumeThatBindsTheEngineIsNeverHandedOver).
func TestBoundDeviceOfALocalVolume(t *testing.T) {
	require.Equal(t, "/var/run", boundDevice("local", map[string]string{"type": "none", "o": "bind", "device": "/var/run"}))
	require.Equal(t, "", boundDevice("local", map[string]string{"type": "nfs", "o": "addr=10.0.0.1", "device": ":/export"}))
	require.Equal(t, "", boundDevice("other", map[string]string{"o": "bind", "device": "/"}))
}
