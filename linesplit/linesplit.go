// Package linesplit copies a component's output into the controller's one
// line at a time, each line behind the component's name, so that the lines
// of different components never mix, and with bounded memory whatever the
// component writes. A line longer than MaxLine (output without a newline,
// binary data) is cut into chunks of at most MaxLine bytes, at a UTF-8
// character boundary, and each cut is marked; nothing is dropped. A carriage
// return ends a line too, so that a progress bar redrawing itself neither
// piles up into one endless line nor moves the terminal's cursor back over
// the name.
package linesplit

import (
	"bytes"
	"io"
	"sync"
	"unicode/utf8"
)

// MaxLine bounds each line written, prefix, cut marks and newline
// included: the size at which Docker's log drivers split a line into
// partial messages, so that a chunk stays one message in `docker logs`.
const MaxLine = 16 << 10

// minChunk is the least of a line that a chunk carries, however long the
// prefix.
const minChunk = 1 << 10

// Cut marks where a long line was cut: at the end of the chunk before the
// cut and at the start of the chunk after it.
const Cut = "…"

// Writer writes lines to w, each behind a prefix. Output that does not end
// a line waits in Writer, less than MaxLine bytes, for the line's end, a
// cut or Flush.
type Writer struct {
	w      io.Writer
	prefix []byte
	mu     *sync.Mutex // shared by every Writer to the same w
	max    int         // of a line's bytes in one chunk

	buf []byte // the line so far, at most max bytes, without its end
	// cont is set while buf continues a line that was cut.
	cont bool
	// afterCR is set after a carriage return that ended a line, so that a
	// '\n' right after it (CRLF, perhaps in the next Write) adds no line.
	afterCR bool
	out     []byte // scratch for the line being written
}

// New returns a Writer of lines to w, each behind prefix (e.g. "app | ").
// mu serializes the writes of every Writer to w.
func New(w io.Writer, prefix string, mu *sync.Mutex) *Writer {
	return newWriter(w, prefix, mu, max(MaxLine-len(prefix)-2*len(Cut)-1, minChunk))
}

func newWriter(w io.Writer, prefix string, mu *sync.Mutex, max int) *Writer {
	return &Writer{w: w, prefix: []byte(prefix), mu: mu, max: max, buf: make([]byte, 0, max)}
}

// Write writes every line that p completes and keeps the rest. It always
// returns len(p), nil: a component's output is never pushed back, and what
// w cannot take (the controller's stdout closed) is lost there.
func (l *Writer) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		if l.afterCR {
			l.afterCR = false
			if p[0] == '\n' {
				p = p[1:]
				continue
			}
		}
		i := bytes.IndexAny(p, "\r\n")
		if i < 0 {
			l.add(p)
			break
		}
		l.add(p[:i])
		switch {
		case p[i] == '\n':
			l.endLine()
		case len(l.buf) > 0 || l.cont:
			l.endLine()
			l.afterCR = true
		default:
			// A carriage return at the start of a line adds nothing
			// ("\r10%\r20%"); a '\n' after it still ends an empty line.
		}
		p = p[i+1:]
	}
	return n, nil
}

// Flush writes what is left of an unfinished line, as a line.
func (l *Writer) Flush() {
	if len(l.buf) > 0 || l.cont {
		l.endLine()
	}
}

// add appends b to the line, cutting it each time it reaches max.
func (l *Writer) add(b []byte) {
	for len(b) > 0 {
		room := l.max - len(l.buf)
		if len(b) <= room {
			l.buf = append(l.buf, b...)
			return
		}
		l.buf = append(l.buf, b[:room]...)
		b = b[room:]
		l.cut()
	}
}

// cut writes the full buffer as a chunk of a longer line, keeping the bytes
// of a UTF-8 character it would split for the next chunk.
func (l *Writer) cut() {
	k := len(l.buf)
	for j := 1; j <= utf8.UTFMax-1 && j < len(l.buf); j++ {
		if utf8.RuneStart(l.buf[k-j]) {
			if !utf8.FullRune(l.buf[k-j:]) {
				k -= j
			}
			break
		}
	}
	if k == 0 {
		k = len(l.buf)
	}
	l.emit(l.buf[:k], true)
	l.buf = append(l.buf[:0], l.buf[k:]...)
	l.cont = true
}

func (l *Writer) endLine() {
	l.emit(l.buf, false)
	l.buf = l.buf[:0]
	l.cont = false
}

func (l *Writer) emit(line []byte, cutAfter bool) {
	out := append(l.out[:0], l.prefix...)
	if l.cont {
		out = append(out, Cut...)
	}
	out = append(out, line...)
	if cutAfter {
		out = append(out, Cut...)
	}
	out = append(out, '\n')
	l.out = out
	l.mu.Lock()
	l.w.Write(out)
	l.mu.Unlock()
}
