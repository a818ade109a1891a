//go:build podinit_panic_injection

package main

import (
	"context"
	"os"
	"strconv"
	"sync/atomic"

	"github.com/podinit/podinit/engine"
)

// Built only with -tags podinit_panic_injection, for the tests that prove
// on the real engine that a panic ends podinit as docs/limits.md says.
// PODINIT_INJECT_PANIC names the guard to panic in ("reading the pod",
// "validating the pod"): exit 2 and one line.
// PODINIT_INJECT_START_PANIC=N panics in the Nth container start, inside a
// component's lifecycle goroutine: the pod stops in order and exits 70.
func init() {
	if what := os.Getenv("PODINIT_INJECT_PANIC"); what != "" {
		panicHook = func(w string) {
			if w == what {
				panic("injected for a test\nwith a second line")
			}
		}
	}
	if n, err := strconv.Atoi(os.Getenv("PODINIT_INJECT_START_PANIC")); err == nil {
		engineHook = func(e engine.Engine) engine.Engine { return &panickingStart{Engine: e, nth: int64(n)} }
	}
}

type panickingStart struct {
	engine.Engine
	nth    int64
	starts atomic.Int64
}

func (p *panickingStart) ContainerStart(ctx context.Context, id string) error {
	if p.starts.Add(1) == p.nth {
		panic("injected for a test: start number " + strconv.FormatInt(p.nth, 10))
	}
	return p.Engine.ContainerStart(ctx, id)
}
