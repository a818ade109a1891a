package pod

import (
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/podinit/podinit/plan"
)

// member is a planned container while the pod runs. Its lifecycle goroutine
// is the only one that creates, starts and stops its containers, and the
// only one that changes its state (through transitioner.transition); everyone
// else reads it under mu and waits on changed.
type member struct {
	*plan.Member // the plan's, never written to
	// ipcFrom is the IPC holder's container, and ipcHolder the holder,
	// whose running each container of this member waits for before its
	// start: set before the lifecycle starts, so the plan itself stays as
	// planned.
	ipcFrom   string
	ipcHolder *member
	// head is the holder's head start (Supervisor.Adopt): set before the
	// lifecycle starts and never changed; its first run takes it.
	head *HeadStart

	mu         sync.Mutex
	state      state
	finals     int    // times it reached a final state: once, or a bug
	id         string // its last container, from its create to the next
	health     string // "", starting, healthy, unhealthy
	hasHealth  bool
	restarts   int
	lastExit   *int
	startedAt  time.Time
	finishedAt time.Time
	stopTook   time.Duration
	killed     bool
	message    string
	// lastReason is why its last run ended, for `podinit status`:
	// "unhealthy", "exit code N", "OOM-killed", or the error that kept it
	// from running; oomKilled is the engine's word that the current run
	// was killed for memory; nextRestart is when its restart is due.
	lastReason  string
	oomKilled   bool
	nextRestart time.Time
	// sick is poked when the engine reports its container unhealthy.
	sick  chan struct{}
	ready bool // started, and healthy if it has a healthcheck
	// postStarting is true while the current run's post_start hooks run:
	// no dependent counts it started or ready until they are done.
	postStarting bool
	// preStopFor is the container whose pre_stop hooks have run: a stop
	// that takes over another (the pod's, during an on-unhealthy stop)
	// does not run them again.
	preStopFor string
	changed    chan struct{}
	signalPid  procTarget     // direct signal delivery in a shared PID namespace
	stopSignal syscall.Signal // the container's, the image's STOPSIGNAL included
	// pending are signals forwarded while its container was being made:
	// they go to it once it runs.
	pending []syscall.Signal

	launched atomic.Bool
	stopOnce sync.Once
	stopCh   chan struct{} // closed to ask the lifecycle to stop
	done     chan struct{} // closed when the lifecycle has returned
	outcome  outcome       // written by the lifecycle before done closes
}

// roster is the pod's members, made once from the plan and never changed.
type roster struct {
	holder  *member
	init    []*member
	members []*member // start order
	byName  map[string]*member
}

func newRoster(p *plan.Plan) *roster {
	r := &roster{byName: map[string]*member{}}
	if p.Holder != nil {
		r.holder = newMember(p.Holder)
	}
	for _, m := range p.Init {
		r.init = append(r.init, newMember(m))
	}
	for _, m := range p.Members() {
		r.members = append(r.members, newMember(m))
	}
	for _, m := range r.all() {
		r.byName[m.Name] = m
	}
	return r
}

// all lists every member: holder, init components, components.
func (r *roster) all() []*member {
	var all []*member
	if r.holder != nil {
		all = append(all, r.holder)
	}
	all = append(all, r.init...)
	return append(all, r.members...)
}

// outcome is how a member's lifecycle ended.
type outcome struct {
	code      int   // last exit code
	err       error // it could not run: start failure, dependency failure
	stopped   bool  // it ended because the pod asked it to stop
	unhealthy bool  // the pod stopped it because the engine reported it unhealthy
}

// pendingMax bounds the signals kept for a component being made.
const pendingMax = 16

func newMember(m *plan.Member) *member {
	return &member{
		Member:  m,
		state:   stateWaiting,
		changed: make(chan struct{}),
		sick:    make(chan struct{}, 1),
		stopCh:  make(chan struct{}),
		done:    make(chan struct{}),
	}
}

// update changes the member under its lock and wakes every waiter. The
// state itself changes only through transitioner.transition.
func (m *member) update(f func(m *member)) {
	m.mu.Lock()
	f(m)
	close(m.changed)
	m.changed = make(chan struct{})
	m.mu.Unlock()
}

// view reads the member under its lock, and returns the channel that
// closes on the next change.
func (m *member) view(f func(m *member)) <-chan struct{} {
	m.mu.Lock()
	defer m.mu.Unlock()
	f(m)
	return m.changed
}

// requestStop asks the lifecycle to stop the member's container.
func (m *member) requestStop() {
	m.stopOnce.Do(func() { close(m.stopCh) })
}

func (m *member) stopping() bool {
	select {
	case <-m.stopCh:
		return true
	default:
		return false
	}
}
