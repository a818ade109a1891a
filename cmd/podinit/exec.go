package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/podinit/podinit/cmd/podinit-pod/earlysignals"
	"github.com/podinit/podinit/init/signals"
)

// podBinary is the name of the binary that holds controller mode, validate
// and template; it sits next to podinit.
const podBinary = "podinit-pod"

// podMode returns a command that replaces this process with podinit-pod
// running the given subcommand ("" for controller mode). exec keeps the PID,
// so a controller started as PID 1 stays PID 1.
//
// A signal must never be lost or turn into a wrong exit code on the way:
// podinit catches every signal from its start, blocks them on the thread
// that execs (those that come in the last moment stay pending across the
// exec, and podinit-pod's handler takes them), and hands the ones it caught
// to podinit-pod in the environment.
func podMode(sub string) func(args []string) int {
	return func(args []string) int {
		caught := make(chan os.Signal, 128)
		signals.Catch(caught)
		path, err := findPodBinary()
		if err != nil {
			fmt.Fprintf(os.Stderr, "podinit: %v\n", err)
			return 3
		}
		argv := []string{path}
		if sub != "" {
			argv = append(argv, sub)
		}
		argv = append(argv, args...)

		// The mask of the thread that calls execve is the new program's.
		runtime.LockOSThread()
		var all unix.Sigset_t
		for _, s := range signals.Caught() {
			addSignal(&all, s)
		}
		var old unix.Sigset_t
		unix.PthreadSigmask(unix.SIG_BLOCK, &all, &old)
		env := os.Environ()
		if got := drain(caught); len(got) > 0 {
			env = append(env, earlysignals.EnvVar+"="+earlysignals.Encode(got))
		}
		err = syscall.Exec(path, argv, env)
		unix.PthreadSigmask(unix.SIG_SETMASK, &old, nil)
		runtime.UnlockOSThread()
		fmt.Fprintf(os.Stderr, "podinit: running %s: %v\n", path, err)
		return 3
	}
}

// drain takes every signal caught so far.
func drain(c chan os.Signal) []syscall.Signal {
	var out []syscall.Signal
	for {
		select {
		case s := <-c:
			out = append(out, s.(syscall.Signal))
		default:
			return out
		}
	}
}

// addSignal adds sig to set (sigaddset).
func addSignal(set *unix.Sigset_t, sig syscall.Signal) {
	n := uint(sig) - 1
	set.Val[n/64] |= 1 << (n % 64)
}

// findPodBinary looks next to this binary first (the image has /podinit and
// /podinit-pod; `make build` writes both to bin/), then on PATH.
func findPodBinary() (string, error) {
	if self, err := os.Executable(); err == nil {
		p := filepath.Join(filepath.Dir(self), podBinary)
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	if p, err := exec.LookPath(podBinary); err == nil {
		return p, nil
	}
	return "", fmt.Errorf("%s is not next to podinit nor on PATH: controller mode, validate and template need it (the podinit image has both; `make build` writes both to bin/)", podBinary)
}
