package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/podinit/podinit/init/reap"
	"github.com/podinit/podinit/init/signals"
)

const runUsage = `usage: podinit run [-g] [--grace DURATION] [-e CODE]... -- CMD [ARGS...]

Runs CMD as a container init: forwards signals to it, reaps every orphan,
ends CMD's leftover processes and exits with CMD's exit code (128+N when a
signal N killed it; 127 when CMD is not found, 126 when it cannot run).

flags:
  -g                forward signals to CMD's whole process group
  --grace DURATION  how long leftover processes get between SIGTERM and
                    SIGKILL after CMD exits (default 5s)
  -e CODE           exit 0 when CMD's exit code is CODE (repeatable), e.g.
                    -e 143 after a requested SIGTERM
`

type runOptions struct {
	group   bool
	grace   time.Duration
	success []int
	argv    []string
}

// runInit is `podinit run`; it reads like the lifecycle of an init: catch
// signals, become subreaper, spawn, let go of the launch context, forward
// until the child exits, end the leftovers, exit with the child's code.
func runInit(args []string) int {
	// First, before anything can fail: as PID 1 an unhandled SIGTERM would
	// make the Go runtime exit 2, and SIGPIPE from a closed stderr too.
	sigs := make(chan os.Signal, 128)
	signals.Catch(sigs)

	opts, err := parseRun(args)
	if err != nil {
		fmt.Fprintf(os.Stderr, "podinit run: %v\n%s", err, runUsage)
		return 2
	}

	reaper, stopReaping := startReaping()
	defer stopReaping()

	pid, exited, err := spawn(reaper, opts.argv)
	if err != nil {
		fmt.Fprintf(os.Stderr, "podinit run: %v\n", err)
		return startFailureCode(err)
	}
	releaseLaunchContext()

	exit := forwardUntilExit(reaper, sigs, pid, opts.group, exited)
	endLeftovers(reaper, sigs, opts.grace)
	return exitCode(exit, opts.success)
}

func parseRun(args []string) (runOptions, error) {
	opts := runOptions{grace: 5 * time.Second}
	dash := slices.Index(args, "--")
	if dash < 0 {
		return opts, errors.New(`missing "--" before the command`)
	}
	fset := flag.NewFlagSet("podinit run", flag.ContinueOnError)
	fset.SetOutput(io.Discard)
	fset.BoolVar(&opts.group, "g", false, "")
	fset.DurationVar(&opts.grace, "grace", opts.grace, "")
	fset.Func("e", "", func(v string) error {
		code, err := strconv.Atoi(v)
		if err != nil || code < 0 || code > 255 {
			return fmt.Errorf("-e %q: want an exit code 0-255", v)
		}
		opts.success = append(opts.success, code)
		return nil
	})
	if err := fset.Parse(args[:dash]); err != nil {
		return opts, err
	}
	if fset.NArg() > 0 {
		return opts, fmt.Errorf("unexpected %q before \"--\"", strings.Join(fset.Args(), " "))
	}
	if opts.grace < 0 {
		return opts, fmt.Errorf("--grace %s: must not be negative", opts.grace)
	}
	opts.argv = args[dash+1:]
	if len(opts.argv) == 0 || opts.argv[0] == "" {
		return opts, errors.New(`no command after "--"`)
	}
	return opts, nil
}

// startReaping makes podinit the reaper of its subtree (PID 1 already is;
// otherwise a child subreaper, said on stderr when it cannot be) and starts
// the one waiter, until the returned function stops it.
func startReaping() (*reap.Reaper, context.CancelFunc) {
	if os.Getpid() != 1 {
		if err := reap.SetSubreaper(); err != nil {
			fmt.Fprintf(os.Stderr, "podinit: not PID 1 and cannot become child subreaper (%v): orphans will not be reaped by podinit\n", err)
		}
	}
	reaper := reap.New()
	ctx, stop := context.WithCancel(context.Background())
	go reaper.Run(ctx)
	return reaper, stop
}

// spawn starts the command in its own process group (so that a terminal's
// Ctrl-C reaches it once, not once from the terminal and once relayed), in
// the terminal's foreground when stdin is podinit's controlling terminal.
func spawn(reaper *reap.Reaper, argv []string) (int, <-chan reap.Exit, error) {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	// TIOCGPGRP succeeds only on the caller's controlling terminal, which is
	// the one condition under which the child can be given the foreground.
	if _, err := unix.IoctlGetInt(0, unix.TIOCGPGRP); err == nil {
		cmd.SysProcAttr.Foreground = true
		cmd.SysProcAttr.Ctty = 0
	}
	exited, err := reaper.Start(cmd)
	if err != nil {
		return 0, nil, err
	}
	return cmd.Process.Pid, exited, nil
}

// startFailureCode follows the shell: 127 when the command does not exist,
// 126 when it exists but cannot be executed.
func startFailureCode(err error) int {
	if errors.Is(err, exec.ErrNotFound) || errors.Is(err, fs.ErrNotExist) {
		return 127
	}
	return 126
}

// releaseLaunchContext lets go of what podinit inherited for the child only:
// the working directory (an unmountable, undeletable directory otherwise)
// and file descriptors above 2. Inherited descriptors are exactly those
// without close-on-exec (Go opens all of its own with it); the child has its
// copies already.
func releaseLaunchContext() {
	_ = os.Chdir("/")
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return
	}
	for _, e := range entries {
		fd, err := strconv.Atoi(e.Name())
		if err != nil || fd <= 2 {
			continue
		}
		flags, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0)
		if err == nil && flags&unix.FD_CLOEXEC == 0 {
			_ = unix.Close(fd)
		}
	}
}

func forwardUntilExit(reaper *reap.Reaper, sigs <-chan os.Signal, pid int, group bool, exited <-chan reap.Exit) reap.Exit {
	for {
		select {
		case s := <-sigs:
			sig := s.(syscall.Signal)
			if !signals.Forwardable(sig) {
				continue
			}
			if err := reaper.Kill(pid, sig, group); err != nil && !errors.Is(err, os.ErrProcessDone) {
				fmt.Fprintf(os.Stderr, "podinit run: forwarding %s to %d: %v\n", signals.Name(sig), pid, err)
			}
		case exit := <-exited:
			return exit
		}
	}
}

// endLeftovers gives the command's remaining processes the grace; a further
// SIGTERM or SIGINT meanwhile cuts it short.
func endLeftovers(reaper *reap.Reaper, sigs <-chan os.Signal, grace time.Duration) {
	ctx, cut := context.WithCancel(context.Background())
	defer cut()
	done := make(chan struct{})
	defer close(done)
	go func() {
		for {
			select {
			case s := <-sigs:
				if signals.Stops(s.(syscall.Signal)) {
					cut()
				}
			case <-done:
				return
			}
		}
	}()
	res, err := reaper.Leftovers(ctx, grace)
	if err != nil {
		fmt.Fprintf(os.Stderr, "podinit run: ending leftover processes: %v\n", err)
	}
	if res.Killed > 0 || res.Remaining > 0 {
		fmt.Fprintf(os.Stderr, "podinit run: %d leftover processes got SIGTERM, %d still running after the grace got SIGKILL, %d could not be ended\n",
			res.Terminated, res.Killed, res.Remaining)
	}
}

func exitCode(exit reap.Exit, success []int) int {
	code := exit.Code()
	if slices.Contains(success, code) {
		return 0
	}
	return code
}
