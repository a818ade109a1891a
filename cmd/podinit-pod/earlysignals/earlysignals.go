// Package earlysignals hands the signals podinit caught before it exec'd
// podinit-pod over to podinit-pod, in the environment; its catch package
// catches them in podinit-pod from the earliest moment.
package earlysignals

import (
	"os"
	"strconv"
	"strings"
	"syscall"

	"github.com/podinit/podinit/init/signals"
)

// EnvVar carries the signals podinit caught before it exec'd podinit-pod,
// as decimal numbers separated by commas, in the order they came.
const EnvVar = "PODINIT_CAUGHT_SIGNALS"

// Encode spells signals for EnvVar.
func Encode(sigs []syscall.Signal) string {
	parts := make([]string, len(sigs))
	for i, s := range sigs {
		parts[i] = strconv.Itoa(int(s))
	}
	return strings.Join(parts, ",")
}

// Inherit takes the signals podinit handed over, removes EnvVar from the
// environment and returns them in order; anything that is not a signal
// number is skipped.
func Inherit() []syscall.Signal {
	v, ok := os.LookupEnv(EnvVar)
	if !ok {
		return nil
	}
	os.Unsetenv(EnvVar)
	var out []syscall.Signal
	for _, f := range strings.Split(v, ",") {
		if n, err := strconv.Atoi(f); err == nil && n > 0 && n <= int(signals.RTMax) {
			out = append(out, syscall.Signal(n))
		}
	}
	return out
}
