package main

import (
	"fmt"
	"io"
	"sync/atomic"
	"time"
)

// lossyWriter passes writes to w through a bounded queue that one goroutine
// drains. The controller's stdout and stderr are pipes that the engine
// drains: without the engine they fill (64 KiB, about five minutes of
// warnings while every stream is made again), and then every log call
// would block, the pod's stop and a lost engine's fence included. A slow
// reader is waited for, as a plain pipe would be (a chatty component's
// -logs output is held back, not lost); a reader that has not taken a
// write for readerStall is taken for gone: writes are dropped and counted,
// and the count is written once it reads again.
type lossyWriter struct {
	w        io.Writer
	queue    chan []byte
	pending  atomic.Int64 // queued and not yet written
	dropped  atomic.Int64
	progress atomic.Int64 // unix nanoseconds when a write to w last began or returned
}

// readerStall is how long a full queue waits for w's reader before writes
// are dropped.
const readerStall = 2 * time.Second

// newLossyWriter bounds the queue at depth writes: with log.Logger (one
// line per write) and linesplit's 16 KiB lines, depth×16 KiB at most.
func newLossyWriter(w io.Writer, depth int) *lossyWriter {
	l := &lossyWriter{w: w, queue: make(chan []byte, depth)}
	l.progress.Store(time.Now().UnixNano())
	go l.drain()
	return l
}

// Write queues a copy of p.
func (l *lossyWriter) Write(p []byte) (int, error) {
	b := append([]byte(nil), p...)
	l.pending.Add(1)
	select {
	case l.queue <- b:
		return len(p), nil
	default:
	}
	for {
		idle := time.Since(time.Unix(0, l.progress.Load()))
		if idle >= readerStall {
			l.pending.Add(-1)
			l.dropped.Add(1)
			return len(p), nil
		}
		t := time.NewTimer(readerStall - idle)
		select {
		case l.queue <- b:
			t.Stop()
			return len(p), nil
		case <-t.C:
		}
	}
}

func (l *lossyWriter) drain() {
	for b := range l.queue {
		if n := l.dropped.Swap(0); n > 0 {
			fmt.Fprintf(l.w, "podinit: warning: %d writes of output dropped: nothing read the controller's output for %s (is its engine gone?)\n", n, readerStall)
		}
		// Idle time counts from the start of a write that waits, not
		// from the last write before a quiet spell.
		l.progress.Store(time.Now().UnixNano())
		l.w.Write(b)
		l.progress.Store(time.Now().UnixNano())
		l.pending.Add(-1)
	}
}

// flush waits until what was queued is written, for at most d: the last
// lines (the pod's result) matter, but a pipe that nobody reads must not
// hold up the exit.
func (l *lossyWriter) flush(d time.Duration) {
	for deadline := time.Now().Add(d); l.pending.Load() > 0 && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
}
