package testenv

import (
	"io"
	"os"
	"strings"
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

// PanicStackFile returns what the file named by a panic guard's one-line
// message ("… (stack in PATH)") holds, failing the test when the message
// names none or the file cannot be read.
func PanicStackFile(t testing.TB, out string) string {
	t.Helper()
	_, path, ok := strings.Cut(strings.TrimSpace(out), "(stack in ")
	require.True(t, ok, "names the stack's file: %q", out)
	stack, err := os.ReadFile(strings.TrimSuffix(path, ")"))
	require.NoError(t, err)
	return string(stack)
}
