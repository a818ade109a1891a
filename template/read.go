package template

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"
)

// MaxStackSize bounds a stack file, or standard input. Stacks of hundreds of
// services stay well under it; parsed, a megabyte of YAML can take 150 MB.
const MaxStackSize = 1 << 20

// errTooLarge marks an input refused for its size.
var errTooLarge = errors.New("too large")

// readBounded reads r to its end, but no more than limit bytes.
func readBounded(r io.Reader, limit int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err == nil && int64(len(b)) > limit {
		return nil, fmt.Errorf("%w: more than the %d bytes allowed", errTooLarge, limit)
	}
	return b, err
}

// cancellable runs read and returns its result, or ctx's error as soon as
// ctx is done even when read blocks (a terminal, a pipe nobody writes to):
// `podinit template` catches Ctrl-C to end cleanly, so nothing else would
// end a blocked read. The read is then left behind; the command is about to
// exit.
func cancellable(ctx context.Context, read func() ([]byte, error)) ([]byte, error) {
	type result struct {
		b   []byte
		err error
	}
	done := make(chan result, 1)
	go func() {
		b, err := read()
		done <- result{b, err}
	}()
	select {
	case res := <-done:
		return res.b, res.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// readStackFile reads a stack file of at most MaxStackSize bytes. It may be
// a pipe (`podinit template <(envsubst < stack.yml)`), so any file type
// goes, and the read ends with ctx.
func readStackFile(ctx context.Context, path string) ([]byte, error) {
	return cancellable(ctx, func() ([]byte, error) {
		f, err := os.Open(path)
		if err != nil {
			return nil, unwrapPathError(err)
		}
		defer f.Close()
		return readBounded(f, MaxStackSize)
	})
}

// readRegularFile reads a file that must be a regular file of at most limit
// bytes: a device (/dev/zero) or a FIFO would never end, or never begin.
func readRegularFile(ctx context.Context, path string, limit int64) ([]byte, error) {
	// O_NONBLOCK: opening a FIFO would otherwise wait for a writer before
	// its type could be checked. It changes nothing for a regular file.
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, unwrapPathError(err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, unwrapPathError(err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s, not a regular file", fileKind(fi.Mode()))
	}
	if fi.Size() > limit {
		return nil, fmt.Errorf("%w: %d bytes, more than the %d allowed", errTooLarge, fi.Size(), limit)
	}
	return cancellable(ctx, func() ([]byte, error) { return readBounded(f, limit) })
}

// fileKind names a file's type for messages.
func fileKind(m os.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&os.ModeNamedPipe != 0:
		return "a FIFO"
	case m&os.ModeSocket != 0:
		return "a socket"
	case m&os.ModeCharDevice != 0:
		return "a character device"
	case m&os.ModeDevice != 0:
		return "a block device"
	}
	return "a special file"
}
