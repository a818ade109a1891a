package linesplit

import (
	"bytes"
	"io"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
)

func write(max int, chunks ...string) (string, *Writer) {
	var out bytes.Buffer
	w := newWriter(&out, "app | ", new(sync.Mutex), max)
	for _, c := range chunks {
		n, err := w.Write([]byte(c))
		if n != len(c) || err != nil {
			panic("Write must take everything")
		}
	}
	w.Flush()
	return out.String(), w
}

func TestWholeLinesBehindThePrefix(t *testing.T) {
	out, _ := write(MaxLine, "one\ntw", "o\r\nthree")
	require.Equal(t, "app | one\napp | two\napp | three\n", out)
	out, _ = write(MaxLine, "a\n\nb\r\n\r\nc\n")
	require.Equal(t, "app | a\napp | \napp | b\napp | \napp | c\n", out, "empty lines are kept, CRLF or not")
}

func TestCRLFSplitAcrossWrites(t *testing.T) {
	out, _ := write(MaxLine, "one\r", "\ntwo\r", "", "\n")
	require.Equal(t, "app | one\napp | two\n", out)
}

func TestProgressBarsBecomeLines(t *testing.T) {
	out, _ := write(MaxLine, "\r 10%", "\r 20%\r 30%", "\rdone\n")
	require.Equal(t, "app |  10%\napp |  20%\napp |  30%\napp | done\n", out)
}

func TestLongLinesAreCutAndMarked(t *testing.T) {
	out, _ := write(4, "abcdefghij\nxy\n")
	require.Equal(t, "app | abcd…\napp | …efgh…\napp | …ij\napp | xy\n", out)
	out, _ = write(4, "abcd\n")
	require.Equal(t, "app | abcd\n", out, "a line of exactly the limit is not cut")
}

// TestCutsKeepCharactersWhole: a cut never splits a UTF-8 character.
func TestCutsKeepCharactersWhole(t *testing.T) {
	out, _ := write(5, "abc€€\n") // € is 3 bytes
	require.Equal(t, "app | abc…\napp | …€…\napp | …€\n", out)
	for _, line := range strings.Split(out, "\n") {
		require.True(t, utf8.ValidString(line), "%q", line)
	}
}

// TestOutputWithoutNewlinesStaysBounded is the issue's `while :; do printf
// x; done`: a megabyte of x in small writes, never a newline.
func TestOutputWithoutNewlinesStaysBounded(t *testing.T) {
	var out countingWriter
	w := New(&out, "app | ", new(sync.Mutex))
	chunk := []byte(strings.Repeat("x", 4096))
	for range 1024 {
		w.Write(chunk)
		require.LessOrEqual(t, cap(w.buf), MaxLine)
	}
	w.Flush()
	for _, l := range out.data {
		require.LessOrEqual(t, len(l), MaxLine, "a chunk stays one message for Docker's log drivers")
	}
	require.Equal(t, (4<<20+w.max-1)/w.max, out.lines)
	require.Equal(t, 4<<20, out.payload("app | ", Cut))
}

func TestLongPrefixesStillCarryALine(t *testing.T) {
	w := New(io.Discard, strings.Repeat("p", 2*MaxLine), new(sync.Mutex))
	require.Equal(t, minChunk, w.max)
}

func TestBinaryOutputPassesThrough(t *testing.T) {
	bin := []byte{0, 1, 2, 0xff, 0xfe, 0x80, 0x1b, '[', '2', 'J'}
	out, _ := write(MaxLine, string(bin))
	require.Equal(t, "app | "+string(bin)+"\n", out)
}

type countingWriter struct {
	lines int
	data  []string
}

func (c *countingWriter) Write(p []byte) (int, error) {
	c.lines++
	c.data = append(c.data, string(p))
	return len(p), nil
}

func (c *countingWriter) payload(prefix, cut string) int {
	n := 0
	for _, l := range c.data {
		l = strings.TrimPrefix(l, prefix)
		l = strings.TrimSuffix(l, "\n")
		l = strings.TrimPrefix(l, cut)
		l = strings.TrimSuffix(l, cut)
		n += len(l)
	}
	return n
}
