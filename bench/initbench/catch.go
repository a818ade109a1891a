package main

import (
	"bufio"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"syscall"

	"github.com/podinit/podinit/init/signals"
)

// catch is a workload for an init under test. It prints "ready", then one
// line per signal it receives (its name, e.g. "SIGHUP"), and obeys lines on
// stdin: "orphans N FIFO" runs the orphans mode and prints "orphaned";
// "exit CODE" exits with CODE. It exits 0 at the end of stdin.
//
// Run it with GODEBUG=asyncpreemptoff=1: otherwise its own runtime sends it
// SIGURG, and a forwarded SIGURG could not be told from those.
func catch(args []string) int {
	sigs := make(chan os.Signal, 256)
	var list []os.Signal
	for s := syscall.Signal(1); s <= 64; s++ {
		switch s {
		case syscall.SIGKILL, syscall.SIGSTOP, syscall.SIGCHLD, syscall.SIGPROF, 32, 33, 34:
			continue
		}
		list = append(list, s)
	}
	// 32 to 34 are the Go runtime's own and cannot be caught.
	signal.Notify(sigs, list...)
	out := make(chan string, 256)
	go func() {
		for s := range sigs {
			out <- signals.Name(s.(syscall.Signal))
		}
	}()
	cmds := make(chan string)
	go func() {
		sc := bufio.NewScanner(os.Stdin)
		for sc.Scan() {
			cmds <- sc.Text()
		}
		close(cmds)
	}()
	w := bufio.NewWriter(os.Stdout)
	say := func(s string) {
		w.WriteString(s + "\n")
		w.Flush()
	}
	say("ready")
	for {
		select {
		case line := <-out:
			say(line)
		case c, ok := <-cmds:
			if !ok {
				return 0
			}
			f := strings.Fields(c)
			switch {
			case len(f) == 3 && f[0] == "orphans":
				self, _ := os.Executable()
				cmd := exec.Command(self, f...)
				cmd.Stderr = os.Stderr
				if err := cmd.Run(); err != nil {
					say("error " + err.Error())
					continue
				}
				say("orphaned")
			case len(f) == 2 && f[0] == "exit":
				code, _ := strconv.Atoi(f[1])
				return code
			default:
				say("error unknown command " + strconv.Quote(c))
			}
		}
	}
}
