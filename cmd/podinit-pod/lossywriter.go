package main

import (
	"fmt"
	"io"
	"sync/atomic"
	"time"
)

// lossyWriter passes writes to w through a bounded queue that one goroutine
// drains, so that a writer never waits for w. The controller's stderr is a
// pipe that the engine drains: without the engine it fills (64 KiB, about
// five minutes of warnings while every stream is made again), and then
// every log call would block, the pod's stop and a lost engine's fence
// included. A write that finds the queue full is dropped and counted; the
// count is written once there is room again.
type lossyWriter struct {
	w       io.Writer
	queue   chan []byte
	pending atomic.Int64 // queued and not yet written
	dropped atomic.Int64
}

// lossyQueue bounds the lines waiting for stderr.
const lossyQueue = 1024

func newLossyWriter(w io.Writer) *lossyWriter {
	l := &lossyWriter{w: w, queue: make(chan []byte, lossyQueue)}
	go l.drain()
	return l
}

// Write queues a copy of p (one log line, as log.Logger writes them).
func (l *lossyWriter) Write(p []byte) (int, error) {
	l.pending.Add(1)
	select {
	case l.queue <- append([]byte(nil), p...):
	default:
		l.pending.Add(-1)
		l.dropped.Add(1)
	}
	return len(p), nil
}

func (l *lossyWriter) drain() {
	for b := range l.queue {
		if n := l.dropped.Swap(0); n > 0 {
			fmt.Fprintf(l.w, "podinit: warning: %d lines of output dropped: nothing read the controller's output (is its engine gone?)\n", n)
		}
		l.w.Write(b)
		l.pending.Add(-1)
	}
}

// flush waits until what was queued is written, for at most d: the last
// lines (the pod's result) matter, but a stderr that nobody reads must not
// hold up the exit.
func (l *lossyWriter) flush(d time.Duration) {
	for deadline := time.Now().Add(d); l.pending.Load() > 0 && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
}
