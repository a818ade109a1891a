package pod

import (
	"errors"
	"fmt"
)

// awaitHolder waits, before a container of the member starts, until the
// pod's IPC holder runs: the engine refuses to start a container that joins
// the IPC namespace of one that does not ("can't join IPC of container …:
// is not running"). The supervisor creates the components while the holder
// starts (Supervisor.start). It fails when the holder ended without
// running, and returns at a stop request.
func (r *runner) awaitHolder() error {
	h := r.m.ipcHolder
	if h == nil {
		return nil
	}
	for {
		var ready bool
		changed := h.view(func(h *member) { ready = h.ready })
		if ready {
			return nil
		}
		select {
		case <-changed:
		case <-h.done:
			// outcome is written before done closes.
			if err := h.outcome.err; err != nil {
				return fmt.Errorf("the IPC holder %s could not run, so %s cannot join its IPC namespace: %w", h.Name, r.m.Name, err)
			}
			return fmt.Errorf("the IPC holder %s ended, so %s cannot join its IPC namespace", h.Name, r.m.Name)
		case <-r.m.stopCh:
			return errHolderWaitStopped
		case <-r.podStop:
			return errHolderWaitStopped
		}
	}
}

var errHolderWaitStopped = errors.New("stopped while waiting for the IPC holder to run")
