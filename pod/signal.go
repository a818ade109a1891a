package pod

import (
	"bytes"
	"cmp"
	"fmt"
	"os"
	"slices"
	"strconv"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"
)

// procTarget is a component's first process, reached without the engine.
type procTarget interface {
	signal(sig syscall.Signal) error
	gone() bool // it has exited
	close()
}

// findTarget is findPid as a procTarget: nil when there is none.
func findTarget(id string) procTarget {
	if t := findPid(id); t != nil {
		return t
	}
	return nil
}

// pidTarget signals a component's first process straight from podinit, in
// the PID namespace they share: no engine round trip. It holds a pidfd, so
// a recycled pid can never be signalled by mistake.
type pidTarget struct {
	mu sync.Mutex
	fd int // -1 once closed
}

// findPid finds the first process of container id in podinit's PID
// namespace: the engine starts it from outside the namespace, so its parent
// pid here is 0, and its cgroup path names the container. It is asked just
// after the container started, so the newest pids are looked at first: a
// pod's components start together, and reading every process's stat and
// cgroup once per component made this a tenth of podinit-pod's CPU at
// start (perf, 10 components).
func findPid(id string) *pidTarget {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	self := os.Getpid()
	pids := make([]int, 0, len(entries))
	for _, e := range entries {
		if pid, err := strconv.Atoi(e.Name()); err == nil && pid != self {
			pids = append(pids, pid)
		}
	}
	// Newest first, while pids have not wrapped around.
	slices.SortFunc(pids, func(a, b int) int { return cmp.Compare(b, a) })
	for _, pid := range pids {
		if ppid(pid) != 0 {
			continue
		}
		cg, err := os.ReadFile(fmt.Sprintf("/proc/%d/cgroup", pid))
		if err != nil || !bytes.Contains(cg, []byte(id)) {
			continue
		}
		fd, err := unix.PidfdOpen(pid, 0)
		if err != nil {
			return nil
		}
		return &pidTarget{fd: fd}
	}
	return nil
}

// ppid reads a process's parent pid from /proc/<pid>/stat, or -1.
func ppid(pid int) int {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return -1
	}
	// The command name may hold spaces and parentheses: fields start after
	// the last ')'.
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return -1
	}
	f := bytes.Fields(stat[i+1:])
	if len(f) < 2 {
		return -1
	}
	n, err := strconv.Atoi(string(f[1]))
	if err != nil {
		return -1
	}
	return n
}

func (t *pidTarget) signal(sig syscall.Signal) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.fd < 0 {
		return os.ErrClosed
	}
	return unix.PidfdSendSignal(t.fd, sig, nil, 0)
}

// gone reports whether the process has exited: its pidfd turns readable.
func (t *pidTarget) gone() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.fd < 0 {
		return true
	}
	fds := []unix.PollFd{{Fd: int32(t.fd), Events: unix.POLLIN}}
	n, err := unix.Poll(fds, 0)
	return err == nil && n == 1
}

func (t *pidTarget) close() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.fd >= 0 {
		unix.Close(t.fd)
		t.fd = -1
	}
}

// signalName spells a signal as the engine takes it ("SIGHUP").
func signalName(sig syscall.Signal) string {
	if n := unix.SignalName(sig); n != "" {
		return n
	}
	return strconv.Itoa(int(sig))
}
