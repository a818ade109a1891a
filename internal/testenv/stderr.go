package testenv

import (
	"io"
	"os"
	"testing"

	"github.com/stretchr/testify/require"
)

// CaptureStderr runs f with os.Stderr read into the returned string.
func CaptureStderr(t testing.TB, f func()) string {
	t.Helper()
	r, w, err := os.Pipe()
	require.NoError(t, err)
	saved := os.Stderr
	os.Stderr = w
	done := make(chan string)
	go func() {
		b, _ := io.ReadAll(r)
		done <- string(b)
	}()
	defer func() { os.Stderr = saved }()
	f()
	w.Close()
	return <-done
}
