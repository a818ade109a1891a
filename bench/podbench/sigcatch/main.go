// Command sigcatch is the component of the signal benchmark: for every
// SIGHUP it prints "HUP <wall clock in Unix nanoseconds>" on stdout, taken
// as soon as its handler goroutine runs. The wall clock is not namespaced,
// so the driver on the host compares it with its own. SIGTERM and SIGINT
// end it with 0.
package main

import (
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	c := make(chan os.Signal, 16)
	signal.Notify(c, syscall.SIGHUP, syscall.SIGTERM, syscall.SIGINT)
	fmt.Println("ready")
	for s := range c {
		now := time.Now().UnixNano()
		if s != syscall.SIGHUP {
			os.Exit(0)
		}
		fmt.Printf("HUP %d\n", now)
	}
}
