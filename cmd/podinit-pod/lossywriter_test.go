package main

import (
	"bufio"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// A stderr pipe that nobody reads: writes never block, and once it is read
// again the lines come with a count of those dropped meanwhile.
func TestLossyWriterNeverBlocksOnAFullPipe(t *testing.T) {
	r, w, err := os.Pipe()
	require.NoError(t, err)
	defer r.Close()
	defer w.Close()
	l := newLossyWriter(w)
	line := strings.Repeat("x", 200) + "\n"
	began := time.Now()
	for range 5000 { // 1 MB: the pipe (64 KiB) and the queue overflow
		l.Write([]byte(line))
	}
	require.Less(t, time.Since(began), time.Second, "writes waited for the pipe")
	began = time.Now()
	l.flush(100 * time.Millisecond)
	require.Less(t, time.Since(began), time.Second, "flush waited for a pipe nobody reads")
	require.Positive(t, l.dropped.Load())

	go func() {
		sc := bufio.NewScanner(r)
		for sc.Scan() {
		}
	}()
	l.flush(5 * time.Second)
	require.Zero(t, l.pending.Load(), "what was queued is written once the pipe is read")
	l.Write([]byte("last\n"))
	l.flush(5 * time.Second)
	require.Zero(t, l.pending.Load())
	require.Zero(t, l.dropped.Load(), "the count was reported")
}
