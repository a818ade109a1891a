package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// bench runs every measurement against each init in turn, each init as PID 1
// of a fresh PID namespace with `initbench catch` as its workload.
func bench(args []string) int {
	fs := flag.NewFlagSet("initbench bench", flag.ContinueOnError)
	podinit := fs.String("podinit", "bin/podinit", "podinit binary")
	tini := fs.String("tini", "/usr/bin/tini", "tini binary")
	n := fs.Int("orphans", 2000, "orphans per reaping round")
	rounds := fs.Int("rounds", 9, "reaping rounds per init")
	pings := fs.Int("pings", 1000, "signal round trips per init")
	rssN := fs.Int("rss-orphans", 500, "orphans in the burst before peak RSS is read")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	inits := []struct {
		name string
		argv []string
	}{
		{"podinit", []string{*podinit, "run", "--"}},
		{"tini", []string{*tini, "--"}},
	}
	// Both inits run at once and every measurement alternates between
	// them, so that load from elsewhere on the machine hits both alike.
	res := make([]result, len(inits))
	live := make([]*instance, len(inits))
	for i, in := range inits {
		var err error
		if live[i], err = startInit(in.argv); err != nil {
			fmt.Fprintf(os.Stderr, "initbench: %s: %v\n", in.name, err)
			return 1
		}
		defer live[i].stop()
	}
	fail := func(i int, what string, err error) int {
		fmt.Fprintf(os.Stderr, "initbench: %s: %s: %v\n", inits[i].name, what, err)
		return 1
	}
	for round := 1; round <= *rounds; round++ {
		fmt.Fprintf(os.Stderr, "reaping round %d of %d\n", round, *rounds)
		for _, backlog := range []bool{false, true} {
			for k := range live {
				// Who goes first alternates, so that neither always
				// follows the other's round.
				i := k
				if round%2 == 0 {
					i = len(live) - 1 - k
				}
				in := live[i]
				rate, err := in.reapRound(*n, backlog)
				if err != nil {
					return fail(i, fmt.Sprintf("reaping round %d (backlog %v)", round, backlog), err)
				}
				if backlog {
					res[i].backlog = append(res[i].backlog, rate)
				} else {
					res[i].burst = append(res[i].burst, rate)
				}
			}
		}
	}
	fmt.Fprintf(os.Stderr, "%d signal round trips each\n", *pings)
	for range *pings {
		for i, in := range live {
			d, err := in.ping(in.pid)
			if err != nil {
				return fail(i, "relayed signal", err)
			}
			res[i].relayed = append(res[i].relayed, d)
			d, err = in.ping(in.catcher)
			if err != nil {
				return fail(i, "direct signal", err)
			}
			res[i].direct = append(res[i].direct, d)
		}
	}
	for i, in := range live {
		in.stop()
		// Peak RSS on a fresh init, so that the bigger rounds above do not count.
		fresh, err := startInit(inits[i].argv)
		if err != nil {
			return fail(i, "RSS", err)
		}
		_, err = fresh.reapRound(*rssN, false)
		if err == nil {
			res[i].peakRSSkB, err = statusKB(fresh.pid, "VmHWM")
		}
		if err == nil {
			res[i].rssNowkB, err = statusKB(fresh.pid, "VmRSS")
		}
		fresh.stop()
		if err != nil {
			return fail(i, "RSS", err)
		}
	}
	report(os.Stdout, res[0], res[1], *n, *rssN)
	return 0
}

type result struct {
	burst, backlog      []float64 // orphans reaped per second, one per round
	relayed, direct     []time.Duration
	peakRSSkB, rssNowkB int
}

type instance struct {
	cmd          *exec.Cmd
	stdin        io.WriteCloser
	lines        chan string
	pid, catcher int // as this (the parent) namespace numbers them
	dir          string
}

func startInit(initArgv []string) (*instance, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "initbench-")
	if err != nil {
		return nil, err
	}
	argv := append([]string{"--pid", "--fork", "--mount-proc"}, initArgv...)
	argv = append(argv, "/usr/bin/env", "GODEBUG=asyncpreemptoff=1", self, "catch")
	cmd := exec.Command("unshare", argv...)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %v: %w", initArgv, err)
	}
	in := &instance{cmd: cmd, stdin: stdin, lines: make(chan string, 1024), dir: dir}
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			in.lines <- sc.Text()
		}
		close(in.lines)
	}()
	if err := in.expect("ready", 10*time.Second); err != nil {
		in.stop()
		return nil, err
	}
	if in.pid, err = onlyChild(cmd.Process.Pid); err != nil {
		in.stop()
		return nil, err
	}
	if in.catcher, err = onlyChild(in.pid); err != nil {
		in.stop()
		return nil, err
	}
	return in, nil
}

func (in *instance) stop() {
	if in.cmd == nil {
		return
	}
	in.stdin.Close()
	done := make(chan struct{})
	go func() { in.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		in.cmd.Process.Kill()
		<-done
	}
	os.RemoveAll(in.dir)
	in.cmd = nil
}

// expect waits for a line from the workload, skipping others (SIGCONT
// relayed after a backlog round, for one).
func (in *instance) expect(want string, within time.Duration) error {
	deadline := time.After(within)
	for {
		select {
		case l, ok := <-in.lines:
			if !ok {
				return fmt.Errorf("workload ended while waiting for %q", want)
			}
			if l == want {
				return nil
			}
			if strings.HasPrefix(l, "error") {
				return errors.New(l)
			}
		case <-deadline:
			return fmt.Errorf("no %q from the workload within %s", want, within)
		}
	}
}

// reapRound parks n orphans under the init, releases them at once and
// times until the init has reaped them all. With backlog set the init is
// stopped before the release and resumed only once all n are zombies, so
// the time is that of draining a backlog.
func (in *instance) reapRound(n int, backlog bool) (float64, error) {
	fifo := filepath.Join(in.dir, "release")
	os.Remove(fifo)
	if err := unix.Mkfifo(fifo, 0o600); err != nil {
		return 0, err
	}
	hold, err := os.OpenFile(fifo, os.O_RDWR, 0)
	if err != nil {
		return 0, err
	}
	defer hold.Close()
	fmt.Fprintf(in.stdin, "orphans %d %s\n", n, fifo)
	if err := in.expect("orphaned", 5*time.Minute); err != nil {
		return 0, err
	}
	if err := waitFor(func() bool { return len(children(in.pid)) == n+1 }, time.Minute); err != nil {
		return 0, fmt.Errorf("waiting for %d orphans under pid %d: %w", n, in.pid, err)
	}
	// Polling reads one children file, the one task's that holds the
	// orphans: reading one per thread would load the kernel's task list
	// lock, which reaping takes too, more for a many-threaded init than
	// for a single-threaded one.
	holder, held := orphanHolder(in.pid, n)
	if holder == "" {
		return 0, fmt.Errorf("no task of pid %d holds the %d orphans", in.pid, n)
	}
	left := func() int { return len(childrenOf(in.pid, holder)) - (held - n) }
	if backlog {
		if err := unix.Kill(in.pid, unix.SIGSTOP); err != nil {
			return 0, err
		}
	}
	start := time.Now()
	hold.Close()
	if backlog {
		err := waitFor(func() bool { return zombies(childrenOf(in.pid, holder)) == n }, time.Minute)
		if err != nil {
			unix.Kill(in.pid, unix.SIGCONT)
			return 0, fmt.Errorf("waiting for %d zombies: %w", n, err)
		}
		start = time.Now()
		if err := unix.Kill(in.pid, unix.SIGCONT); err != nil {
			return 0, err
		}
	}
	if err := waitFor(func() bool { return left() == 0 }, time.Minute); err != nil {
		return 0, fmt.Errorf("waiting for the orphans to be reaped: %w", err)
	}
	rate := float64(n) / time.Since(start).Seconds()
	if kids := children(in.pid); len(kids) != 1 {
		return 0, fmt.Errorf("after reaping, pid %d has children %v; want only the workload", in.pid, kids)
	}
	return rate, nil
}

// orphanHolder names the task of pid whose children list holds the n parked
// orphans (the kernel re-parents them to one task of the init), and how
// many children it has in all.
func orphanHolder(pid, n int) (string, int) {
	tasks, _ := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
	for _, t := range tasks {
		if k := len(childrenOf(pid, t.Name())); k >= n {
			return t.Name(), k
		}
	}
	return "", 0
}

func (in *instance) ping(pid int) (time.Duration, error) {
	start := time.Now()
	if err := unix.Kill(pid, unix.SIGUSR1); err != nil {
		return 0, err
	}
	if err := in.expect("SIGUSR1", 5*time.Second); err != nil {
		return 0, err
	}
	return time.Since(start), nil
}

func waitFor(cond func() bool, within time.Duration) error {
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			return fmt.Errorf("timed out after %s", within)
		}
		time.Sleep(200 * time.Microsecond)
	}
	return nil
}

// children lists pid's children (zombies included) from every thread's
// children file.
func children(pid int) []int {
	tasks, _ := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
	var out []int
	for _, t := range tasks {
		out = append(out, childrenOf(pid, t.Name())...)
	}
	return out
}

// childrenOf lists the children of one task of pid.
func childrenOf(pid int, task string) []int {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/task/%s/children", pid, task))
	var out []int
	for _, f := range strings.Fields(string(b)) {
		if c, err := strconv.Atoi(f); err == nil {
			out = append(out, c)
		}
	}
	return out
}

func zombies(pids []int) int {
	z := 0
	for _, p := range pids {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p))
		if err != nil {
			continue
		}
		s := string(b)
		if i := strings.LastIndexByte(s, ')'); i > 0 && i+2 < len(s) && s[i+2] == 'Z' {
			z++
		}
	}
	return z
}

func onlyChild(pid int) (int, error) {
	var kids []int
	err := waitFor(func() bool { kids = children(pid); return len(kids) == 1 }, 10*time.Second)
	if err != nil {
		return 0, fmt.Errorf("pid %d: want one child, have %v: %w", pid, kids, err)
	}
	return kids[0], nil
}

func statusKB(pid int, field string) (int, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, l := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(l, field+":"); ok {
			return strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(rest), " kB"))
		}
	}
	return 0, fmt.Errorf("/proc/%d/status: no %s", pid, field)
}

func median[T int | float64 | time.Duration](v []T) T { return pct(v, 50) }

func pct[T int | float64 | time.Duration](v []T, p int) T {
	s := slices.Clone(v)
	slices.Sort(s)
	return s[(len(s)-1)*p/100]
}

func report(w io.Writer, p, t result, n, rssN int) {
	ms := func(d time.Duration) string { return fmt.Sprintf("%.3f ms", float64(d)/1e6) }
	fmt.Fprintf(w, "%-44s %14s %14s %8s\n", "", "podinit", "tini", "ratio")
	row := func(label, a, b string, ratio float64) {
		fmt.Fprintf(w, "%-44s %14s %14s %8.2f\n", label, a, b, ratio)
	}
	row(fmt.Sprintf("burst of %d orphans, reaped/s (median)", n),
		fmt.Sprintf("%.0f", median(p.burst)), fmt.Sprintf("%.0f", median(t.burst)), median(p.burst)/median(t.burst))
	row(fmt.Sprintf("backlog of %d zombies, reaped/s (median)", n),
		fmt.Sprintf("%.0f", median(p.backlog)), fmt.Sprintf("%.0f", median(t.backlog)), median(p.backlog)/median(t.backlog))
	// Each round runs podinit and tini back to back: the ratio within a
	// round cancels the machine's swings between rounds, which are wider
	// than the difference between the inits.
	row("burst, median of per-round ratios", "", "", median(ratios(p.burst, t.burst)))
	row("backlog, median of per-round ratios", "", "", median(ratios(p.backlog, t.backlog)))
	row("signal relayed by the init, median", ms(median(p.relayed)), ms(median(t.relayed)), float64(median(p.relayed))/float64(median(t.relayed)))
	row("signal relayed by the init, p95", ms(pct(p.relayed, 95)), ms(pct(t.relayed, 95)), float64(pct(p.relayed, 95))/float64(pct(t.relayed, 95)))
	row("same catcher signalled directly, median", ms(median(p.direct)), ms(median(t.direct)), float64(median(p.direct))/float64(median(t.direct)))
	row("same catcher signalled directly, p95", ms(pct(p.direct, 95)), ms(pct(t.direct, 95)), float64(pct(p.direct, 95))/float64(pct(t.direct, 95)))
	row("relay cost (relayed - direct, medians)", ms(median(p.relayed)-median(p.direct)), ms(median(t.relayed)-median(t.direct)),
		float64(median(p.relayed)-median(p.direct))/float64(median(t.relayed)-median(t.direct)))
	row(fmt.Sprintf("peak RSS as PID 1 after %d orphans (VmHWM)", rssN),
		fmt.Sprintf("%d kB", p.peakRSSkB), fmt.Sprintf("%d kB", t.peakRSSkB), float64(p.peakRSSkB)/float64(t.peakRSSkB))
	row("RSS afterwards (VmRSS)",
		fmt.Sprintf("%d kB", p.rssNowkB), fmt.Sprintf("%d kB", t.rssNowkB), float64(p.rssNowkB)/float64(t.rssNowkB))
	fmt.Fprintf(w, "burst rounds podinit %v, tini %v\nbacklog rounds podinit %v, tini %v\n",
		rounded(p.burst), rounded(t.burst), rounded(p.backlog), rounded(t.backlog))
}

func ratios(a, b []float64) []float64 {
	out := make([]float64, min(len(a), len(b)))
	for i := range out {
		out[i] = a[i] / b[i]
	}
	return out
}

func rounded(v []float64) []int {
	out := make([]int, len(v))
	for i, x := range v {
		out[i] = int(x + 0.5)
	}
	return out
}
