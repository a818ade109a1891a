package main

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"syscall"

	"golang.org/x/sys/unix"
)

// orphans forks n bare children that block reading fifo and exits, so that
// they are re-parented to the init at once; they all exit together when the
// last writer of fifo closes it. Shell loops fork at a few hundred per
// second on small VMs; a raw fork of this small process is an order of
// magnitude faster, which is what makes a 10,000-orphan burst testable.
func orphans(args []string) int {
	if len(args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: initbench orphans N FIFO")
		return 2
	}
	n, err := strconv.Atoi(args[0])
	if err != nil || n < 1 {
		fmt.Fprintf(os.Stderr, "initbench orphans: count %q: want a positive number\n", args[0])
		return 2
	}
	// The caller holds a write end open, so this open does not block.
	fd, err := unix.Open(args[1], unix.O_RDONLY, 0)
	if err != nil {
		fmt.Fprintf(os.Stderr, "initbench orphans: %v\n", err)
		return 1
	}
	runtime.LockOSThread()
	// With every signal blocked the child cannot run a Go signal handler
	// between fork and its two raw system calls.
	var all, old unix.Sigset_t
	for i := range all.Val {
		all.Val[i] = ^uint64(0)
	}
	if err := unix.PthreadSigmask(unix.SIG_SETMASK, &all, &old); err != nil {
		fmt.Fprintf(os.Stderr, "initbench orphans: blocking signals: %v\n", err)
		return 1
	}
	var buf [1]byte
	for i := 0; i < n; i++ {
		pid, _, errno := syscall.RawSyscall6(syscall.SYS_CLONE, uintptr(syscall.SIGCHLD), 0, 0, 0, 0, 0)
		if errno != 0 {
			unix.PthreadSigmask(unix.SIG_SETMASK, &old, nil)
			fmt.Fprintf(os.Stderr, "initbench orphans: fork %d of %d: %v\n", i+1, n, errno)
			return 1
		}
		if pid == 0 {
			// The child: no allocation, no scheduler, nothing but raw calls.
			syscall.RawSyscall(syscall.SYS_READ, uintptr(fd), uintptr(bufPtr(&buf)), 1)
			syscall.RawSyscall(syscall.SYS_EXIT_GROUP, 0, 0, 0)
		}
	}
	unix.PthreadSigmask(unix.SIG_SETMASK, &old, nil)
	return 0
}
