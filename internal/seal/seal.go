// Package seal makes a podinit process non-dumpable, so that the processes
// of a pod, which share its PID namespace and often its uid and
// capabilities, cannot open its /proc/<pid>/root (where the Docker socket
// is), environ, mem, maps, cwd or descriptors, nor ptrace it: the kernel's
// ptrace_may_access refuses a non-dumpable task to any caller without
// CAP_SYS_PTRACE in its user namespace.
//
// execve makes every new program dumpable again, so each binary seals
// itself. Built with `-ldflags "-E github.com/podinit/podinit/internal/seal.Entry"`
// (make build) it does so at its first instruction, before the Go runtime
// starts; Now seals from Go as well, for builds without that entry point.
package seal

import "golang.org/x/sys/unix"

// Now makes the process non-dumpable (again: it is idempotent).
func Now() error {
	return unix.Prctl(unix.PR_SET_DUMPABLE, 0, 0, 0, 0)
}

// Dumpable reports the process's dumpable flag.
func Dumpable() (bool, error) {
	v, err := unix.PrctlRetInt(unix.PR_GET_DUMPABLE, 0, 0, 0, 0)
	return v != 0, err
}
