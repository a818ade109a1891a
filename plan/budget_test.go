package plan

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestTinyBudgetKeepsAGrace: `--stop-timeout 1` with the default margin
// still gives components a grace before SIGKILL.
func TestTinyBudgetKeepsAGrace(t *testing.T) {
	b := NewBudget(Options{StopBudget: time.Second, StopMargin: time.Second})
	require.Equal(t, 250*time.Millisecond, b.margin)
	b.Begin(time.Unix(0, 0))
	require.Equal(t, time.Unix(0, 0).Add(750*time.Millisecond), b.Deadline())
	require.True(t, b.End().After(b.Deadline()))
	_, note, err := StopMargin(time.Second, time.Second, false)
	require.NoError(t, err)
	require.Contains(t, note, "leaves nothing")
}

// TestStopMarginRule: a margin the user set that leaves nothing of the
// budget is an error; the default one shrinks to a quarter.
func TestStopMarginRule(t *testing.T) {
	kept, note, err := StopMargin(10*time.Second, time.Second, true)
	require.NoError(t, err)
	require.Equal(t, time.Second, kept)
	require.Empty(t, note)
	_, _, err = StopMargin(time.Second, 2*time.Second, true)
	require.EqualError(t, err, "-stop-margin 2s must be less than the stop budget 1s")
	kept, note, err = StopMargin(2*time.Second, 2*time.Second, false)
	require.NoError(t, err)
	require.Equal(t, 500*time.Millisecond, kept)
	require.Equal(t, "-stop-margin 2s leaves nothing of the stop budget 2s: keeping 500ms instead, so that components get a grace before SIGKILL", note)
}
