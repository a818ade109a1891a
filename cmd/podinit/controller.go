package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"syscall"

	"github.com/podinit/podinit/cmd/podinit/early"
	"github.com/podinit/podinit/init/signals"
)

// readyQueue bounds the signals held until podinit-pod is ready.
const readyQueue = 64

// runPodController is controller mode: podinit stays PID 1 and runs
// podinit-pod as its child. A signal must never be lost or turn into a
// wrong exit code, whenever it arrives, and a Go program cannot promise
// that across an exec: the Go runtime unblocks HUP, INT, TERM and QUIT on
// every thread as it starts, so a signal blocked across the exec is
// delivered before podinit-pod has a handler (dropped by the kernel for a
// PID 1, or exit 2 from the runtime). So podinit, which catches every
// signal as soon as its Go runtime lets it, holds them until podinit-pod says it
// handles them, then forwards every one as it comes; it reaps the pod's
// orphans, and exits with podinit-pod's code.
func runPodController(args []string) int {
	// The signals the runtime would die of are caught from package
	// initialisation (package early); every other one from here.
	sigs := early.C
	if sigs == nil {
		sigs = make(chan os.Signal, 128)
	}
	signals.Catch(sigs)
	path, err := findPodBinary()
	if err != nil {
		fmt.Fprintf(os.Stderr, "podinit: %v\n", err)
		return 3
	}
	reaper, stopReaping := startReaping()
	defer stopReaping()

	readR, readW, err := os.Pipe()
	if err != nil {
		fmt.Fprintf(os.Stderr, "podinit: %v\n", err)
		return 3
	}
	cmd := exec.Command(path, args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.ExtraFiles = []*os.File{readW} // fd 3
	cmd.Env = append(os.Environ(), signals.ReadyFDEnv+"=3")
	// Its own process group: a terminal's Ctrl-C reaches podinit-pod once,
	// through podinit.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	exited, err := reaper.Start(cmd)
	readW.Close()
	if err != nil {
		fmt.Fprintf(os.Stderr, "podinit: running %s: %v\n", path, err)
		return 3
	}
	ready := make(chan struct{})
	go func() {
		// One byte when ready; EOF when podinit-pod exits without.
		readR.Read(make([]byte, 1))
		readR.Close()
		close(ready)
	}()
	pid := cmd.Process.Pid
	var held []syscall.Signal
	forward := func(sig syscall.Signal) {
		if err := reaper.Kill(pid, sig, false); err != nil && !errors.Is(err, os.ErrProcessDone) {
			fmt.Fprintf(os.Stderr, "podinit: forwarding %s to the controller: %v\n", signals.Name(sig), err)
		}
	}
	for {
		select {
		case s := <-sigs:
			sig := s.(syscall.Signal)
			if !signals.Forwardable(sig) {
				continue
			}
			if ready != nil {
				if len(held) < readyQueue {
					held = append(held, sig)
				}
				continue
			}
			forward(sig)
		case <-ready:
			for _, sig := range held {
				forward(sig)
			}
			held, ready = nil, nil
		case exit := <-exited:
			// The components go with podinit: they share its PID
			// namespace, or auto-remove takes them.
			return exit.Code()
		}
	}
}
