package signals

import (
	"os"
	"slices"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func TestParse(t *testing.T) {
	good := map[string]syscall.Signal{
		"HUP": syscall.SIGHUP, "SIGHUP": syscall.SIGHUP, "sighup": syscall.SIGHUP, "1": syscall.SIGHUP,
		" term ": syscall.SIGTERM, "15": syscall.SIGTERM, "RTMIN": 34, "SIGRTMIN+3": 37,
		"rtmax": 64, "RTMAX-2": 62, "64": 64, "WINCH": syscall.SIGWINCH,
	}
	for in, want := range good {
		got, err := Parse(in)
		if err != nil || got != want {
			t.Errorf("Parse(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "FOO", "SIG", "0", "65", "-1", "RTMIN+31", "RTMAX+1", "RTMIN-1", "RTMINX"} {
		if s, err := Parse(in); err == nil {
			t.Errorf("Parse(%q) = %v; want an error", in, s)
		}
	}
}

func TestNameRoundTrips(t *testing.T) {
	for s := syscall.Signal(1); s <= RTMax; s++ {
		n := Name(s)
		got, err := Parse(n)
		if err != nil || got != s {
			t.Errorf("Parse(Name(%d) = %q) = %v, %v", int(s), n, got, err)
		}
	}
	if n := Name(37); n != "SIGRTMIN+3" {
		t.Errorf("Name(37) = %q; want SIGRTMIN+3", n)
	}
}

func TestCaughtAndForwardable(t *testing.T) {
	caught := Caught()
	for _, s := range []syscall.Signal{syscall.SIGKILL, syscall.SIGSTOP, syscall.SIGCHLD, syscall.SIGURG, syscall.SIGPROF, 32, 33, RTMin} {
		if slices.Contains(caught, s) {
			t.Errorf("Caught() contains %s", Name(s))
		}
		if Forwardable(s) {
			t.Errorf("Forwardable(%s) = true", Name(s))
		}
	}
	workload := []syscall.Signal{syscall.SIGHUP, syscall.SIGINT, syscall.SIGQUIT, syscall.SIGUSR1, syscall.SIGUSR2,
		syscall.SIGTERM, syscall.SIGWINCH, syscall.SIGALRM, syscall.SIGCONT, syscall.SIGTSTP, syscall.SIGTTIN,
		syscall.SIGTTOU, syscall.SIGIO, syscall.SIGPWR, syscall.SIGXCPU, syscall.SIGSEGV, RTMin + 1, RTMax}
	for _, s := range workload {
		if !slices.Contains(caught, s) || !Forwardable(s) {
			t.Errorf("%s: caught %v, forwardable %v; want both", Name(s), slices.Contains(caught, s), Forwardable(s))
		}
	}
	if !slices.Contains(caught, syscall.SIGPIPE) || Forwardable(syscall.SIGPIPE) {
		t.Error("SIGPIPE must be caught (a closed stdout must not kill the init) and not forwarded")
	}
	if !Stops(syscall.SIGTERM) || !Stops(syscall.SIGINT) || Stops(syscall.SIGHUP) || Stops(syscall.SIGQUIT) {
		t.Error("Stops: want exactly TERM and INT")
	}
}

// Catch really installs handlers: a SIGHUP sent to this process arrives
// instead of killing it, and a SIGURG never reaches the channel even though
// the process receives it.
func TestCatchDeliversButNeverSIGURG(t *testing.T) {
	c := make(chan os.Signal, 16)
	Catch(c)
	for range 3 {
		if err := unix.Kill(os.Getpid(), syscall.SIGURG); err != nil {
			t.Fatal(err)
		}
	}
	if err := unix.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	deadline := time.After(5 * time.Second)
	for {
		select {
		case s := <-c:
			if s == syscall.SIGURG {
				t.Fatal("SIGURG reached Catch's channel")
			}
			if s == syscall.SIGHUP {
				return
			}
		case <-deadline:
			t.Fatal("SIGHUP never reached Catch's channel")
		}
	}
}
