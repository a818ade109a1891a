package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"time"

	"github.com/podinit/podinit/internal/sibling"
	"github.com/podinit/podinit/podspec"
)

// specBinary reads the pod's declaration with compose-go, in a process of
// its own that exits once it has answered (cmd/podinit-spec).
const specBinary = "podinit-spec"

// specTimeout bounds podinit-spec's run. Reading a declaration within the
// labels' and files' limits takes milliseconds (the fuzz stage holds every
// input to 2 s); past this the process is killed and the controller cannot
// run.
const specTimeout = time.Minute

// maxSpecAnswer bounds what podinit-pod reads back: the labels hold at most
// 256 KiB and each env_file or label_file 1 MiB, so a real spec is far
// smaller.
const maxSpecAnswer = 64 << 20

// specRun is one answer of podinit-spec and what reading cost.
type specRun struct {
	podspec.Response
	took    time.Duration
	cpu     time.Duration // user and system time of podinit-spec
	peakKiB int64         // its peak resident set (ru_maxrss)
	// ownPeakKiB is podinit-pod's own peak resident set once podinit-spec
	// has exited (VmHWM): with peakKiB it bounds the controller's peak
	// while both ran.
	ownPeakKiB int64
}

// String is the log line for the cost of reading the pod.
func (r specRun) String() string {
	return fmt.Sprintf("read the pod in %d ms (%s: %d ms of CPU, peak RSS %.1f MiB, while podinit-pod's peak was %.1f MiB)",
		r.took.Milliseconds(), specBinary, r.cpu.Milliseconds(), float64(r.peakKiB)/1024, float64(r.ownPeakKiB)/1024)
}

// readSpec runs podinit-spec on req. An error means podinit-spec could not
// run or answer; an invalid declaration or a panic while reading it is an
// answer.
func readSpec(req podspec.Request) (specRun, error) {
	var run specRun
	path, ok := sibling.Find(specBinary)
	if !ok {
		return run, fmt.Errorf("%s is not next to podinit-pod nor on PATH: reading the pod needs it (the podinit image has /podinit, /podinit-pod and /%s; `make build` writes all three to bin/)", specBinary, specBinary)
	}
	in, err := json.Marshal(req)
	if err != nil {
		return run, fmt.Errorf("encoding the request for %s: %w", specBinary, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), specTimeout)
	defer cancel()
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, path)
	cmd.Stdin = bytes.NewReader(in)
	stdout := &limitedBuffer{buf: &out, left: maxSpecAnswer}
	cmd.Stdout = stdout
	cmd.Stderr = os.Stderr
	start := time.Now()
	err = cmd.Run()
	run.took = time.Since(start)
	if cmd.ProcessState != nil {
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			run.cpu = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
			run.peakKiB = ru.Maxrss
		}
	}
	run.ownPeakKiB = ownPeakKiB()
	switch {
	case ctx.Err() != nil:
		return run, fmt.Errorf("%s did not answer within %s", path, specTimeout)
	case stdout.over:
		return run, fmt.Errorf("%s answered more than %d bytes", path, maxSpecAnswer)
	case err != nil:
		return run, fmt.Errorf("running %s: %w", path, err)
	}
	if err := json.Unmarshal(out.Bytes(), &run.Response); err != nil {
		return run, fmt.Errorf("reading the answer of %s: %w", path, err)
	}
	if run.Spec == nil && len(run.Problems) == 0 && run.Internal == "" {
		return run, fmt.Errorf("%s answered neither a spec nor an error", path)
	}
	return run, nil
}

// ownPeakKiB is this process's VmHWM, or 0 when /proc cannot tell.
func ownPeakKiB() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	_, rest, ok := bytes.Cut(b, []byte("\nVmHWM:"))
	if !ok {
		return 0
	}
	line, _, _ := bytes.Cut(rest, []byte("\n"))
	kib, _ := strconv.ParseInt(string(bytes.TrimSuffix(bytes.TrimSpace(line), []byte(" kB"))), 10, 64)
	return kib
}

// limitedBuffer fails the write that would take it past its limit, which
// ends os/exec's copy from podinit-spec's stdout and closes the pipe (the
// process's next write fails).
type limitedBuffer struct {
	buf  *bytes.Buffer
	left int
	over bool
}

func (b *limitedBuffer) Write(p []byte) (int, error) {
	if len(p) > b.left {
		b.over = true
		return 0, errors.New("podinit-spec's answer is too large")
	}
	b.left -= len(p)
	return b.buf.Write(p)
}
