package reap

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// Leftover says what Leftovers did.
type Leftover struct {
	Terminated int // processes sent SIGTERM
	Killed     int // processes still alive after the grace, sent SIGKILL
	Remaining  int // processes still there when Leftovers gave up (unkillable, e.g. in uninterruptible sleep)
}

// killWait bounds the wait after SIGKILL: a process in uninterruptible sleep
// may not die at all, and the init must still exit.
const killWait = 2 * time.Second

// poll is how often Leftovers looks at /proc while it waits.
const poll = 10 * time.Millisecond

// Leftovers ends every descendant of this process that is still running:
// it sends them SIGTERM (and SIGCONT, so that stopped ones can act on it),
// waits until they are all gone, the grace has passed or ctx is done, sends
// SIGKILL to what remains and reaps until nothing is left (at most a couple of
// seconds more). As PID 1 the descendants are every other process of the PID
// namespace; otherwise they are the process's subtree (orphans included when
// it is a subreaper). It reaps through r itself, so it works whether or not
// r.Run is running. Call it after the main child's exit, before the init exits:
// when PID 1 exits the kernel SIGKILLs the namespace with no grace at all.
func (r *Reaper) Leftovers(ctx context.Context, grace time.Duration) (Leftover, error) {
	var res Leftover
	left, err := descendants()
	if err != nil {
		return res, err
	}
	for _, p := range left {
		if p.zombie {
			continue
		}
		if unix.Kill(p.pid, unix.SIGTERM) == nil {
			res.Terminated++
			_ = unix.Kill(p.pid, unix.SIGCONT)
		}
	}
	timer := time.NewTimer(grace)
	defer timer.Stop()
	if res.Terminated > 0 {
		left, err = r.waitGone(ctx.Done(), timer.C)
		if err != nil {
			return res, err
		}
	}
	for _, p := range left {
		if !p.zombie && unix.Kill(p.pid, unix.SIGKILL) == nil {
			res.Killed++
		}
	}
	after := time.NewTimer(killWait)
	defer after.Stop()
	left, err = r.waitGone(nil, after.C)
	res.Remaining = len(left)
	return res, err
}

// waitGone reaps and looks at /proc until no descendant is left or either
// channel fires; it returns what is left. A zombie whose parent is another
// descendant counts as left: it goes once its parent does.
func (r *Reaper) waitGone(stop <-chan struct{}, deadline <-chan time.Time) ([]proc, error) {
	tick := time.NewTicker(poll)
	defer tick.Stop()
	for {
		r.Reap()
		left, err := descendants()
		if err != nil || len(left) == 0 {
			return left, err
		}
		select {
		case <-stop:
			return left, nil
		case <-deadline:
			return left, nil
		case <-tick.C:
		}
	}
}

type proc struct {
	pid    int
	zombie bool
}

// descendants lists the processes below this one, from /proc. The pid is
// taken from /proc/self, not getpid, so that a /proc of another PID namespace
// (a missing --mount-proc) still yields this process's own subtree and never
// someone else's. As PID 1 of /proc's namespace it is every other process,
// including those entered from outside (docker exec), whose parent is not
// visible: the kernel would SIGKILL them when PID 1 exits anyway.
func descendants() ([]proc, error) {
	link, err := os.Readlink("/proc/self")
	if err != nil {
		return nil, fmt.Errorf("finding this process in /proc: %w", err)
	}
	self, err := strconv.Atoi(link)
	if err != nil {
		return nil, fmt.Errorf("finding this process in /proc: /proc/self is %q", link)
	}
	dir, err := os.Open("/proc")
	if err != nil {
		return nil, fmt.Errorf("listing processes: %w", err)
	}
	defer dir.Close()
	names, err := dir.Readdirnames(-1)
	if err != nil {
		return nil, fmt.Errorf("listing processes in /proc: %w", err)
	}
	parent := make(map[int]int, len(names))
	zombie := make(map[int]bool)
	for _, name := range names {
		pid, err := strconv.Atoi(name)
		if err != nil || pid == self {
			continue
		}
		ppid, state, err := readStat(pid)
		if err != nil {
			continue // gone between the listing and the read
		}
		parent[pid] = ppid
		zombie[pid] = state == 'Z' || state == 'X'
	}
	var out []proc
	for pid := range parent {
		if self == 1 || below(pid, self, parent) {
			out = append(out, proc{pid: pid, zombie: zombie[pid]})
		}
	}
	return out, nil
}

// below reports whether pid's chain of parents reaches root.
func below(pid, root int, parent map[int]int) bool {
	for range len(parent) + 1 {
		pp, ok := parent[pid]
		if !ok {
			return false
		}
		if pp == root {
			return true
		}
		pid = pp
	}
	return false
}

// readStat reads a process's parent and state from /proc/PID/stat. The
// command name can hold spaces and parentheses, so fields are counted from the
// last ')'.
func readStat(pid int) (ppid int, state byte, err error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, 0, err
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, 0, fmt.Errorf("/proc/%d/stat: no command name in %q", pid, s)
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 2 {
		return 0, 0, fmt.Errorf("/proc/%d/stat: too few fields in %q", pid, s)
	}
	ppid, err = strconv.Atoi(f[1])
	if err != nil {
		return 0, 0, fmt.Errorf("/proc/%d/stat: parent %q: %w", pid, f[1], err)
	}
	return ppid, f[0][0], nil
}
