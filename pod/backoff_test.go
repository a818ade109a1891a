package pod

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/podinit/podinit/podspec"
)

func TestRestartPolicyAndBackoff(t *testing.T) {
	require.False(t, podspec.Restart{}.Wants(true, 0))
	require.True(t, podspec.Restart{Mode: podspec.RestartAlways}.Wants(false, 100))
	require.True(t, podspec.Restart{Mode: podspec.RestartOnFailure}.Wants(true, 100))
	require.False(t, podspec.Restart{Mode: podspec.RestartOnFailure}.Wants(false, 0))
	require.True(t, podspec.Restart{Mode: podspec.RestartOnFailure, MaxRetries: 2}.Wants(true, 1))
	require.False(t, podspec.Restart{Mode: podspec.RestartOnFailure, MaxRetries: 2}.Wants(true, 2))

	// restart-on-exit-codes: a matched code restarts whatever the mode,
	// within on-failure's bound; other codes follow the mode.
	in42 := &podspec.ExitCodes{Codes: []int{42}}
	notIn := &podspec.ExitCodes{Codes: []int{0, 3}, NotIn: true}
	require.True(t, podspec.Restart{ExitCodes: in42}.WantsAfterExit(42, 100))
	require.False(t, podspec.Restart{ExitCodes: in42}.WantsAfterExit(1, 0))
	require.True(t, podspec.Restart{Mode: podspec.RestartOnFailure, ExitCodes: in42}.WantsAfterExit(1, 0), "on-failure still restarts 1")
	require.False(t, podspec.Restart{Mode: podspec.RestartOnFailure, MaxRetries: 2, ExitCodes: in42}.WantsAfterExit(42, 2), "within on-failure:2")
	require.True(t, podspec.Restart{ExitCodes: notIn}.WantsAfterExit(1, 0))
	require.False(t, podspec.Restart{ExitCodes: notIn}.WantsAfterExit(3, 0))
	require.False(t, podspec.Restart{ExitCodes: notIn}.WantsAfterExit(0, 0))
	require.True(t, podspec.Restart{Mode: podspec.RestartAlways, ExitCodes: notIn}.WantsAfterExit(3, 0), "a rule adds restarts, never removes them (Kubernetes' rules)")

	var b backoff
	var got []time.Duration
	for i := 0; i < 11; i++ {
		got = append(got, b.next(time.Second))
	}
	require.Equal(t, []time.Duration{1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300}, scale(got, time.Second))
	require.Equal(t, time.Second, b.next(backoffStable), "a stable run starts the backoff over")
}

func scale(ds []time.Duration, unit time.Duration) []time.Duration {
	out := make([]time.Duration, len(ds))
	for i, d := range ds {
		out[i] = d / unit
	}
	return out
}
