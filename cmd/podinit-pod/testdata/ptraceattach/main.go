// Command ptraceattach tries to attach to a process with ptrace, as an
// attacker inside a component would to take over the controller (PID 1),
// and says whether the kernel let it: exit 0 attached, 1 refused, 2 usage.
// It seizes (no stop) and exits, which detaches, so a success leaves the
// target running. The isolation tests run a static build of it from a
// FROM scratch image.
package main

import (
	"fmt"
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

func main() {
	pid := 1
	if len(os.Args) > 1 {
		n, err := strconv.Atoi(os.Args[1])
		if err != nil {
			fmt.Fprintln(os.Stderr, "usage: ptraceattach [PID]")
			os.Exit(2)
		}
		pid = n
	}
	if _, _, errno := unix.Syscall6(unix.SYS_PTRACE, unix.PTRACE_SEIZE, uintptr(pid), 0, 0, 0, 0); errno != 0 {
		fmt.Printf("ptrace(PTRACE_SEIZE, %d): %v\n", pid, errno)
		os.Exit(1)
	}
	fmt.Printf("attached to %d\n", pid)
}
