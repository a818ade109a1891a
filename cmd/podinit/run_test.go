package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/podinit/podinit/init/signals"
	"github.com/podinit/podinit/internal/testenv"
)

// These tests run the built podinit with real processes and real signals,
// in two modes: as PID 1 of a fresh PID namespace, and as a plain process
// (where it must make itself subreaper). Pids are always read from this
// test's own PID namespace, through /proc.

type runMode struct {
	name string
	pid1 bool
}

var runModes = []runMode{{"plain", false}, {"pid1", true}}

var (
	runHelperOnce sync.Once
	runHelperPath string
	runHelperErr  error
)

// runHelper builds bench/initbench, whose catch mode is the workload that
// reports every signal it gets and whose orphans mode makes bursts.
func runHelper(t *testing.T) string {
	t.Helper()
	runHelperOnce.Do(func() {
		dir, err := os.MkdirTemp("", "podinit-initbench-")
		if err != nil {
			runHelperErr = err
			return
		}
		runHelperPath = filepath.Join(dir, "initbench")
		cmd := exec.Command("go", "build", "-o", runHelperPath, "./bench/initbench")
		cmd.Dir = testenv.RepoRoot()
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			runHelperErr = fmt.Errorf("%v\n%s", err, out)
		}
	})
	if runHelperErr != nil {
		t.Fatalf("building bench/initbench: %v", runHelperErr)
	}
	return runHelperPath
}

func runCatcher(t *testing.T) []string {
	return []string{"/usr/bin/env", "GODEBUG=asyncpreemptoff=1", runHelper(t), "catch"}
}

type runProc struct {
	t      *testing.T
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	lines  chan string
	stderr *testenv.SyncBuffer
	pid    int // podinit's pid in the test's namespace
	waited chan struct{}
	code   int
	began  time.Time
}

// runSetup lets a test change the command (working directory, extra files,
// terminal) before it starts.
type runSetup func(*exec.Cmd)

func runStart(t *testing.T, m runMode, flags []string, argv []string, setups ...runSetup) *runProc {
	t.Helper()
	testenv.RequireRoot(t)
	args := append([]string{"run"}, flags...)
	args = append(append(args, "--"), argv...)
	var cmd *exec.Cmd
	if m.pid1 {
		cmd = exec.Command("unshare", append([]string{"--pid", "--fork", "--mount-proc", testenv.Binary(t)}, args...)...)
	} else {
		cmd = exec.Command(testenv.Binary(t), args...)
	}
	p := &runProc{t: t, cmd: cmd, lines: make(chan string, 1024), stderr: &testenv.SyncBuffer{}, waited: make(chan struct{})}
	var stdout io.Reader
	if len(setups) == 0 {
		var err error
		if p.stdin, err = cmd.StdinPipe(); err != nil {
			t.Fatal(err)
		}
		pr, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		stdout = pr
		cmd.Stderr = p.stderr
	}
	for _, s := range setups {
		s(cmd)
	}
	if cmd.Stderr == nil {
		cmd.Stderr = p.stderr
	}
	// Leftover grandchildren may hold stderr open after a failed test.
	cmd.WaitDelay = 2 * time.Second
	p.began = time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		if stdout != nil {
			sc := bufio.NewScanner(stdout)
			for sc.Scan() {
				p.lines <- sc.Text()
			}
		}
		close(p.lines)
	}()
	go func() {
		cmd.Wait()
		p.code = cmd.ProcessState.ExitCode()
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			p.code = 128 + int(ws.Signal())
		}
		close(p.waited)
	}()
	t.Cleanup(func() {
		select {
		case <-p.waited:
		default:
			runKillTree(p.pid)
			cmd.Process.Kill()
			<-p.waited
		}
	})
	p.pid = cmd.Process.Pid
	if m.pid1 {
		// podinit is unshare's child; a short command may have ended it,
		// and unshare with it, before it can be seen.
		var kids []int
		runWaitUntil(t, 10*time.Second, func() bool {
			kids = runChildren(cmd.Process.Pid)
			select {
			case <-p.waited:
				return true
			default:
				return len(kids) == 1
			}
		})
		p.pid = 0
		if len(kids) == 1 {
			p.pid = kids[0]
		}
	}
	return p
}

// wait returns podinit's exit code (unshare passes its child's on).
func (p *runProc) wait(within time.Duration) int {
	p.t.Helper()
	select {
	case <-p.waited:
		return p.code
	case <-time.After(within):
		p.t.Fatalf("podinit still running after %s; stderr: %s", within, p.stderr)
		return -1
	}
}

// expect waits for the line want and fails on any other line first.
func (p *runProc) expect(want string) {
	p.t.Helper()
	select {
	case l, ok := <-p.lines:
		if !ok {
			p.t.Fatalf("output ended, want %q; stderr: %s", want, p.stderr)
		}
		if l != want {
			p.t.Fatalf("got line %q, want %q", l, want)
		}
	case <-time.After(10 * time.Second):
		p.t.Fatalf("no %q within 10s; stderr: %s", want, p.stderr)
	}
}

// quiet fails when any line arrives within d.
func (p *runProc) quiet(d time.Duration) {
	p.t.Helper()
	select {
	case l, ok := <-p.lines:
		if ok {
			p.t.Fatalf("unexpected line %q", l)
		}
	case <-time.After(d):
	}
}

func (p *runProc) signal(s syscall.Signal) {
	p.t.Helper()
	if p.pid <= 0 {
		p.t.Fatalf("podinit ended before it could be signalled; stderr: %s", p.stderr)
	}
	if err := unix.Kill(p.pid, s); err != nil {
		p.t.Fatalf("kill %d %s: %v", p.pid, signals.Name(s), err)
	}
}

func (p *runProc) send(line string) {
	p.t.Helper()
	if _, err := io.WriteString(p.stdin, line+"\n"); err != nil {
		p.t.Fatal(err)
	}
}

func runEachMode(t *testing.T, f func(t *testing.T, m runMode)) {
	for _, m := range runModes {
		t.Run(m.name, func(t *testing.T) { f(t, m) })
	}
}

func TestRunExitCodes(t *testing.T) {
	dir := t.TempDir()
	plain := filepath.Join(dir, "not-executable")
	if err := os.WriteFile(plain, []byte("#!/bin/sh\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		flags  []string
		argv   []string
		code   int
		stderr string
	}{
		{nil, []string{"sh", "-c", "exit 3"}, 3, ""},
		{nil, []string{"sh", "-c", "exit 255"}, 255, ""},
		{nil, []string{"sh", "-c", "kill -TERM $$"}, 143, ""},
		{nil, []string{"sh", "-c", "kill -KILL $$"}, 137, ""},
		{[]string{"-e", "143"}, []string{"sh", "-c", "kill -TERM $$"}, 0, ""},
		{[]string{"-e", "3", "-e", "4"}, []string{"sh", "-c", "exit 4"}, 0, ""},
		{[]string{"-e", "3"}, []string{"sh", "-c", "exit 5"}, 5, ""},
		{nil, []string{"podinit-no-such-command"}, 127, "podinit-no-such-command"},
		{nil, []string{filepath.Join(dir, "missing")}, 127, "missing"},
		{nil, []string{plain}, 126, "permission denied"},
		{nil, []string{dir}, 126, "permission denied"},
	}
	runEachMode(t, func(t *testing.T, m runMode) {
		for _, c := range cases {
			p := runStart(t, m, c.flags, c.argv)
			p.stdin.Close()
			code := p.wait(10 * time.Second)
			stderr := p.stderr.String()
			if code != c.code {
				t.Errorf("%v %v: exit %d; want %d (stderr %q)", c.flags, c.argv, code, c.code, stderr)
			}
			if c.stderr == "" && stderr != "" {
				t.Errorf("%v %v: unexpected stderr %q", c.flags, c.argv, stderr)
			}
			if c.stderr != "" && (!strings.Contains(stderr, c.stderr) || strings.Count(stderr, "\n") != 1) {
				t.Errorf("%v %v: stderr %q; want one line with %q", c.flags, c.argv, stderr, c.stderr)
			}
		}
	})
}

// Every forwardable signal sent to podinit reaches the child exactly once;
// SIGURG, SIGPIPE and SIGCHLD sent to podinit do not, and podinit survives
// all of them.
func TestRunForwardsEverySignalOnce(t *testing.T) {
	var forward []syscall.Signal
	for _, s := range signals.Caught() {
		if signals.Forwardable(s) {
			forward = append(forward, s)
		}
	}
	for _, m := range runModes {
		for _, flags := range [][]string{nil, {"-g"}} {
			t.Run(m.name+strings.Join(flags, ""), func(t *testing.T) {
				p := runStart(t, m, flags, runCatcher(t))
				p.expect("ready")
				for _, s := range forward {
					p.signal(s)
					p.expect(signals.Name(s))
				}
				for _, s := range []syscall.Signal{syscall.SIGURG, syscall.SIGURG, syscall.SIGPIPE, syscall.SIGCHLD} {
					p.signal(s)
				}
				p.signal(syscall.SIGUSR1)
				p.expect("SIGUSR1")
				p.quiet(300 * time.Millisecond)
				p.stdin.Close()
				if code := p.wait(10 * time.Second); code != 0 {
					t.Errorf("exit %d; want 0 (stderr %q)", code, p.stderr)
				}
			})
		}
	}
}

// docker stop sends SIGTERM to PID 1 (SIGINT for some images): it reaches
// the child, and podinit exits with the child's code.
func TestRunStopSignals(t *testing.T) {
	runEachMode(t, func(t *testing.T, m runMode) {
		for _, c := range []struct {
			sig   syscall.Signal
			flags []string
			code  int
		}{{syscall.SIGTERM, nil, 143}, {syscall.SIGINT, nil, 130}, {syscall.SIGTERM, []string{"-e", "143"}, 0}} {
			p := runStart(t, m, c.flags, []string{"sh", "-c", "echo up; exec sleep 30"})
			p.expect("up")
			p.signal(c.sig)
			if code := p.wait(5 * time.Second); code != c.code {
				t.Errorf("%s %v: exit %d; want %d", signals.Name(c.sig), c.flags, code, c.code)
			}
		}
	})
}

// With stdout and stderr closed at the other end, podinit's own message
// raises SIGPIPE; it must still exit with the real code, not 2.
func TestRunSurvivesClosedOutput(t *testing.T) {
	runEachMode(t, func(t *testing.T, m runMode) {
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		r.Close()
		defer w.Close()
		p := runStart(t, m, nil, []string{"podinit-no-such-command"}, func(c *exec.Cmd) {
			c.Stdout, c.Stderr = w, w
		})
		if code := p.wait(10 * time.Second); code != 127 {
			t.Errorf("exit %d; want 127", code)
		}
	})
}

// Orphans are released all at once and every one is reaped; no zombie
// stays. 10,000 as PID 1; fewer as a subreaper, where the path is the same.
func TestRunReapsOrphanBurst(t *testing.T) {
	runEachMode(t, func(t *testing.T, m runMode) {
		n := 10000
		if !m.pid1 {
			n = 1000
		}
		if testing.Short() {
			n = 200
		}
		p := runStart(t, m, nil, runCatcher(t))
		p.expect("ready")
		main := runOnlyChild(t, p.pid)
		fifo := filepath.Join(t.TempDir(), "release")
		if err := unix.Mkfifo(fifo, 0o600); err != nil {
			t.Fatal(err)
		}
		hold, err := os.OpenFile(fifo, os.O_RDWR, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer hold.Close()
		p.send(fmt.Sprintf("orphans %d %s", n, fifo))
		select {
		case l := <-p.lines:
			if l != "orphaned" {
				t.Fatalf("got %q; want orphaned", l)
			}
		case <-time.After(3 * time.Minute):
			t.Fatal("orphans not made within 3 minutes")
		}
		runWaitUntil(t, time.Minute, func() bool { return len(runChildren(p.pid)) == n+1 })
		hold.Close()
		runWaitUntil(t, time.Minute, func() bool { return len(runChildren(p.pid)) == 1 })
		if z := runZombiesOf(p.pid); z != 0 {
			t.Errorf("%d zombies left under podinit", z)
		}
		if kids := runChildren(p.pid); len(kids) != 1 || kids[0] != main {
			t.Errorf("runChildren of podinit: %v; want only the main child %d", kids, main)
		}
		p.stdin.Close()
		if code := p.wait(10 * time.Second); code != 0 {
			t.Errorf("exit %d; want 0 (stderr %q)", code, p.stderr)
		}
	})
}

// The main child and its background children exit at the same moment, over
// and over (four podinits at a time, to add load): the main child's status
// always arrives and nothing hangs.
func TestRunExitRace(t *testing.T) {
	runEachMode(t, func(t *testing.T, m runMode) {
		runs := 24
		if testing.Short() {
			runs = 8
		}
		script := `for i in 1 2 3 4; do sleep 0.02 & done; (sleep 0.02 &); sleep 0.02; exit 7`
		for batch := 0; batch < runs; batch += 4 {
			var ps []*runProc
			for range 4 {
				p := runStart(t, m, nil, []string{"sh", "-c", script})
				p.stdin.Close()
				ps = append(ps, p)
			}
			for i, p := range ps {
				if code := p.wait(10 * time.Second); code != 7 {
					t.Fatalf("run %d: exit %d; want 7 (stderr %q)", batch+i, code, p.stderr)
				}
			}
		}
	})
}

// Not PID 1, podinit is the subreaper: a grandchild orphaned by its parent
// is re-parented to podinit and reaped when it dies.
func TestRunSubreaper(t *testing.T) {
	p := runStart(t, runModes[0], nil, []string{"sh", "-c", `(sleep 30 & echo $!); exec cat`})
	var orphan int
	select {
	case l := <-p.lines:
		orphan, _ = strconv.Atoi(l)
	case <-time.After(10 * time.Second):
		t.Fatal("no pid")
	}
	runWaitUntil(t, 5*time.Second, func() bool { pp, _ := runStat(orphan); return pp == p.pid })
	unix.Kill(orphan, unix.SIGKILL)
	runWaitUntil(t, 5*time.Second, func() bool { _, st := runStat(orphan); return st == 0 })
	p.stdin.Close()
	if code := p.wait(10 * time.Second); code != 0 {
		t.Errorf("exit %d; want 0", code)
	}
	if strings.Contains(p.stderr.String(), "subreaper") {
		t.Errorf("stderr: %q", p.stderr)
	}
}

// The child always leads its own process group; with -g a signal reaches
// the whole group, without it only the child.
func TestRunProcessGroup(t *testing.T) {
	// wait returns early when the trap runs; loop until the sleep is gone,
	// whenever the USR1 lands. "ready" only once the background child has
	// exec'd sleep: before that it is a copy of sh with the USR1 trap, which
	// would catch the signal and then run sleep for its full 30 s.
	script := `trap 'echo sh-usr1' USR1; sleep 30 & s=$!
		until [ "$(cat /proc/$s/comm 2>/dev/null)" = sleep ]; do :; done; echo ready
		while :; do wait $s; r=$?; kill -0 $s 2>/dev/null || break; done; echo "sleep $r"; read x`
	runEachMode(t, func(t *testing.T, m runMode) {
		for _, group := range []bool{false, true} {
			var flags []string
			if group {
				flags = []string{"-g"}
			}
			p := runStart(t, m, flags, []string{"sh", "-c", script})
			p.expect("ready")
			main := runOnlyChild(t, p.pid)
			if pg := runPgid(main); pg != main || pg == runPgid(p.pid) {
				t.Errorf("child %d in process group %d (podinit's %d); want its own", main, pg, runPgid(p.pid))
			}
			p.signal(syscall.SIGUSR1)
			p.expect("sh-usr1")
			if group {
				p.expect("sleep 138")
			} else {
				p.quiet(500 * time.Millisecond)
			}
			p.signal(syscall.SIGTERM)
			p.wait(10 * time.Second)
		}
	})
}

// With a terminal on stdin the child gets its foreground, so one Ctrl-C
// reaches it once (not once from the terminal and once relayed).
func TestRunTerminalCtrlC(t *testing.T) {
	runEachMode(t, func(t *testing.T, m runMode) {
		master, slave := runOpenPty(t)
		p := runStart(t, m, nil, runCatcher(t), func(c *exec.Cmd) {
			c.Stdin, c.Stdout, c.Stderr = slave, slave, slave
			c.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
		})
		slave.Close()
		var out testenv.SyncBuffer
		go io.Copy(&out, master)
		runWaitUntil(t, 10*time.Second, func() bool { return strings.Contains(out.String(), "ready") })
		main := runOnlyChild(t, p.pid)
		fg, err := unix.IoctlGetInt(int(master.Fd()), unix.TIOCGPGRP)
		if err != nil || fg != main {
			t.Errorf("terminal foreground %d (%v); want the child %d", fg, err, main)
		}
		master.Write([]byte{3}) // Ctrl-C
		runWaitUntil(t, 5*time.Second, func() bool { return strings.Contains(out.String(), "SIGINT") })
		time.Sleep(300 * time.Millisecond)
		if n := strings.Count(out.String(), "SIGINT"); n != 1 {
			t.Errorf("Ctrl-C arrived %d times; want once (output %q)", n, out.String())
		}
		master.Write([]byte{4}) // Ctrl-D: end of stdin, the runCatcher exits 0
		if code := p.wait(10 * time.Second); code != 0 {
			t.Errorf("exit %d; want 0 (output %q)", code, out.String())
		}
		master.Close()
	})
}

// After the main child exits, its leftovers get SIGTERM, the grace, then
// SIGKILL; podinit exits with the main child's code only after that. A
// further SIGTERM during the grace cuts it short.
func TestRunLeftovers(t *testing.T) {
	stubborn := `sh -c 'trap "" TERM; exec sleep 30' & `
	polite := `sh -c 'trap "echo leftover-termed; exit 0" TERM; while :; do sleep 0.05; done' & `
	runEachMode(t, func(t *testing.T, m runMode) {
		p := runStart(t, m, []string{"--grace", "1s"}, []string{"sh", "-c", stubborn + polite + "sleep 0.3; exit 5"})
		p.stdin.Close()
		// The stubborn leftover would end by itself after 30s: podinit's
		// exit before then is its SIGKILL at the grace's end.
		code := p.wait(40 * time.Second)
		took := time.Since(p.began)
		if code != 5 {
			t.Errorf("exit %d; want 5 (stderr %q)", code, p.stderr)
		}
		if took < 1300*time.Millisecond || took >= 30*time.Second {
			t.Errorf("took %s; want at least the main child's 0.3s + the 1s grace, and less than the stubborn leftover's 30s", took)
		}
		if !strings.Contains(p.stderr.String(), "got SIGKILL") {
			t.Errorf("stderr %q; want the SIGKILL noted", p.stderr)
		}
		var saw bool
		for l := range p.lines {
			saw = saw || l == "leftover-termed"
		}
		if !saw {
			t.Error("the polite leftover never got SIGTERM")
		}

		p = runStart(t, m, []string{"--grace", "30s"}, []string{"sh", "-c", polite + "sleep 0.3; exit 6"})
		p.stdin.Close()
		if code := p.wait(40 * time.Second); code != 6 {
			t.Errorf("exit %d; want 6", code)
		}
		if took := time.Since(p.began); took >= 30*time.Second {
			t.Errorf("took %s, the whole grace, although the leftover obeyed SIGTERM", took)
		}

		// The polite leftover's word says that podinit has taken the main
		// child's exit and is in the grace: the SIGTERM cannot reach the
		// main child instead.
		p = runStart(t, m, []string{"--grace", "30s"}, []string{"sh", "-c", stubborn + polite + "sleep 0.3; echo main-exits; exit 7"})
		p.expect("main-exits")
		p.expect("leftover-termed")
		p.signal(syscall.SIGTERM)
		if code := p.wait(20 * time.Second); code != 7 {
			t.Errorf("exit %d after a second SIGTERM; want 7 (stderr %q)", code, p.stderr)
		}
	})
}

// podinit lets go of the launch directory and of inherited descriptors
// above 2; the child still gets them.
func TestRunHygiene(t *testing.T) {
	runEachMode(t, func(t *testing.T, m runMode) {
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		pipeID, _ := os.Readlink(fmt.Sprintf("/proc/self/fd/%d", w.Fd()))
		dir := t.TempDir()
		// CMD blocks on a read of stdin until the test closes it, so that
		// podinit is still there to be looked at (/dev/null would end it at
		// once, and the check would race podinit's exit).
		stdinR, stdinW, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		defer stdinW.Close()
		p := runStart(t, m, nil, []string{"sh", "-c", `echo via-fd3 >&3; exec 3>&-; read x`}, func(c *exec.Cmd) {
			c.Dir = dir
			c.ExtraFiles = []*os.File{w}
			c.Stdin = stdinR
		})
		w.Close()
		stdinR.Close()
		line, _ := bufio.NewReader(r).ReadString('\n')
		if line != "via-fd3\n" {
			t.Errorf("child wrote %q on fd 3; want via-fd3", line)
		}
		runWaitUntil(t, 5*time.Second, func() bool {
			cwd, _ := os.Readlink(fmt.Sprintf("/proc/%d/cwd", p.pid))
			return cwd == "/" && !runHolds(p.pid, pipeID)
		})
		p.signal(syscall.SIGTERM)
		p.wait(10 * time.Second)
	})
}

// Bad input prints usage, exits non-zero and starts nothing.
func TestRunBadInput(t *testing.T) {
	testenv.RequireRoot(t)
	marker := filepath.Join(t.TempDir(), "started")
	touch := []string{"touch", marker}
	for _, args := range [][]string{
		{},
		append([]string{}, touch...),
		{"--"},
		append([]string{"-x", "--"}, touch...),
		append([]string{"-e", "abc", "--"}, touch...),
		append([]string{"-e", "300", "--"}, touch...),
		append([]string{"--grace", "-1s", "--"}, touch...),
		append([]string{"--grace", "soon", "--"}, touch...),
		append([]string{"extra", "--"}, touch...),
	} {
		cmd := exec.Command(testenv.Binary(t), append([]string{"run"}, args...)...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		err := cmd.Run()
		code := cmd.ProcessState.ExitCode()
		if err == nil || code != 2 {
			t.Errorf("%v: exit %d; want 2", args, code)
		}
		if !strings.Contains(stderr.String(), "usage: podinit run") {
			t.Errorf("%v: stderr %q; want the usage", args, stderr.String())
		}
		if _, err := os.Stat(marker); err == nil {
			t.Fatalf("%v: the command was started", args)
		}
	}
}

func runWaitUntil(t *testing.T, within time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("condition not met within %s", within)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// runChildren lists pid's children, zombies included, from every thread.
func runChildren(pid int) []int {
	tasks, _ := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
	var out []int
	for _, task := range tasks {
		b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/task/%s/children", pid, task.Name()))
		for _, f := range strings.Fields(string(b)) {
			if c, err := strconv.Atoi(f); err == nil {
				out = append(out, c)
			}
		}
	}
	return out
}

func runOnlyChild(t *testing.T, pid int) int {
	t.Helper()
	var kids []int
	runWaitUntil(t, 10*time.Second, func() bool { kids = runChildren(pid); return len(kids) == 1 })
	return kids[0]
}

// runKillTree SIGKILLs pid and everything below it, children first seen
// first, so that a failed test leaves nothing behind.
func runKillTree(pid int) {
	if pid <= 0 {
		return
	}
	unix.Kill(pid, unix.SIGSTOP)
	for _, c := range runChildren(pid) {
		runKillTree(c)
	}
	unix.Kill(pid, unix.SIGKILL)
}

// runStat reads a process's parent and state; state 0 when it is gone.
func runStat(pid int) (ppid int, state byte) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, 0
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	ppid, _ = strconv.Atoi(f[1])
	return ppid, f[0][0]
}

func runPgid(pid int) int {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	g, _ := strconv.Atoi(f[2])
	return g
}

// runZombiesOf counts zombies anywhere in /proc whose parent is pid.
func runZombiesOf(pid int) int {
	names, _ := os.ReadDir("/proc")
	n := 0
	for _, e := range names {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if pp, st := runStat(p); pp == pid && st == 'Z' {
			n++
		}
	}
	return n
}

func runHolds(pid int, target string) bool {
	fds, _ := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	for _, fd := range fds {
		if l, _ := os.Readlink(fmt.Sprintf("/proc/%d/fd/%s", pid, fd.Name())); l == target {
			return true
		}
	}
	return false
}

func runOpenPty(t *testing.T) (master, slave *os.File) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := unix.IoctlSetPointerInt(int(m.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	n, err := unix.IoctlGetUint32(int(m.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	s, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	return m, s
}
