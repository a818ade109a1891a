// Package catch catches every signal the controller handles from the first
// moment package initialisation allows. As PID 1, a SIGTERM that reaches
// the Go runtime before a handler is installed makes it exit 2 ("pod
// invalid"). Imported from package main, it is initialised right after
// os/signal and x/sys/unix, before the engine client and the Compose parser:
// about 1 ms after exec rather than 15 ms.
package catch

import (
	"os"

	"github.com/podinit/podinit/init/signals"
)

// C receives every signal signals.Catch catches, from package
// initialisation on; it holds more than a burst of signals at start-up.
var C = make(chan os.Signal, 128)

func init() { signals.Catch(C) }
