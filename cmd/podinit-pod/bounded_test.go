package main

import (
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestComposeFilesThatNeverEndFailThePod: a controller whose
// pod.compose.file is /dev/zero read without end, and a FIFO blocked it
// forever; both now fail the pod at once with exit 2, naming the label,
// and nothing is created.
func TestComposeFilesThatNeverEndFailThePod(t *testing.T) {
	t.Parallel()
	fifo := filepath.Join(t.TempDir(), "pod.yml")
	require.NoError(t, syscall.Mkfifo(fifo, 0o644))
	for _, tc := range []struct {
		name, path, want string
		docker           []string
	}{
		{"device", "/dev/zero", "/dev/zero: a character device, not a regular file", nil},
		{"fifo", "/pod.yml", "/pod.yml: a FIFO, not a regular file", []string{"-v", fifo + ":/pod.yml"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := runPod(t, map[string]string{"pod.compose.file": tc.path}, tc.docker)
			require.Equal(t, 2, p.exitCode(30*time.Second))
			logs := p.logs()
			require.Contains(t, logs, "label pod.compose.file: "+tc.want)
			require.Empty(t, p.components())
		})
	}
}
