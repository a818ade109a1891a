package labels

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestComposeFileTopLevelVolumesAreDeclared(t *testing.T) {
	f := filepath.Join(t.TempDir(), "pod.yml")
	require.NoError(t, os.WriteFile(f, []byte(`
services:
  app:
    image: my/app
    volumes: [cache:/c, shared:/s]
volumes:
  cache:
  shared: {name: team_shared}
`), 0o644))
	spec, err := FromComposeFile(f, nil)
	require.NoError(t, err)
	require.Equal(t, map[string]string{"cache": "cache", "shared": "team_shared"}, spec.Volumes)

	spec, err = FromLabels(map[string]string{ComposeFile: f}, nil)
	require.NoError(t, err)
	require.Equal(t, "team_shared", spec.Volumes["shared"], "carried through pod.compose.file")
}
