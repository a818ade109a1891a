// Package early catches the signals the Go runtime would die of (HUP, INT,
// TERM, QUIT), and TSTP, when podinit starts as the controller, from the first moment
// a Go program can: the initialisation of a package that needs nothing but
// os/signal, about 0.5 ms after exec on an idle machine (podinit's own main
// starts 1 to 4 ms after exec). As PID 1, a SIGTERM before that is dropped
// by the kernel, or makes the runtime exit 2.
package early

import (
	"os"
	"os/signal"
	"syscall"
)

// C gets the stop signals of a controller from package initialisation on;
// nil in podinit's other modes, which handle their own signals.
var C chan os.Signal

func init() {
	if !controllerMode(os.Args[1:]) {
		return
	}
	C = make(chan os.Signal, 128)
	// In this order: the runtime installs a handler for SIGTSTP (which the
	// controller catches anyway) only when asked, so its bit in
	// /proc/<pid>/status SigCgt tells from outside that the others are
	// taken.
	signal.Notify(C, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP, syscall.SIGQUIT, syscall.SIGTSTP)
}

// controllerMode is podinit's rule (see its dispatch): no argument, or
// flags that are not a request for help.
func controllerMode(args []string) bool {
	if len(args) == 0 {
		return true
	}
	a := args[0]
	return len(a) > 0 && a[0] == '-' && a != "-h" && a != "-help" && a != "--help"
}
