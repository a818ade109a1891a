package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"
)

// The components' command: not PID 1 in the pod's shared PID namespace, so
// SIGTERM ends it at once (default action), the same in the pod and in the
// floor; no shell trap that would add up to a sleep interval of latency.
var componentCmd = []string{"sleep", "86400"}

// podRun is one pod (podinit's or the floor's) as measured.
type podRun struct {
	start, stop time.Duration
	events      map[string]seen // start events of the components
	startStages []stage
	stopStages  []stage
	startup     []stage // podinit only: its own start-up, from its log
}

// component names c01, c02, … sort in start order of the table.
func componentNames(n int) []string {
	var out []string
	for i := 1; i <= n; i++ {
		out = append(out, fmt.Sprintf("c%02d", i))
	}
	return out
}

func componentYAML(extra string) string {
	return fmt.Sprintf("image: %s\ncommand: [%q, %q]\n%s", bbox, componentCmd[0], componentCmd[1], extra)
}

// controller creates and starts a podinit controller the way `docker run -d
// --rm -v docker.sock …` does, through the API, and returns its ID. With
// logDir set, its log is copied there (for profiling by podinit's
// microsecond log lines).
func (b *bench) controller(name string, labels map[string]string, flags []string, logDir string) (string, error) {
	return b.controllerIPC(apiLauncher{b}, name, labels, flags, logDir, "")
}

// controllerIPC is controller launched by l, with the controller's own IPC
// mode (`docker run --ipc`; "" for the engine's default).
func (b *bench) controllerIPC(l launcher, name string, labels map[string]string, flags []string, logDir, ipc string) (string, error) {
	id, err := l.start(name, container.Config{Image: podImage, Labels: labels, Cmd: flags},
		container.HostConfig{AutoRemove: true, Binds: []string{"/var/run/docker.sock:/var/run/docker.sock"}, IpcMode: container.IpcMode(ipc)})
	if err != nil {
		return "", fmt.Errorf("controller: %w", err)
	}
	if logDir != "" {
		go b.saveLog(id, filepath.Join(logDir, name+".log"))
	}
	return id, nil
}

// saveLog follows a container's output into a file until it ends.
func (b *bench) saveLog(id, path string) {
	rc, err := b.cli.ContainerLogs(b.ctx, id, client.ContainerLogsOptions{ShowStdout: true, ShowStderr: true, Follow: true})
	if err != nil {
		return
	}
	defer rc.Close()
	f, err := os.Create(path)
	if err != nil {
		return
	}
	defer f.Close()
	io.Copy(f, rc) // multiplexed frames: the 8-byte headers stay; podinit's lines are readable between them
}

// stopController stops a controller as `docker stop` does (SIGTERM, then
// SIGKILL after 10s) and waits until it and every listed container are gone.
func (b *bench) stopController(id, name string, pod []string) (time.Duration, error) {
	_, d, err := b.stopControllerAt(apiLauncher{b}, id, name, pod)
	return d, err
}

// stopControllerAt is stopController by l that also returns when the stop
// began.
func (b *bench) stopControllerAt(l launcher, id, name string, pod []string) (time.Time, time.Duration, error) {
	all := append([]string{name}, pod...)
	t0 := time.Now()
	go l.stop(id)
	got, err := b.ev.waitAll(all, "destroy", 60*time.Second)
	if err != nil {
		return t0, 0, err
	}
	return t0, last(got).Sub(t0), nil
}

// podinitPod measures one podinit pod of n components: from the
// controller's create to the last component's start event, and from
// `docker stop` of the controller to every container removed.
func (b *bench) podinitPod(n int, ipc bool, logDir string) (podRun, error) {
	name := b.name("pod")
	labels := map[string]string{}
	var members, comps []string
	for _, c := range componentNames(n) {
		labels["pod.component."+c] = componentYAML("")
		comps = append(comps, name+"."+c)
	}
	members = append(members, comps...)
	holder := ""
	if ipc {
		holder = name + ".ipc-holder"
		members = append(members, holder)
	}
	flags := []string{}
	if !ipc {
		flags = append(flags, "-ipc=false")
	}
	t0 := time.Now()
	id, err := b.controller(name, labels, flags, logDir)
	if err != nil {
		return podRun{}, err
	}
	got, err := b.ev.waitAll(members, "start", 90*time.Second)
	if err != nil {
		return podRun{}, fmt.Errorf("podinit pod %s: %w", name, err)
	}
	run := podRun{start: last(got).Sub(t0), events: got, startStages: b.startStages(t0, name, holder, comps)}
	firstCreate := comps
	if holder != "" {
		firstCreate = []string{holder}
	}
	run.startup = b.startupStages(id, name, firstCreate)
	time.Sleep(settle)
	t1, stop, err := b.stopControllerAt(apiLauncher{b}, id, name, members)
	if err != nil {
		return podRun{}, fmt.Errorf("podinit pod %s: %w", name, err)
	}
	run.stop, run.stopStages = stop, b.stopStages(t1, name, members)
	return run, nil
}

// settle is the pause between a pod's start and its stop, so that the stop
// is measured on a pod at rest in both cases.
const settle = 500 * time.Millisecond

// floorPod is the engine's floor for the same pod: a pause container from
// the same image as the controller (podinit's `pause`), then with ipc an IPC
// holder, then the components, all with podinit's configuration (network and
// PID namespace of the pause container, IPC of the holder, cgroup parent,
// auto-remove), created and started in parallel by its launcher: straight
// through the API, or by `docker run -d` (the floors).
// Stop: components and holder stopped in parallel, then the pause container
// once they are gone: the order a PID namespace owner needs, and podinit's.
type floorPod struct {
	b        *bench
	l        launcher
	name     string
	pauseID  string
	holderID string
	nested   bool
}

func (b *bench) newFloor(l launcher) (*floorPod, error) {
	res, err := b.cli.Info(b.ctx, client.InfoOptions{})
	info := res.Info
	if err != nil {
		return nil, fmt.Errorf("asking the engine for its cgroup driver: %w", err)
	}
	// podinit nests components under the controller's cgroup exactly here
	// (cgroup.Parent); the floor does the same work.
	nested := info.CgroupDriver == "cgroupfs" && info.CgroupVersion != "2"
	return &floorPod{b: b, l: l, name: b.name("floor"), nested: nested}, nil
}

func (f *floorPod) labels(component string) map[string]string {
	return map[string]string{"podbench.floor": f.name, "podbench.component": component}
}

// run creates and starts one container, named <floor>.<component> unless
// it is the pause container.
func (f *floorPod) run(component string, cfg container.Config, host container.HostConfig) (string, error) {
	name := f.name
	if component != "" {
		name += "." + component
	}
	cfg.Labels = f.labels(component)
	host.AutoRemove = true
	if component != "" {
		host.NetworkMode = container.NetworkMode("container:" + f.pauseID)
		host.PidMode = container.PidMode("container:" + f.pauseID)
		if f.nested {
			host.CgroupParent = "/docker/" + f.pauseID
		}
	}
	id, err := f.l.start(name, cfg, host)
	if err != nil {
		return "", fmt.Errorf("floor: %w", err)
	}
	return id, nil
}

func pauseConfig() container.Config {
	return container.Config{
		Image: podImage, Entrypoint: []string{"/podinit"}, Cmd: []string{"pause"},
		Healthcheck: &container.HealthConfig{Test: []string{"NONE"}},
	}
}

func (f *floorPod) startPause() error {
	id, err := f.run("", pauseConfig(), container.HostConfig{Binds: []string{"/var/run/docker.sock:/var/run/docker.sock"}})
	f.pauseID = id
	return err
}

func (f *floorPod) startHolder() error {
	id, err := f.run("ipc-holder", pauseConfig(), container.HostConfig{IpcMode: "shareable"})
	f.holderID = id
	return err
}

// startComponents creates and starts the named components in parallel.
func (f *floorPod) startComponents(names []string) error {
	var wg sync.WaitGroup
	errs := make([]error, len(names))
	for i, c := range names {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = f.startComponent(c)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func (f *floorPod) startComponent(c string) error {
	host := container.HostConfig{}
	if f.holderID != "" {
		host.IpcMode = container.IpcMode("container:" + f.holderID)
	}
	_, err := f.run(c, container.Config{Image: bbox, Cmd: componentCmd}, host)
	return err
}

// stop stops the given members in parallel, waits until they are removed,
// then stops the pause container and waits for its removal.
func (f *floorPod) stop(members []string) (time.Duration, error) {
	_, d, err := f.stopAt(members)
	return d, err
}

// stopAt is stop that also returns when the stop began.
func (f *floorPod) stopAt(members []string) (time.Time, time.Duration, error) {
	t0 := time.Now()
	for _, m := range members {
		go f.l.stop(m)
	}
	if _, err := f.b.ev.waitAll(members, "destroy", 60*time.Second); err != nil {
		return t0, 0, fmt.Errorf("floor %s: %w", f.name, err)
	}
	go f.l.stop(f.pauseID)
	got, err := f.b.ev.waitAll([]string{f.name}, "destroy", 60*time.Second)
	if err != nil {
		return t0, 0, fmt.Errorf("floor %s: %w", f.name, err)
	}
	return t0, last(got).Sub(t0), nil
}

// floorRun measures the floor for a pod of n components, launched by l.
func (b *bench) floorRun(l launcher, n int, ipc bool) (podRun, error) {
	f, err := b.newFloor(l)
	if err != nil {
		return podRun{}, err
	}
	var members, comps []string
	for _, c := range componentNames(n) {
		comps = append(comps, f.name+"."+c)
	}
	members = append(members, comps...)
	holder := ""
	t0 := time.Now()
	if err := f.startPause(); err != nil {
		return podRun{}, err
	}
	if ipc {
		if err := f.startHolder(); err != nil {
			return podRun{}, err
		}
		holder = f.name + ".ipc-holder"
		members = append(members, holder)
	}
	if err := f.startComponents(componentNames(n)); err != nil {
		return podRun{}, err
	}
	got, err := b.ev.waitAll(members, "start", 90*time.Second)
	if err != nil {
		return podRun{}, fmt.Errorf("floor %s: %w", f.name, err)
	}
	run := podRun{start: last(got).Sub(t0), events: got, startStages: b.startStages(t0, f.name, holder, comps)}
	time.Sleep(settle)
	t1, stop, err := f.stopAt(members)
	if err != nil {
		return podRun{}, err
	}
	run.stop, run.stopStages = stop, b.stopStages(t1, f.name, members)
	return run, nil
}

// variant is one column pair of the start/stop table.
type variant struct {
	n   int
	ipc bool
}

func (v variant) String() string {
	if v.ipc {
		return fmt.Sprintf("%d components, -ipc (holder)", v.n)
	}
	return fmt.Sprintf("%d components, -ipc=false", v.n)
}

type pair struct{ pod, floor []podRun }

// startStop runs rounds of every variant, podinit and floor interleaved so
// that the engine's drift lands on both, and prints the table.
func (b *bench) startStop(sizes []int, ipcModes []bool, rounds int, logDir string) error {
	var variants []variant
	for _, n := range sizes {
		for _, ipc := range ipcModes {
			variants = append(variants, variant{n, ipc})
		}
	}
	res := map[variant]*pair{}
	for _, v := range variants {
		res[v] = &pair{}
	}
	for r := 1; r <= rounds; r++ {
		for _, v := range variants {
			p, err := b.podinitPod(v.n, v.ipc, logDir)
			if err != nil {
				return err
			}
			fl, err := b.floorRun(apiLauncher{b}, v.n, v.ipc)
			if err != nil {
				return err
			}
			res[v].pod = append(res[v].pod, p)
			res[v].floor = append(res[v].floor, fl)
			fmt.Fprintf(os.Stderr, "  round %d %-30s start podinit %6s floor %6s ms; stop podinit %6s floor %6s ms\n",
				r, v, ms(p.start), ms(fl.start), ms(p.stop), ms(fl.stop))
		}
	}
	fmt.Printf("\n## Pod start and stop (%d rounds; median [min–max] in ms; ratio = podinit median / floor median)\n\n", rounds)
	fmt.Println("| pod | start podinit | start floor | start ratio (≤1.10) | stop podinit | stop floor | stop ratio (≤1.25) |")
	fmt.Println("|---|---|---|---|---|---|---|")
	for _, v := range variants {
		p := res[v]
		ps, fs, pt, ft := starts(p.pod), starts(p.floor), stops(p.pod), stops(p.floor)
		sr, tr := ratio(ps.median(), fs.median()), ratio(pt.median(), ft.median())
		fmt.Printf("| %s | %s | %s | %.2f (%s) | %s | %s | %.2f (%s) |\n", v,
			spread(ps), spread(fs), sr, verdict(sr <= 1.10), spread(pt), spread(ft), tr, verdict(tr <= 1.25))
	}
	for _, v := range variants {
		var ps, fs, pt, ft [][]stage
		for i := range res[v].pod {
			ps, fs = append(ps, res[v].pod[i].startStages), append(fs, res[v].floor[i].startStages)
			pt, ft = append(pt, res[v].pod[i].stopStages), append(ft, res[v].floor[i].stopStages)
		}
		printStages("Start of "+v.String(), ps, fs)
		var su [][]stage
		for _, r := range res[v].pod {
			su = append(su, r.startup)
		}
		printOwn("podinit's start-up in "+v.String()+", from its log lines", su)
		printStages("Stop of "+v.String(), pt, ft)
	}
	return nil
}

func starts(rs []podRun) sample {
	var s sample
	for _, r := range rs {
		s = append(s, r.start)
	}
	return s
}

func stops(rs []podRun) sample {
	var s sample
	for _, r := range rs {
		s = append(s, r.stop)
	}
	return s
}

// spread prints "median [min–max]".
func spread(s sample) string {
	return fmt.Sprintf("%s [%s–%s]", ms(s.median()), ms(s.min()), ms(s.max()))
}
