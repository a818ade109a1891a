package pod

import (
	"fmt"
	"time"

	"golang.org/x/sys/unix"
)

// exited records the end of a container.
func (r *runner) exited(code int) outcome {
	m := r.m
	m.update(func(m *member) {
		c := code
		m.lastExit = &c
		m.finishedAt = time.Now()
		switch {
		case m.oomKilled:
			m.lastReason = reasonOOM
		case code == codeUnknown:
			m.lastReason = "exit code unknown"
		default:
			m.lastReason = fmt.Sprintf("exit code %d", code)
		}
		if m.signalPid != nil {
			m.signalPid.close()
			m.signalPid = nil
		}
		m.ready = false
	})
	if code == codeUnknown {
		r.log.Printf("%s exited; the engine did not report its code in time", m.Name)
	} else {
		r.log.Printf("%s exited with %d", m.Name, code)
	}
	return outcome{code: code}
}

// oomWordWait bounds the wait for the event stream's word on a container
// that exited as the kernel's OOM killer leaves it (SIGKILL).
const oomWordWait = time.Second

// awaitOOMWord waits, for a run that ended with SIGKILL's code, until the
// event stream has brought the container's die event: the engine sends its
// oom event before it, on the same stream, while the exit itself comes
// through the wait, on another connection, and may overtake both.
func (r *runner) awaitOOMWord(id string, code int) {
	if code == 128+int(unix.SIGKILL) {
		r.watch.awaitDie(r.calls.life, id, oomWordWait)
	}
}

// codeUnknown stands for an exit code the engine did not report, as
// Docker's own -1.
const codeUnknown = -1
