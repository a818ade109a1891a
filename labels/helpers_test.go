package labels

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/podinit/podinit/podspec"
)

// component reads one pod.component.app label and fails the test on error.
func component(t *testing.T, yml string, env ...string) podspec.Component {
	t.Helper()
	spec, err := FromLabels(map[string]string{ComponentPrefix + "app": yml}, env)
	require.NoError(t, err)
	require.Len(t, spec.Components, 1)
	return spec.Components[0]
}

// problems reads labels and returns every Error, failing when there is none.
func problems(t *testing.T, l map[string]string) []*Error {
	t.Helper()
	_, err := FromLabels(l, nil)
	require.Error(t, err)
	errs := flatten(err)
	for _, e := range errs {
		var le *Error
		require.True(t, errors.As(e, &le), "every error is a *labels.Error: %v", e)
	}
	return errs
}

// findErr returns the Error about key, failing the test when there is none.
func findErr(t *testing.T, errs []*Error, key string) *Error {
	t.Helper()
	for _, e := range errs {
		if e.Key == key {
			return e
		}
	}
	require.Failf(t, "no error about key", "key %q in %v", key, errs)
	return nil
}
