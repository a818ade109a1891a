package linesplit

import (
	"bytes"
	"sync"
	"testing"
	"unicode/utf8"
)

// reference is the Writer's contract written plainly, without streaming:
// the lines of in (ended by '\n', "\r\n", or a '\r' after something),
// each cut into chunks of at most max bytes that split no UTF-8
// character, marked at each cut, behind the prefix.
func reference(in []byte, prefix string, max int) string {
	var lines [][]byte
	var cur []byte
	open, afterCR := false, false
	for _, b := range in {
		if afterCR {
			afterCR = false
			if b == '\n' {
				continue
			}
		}
		switch {
		case b == '\n':
			lines = append(lines, cur)
			cur, open = nil, false
		case b == '\r':
			if open {
				lines = append(lines, cur)
				cur, open = nil, false
				afterCR = true
			}
		default:
			cur, open = append(cur, b), true
		}
	}
	if open {
		lines = append(lines, cur)
	}
	var out bytes.Buffer
	for _, line := range lines {
		first := true
		for {
			last := len(line) <= max
			k := len(line)
			if !last {
				k = max
				for j := 1; j <= utf8.UTFMax-1 && j < k; j++ {
					if utf8.RuneStart(line[k-j]) {
						if !utf8.FullRune(line[k-j : k]) {
							k -= j
						}
						break
					}
				}
			}
			out.WriteString(prefix)
			if !first {
				out.WriteString(Cut)
			}
			out.Write(line[:k])
			if !last {
				out.WriteString(Cut)
			}
			out.WriteByte('\n')
			if last {
				break
			}
			line, first = line[k:], false
		}
	}
	return out.String()
}

// FuzzWriter: whatever a component writes, and however its writes are
// split, the Writer's output is the reference's, and it holds at most max
// bytes of a line. Budget per input: the input's own size in memory.
func FuzzWriter(f *testing.F) {
	for _, s := range []string{
		"one\ntw" + "o\r\nthree", "\r 10%\r 20%\rdone\n", "abcdefghij\nxy\n", "abc€€\n",
		"\x00\x01\xff\xfe\x80\x1b[2J", "a\r\r\nb\n\n", "€€€€€€€€", "\xe2\x82", "x\r",
	} {
		f.Add([]byte(s), uint8(3), uint8(5))
	}
	f.Fuzz(func(t *testing.T, in []byte, split, max uint8) {
		m := int(max%32) + 4
		var out bytes.Buffer
		w := newWriter(&out, "p| ", new(sync.Mutex), m)
		step := int(split%16) + 1
		for rest := in; len(rest) > 0; {
			n := min(step, len(rest))
			if k, err := w.Write(rest[:n]); k != n || err != nil {
				t.Fatalf("Write(%q) = %d, %v", rest[:n], k, err)
			}
			rest = rest[n:]
			if cap(w.buf) > m {
				t.Fatalf("buffer grew to %d bytes, past %d", cap(w.buf), m)
			}
		}
		w.Flush()
		if want := reference(in, "p| ", m); out.String() != want {
			t.Fatalf("input %q in writes of %d, max %d:\ngot  %q\nwant %q", in, step, m, out.String(), want)
		}
	})
}
