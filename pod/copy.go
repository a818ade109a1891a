package pod

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/docker/docker/api/types/container"

	"github.com/podinit/podinit/podcopy"
)

// errCopyAbandoned ends the archive writer when the engine stops reading.
var errCopyAbandoned = errors.New("the engine stopped reading the archive")

// copyFiles streams the member's copies (its secrets and configs, then its
// pod.copy entries) into its created container, before it starts, with
// their modes and owners: the source's own, or those a secret or config
// asks for.
//
// A source is read without following any symbolic link: a component that
// shares a volume with the controller could otherwise plant a link to the
// controller's secrets (or its Docker socket's folder) where a copy source
// will be, and have the controller copy them into a component on its next
// start. Links inside a copied directory are copied as links.
func (r *runner) copyFiles(ctx context.Context, id string) error {
	m := r.m
	if len(m.Copies) == 0 {
		return nil
	}
	pr, pw := io.Pipe()
	written := make(chan error, 1)
	go func() {
		err := podcopy.Write(pw, m.Name, m.Copies, podcopy.Limit)
		pw.CloseWithError(err) // nil: the engine reads EOF
		written <- err
	}()
	// Entries carry their full path, so the engine makes missing parent
	// directories in the component.
	err := r.calls.eng.CopyToContainer(ctx, id, "/", pr, container.CopyToContainerOptions{})
	pr.CloseWithError(errCopyAbandoned)
	if werr := <-written; werr != nil && !errors.Is(werr, errCopyAbandoned) {
		return werr
	}
	if err != nil {
		return fmt.Errorf("%s: copying files into the container: %w", m.Name, err)
	}
	return nil
}
