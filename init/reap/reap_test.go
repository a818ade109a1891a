package reap

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Every test here starts its children through a Reaper: a wait4(-1) loop
// would take anyone else's status. Tests run one after another for the same
// reason (two Reapers would steal from each other).

func TestMain(m *testing.M) {
	if err := SetSubreaper(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(m.Run())
}

func running(t *testing.T) *Reaper {
	t.Helper()
	r := New()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { r.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return r
}

func await(t *testing.T, c <-chan Exit) Exit {
	t.Helper()
	select {
	case e := <-c:
		return e
	case <-time.After(10 * time.Second):
		t.Fatal("no exit status within 10s")
		return Exit{}
	}
}

func TestStartDeliversExit(t *testing.T) {
	r := running(t)
	for script, want := range map[string]int{"exit 0": 0, "exit 7": 7, "kill -KILL $$": 137, "kill -TERM $$": 143} {
		c, err := r.Start(exec.Command("sh", "-c", script))
		if err != nil {
			t.Fatal(err)
		}
		e := await(t, c)
		if e.Code() != want {
			t.Errorf("%q: code %d (%s); want %d", script, e.Code(), e, want)
		}
		if _, open := <-c; open {
			t.Errorf("%q: channel not closed after the exit", script)
		}
	}
	if _, err := r.Start(exec.Command("/nonexistent/podinit-test")); err == nil {
		t.Error("Start of a missing program: no error")
	}
}

// A child that is already a zombie when Run starts is collected by Run's
// first pass and its status still reaches its owner.
func TestExitBeforeRun(t *testing.T) {
	r := New()
	c, err := r.Start(exec.Command("true"))
	if err != nil {
		t.Fatal(err)
	}
	waitUntil(t, func() bool { return zombieChildren() == 1 })
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go r.Run(ctx)
	if e := await(t, c); e.Code() != 0 {
		t.Errorf("got %s; want exit 0", e)
	}
}

// Many starts racing a stream of orphans: every registered status arrives,
// every orphan is counted, none is left a zombie.
func TestStartsRaceOrphans(t *testing.T) {
	r := running(t)
	const starts, orphans = 60, 60
	var wg sync.WaitGroup
	errs := make(chan error, starts+1)
	for i := range starts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := r.Start(exec.Command("sh", "-c", "exit "+strconv.Itoa(i%100)))
			if err != nil {
				errs <- err
				return
			}
			select {
			case e := <-c:
				if e.Code() != i%100 {
					errs <- fmt.Errorf("start %d: %s, want exit %d", i, e, i%100)
				}
			case <-time.After(20 * time.Second):
				errs <- fmt.Errorf("start %d: no status", i)
			}
		}()
	}
	// Each sleep is orphaned when its subshell exits and re-parented here.
	spawner, err := r.Start(exec.Command("sh", "-c", strings.Repeat("(sleep 0.1 &) ; ", orphans)))
	if err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	await(t, spawner)
	waitUntil(t, func() bool { _, o := r.Counts(); return o >= orphans })
	waitUntil(t, func() bool { return zombieChildren() == 0 })
}

func TestKillOnlyUnreaped(t *testing.T) {
	r := running(t)
	cmd := exec.Command("sleep", "30")
	c, err := r.Start(cmd)
	if err != nil {
		t.Fatal(err)
	}
	pid := cmd.Process.Pid
	if err := r.Kill(pid, syscall.SIGTERM, false); err != nil {
		t.Fatal(err)
	}
	if e := await(t, c); e.Code() != 143 {
		t.Errorf("got %s; want killed by SIGTERM", e)
	}
	if err := r.Kill(pid, syscall.SIGTERM, false); !errors.Is(err, os.ErrProcessDone) {
		t.Errorf("Kill after the reap: %v; want os.ErrProcessDone", err)
	}
}

func TestLeftoversGraceThenKill(t *testing.T) {
	r := running(t)
	// One leftover that ignores SIGTERM (inherited across exec) and one
	// that obeys it; their parent exits at once, so both are orphans.
	c, err := r.Start(exec.Command("sh", "-c", `(trap "" TERM; exec sleep 30) & sleep 30 & echo`))
	if err != nil {
		t.Fatal(err)
	}
	await(t, c)
	// Both are sleep once exec has run, so the trap is in place.
	waitUntil(t, func() bool { return sleeping() == 2 })
	const grace = 400 * time.Millisecond
	start := time.Now()
	res, err := r.Leftovers(context.Background(), grace)
	took := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	if res.Terminated != 2 || res.Killed != 1 || res.Remaining != 0 {
		t.Errorf("got %+v; want 2 terminated, 1 killed, 0 remaining", res)
	}
	if took < grace || took > grace+3*time.Second {
		t.Errorf("took %s; want the grace %s and little more", took, grace)
	}
	if d, _ := descendants(); len(d) != 0 {
		t.Errorf("descendants left: %+v", d)
	}
}

func TestLeftoversEndEarly(t *testing.T) {
	r := running(t)
	c, err := r.Start(exec.Command("sh", "-c", `sleep 30 & sleep 30 & echo`))
	if err != nil {
		t.Fatal(err)
	}
	await(t, c)
	waitUntil(t, func() bool { d, _ := descendants(); return len(d) == 2 })
	start := time.Now()
	res, err := r.Leftovers(context.Background(), time.Minute)
	if err != nil || res.Terminated != 2 || res.Killed != 0 {
		t.Errorf("got %+v, %v; want 2 terminated, none killed", res, err)
	}
	// They would end by themselves after 30s, the grace after a minute.
	if took := time.Since(start); took >= 30*time.Second {
		t.Errorf("took %s although every leftover obeyed SIGTERM", took)
	}

	// A cancelled context cuts the grace short.
	c, err = r.Start(exec.Command("sh", "-c", `(trap "" TERM; exec sleep 30) & echo`))
	if err != nil {
		t.Fatal(err)
	}
	await(t, c)
	waitUntil(t, func() bool { return sleeping() == 1 })
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(200*time.Millisecond, cancel)
	start = time.Now()
	res, err = r.Leftovers(ctx, time.Minute)
	if err != nil || res.Killed != 1 || res.Remaining != 0 {
		t.Errorf("got %+v, %v; want 1 killed", res, err)
	}
	if took := time.Since(start); took >= 30*time.Second {
		t.Errorf("took %s, the stubborn leftover's own 30s, although the context was cancelled after 200ms", took)
	}
}

func TestReadStatOddName(t *testing.T) {
	// A command name with spaces and parentheses must not shift the fields.
	dir := t.TempDir()
	odd := dir + "/a) (b c"
	if err := os.Symlink("/bin/sleep", odd); err != nil {
		t.Fatal(err)
	}
	r := running(t)
	cmd := exec.Command(odd, "30")
	c, err := r.Start(cmd)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { r.Kill(cmd.Process.Pid, syscall.SIGKILL, false); await(t, c) }()
	ppid, state, err := readStat(cmd.Process.Pid)
	// Any state the kernel writes (a process just exec'd may be in D under
	// load); a shifted parse would read a letter of the name instead.
	if err != nil || ppid != os.Getpid() || !strings.ContainsRune("RSDTtWXZPI", rune(state)) {
		t.Errorf("readStat: parent %d, state %c, %v; want %d and a kernel state letter", ppid, state, err, os.Getpid())
	}
}

func waitUntil(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 15s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// sleeping counts descendants that run sleep.
func sleeping() int {
	d, _ := descendants()
	n := 0
	for _, p := range d {
		if comm, _ := os.ReadFile("/proc/" + strconv.Itoa(p.pid) + "/comm"); string(comm) == "sleep\n" {
			n++
		}
	}
	return n
}

// zombieChildren counts this process's children in state Z, from /proc.
func zombieChildren() int {
	d, _ := descendants()
	n := 0
	for _, p := range d {
		ppid, state, err := readStat(p.pid)
		if err == nil && ppid == os.Getpid() && state == 'Z' {
			n++
		}
	}
	return n
}
