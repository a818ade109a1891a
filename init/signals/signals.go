// Package signals is the one place that knows which signals an init catches,
// which of those it forwards to its workload, and which stop a pod.
//
// An init that is PID 1 gets no default action for any signal it does not
// handle, and a Go program that handles nothing dies of SIGTERM (exit 2) even
// so. The init therefore catches every signal it can, forwards those meant for
// the workload, and keeps the rest for itself:
//
//   - SIGKILL and SIGSTOP cannot be caught by anyone.
//   - SIGCHLD belongs to the reaper (package reap) and is never forwarded.
//   - SIGURG is raised by the Go runtime itself for goroutine preemption; a
//     relay that forwarded it would pepper the child with signals nobody sent.
//   - SIGPROF is consumed by the Go runtime and never reaches a handler.
//   - SIGPIPE is caught (a write to a closed stdout must not kill the init)
//     but not forwarded: the runtime raises it for the init's own writes and
//     a handler cannot tell that from one sent by kill(1).
//   - Real-time signals 32 to 34 cannot be caught by a Go program: 32 and 33
//     are glibc's own (33 also serves the Go runtime's per-thread system
//     calls) and the runtime reserves 34 (musl's SIGSYNCCALL), which is
//     glibc's SIGRTMIN. As PID 1 the kernel drops them (no handler); as a
//     plain process SIGRTMIN's default action would end the init.
//     SIGRTMIN+1 (35) to SIGRTMAX (64) are forwarded.
//
// Faults the init raises itself (a SIGSEGV from a bad pointer) are handled by
// the Go runtime as a crash and never reach Catch's channel; the same signals
// sent from outside with kill(2) are ordinary and are forwarded.
package signals

import (
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

const (
	// RTMin and RTMax are the real-time signal range as the C library (and
	// so kill(1) and the workload) numbers it.
	RTMin = syscall.Signal(34)
	RTMax = syscall.Signal(64)
)

// caught is every signal Catch asks for, built once from the rules above.
var caught = func() []os.Signal {
	var list []os.Signal
	for s := syscall.Signal(1); s <= RTMax; s++ {
		if catchable(s) {
			list = append(list, s)
		}
	}
	return list
}()

func catchable(s syscall.Signal) bool {
	switch s {
	case syscall.SIGKILL, syscall.SIGSTOP, syscall.SIGCHLD, syscall.SIGURG, syscall.SIGPROF:
		return false
	}
	if s > 31 && s <= RTMin {
		return false
	}
	return s >= 1 && s <= RTMax
}

// Catch relays every catchable signal except SIGCHLD (the reaper's), SIGURG
// and SIGPROF (the runtime's) to c, and so also stops each of them from
// killing, stopping or being ignored by the process. Like signal.Notify, it
// does not block sending to c: give c a buffer. It never ignores a signal
// (an ignored disposition would be inherited by every child across exec).
func Catch(c chan<- os.Signal) {
	signal.Notify(c, caught...)
}

// Caught is the list Catch installs, in signal number order.
func Caught() []syscall.Signal {
	out := make([]syscall.Signal, len(caught))
	for i, s := range caught {
		out[i] = s.(syscall.Signal)
	}
	return out
}

// Forwardable reports whether s, received by Catch, is meant for the workload:
// every caught signal except SIGPIPE.
func Forwardable(s syscall.Signal) bool {
	return catchable(s) && s != syscall.SIGPIPE
}

// Stops reports whether s asks the pod (or the init's workload) to stop:
// SIGTERM (docker stop) and SIGINT (Ctrl-C).
func Stops(s syscall.Signal) bool {
	return s == syscall.SIGTERM || s == syscall.SIGINT
}

// Name is the conventional name of s: "SIGTERM", "SIGRTMIN+3", or
// "SIG33" for a number without one.
func Name(s syscall.Signal) string {
	switch {
	case s == RTMin:
		return "SIGRTMIN"
	case s == RTMax:
		return "SIGRTMAX"
	case s > RTMin && s < RTMax:
		return fmt.Sprintf("SIGRTMIN+%d", s-RTMin)
	}
	if n := unix.SignalName(s); n != "" {
		return n
	}
	return fmt.Sprintf("SIG%d", int(s))
}

// Parse reads a signal as a name with or without the SIG prefix, in any case
// ("HUP", "SIGhup"), a real-time name ("RTMIN+3", "SIGRTMAX-1") or a number
// ("1", "SIG1"). The signal must exist on Linux (1 to 64).
func Parse(text string) (syscall.Signal, error) {
	t := strings.ToUpper(strings.TrimSpace(text))
	if n, err := strconv.Atoi(strings.TrimPrefix(t, "SIG")); err == nil {
		if n < 1 || n > int(RTMax) {
			return 0, fmt.Errorf("signal %q: number out of range 1-%d", text, int(RTMax))
		}
		return syscall.Signal(n), nil
	}
	if !strings.HasPrefix(t, "SIG") {
		t = "SIG" + t
	}
	if s, ok := parseRT(t); ok {
		return s, nil
	}
	if s := unix.SignalNum(t); s != 0 {
		return s, nil
	}
	return 0, fmt.Errorf("signal %q: unknown name; use a name like TERM or SIGHUP, RTMIN+N, or a number 1-%d", text, int(RTMax))
}

func parseRT(t string) (syscall.Signal, bool) {
	for _, base := range []struct {
		name string
		at   syscall.Signal
		sign syscall.Signal
	}{{"SIGRTMIN", RTMin, 1}, {"SIGRTMAX", RTMax, -1}} {
		rest, ok := strings.CutPrefix(t, base.name)
		if !ok {
			continue
		}
		if rest == "" {
			return base.at, true
		}
		op := "+"
		if base.sign < 0 {
			op = "-"
		}
		num, ok := strings.CutPrefix(rest, op)
		if !ok {
			return 0, false
		}
		n, err := strconv.Atoi(num)
		if err != nil || n < 0 || n > int(RTMax-RTMin) {
			return 0, false
		}
		return base.at + base.sign*syscall.Signal(n), true
	}
	return 0, false
}
