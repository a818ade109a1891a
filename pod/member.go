package pod

import (
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/podinit/podinit/healthprobe"
)

// member is a planned container while the pod runs. Its lifecycle goroutine
// is the only one that creates, starts and stops its containers; everyone
// else reads its state under mu and waits on changed.
type member struct {
	*Member

	mu         sync.Mutex
	id         string // current container, "" when none
	state      string
	health     string // "", starting, healthy, unhealthy
	hasHealth  bool
	restarts   int
	lastExit   *int
	startedAt  time.Time
	finishedAt time.Time
	stopTook   time.Duration
	killed     bool
	message    string
	failed     bool // it could not be started
	ready      bool // started, and healthy if it has a healthcheck
	changed    chan struct{}
	signalPid  *pidTarget     // direct signal delivery in a shared PID namespace
	stopSignal syscall.Signal // the container's, the image's STOPSIGNAL included

	launched atomic.Bool
	stopOnce sync.Once
	stopCh   chan struct{} // closed to ask the lifecycle to stop
	deadline time.Time     // the pod's stop deadline, set before stopCh closes
	done     chan struct{} // closed when the lifecycle has returned
	outcome  outcome
}

// outcome is how a member's lifecycle ended.
type outcome struct {
	code    int   // last exit code
	err     error // it could not run: start failure, dependency failure
	stopped bool  // it ended because the pod asked it to stop
}

func newMember(m *Member) *member {
	return &member{
		Member:  m,
		state:   healthprobe.StateWaiting,
		changed: make(chan struct{}),
		stopCh:  make(chan struct{}),
		done:    make(chan struct{}),
	}
}

// update changes the member's state under its lock and wakes every waiter.
func (m *member) update(f func(m *member)) {
	m.mu.Lock()
	f(m)
	close(m.changed)
	m.changed = make(chan struct{})
	m.mu.Unlock()
}

// view reads the member's state under its lock, and returns the channel
// that closes on the next change.
func (m *member) view(f func(m *member)) <-chan struct{} {
	m.mu.Lock()
	defer m.mu.Unlock()
	f(m)
	return m.changed
}

// requestStop asks the lifecycle to stop the member's container by deadline.
func (m *member) requestStop(deadline time.Time) {
	m.stopOnce.Do(func() {
		m.mu.Lock()
		m.deadline = deadline
		m.mu.Unlock()
		close(m.stopCh)
	})
}

func (m *member) stopping() bool {
	select {
	case <-m.stopCh:
		return true
	default:
		return false
	}
}

func (m *member) stopDeadline() time.Time {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.deadline
}
