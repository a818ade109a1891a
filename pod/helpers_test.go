package pod

import (
	"os"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

type syncMutex struct{ sync.Mutex }

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	require.NoError(t, os.WriteFile(path, []byte(content), 0o600))
}
