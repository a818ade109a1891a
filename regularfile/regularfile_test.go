package regularfile

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestRead(t *testing.T) {
	dir := t.TempDir()
	ok := filepath.Join(dir, "ok")
	require.NoError(t, os.WriteFile(ok, []byte("hello"), 0o644))
	big := filepath.Join(dir, "big")
	require.NoError(t, os.WriteFile(big, []byte(strings.Repeat("x", 6)), 0o644))
	fifo := filepath.Join(dir, "fifo")
	require.NoError(t, syscall.Mkfifo(fifo, 0o644))

	b, err := Read(ok, 5)
	require.NoError(t, err)
	require.Equal(t, "hello", string(b))
	for path, want := range map[string]string{
		big:         "too large: 6 bytes, more than the 5 allowed",
		fifo:        "a FIFO, not a regular file",
		"/dev/zero": "a character device, not a regular file",
		dir:         "a directory, not a regular file",
	} {
		done := make(chan error, 1)
		go func() { _, err := Read(path, 5); done <- err }()
		select {
		case err := <-done:
			require.EqualError(t, err, want)
			require.NoError(t, func() error { _, err := os.Stat(path); return err }())
			require.EqualError(t, Check(path, 5), want)
		case <-time.After(5 * time.Second):
			t.Fatalf("reading %s does not end", path)
		}
	}
	_, err = Read(filepath.Join(dir, "missing"), 5)
	require.ErrorIs(t, err, os.ErrNotExist)
	require.ErrorIs(t, Check(big, 5), ErrTooLarge)
}
