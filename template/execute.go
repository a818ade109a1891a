package template

import (
	"bytes"
	"context"
	"fmt"
	"text/template"
	"time"

	"github.com/podinit/podinit/yamltree"
)

// limitError is a document or a rendering refused for its size rather than
// its syntax; the YAML reader's limits (yamltree) give the same error.
type limitError = yamltree.LimitError

// Bounds on rendering one template. A template is code from the stack's
// author, but it may come over the network, and a slip such as
// {{range 1000000000}} must end in an error, not in a machine out of memory.
const (
	// MaxRenderedSize bounds one template's output, which is parsed as
	// YAML like a stack file. A pod's templates render a few kilobytes.
	MaxRenderedSize = 256 << 10
	// RenderTimeout bounds one template's execution.
	RenderTimeout = 10 * time.Second
)

// renderTimeout is RenderTimeout; tests shorten it.
var renderTimeout = RenderTimeout

// execute runs t over data within MaxRenderedSize and renderTimeout, and
// returns early when ctx is done. text/template cannot be stopped from
// outside: a template that loops without writing is left running, and every
// write it makes from then on fails, which ends it. The command exits right
// after, so nothing is left behind for long.
func execute(ctx context.Context, t *template.Template, data *Data) ([]byte, error) {
	ctx, cancel := context.WithTimeoutCause(ctx, renderTimeout,
		&limitError{Msg: fmt.Sprintf("rendering took longer than %s: is a range or a recursive template too long?", renderTimeout)})
	defer cancel()
	w := &boundedWriter{ctx: ctx, limit: MaxRenderedSize}
	done := make(chan error, 1)
	go func() { done <- t.Execute(w, data) }()
	select {
	case err := <-done:
		if err != nil {
			return nil, err
		}
		return w.buf.Bytes(), nil
	case <-ctx.Done():
		return nil, context.Cause(ctx)
	}
}

// boundedWriter collects a template's output, refusing to grow past limit
// or to go on once ctx is done.
type boundedWriter struct {
	ctx   context.Context
	limit int
	buf   bytes.Buffer
}

func (w *boundedWriter) Write(p []byte) (int, error) {
	if err := context.Cause(w.ctx); err != nil {
		return 0, err
	}
	if w.buf.Len()+len(p) > w.limit {
		return 0, &limitError{Msg: fmt.Sprintf("renders more than %d bytes: is a range too long?", w.limit)}
	}
	return w.buf.Write(p)
}
