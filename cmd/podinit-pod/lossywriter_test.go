package main

import (
	"bufio"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// A stderr pipe that nobody reads: writes wait at most readerStall, and
// once it is read again the lines come with a count of those dropped
// meanwhile.
func TestLossyWriterNeverBlocksOnAFullPipe(t *testing.T) {
	r, w, err := os.Pipe()
	require.NoError(t, err)
	defer r.Close()
	defer w.Close()
	l := newLossyWriter(w, 1024)
	line := strings.Repeat("x", 200) + "\n"
	began := time.Now()
	for range 5000 { // 1 MB: the pipe (64 KiB) and the queue overflow
		l.Write([]byte(line))
	}
	// One wait of readerStall in all; a second would take it to twice that.
	require.Less(t, time.Since(began), 2*readerStall, "writes waited for the pipe beyond readerStall")
	// flush's own bound, not the pipe, ends it: the pipe is never read.
	done := make(chan struct{})
	go func() { l.flush(100 * time.Millisecond); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("flush waited for a pipe nobody reads")
	}
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

// A reader slower than the writer is waited for, as with a plain pipe:
// nothing is dropped while it keeps reading.
func TestLossyWriterWaitsForASlowReader(t *testing.T) {
	r, w, err := os.Pipe()
	require.NoError(t, err)
	defer r.Close()
	defer w.Close()
	l := newLossyWriter(w, 4)
	lines := make(chan int, 1)
	go func() {
		n := 0
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			if sc.Text() == "end" {
				break
			}
			n++
			time.Sleep(2 * time.Millisecond) // slow, never stalled
		}
		lines <- n
	}()
	line := strings.Repeat("y", 4000) + "\n" // 16 of them fill the pipe
	for range 400 {
		l.Write([]byte(line))
	}
	l.Write([]byte("end\n"))
	require.Equal(t, 400, <-lines, "a slow reader lost lines")
	require.Zero(t, l.dropped.Load())
}
