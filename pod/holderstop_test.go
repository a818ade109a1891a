package pod

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/podinit/podinit/podspec"
)

// A stop requested while the IPC holder is being made is a stop (0), never
// "the holder exited before it was ready" (3): the stop request ends the
// holder, and the start may see the holder's end and the stop request at
// once. (Seen on the real engine: SIGTERM 15 ms after the controller's
// start, TestSignalsInTheFirstMomentsStopThePodCleanly.) Repeated, as
// select takes either of two ready cases at random.
func TestStopWhileTheHolderStartsIsAStop(t *testing.T) {
	private := ctrl
	private.IpcMode = "private"
	opts := testBudget
	opts.ShareIPC = true
	spec := podspec.Spec{Components: []podspec.Component{{Name: "app", Role: podspec.RoleMain, Config: run("run")}}}
	h := newHarnessOf(t, spec, opts, private)
	holder := h.sup.roster.holder
	require.NotNil(t, holder)
	h.sup.RequestStop("stop requested by the test")
	holder.outcome = outcome{stopped: true}
	close(holder.done)
	for range 50 {
		res := h.sup.awaitHolderCreated(holder)
		require.NotNil(t, res)
		require.Equal(t, 0, res.Code, "%+v", *res)
	}
}
