// Package reap is the process's one and only waiter.
//
// A process that calls wait4(-1) steals the statuses of children that
// os/exec would wait for (cmd.Wait then fails with "no child processes"), and
// an init must call wait4(-1) to collect the orphans re-parented to it. So
// exactly one Reaper collects every status, and whoever started a child gets
// its status from the Reaper instead of from cmd.Wait.
//
// SIGCHLD coalesces (500 exits can raise a few dozen notifications), so on
// every wake-up the Reaper loops wait4(-1, WNOHANG) until there is nothing left
// to collect, and it does one pass right after installing its handler for the
// exits that came before it.
//
// Children started with Reaper.Start are registered while the reap loop is
// held off, so a child that exits at once can never be collected before its
// status has somewhere to go. Statuses of other processes (orphans) are
// counted and dropped, so they never accumulate.
package reap

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"sync"
	"sync/atomic"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Exit is the final status of one process collected by the Reaper.
type Exit struct {
	Pid    int
	Status syscall.WaitStatus
}

// Code is the exit status a shell would report: the process's own exit code,
// or 128+N when it was killed by signal N.
func (e Exit) Code() int {
	if e.Status.Signaled() {
		return 128 + int(e.Status.Signal())
	}
	return e.Status.ExitStatus()
}

// String describes the exit for messages: "exited 3" or "killed by SIGTERM".
func (e Exit) String() string {
	if e.Status.Signaled() {
		return fmt.Sprintf("pid %d killed by %s", e.Pid, unix.SignalName(e.Status.Signal()))
	}
	return fmt.Sprintf("pid %d exited %d", e.Pid, e.Status.ExitStatus())
}

// Reaper collects the status of every child of the process. The zero value is
// not usable; call New. Its methods are safe for concurrent use.
type Reaper struct {
	// mu is held around every wait4 call and around every fork in Start,
	// which is what makes registration race-free: a pid cannot be reaped
	// between its fork and its registration, nor recycled while mu is held
	// and it is still registered.
	mu      sync.Mutex
	claimed map[int]chan Exit

	orphans atomic.Uint64
	reaped  atomic.Uint64
}

// New returns a Reaper with no children registered.
func New() *Reaper {
	return &Reaper{claimed: make(map[int]chan Exit)}
}

// SetSubreaper makes the calling process the child subreaper of its subtree
// (PR_SET_CHILD_SUBREAPER), so that orphans of its descendants are
// re-parented to it instead of to the namespace's PID 1. PID 1 needs no such
// thing. The setting is per process; any goroutine may call it.
func SetSubreaper() error {
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		return fmt.Errorf("prctl(PR_SET_CHILD_SUBREAPER): %w", err)
	}
	return nil
}

// Start starts cmd and returns a channel that receives cmd's Exit exactly
// once and is then closed. Nobody may call cmd.Wait (its status belongs to the
// Reaper). Stdin, Stdout and Stderr should be *os.File or nil: with any other
// io type os/exec copies through goroutines that only cmd.Wait would end.
// Start errors are those of cmd.Start.
func (r *Reaper) Start(cmd *exec.Cmd) (<-chan Exit, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	c := make(chan Exit, 1)
	r.claimed[cmd.Process.Pid] = c
	return c, nil
}

// Kill sends sig to pid (to its process group when group is set) only while
// pid is a child started by Start that has not been reaped yet, so a pid the
// kernel has recycled is never hit. It returns os.ErrProcessDone once the
// child has been reaped.
func (r *Reaper) Kill(pid int, sig syscall.Signal, group bool) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.claimed[pid]; !ok {
		return os.ErrProcessDone
	}
	target := pid
	if group {
		target = -pid
	}
	err := unix.Kill(target, sig)
	if err == unix.ESRCH {
		// The leader is a zombie with an empty group, or already gone.
		return nil
	}
	return err
}

// Run reaps until ctx is done, then returns nil. It installs its SIGCHLD
// handler, reaps once for exits that happened before, then reaps everything
// collectable on each SIGCHLD. Run it once per process.
func (r *Reaper) Run(ctx context.Context) error {
	wake := make(chan os.Signal, 1)
	signal.Notify(wake, syscall.SIGCHLD)
	defer signal.Stop(wake)
	r.Reap()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-wake:
			r.Reap()
		}
	}
}

// Reap collects every status available now without blocking, delivers those
// of registered children and counts the others as orphans. It returns how
// many it collected. Run calls it; callers may too (Leftovers does).
func (r *Reaper) Reap() int {
	n := 0
	for r.reapOne() {
		n++
	}
	return n
}

// reapOne takes the lock per status, not per pass, so that Start and Kill
// are never held off for a whole burst of orphans.
func (r *Reaper) reapOne() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	var ws syscall.WaitStatus
	for {
		pid, err := wait4NoHang(&ws)
		if errors.Is(err, syscall.EINTR) {
			continue
		}
		if err != nil || pid <= 0 {
			// ECHILD: no children at all; 0: none has exited.
			return false
		}
		exit := Exit{Pid: pid, Status: ws}
		r.reaped.Add(1)
		if c, ok := r.claimed[pid]; ok {
			delete(r.claimed, pid)
			c <- exit
			close(c)
		} else {
			r.orphans.Add(1)
		}
		return true
	}
}

// Counts reports how many statuses the Reaper has collected in all and how
// many of those were orphans nobody had registered.
func (r *Reaper) Counts() (reaped, orphans uint64) {
	return r.reaped.Load(), r.orphans.Load()
}

// wait4NoHang is wait4(-1, ws, WNOHANG, nil) as a raw system call: with
// WNOHANG it never blocks, so it needs none of the scheduler hand-off that
// syscall.Wait4 pays on every call, which is most of the cost of draining a
// backlog of zombies.
func wait4NoHang(ws *syscall.WaitStatus) (int, error) {
	pid, _, errno := syscall.RawSyscall6(syscall.SYS_WAIT4, ^uintptr(0), uintptr(unsafe.Pointer(ws)), syscall.WNOHANG, 0, 0, 0)
	if errno != 0 {
		return -1, errno
	}
	return int(pid), nil
}
