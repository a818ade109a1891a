package template

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/podinit/podinit/regularfile"
)

// MaxStackSize bounds a stack file, or standard input. Stacks of a hundred
// services stay under it; parsed, rendered and written out, YAML can take
// over 500 times its size (a flow list of one-letter items), and the worst
// stack of this size fits in 256 MiB (TestWorstCaseStackFitsIn256MiB).
const MaxStackSize = 256 << 10

// readBounded reads r to its end, but no more than limit bytes.
func readBounded(r io.Reader, limit int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err == nil && int64(len(b)) > limit {
		return nil, fmt.Errorf("%w: more than the %d bytes allowed", regularfile.ErrTooLarge, limit)
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
