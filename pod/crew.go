package pod

import (
	"fmt"
	"log"
	"runtime/debug"
	"sync"
)

// crew is the supervisor's goroutines: Run waits for every one of them
// before it returns, and a panic in any of them stops the pod (ExitPanic).
type crew struct {
	log  *log.Logger
	stop func(reason string) // the pod's stop request

	wg       sync.WaitGroup
	mu       sync.Mutex
	closed   bool   // Run is ending: spawn starts nothing more
	panicked string // the first panic, if any
}

// spawn runs f in a goroutine that Run waits for before it returns; a panic
// in it stops the pod (ExitPanic). It starts nothing once Run is ending.
func (c *crew) spawn(name string, f func()) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return false
	}
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		defer func() {
			if r := recover(); r != nil {
				c.recordPanic(name, r)
			}
		}()
		f()
	}()
	return true
}

// recordPanic notes a panic of podinit's own code and stops the pod: the
// other goroutines still stop it in order, within its budget.
func (c *crew) recordPanic(where string, r any) {
	msg := fmt.Sprintf("podinit bug: panic in %s: %v", where, r)
	c.log.Printf("%s\n%s", msg, debug.Stack())
	c.mu.Lock()
	if c.panicked == "" {
		c.panicked = msg
	}
	c.mu.Unlock()
	c.stop(msg)
}

// close makes spawn start nothing more.
func (c *crew) close() {
	c.mu.Lock()
	c.closed = true
	c.mu.Unlock()
}

// wait waits for every goroutine spawn started, and returns the first
// panic, if any.
func (c *crew) wait() (panicked string) {
	c.wg.Wait()
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.panicked
}
