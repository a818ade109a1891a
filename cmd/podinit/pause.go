package main

import (
	"os"
	"os/signal"
	"syscall"
)

// runPause is the IPC holder's process: it holds the pod's shareable IPC
// namespace open and does nothing else until it is told to stop.
func runPause(args []string) int {
	c := make(chan os.Signal, 1)
	signal.Notify(c, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP, syscall.SIGQUIT, syscall.SIGPIPE)
	for s := range c {
		if s == syscall.SIGTERM || s == syscall.SIGINT || s == syscall.SIGQUIT {
			return 0
		}
	}
	return 0
}
