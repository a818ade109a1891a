package pod

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/containerd/errdefs"
	"github.com/docker/docker/api/types"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/events"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/api/types/system"
	"github.com/docker/docker/api/types/volume"
	"github.com/docker/docker/client"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"golang.org/x/sys/unix"

	"github.com/podinit/podinit/plan"
)

// fault is what an engine method does when called.
type fault int

const (
	faultNone  fault = iota
	faultBlock       // never answers: returns only when its context ends
	faultFail        // answers at once with an error
	faultLate        // answers after lateBy, or when its context ends
)

func (f fault) String() string {
	return [...]string{"ok", "blocking", "failing", "late"}[f]
}

// lateBy is how late a late engine is.
const lateBy = 3 * time.Second

var errInjected = errors.New("injected engine fault")

// fakeEngine is a Docker engine in memory, for the supervisor's ordering
// and fault logic; tests run it in a synctest bubble, so its time and the
// supervisor's are the bubble's fake clock. Its containers "run" until killed, or exit by
// themselves as their command says:
//
//	["run"]               until a stop signal (exit 128+n)
//	["stubborn"]          ignores every signal but SIGKILL
//	["exit", "N", "D"]    exits with N after D (a Go duration)
//
// A container with a healthcheck turns healthy 100ms after it starts.
type fakeEngine struct {
	mu         sync.Mutex
	faults     map[string]fault
	down       bool          // the engine is gone: every call fails
	broken     chan struct{} // closed to break every open stream
	containers map[string]*fakeContainer
	names      map[string]string
	seq        int
	subs       map[int]chan events.Message
	subSeq     int
	calls      map[string]int
	kills      []string // "component SIGNAL", in order
	// trail is what happened to the containers, in order: "component
	// start", "component SIGTERM", "component exec <cmd>", "component
	// exec-done <cmd> <code>" (fakeexec_test.go).
	trail []string
	execs map[string]*fakeExec
	shut  chan struct{}
	// onCreate runs at each create, before it answers.
	onCreate func(n int)
	// onStart runs at each start of the named container, before it
	// answers; an error fails the start.
	onStart func(name string) error
	// panicIn makes a method panic, for the supervisor's panic handling.
	panicIn string
	// reshape, when set, rewrites each answer (a pointer to it) before it
	// is given: the API contract check answers as a newer API does
	// (apicontract_test.go).
	reshape func(method string, answer any)
}

func (f *fakeEngine) shaped(method string, answer any) {
	if f.reshape != nil {
		f.reshape(method, answer)
	}
}

type fakeContainer struct {
	id, name string
	cfg      container.Config
	host     container.HostConfig
	status   string // created, running, exited
	code     int
	started  time.Time
	health   string
	exited   chan struct{} // closed on exit
	removed  chan struct{} // closed on removal
	removing bool          // the engine removes it already: a remove is a conflict
}

func newFakeEngine() *fakeEngine {
	return &fakeEngine{
		faults:     map[string]fault{},
		broken:     make(chan struct{}),
		containers: map[string]*fakeContainer{},
		names:      map[string]string{},
		subs:       map[int]chan events.Message{},
		calls:      map[string]int{},
		shut:       make(chan struct{}),
		execs:      map[string]*fakeExec{},
	}
}

var _ Engine = (*fakeEngine)(nil)

func (f *fakeEngine) setFault(method string, x fault) {
	f.mu.Lock()
	f.faults[method] = x
	f.mu.Unlock()
}

// breakStreams breaks every open wait, event and attach stream, as a proxy
// that cuts idle connections does; the containers go on running.
func (f *fakeEngine) breakStreams() {
	f.mu.Lock()
	close(f.broken)
	f.broken = make(chan struct{})
	f.mu.Unlock()
}

// vanish takes the engine away (its streams break, every call fails) or
// brings it back; kill also ends every container, as a restart of an
// engine without live-restore does.
func (f *fakeEngine) vanish(gone, kill bool) {
	f.mu.Lock()
	f.down = gone
	var all []*fakeContainer
	for _, c := range f.containers {
		all = append(all, c)
	}
	f.mu.Unlock()
	if kill {
		for _, c := range all {
			f.exit(c, 128+9)
		}
	}
	if gone {
		f.breakStreams()
	}
}

// enter applies the method's fault; a nil error lets the call proceed.
func (f *fakeEngine) enter(ctx context.Context, method string) error {
	f.mu.Lock()
	f.calls[method]++
	x, down, p := f.faults[method], f.down, f.panicIn == method
	f.mu.Unlock()
	if p {
		panic("injected panic in " + method)
	}
	if down {
		return errors.New("Cannot connect to the Docker daemon: connection refused")
	}
	switch x {
	case faultBlock:
		<-ctx.Done()
		return ctx.Err()
	case faultFail:
		return fmt.Errorf("%s: %w", method, errInjected)
	case faultLate:
		select {
		case <-time.After(lateBy):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

func (f *fakeEngine) get(id string) (*fakeContainer, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if real, ok := f.names[id]; ok {
		id = real
	}
	c, ok := f.containers[id]
	if !ok {
		return nil, fmt.Errorf("no such container: %s: %w", id, errdefs.ErrNotFound)
	}
	return c, nil
}

func (f *fakeEngine) publish(id string, action events.Action, attrs map[string]string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	msg := events.Message{Type: events.ContainerEventType, Action: action, Actor: events.Actor{ID: id, Attributes: attrs}, TimeNano: time.Now().UnixNano()}
	f.shaped("Events", &msg)
	for _, sub := range f.subs {
		select {
		case sub <- msg:
		default: // a slow reader misses events, as with a real engine's buffer
		}
	}
}

// exit ends a running container with code: its die event, then its
// auto-removal.
func (f *fakeEngine) exit(c *fakeContainer, code int) {
	f.mu.Lock()
	if c.status != "running" {
		f.mu.Unlock()
		return
	}
	c.status, c.code = "exited", code
	close(c.exited)
	f.mu.Unlock()
	f.publish(c.id, events.ActionDie, map[string]string{"exitCode": strconv.Itoa(code)})
	if c.host.AutoRemove {
		f.drop(c)
	}
}

func (f *fakeEngine) drop(c *fakeContainer) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.containers[c.id]; !ok {
		return
	}
	delete(f.containers, c.id)
	delete(f.names, c.name)
	close(c.removed)
}

// running lists the containers that run, by component name.
func (f *fakeEngine) running() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, c := range f.containers {
		if c.status == "running" {
			out = append(out, c.cfg.Labels[plan.LabelComponent])
		}
	}
	return out
}

// shutdown ends the streams the test's engine still holds open.
func (f *fakeEngine) shutdown() { close(f.shut) }

func (f *fakeEngine) killsOf(name string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, k := range f.kills {
		if n, sig, _ := strings.Cut(k, " "); n == name {
			out = append(out, sig)
		}
	}
	return out
}

func (f *fakeEngine) left() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.containers)
}

func (f *fakeEngine) Info(ctx context.Context) (system.Info, error) {
	return system.Info{}, f.enter(ctx, "Info")
}

func (f *fakeEngine) Ping(ctx context.Context) (types.Ping, error) {
	return types.Ping{}, f.enter(ctx, "Ping")
}

// target is the container's first process as a pidfd would reach it:
// signals reach it whether or not the engine answers.
func (f *fakeEngine) target(id string) procTarget { return &fakeTarget{f: f, id: id} }

type fakeTarget struct {
	f  *fakeEngine
	id string
}

func (t *fakeTarget) signal(sig syscall.Signal) error {
	c, err := t.f.get(t.id)
	if err != nil {
		return unix.ESRCH
	}
	t.f.mu.Lock()
	cmd := c.cfg.Cmd
	t.f.kills = append(t.f.kills, c.cfg.Labels[plan.LabelComponent]+" "+signalName(sig)+" (pidfd)")
	t.f.trail = append(t.f.trail, c.cfg.Labels[plan.LabelComponent]+" "+signalName(sig))
	t.f.mu.Unlock()
	switch {
	case sig == unix.SIGKILL:
		go t.f.exit(c, 137)
	case sig == unix.SIGTERM && (len(cmd) == 0 || cmd[0] != "stubborn"):
		go t.f.exit(c, 143)
	}
	return nil
}

func (t *fakeTarget) gone() bool {
	c, err := t.f.get(t.id)
	if err != nil {
		return true
	}
	t.f.mu.Lock()
	defer t.f.mu.Unlock()
	return c.status != "running"
}

func (t *fakeTarget) close() {}

func (f *fakeEngine) ContainerInspect(ctx context.Context, id string) (container.InspectResponse, error) {
	if err := f.enter(ctx, "ContainerInspect"); err != nil {
		return container.InspectResponse{}, err
	}
	c, err := f.get(id)
	if err != nil {
		return container.InspectResponse{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	cfg := c.cfg
	st := &container.State{Status: container.ContainerState(c.status), Running: c.status == "running", ExitCode: c.code}
	if st.Running {
		st.Pid = 1000 + len(f.containers)
	}
	if c.health != "" {
		st.Health = &container.Health{Status: container.HealthStatus(c.health)}
	}
	info := container.InspectResponse{ContainerJSONBase: &container.ContainerJSONBase{ID: c.id, State: st}, Config: &cfg}
	f.shaped("ContainerInspect", &info)
	return info, nil
}

func (f *fakeEngine) ContainerList(ctx context.Context, options container.ListOptions) ([]container.Summary, error) {
	return nil, f.enter(ctx, "ContainerList")
}

func (f *fakeEngine) ContainerCreate(ctx context.Context, cfg *container.Config, host *container.HostConfig, _ *network.NetworkingConfig, _ *ocispec.Platform, name string) (container.CreateResponse, error) {
	f.mu.Lock()
	n := f.calls["ContainerCreate"] + 1
	hook := f.onCreate
	f.mu.Unlock()
	if hook != nil {
		hook(n)
	}
	if err := f.enter(ctx, "ContainerCreate"); err != nil {
		return container.CreateResponse{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.names[name]; ok {
		return container.CreateResponse{}, fmt.Errorf("the name %s is in use: %w", name, errdefs.ErrConflict)
	}
	f.seq++
	id := fmt.Sprintf("%064x", f.seq)
	f.containers[id] = &fakeContainer{id: id, name: name, cfg: *cfg, host: *host, status: "created", exited: make(chan struct{}), removed: make(chan struct{})}
	f.names[name] = id
	resp := container.CreateResponse{ID: id}
	f.shaped("ContainerCreate", &resp)
	return resp, nil
}

func (f *fakeEngine) ContainerAttach(ctx context.Context, id string, _ container.AttachOptions) (types.HijackedResponse, error) {
	if err := f.enter(ctx, "ContainerAttach"); err != nil {
		return types.HijackedResponse{}, err
	}
	c, err := f.get(id)
	if err != nil {
		return types.HijackedResponse{}, err
	}
	// The stream ends when the container exits or streams break.
	mine, theirs := net.Pipe()
	f.mu.Lock()
	broken := f.broken
	f.mu.Unlock()
	// Like a hijacked connection, the stream outlives the call's context.
	go func() {
		select {
		case <-c.exited:
		case <-broken:
		case <-f.shut:
		}
		theirs.Close()
	}()
	return types.NewHijackedResponse(mine, ""), nil
}

func (f *fakeEngine) ContainerStart(ctx context.Context, id string, _ container.StartOptions) error {
	if err := f.enter(ctx, "ContainerStart"); err != nil {
		return err
	}
	c, err := f.get(id)
	if err != nil {
		return err
	}
	f.mu.Lock()
	hook := f.onStart
	f.mu.Unlock()
	if hook != nil {
		if err := hook(c.name); err != nil {
			return err
		}
	}
	// As the engine: joining the IPC namespace of a container that does
	// not run fails.
	if other, ok := strings.CutPrefix(string(c.host.IpcMode), "container:"); ok {
		o, err := f.get(other)
		if err != nil {
			return err
		}
		f.mu.Lock()
		running := o.status == "running"
		f.mu.Unlock()
		if !running {
			return fmt.Errorf("can't join IPC of container %s: container %s is not running", other, other)
		}
	}
	f.mu.Lock()
	c.status, c.started = "running", time.Now()
	f.trail = append(f.trail, c.cfg.Labels[plan.LabelComponent]+" start")
	cmd := c.cfg.Cmd
	hc := c.cfg.Healthcheck
	f.mu.Unlock()
	f.publish(id, events.ActionStart, nil)
	if hc != nil && len(hc.Test) > 0 && hc.Test[0] != "NONE" {
		f.mu.Lock()
		c.health = "starting"
		f.mu.Unlock()
		time.AfterFunc(100*time.Millisecond, func() {
			f.mu.Lock()
			running := c.status == "running"
			if running {
				c.health = "healthy"
			}
			f.mu.Unlock()
			if running {
				f.publish(id, "health_status: healthy", nil)
			}
		})
	}
	if len(cmd) == 3 && cmd[0] == "exit" {
		code, _ := strconv.Atoi(cmd[1])
		d, _ := time.ParseDuration(cmd[2])
		time.AfterFunc(d, func() { f.exit(c, code) })
	}
	return nil
}

func (f *fakeEngine) ContainerWait(ctx context.Context, id string, cond container.WaitCondition) (<-chan container.WaitResponse, <-chan error) {
	results := make(chan container.WaitResponse)
	errs := make(chan error, 1)
	if err := f.enter(ctx, "ContainerWait"); err != nil {
		errs <- err
		return results, errs
	}
	c, err := f.get(id)
	if err != nil {
		errs <- err
		return results, errs
	}
	f.mu.Lock()
	broken := f.broken
	f.mu.Unlock()
	// Its exit, for next-exit and not-running (as the engine, not-running
	// answers at once for a container that has exited); its removal for
	// removed.
	until := c.exited
	if cond == container.WaitConditionRemoved {
		until = c.removed
	}
	go func() {
		select {
		case <-until:
			f.mu.Lock()
			code := c.code
			f.mu.Unlock()
			resp := container.WaitResponse{StatusCode: int64(code)}
			f.shaped("ContainerWait", &resp)
			select {
			case results <- resp:
			case <-ctx.Done():
				errs <- ctx.Err()
			}
		case <-broken:
			errs <- io.ErrUnexpectedEOF
		case <-ctx.Done():
			errs <- ctx.Err()
		}
	}()
	return results, errs
}

func (f *fakeEngine) ContainerKill(ctx context.Context, id, signal string) error {
	if err := f.enter(ctx, "ContainerKill"); err != nil {
		return err
	}
	c, err := f.get(id)
	if err != nil {
		return err
	}
	f.mu.Lock()
	cmd := c.cfg.Cmd
	f.kills = append(f.kills, c.cfg.Labels[plan.LabelComponent]+" "+signal)
	f.trail = append(f.trail, c.cfg.Labels[plan.LabelComponent]+" "+signal)
	f.mu.Unlock()
	switch {
	case signal == "SIGKILL":
		go f.exit(c, 137)
	case signal == "SIGTERM" && (len(cmd) == 0 || cmd[0] != "stubborn"):
		go f.exit(c, 143)
	}
	return nil
}

func (f *fakeEngine) ContainerRemove(ctx context.Context, id string, _ container.RemoveOptions) error {
	if err := f.enter(ctx, "ContainerRemove"); err != nil {
		return err
	}
	c, err := f.get(id)
	if err != nil {
		return err
	}
	f.mu.Lock()
	removing := c.removing
	f.mu.Unlock()
	if removing {
		return errdefs.ErrConflict.WithMessage("removal of container " + c.name + " is already in progress")
	}
	f.exit(c, 137)
	f.drop(c)
	return nil
}

// beingRemoved leaves an exited container named name whose removal is under
// way, as the engine's auto-remove of a dead controller's component: every
// remove answers a conflict, and it is gone after d.
func (f *fakeEngine) beingRemoved(name string, d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.seq++
	c := &fakeContainer{id: fmt.Sprintf("%064x", f.seq), name: name, status: "exited", code: 137,
		exited: make(chan struct{}), removed: make(chan struct{}), removing: true}
	close(c.exited)
	f.containers[c.id], f.names[name] = c, c.id
	time.AfterFunc(d, func() { f.drop(c) })
}

func (f *fakeEngine) CopyToContainer(ctx context.Context, id, _ string, content io.Reader, _ container.CopyToContainerOptions) error {
	return f.enter(ctx, "CopyToContainer")
}

func (f *fakeEngine) Events(ctx context.Context, _ events.ListOptions) (<-chan events.Message, <-chan error) {
	errs := make(chan error, 1)
	msgs := make(chan events.Message, 64)
	if err := f.enter(ctx, "Events"); err != nil {
		errs <- err
		return msgs, errs
	}
	f.mu.Lock()
	f.subSeq++
	n := f.subSeq
	f.subs[n] = msgs
	broken := f.broken
	f.mu.Unlock()
	go func() {
		select {
		case <-broken:
			errs <- io.ErrUnexpectedEOF
		case <-ctx.Done():
			errs <- ctx.Err()
		}
		f.mu.Lock()
		delete(f.subs, n)
		f.mu.Unlock()
	}()
	return msgs, errs
}

func (f *fakeEngine) ImageInspect(ctx context.Context, _ string, _ ...client.ImageInspectOption) (image.InspectResponse, error) {
	return image.InspectResponse{}, f.enter(ctx, "ImageInspect")
}

func (f *fakeEngine) ImagePull(ctx context.Context, _ string, _ image.PullOptions) (io.ReadCloser, error) {
	return io.NopCloser(&fakeEmpty{}), f.enter(ctx, "ImagePull")
}

func (f *fakeEngine) VolumeInspect(ctx context.Context, _ string) (volume.Volume, error) {
	return volume.Volume{}, f.enter(ctx, "VolumeInspect")
}

type fakeEmpty struct{}

func (fakeEmpty) Read([]byte) (int, error) { return 0, io.EOF }

// turnHealth makes the running container of component name report health
// (its healthcheck's verdict), as the engine's health_status event.
func (f *fakeEngine) turnHealth(name, health string) {
	f.mu.Lock()
	var id string
	for _, c := range f.containers {
		if c.cfg.Labels[plan.LabelComponent] == name && c.status == "running" {
			c.health, id = health, c.id
		}
	}
	f.mu.Unlock()
	if id == "" {
		panic("turnHealth: no running container of " + name)
	}
	f.publish(id, events.Action("health_status: "+health), nil)
}

// idOf is the ID of the running container of component name, "" if none.
func (f *fakeEngine) idOf(name string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range f.containers {
		if c.cfg.Labels[plan.LabelComponent] == name && c.status == "running" {
			return c.id
		}
	}
	return ""
}
