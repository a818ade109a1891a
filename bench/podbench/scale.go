package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"
)

// Issue 21: many pods on one node, started at once. N pods of 2 busybox
// components each, side by side in one run with the floor: the same pods
// with no controller (per pod a pause container from the controller's
// image, then its 2 components in parallel, each pod's start launched at
// once with all the others'), stopped by stopping all of their containers
// in parallel. Each round runs the floor and podinit, in turn first, once
// per launcher: straight through the API (create + start, stop: a stricter
// floor, no CLI start-up in it) and by the docker CLI (`docker run -d`,
// `docker stop`: the issue's own definition of its floor and of podinit's
// start). The idle CPU, RssAnon, API calls and timeline are measured in the
// first launcher's rounds only (the API's, unless -launch cli).

const scaleComponents = 2

// scaleHealth overrides the image's HEALTHCHECK schedule (-health); nil
// keeps it. Its Test is left empty, so that the engine keeps the image's
// probe: `docker run` cannot say an exec-form probe (see runArgs), and the
// API and CLI controllers must be the same.
var scaleHealth *container.HealthConfig

// scaleRun is one round of one side.
type scaleRun struct {
	start, stop time.Duration
	// startCPU is the whole machine's busy CPU from the launch until every
	// component ran (/proc/stat: the engine, the controllers, the probes,
	// the driver): with the start's length it says whether the start was
	// bound by CPU.
	startCPU   time.Duration
	engineCPU  time.Duration // dockerd + containerd over the idle window
	shimCPU    time.Duration // containerd-shims, with what they reaped (runc, exec'd probes)
	ctrlCPU    time.Duration // the controllers' processes (podinit only)
	idle       time.Duration // the idle window's actual length
	ctrlAnon   []int         // KiB per pod: every process of the controller
	holderAnon []int         // KiB per pod: the IPC holder
	calls      []map[string]int
	idleCalls  []map[string]int
	timelines  [][]stage
}

func (b *bench) scaleMain(args []string) int {
	fs := flagSet("scale")
	n := fs.Int("n", 20, "pods started together")
	rounds := fs.Int("rounds", 2, "rounds (floor and podinit each once per round and launcher, in turn first)")
	launch := fs.String("launch", "both", "how the driver starts and stops the containers: api (create + start, stop through the API), cli (`docker run -d`, `docker stop`: the issue's floor) or both, side by side")
	idle := fs.Duration("idle", 30*time.Second, "window over which the idle CPU is measured")
	ipc := fs.String("ctrl-ipc", "", "the controllers' own --ipc (shareable: podinit makes no holder)")
	logDir := fs.String("logs", "", "directory to copy every controller's log into")
	health := fs.String("health", "", "the controllers' HEALTHCHECK instead of the image's: INTERVAL,START-INTERVAL (e.g. 10s,1s: the image's after issue 21's first runs; a start interval of 0 keeps the image's), so that schedules compare in one session without a rebuild")
	fs.Parse(args)
	if *health != "" {
		iv, si, _ := strings.Cut(*health, ",")
		i, err1 := time.ParseDuration(iv)
		st, err2 := time.ParseDuration(si)
		if err1 != nil || err2 != nil {
			fmt.Fprintf(os.Stderr, "podbench: -health %q: want INTERVAL,START-INTERVAL (e.g. 10s,1s)\n", *health)
			return 2
		}
		scaleHealth = &container.HealthConfig{Interval: i, StartInterval: st, Timeout: 15 * time.Second, StartPeriod: time.Minute, Retries: 2}
	}
	var launchers []launcher
	switch *launch {
	case "api", "cli":
		l, _ := b.launcherNamed(*launch)
		launchers = []launcher{l}
	case "both":
		launchers = []launcher{apiLauncher{b}, cliLauncher{b}}
	default:
		fmt.Fprintf(os.Stderr, "podbench: -launch %q: want api, cli or both\n", *launch)
		return 2
	}
	primary := launchers[0]
	if scaleHealth != nil {
		fmt.Printf("controllers' HEALTHCHECK: every %s, every %s until first healthy (-health)\n", scaleHealth.Interval, scaleHealth.StartInterval)
	} else {
		fmt.Println("controllers' HEALTHCHECK: the image's")
	}
	began := time.Now()
	if err := b.warmUp(); err != nil {
		fmt.Fprintf(os.Stderr, "podbench: %v\n", err)
		return 1
	}
	res := map[string]*scaleSides{}
	for _, l := range launchers {
		res[l.String()] = &scaleSides{}
	}
	for r := 1; r <= *rounds; r++ {
		// Even rounds run everything in the reverse order of odd ones: the
		// engine's drift and leftovers land on every column alike.
		ls := launchers
		sides := []string{"floor", "podinit"}
		if r%2 == 0 {
			ls = append([]launcher(nil), launchers...)
			for i, j := 0, len(ls)-1; i < j; i, j = i+1, j-1 {
				ls[i], ls[j] = ls[j], ls[i]
			}
			sides = []string{"podinit", "floor"}
		}
		for _, l := range ls {
			measure := l == primary
			for _, side := range sides {
				load := loadavg()
				var run scaleRun
				var err error
				if side == "floor" {
					run, err = b.scaleFloor(l, *n, *idle, measure)
					res[l.String()].floor = append(res[l.String()].floor, run)
				} else {
					run, err = b.scalePodinit(l, *n, *idle, *ipc, *logDir, measure)
					res[l.String()].pod = append(res[l.String()].pod, run)
				}
				if err != nil {
					fmt.Fprintf(os.Stderr, "podbench: round %d, %s by %s: %v\n", r, side, l, err)
					return 1
				}
				idleCPU := "not measured in these rounds"
				if measure {
					idleCPU = fmt.Sprintf("engine %s shims %s ms over %s", ms(run.engineCPU), ms(run.shimCPU), run.idle.Round(time.Second))
				}
				fmt.Fprintf(os.Stderr, "  round %d %-7s by %s  start-all %7s ms  stop-all %7s ms  idle CPU %s; load before %s\n",
					r, side, l, ms(run.start), ms(run.stop), idleCPU, load)
			}
		}
	}
	printScale(*n, *idle, launchers, res)
	fmt.Printf("\n(whole run: %s; load average at the end %s)\n", time.Since(began).Round(time.Second), loadavg())
	return 0
}

// scaleSides are one launcher's rounds.
type scaleSides struct{ floor, pod []scaleRun }

// hold keeps the pods running for as long as a measured round does before
// its stop (the 5 s settle and the idle window), so that stop-all finds the
// pods in the same state in every round; with measure it reads the idle CPU
// meanwhile.
func (b *bench) hold(run *scaleRun, idle time.Duration, measure bool, ctrl []int) {
	if measure {
		run.engineCPU, run.shimCPU, run.ctrlCPU, run.idle = b.idleCPU(idle, ctrl)
		return
	}
	time.Sleep(5*time.Second + idle)
}

func loadavg() string {
	b, _ := os.ReadFile("/proc/loadavg")
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

// scaleFloor starts n floor pods at once by l, measures the engine at rest
// (with measure), and stops every container in parallel by l.
func (b *bench) scaleFloor(l launcher, n int, idle time.Duration, measure bool) (scaleRun, error) {
	floors := make([]*floorPod, n)
	for i := range floors {
		f, err := b.newFloor(l)
		if err != nil {
			return scaleRun{}, err
		}
		floors[i] = f
	}
	var all, comps []string
	for _, f := range floors {
		all = append(all, f.name)
		for _, c := range componentNames(scaleComponents) {
			comps = append(comps, f.name+"."+c)
		}
	}
	all = append(all, comps...)
	cpu0 := machineBusy()
	t0 := time.Now()
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i, f := range floors {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if errs[i] = f.startPause(); errs[i] == nil {
				errs[i] = f.startComponents(componentNames(scaleComponents))
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return scaleRun{}, err
		}
	}
	got, err := b.ev.waitAll(all, "start", 180*time.Second)
	if err != nil {
		return scaleRun{}, fmt.Errorf("floor: %w", err)
	}
	run := scaleRun{start: last(got).Sub(t0), startCPU: machineBusy() - cpu0}
	b.hold(&run, idle, measure, nil)
	t1 := time.Now()
	for _, name := range all {
		go l.stop(name)
	}
	gone, err := b.ev.waitAll(all, "destroy", 180*time.Second)
	if err != nil {
		return scaleRun{}, fmt.Errorf("floor stop: %w", err)
	}
	run.stop = last(gone).Sub(t1)
	return run, nil
}

// scaleCtrl is one controller of a scale run.
type scaleCtrl struct {
	name, id string
	t0       time.Time
	proxy    *apiProxy
	comps    []string
}

// scalePodinit starts n podinit pods at once (each controller started by l:
// through the API as `docker run -d` does, or by `docker run -d` itself;
// with its own API proxy as its engine socket), measures the pods at rest
// (with measure), and stops every controller in parallel by l.
func (b *bench) scalePodinit(l launcher, n int, idle time.Duration, ipc, logDir string, measure bool) (scaleRun, error) {
	labels := map[string]string{}
	for _, c := range componentNames(scaleComponents) {
		labels["pod.component."+c] = componentYAML("")
	}
	dir, err := os.MkdirTemp("", "podbench-scale-")
	if err != nil {
		return scaleRun{}, err
	}
	defer os.RemoveAll(dir)
	upstream := strings.TrimPrefix(b.cli.DaemonHost(), "unix://")
	ctrls := make([]*scaleCtrl, n)
	for i := range ctrls {
		c := &scaleCtrl{name: b.name("scale")}
		for _, comp := range componentNames(scaleComponents) {
			c.comps = append(c.comps, c.name+"."+comp)
		}
		if c.proxy, err = newProxy(filepath.Join(dir, strconv.Itoa(i)), upstream); err != nil {
			return scaleRun{}, err
		}
		defer c.proxy.close()
		ctrls[i] = c
	}
	var comps []string
	for _, c := range ctrls {
		comps = append(comps, c.comps...)
	}
	errs := make([]error, n)
	var wg sync.WaitGroup
	cpu0 := machineBusy()
	t0 := time.Now()
	for i, c := range ctrls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.t0 = time.Now()
			id, err := l.start(c.name, container.Config{Image: podImage, Labels: labels, Healthcheck: scaleHealth},
				container.HostConfig{AutoRemove: true, Binds: []string{c.proxy.sock + ":/var/run/docker.sock"}, IpcMode: container.IpcMode(ipc)})
			if err != nil {
				errs[i] = fmt.Errorf("controller: %w", err)
				return
			}
			c.id = id
			if logDir != "" {
				go b.saveLog(id, filepath.Join(logDir, c.name+".log"))
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return scaleRun{}, err
		}
	}
	got, err := b.ev.waitAll(comps, "start", 180*time.Second)
	if err != nil {
		return scaleRun{}, fmt.Errorf("podinit: %w", err)
	}
	run := scaleRun{start: last(got).Sub(t0), startCPU: machineBusy() - cpu0}
	if !measure {
		b.hold(&run, idle, false, nil)
	} else {
		atStart := make([][]apiCall, n)
		for i, c := range ctrls {
			atStart[i] = c.proxy.snapshot()
			run.calls = append(run.calls, countCalls(atStart[i], time.Time{}))
		}
		var pids []int
		for _, c := range ctrls {
			holder := c.name + ".ipc-holder"
			_, hasHolder := b.ev.nth(holder, "start", 0)
			anon, procs, err := b.treeAnon(c.id)
			if err != nil {
				return scaleRun{}, err
			}
			pids = append(pids, procs...)
			run.ctrlAnon = append(run.ctrlAnon, anon)
			if hasHolder {
				if h, _, err := b.treeAnon(holder); err == nil {
					run.holderAnon = append(run.holderAnon, h)
				}
			}
			run.timelines = append(run.timelines, b.scaleTimeline(c, hasHolder))
		}
		idleFrom := time.Now()
		b.hold(&run, idle, true, pids)
		for _, c := range ctrls {
			all := c.proxy.snapshot()
			run.idleCalls = append(run.idleCalls, countCalls(all, idleFrom))
		}
	}
	var members []string
	for _, c := range ctrls {
		members = append(members, c.name)
		members = append(members, c.comps...)
		if _, ok := b.ev.nth(c.name+".ipc-holder", "start", 0); ok {
			members = append(members, c.name+".ipc-holder")
		}
	}
	t1 := time.Now()
	for _, c := range ctrls {
		go l.stop(c.id)
	}
	gone, err := b.ev.waitAll(members, "destroy", 180*time.Second)
	if err != nil {
		return scaleRun{}, fmt.Errorf("podinit stop: %w", err)
	}
	run.stop = last(gone).Sub(t1)
	return run, nil
}

// countCalls counts calls per endpoint that began at or after from.
func countCalls(calls []apiCall, from time.Time) map[string]int {
	out := map[string]int{}
	for _, c := range calls {
		if !c.began.Before(from) {
			out[c.endpoint]++
		}
	}
	return out
}

// treeAnon is the summed RssAnon (KiB) of a container's first process and
// every process descended from it, and their pids: for a controller,
// podinit and podinit-pod (the components are the children of their own
// shims, not of the controller).
func (b *bench) treeAnon(ref string) (int, []int, error) {
	res, err := b.cli.ContainerInspect(b.ctx, ref, client.ContainerInspectOptions{})
	info := res.Container
	if err != nil || info.State == nil || info.State.Pid == 0 {
		return 0, nil, fmt.Errorf("inspecting %s for its pid: %v", ref, err)
	}
	pids := descendants(info.State.Pid)
	sum := 0
	for _, p := range pids {
		m, err := memKB(p)
		if err == nil {
			sum += m.anon
		}
	}
	return sum, pids, nil
}

func descendants(pid int) []int {
	out := []int{pid}
	lists, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/children", pid))
	for _, l := range lists {
		b, _ := os.ReadFile(l)
		for _, f := range strings.Fields(string(b)) {
			if c, err := strconv.Atoi(f); err == nil {
				out = append(out, descendants(c)...)
			}
		}
	}
	return out
}

// procTicks is a process's utime+stime+cutime+cstime (clock ticks): its own
// CPU and that of the children it reaped.
func procTicks(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(s[i+1:]) // f[0] is field 3 (state)
	var sum int64
	for _, k := range []int{11, 12, 13, 14} { // fields 14-17
		if k < len(f) {
			v, _ := strconv.ParseInt(f[k], 10, 64)
			sum += v
		}
	}
	return sum
}

// machineBusy is the CPU time the machine has spent busy since boot: every
// CPU's user, nice, system, irq, softirq and steal time (/proc/stat).
func machineBusy() time.Duration {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line) // cpu user nice system idle iowait irq softirq steal
	var ticks int64
	for _, k := range []int{1, 2, 3, 6, 7, 8} {
		if k < len(f) {
			v, _ := strconv.ParseInt(f[k], 10, 64)
			ticks += v
		}
	}
	return time.Duration(ticks) * clockTick
}

// engineProcs lists dockerd's and containerd's pids, and the shims'. The
// benchmark runs in the engine's own PID namespace (scripts/engine.sh), so
// every such process is this engine's.
func engineProcs() (engine, shims []int) {
	dirs, _ := filepath.Glob("/proc/[0-9]*/comm")
	for _, d := range dirs {
		b, err := os.ReadFile(d)
		if err != nil {
			continue
		}
		pid, _ := strconv.Atoi(strings.Split(d, "/")[2])
		switch comm := strings.TrimSpace(string(b)); {
		case comm == "dockerd" || comm == "containerd":
			engine = append(engine, pid)
		case strings.HasPrefix(comm, "containerd-shim"):
			shims = append(shims, pid)
		}
	}
	return engine, shims
}

const clockTick = 10 * time.Millisecond // USER_HZ is 100 on Linux

// idleCPU waits for the pods to settle (5 s), then measures the CPU of the
// engine, its shims and the given controller processes over the window.
func (b *bench) idleCPU(window time.Duration, ctrl []int) (engine, shims, ctrlCPU, took time.Duration) {
	time.Sleep(5 * time.Second)
	eng, sh := engineProcs()
	sum := func(pids []int) (t int64) {
		for _, p := range pids {
			t += procTicks(p)
		}
		return t
	}
	sumSched := func(pids []int) (t time.Duration) {
		for _, p := range pids {
			d, _ := cpuTime(p)
			t += d
		}
		return t
	}
	e0, s0, c0, t0 := sum(eng), sum(sh), sumSched(ctrl), time.Now()
	time.Sleep(window)
	e1, s1, c1 := sum(eng), sum(sh), sumSched(ctrl)
	return time.Duration(e1-e0) * clockTick, time.Duration(s1-s0) * clockTick, c1 - c0, time.Since(t0)
}

var specLine = regexp.MustCompile(`^read the pod in (\d+) ms`)

// scaleTimeline is one controller's start, from the driver's create call
// (`docker run -d`) on: the engine's events, the controller's calls as its
// proxy saw them, and its own log.
func (b *bench) scaleTimeline(c *scaleCtrl, hasHolder bool) []stage {
	calls := c.proxy.snapshot()
	var out []stage
	at := func(name string, t time.Time) {
		if !t.IsZero() {
			out = append(out, stage{name, t.Sub(c.t0)})
		}
	}
	ev := func(names []string, action string, latest bool) time.Time {
		var t time.Time
		for _, n := range names {
			s, ok := b.ev.nth(n, action, 0)
			if !ok {
				return time.Time{}
			}
			if t.IsZero() || (latest && s.recv.After(t)) || (!latest && s.recv.Before(t)) {
				t = s.recv
			}
		}
		return t
	}
	var first, sweepFrom, sweepTo, create time.Time
	inspects := 0
	for _, call := range calls {
		if first.IsZero() {
			first = call.began
		}
		if create.IsZero() && call.endpoint == "POST /containers/create" {
			create = call.began
		}
		if create.IsZero() && strings.HasSuffix(call.endpoint, "(label podinit.controller)") && sweepFrom.IsZero() {
			sweepFrom, sweepTo = call.began, call.ended
		}
		if create.IsZero() && !sweepFrom.IsZero() && call.endpoint == "GET /containers/{id}/json" {
			// The sweep's inspects of other controllers: podinit inspects
			// its own container before the sweep, and its members after
			// their create.
			inspects++
			if call.ended.After(sweepTo) {
				sweepTo = call.ended
			}
		}
	}
	at("controller started (engine event)", ev([]string{c.name}, "start", false))
	at("first API call (process start, Go init, connect)", first)
	lines := b.controllerLog(c.id, c.t0)
	for _, l := range lines {
		if m := specLine.FindStringSubmatch(l.text); m != nil {
			at("'read the pod' logged (podinit-spec, compose-go)", l.at)
			if d, err := strconv.Atoi(m[1]); err == nil {
				out = append(out, stage{"  of which podinit-spec's run (its own figure)", time.Duration(d) * time.Millisecond})
			}
			break
		}
	}
	at("leftover sweep: list sent", sweepFrom)
	at("leftover sweep: done", sweepTo)
	out = append(out, stage{"  sweep's duration", sweepTo.Sub(sweepFrom)}, stage{"  sweep's inspects of other controllers", time.Duration(inspects) * time.Millisecond})
	at("first create sent", create)
	if hasHolder {
		h := []string{c.name + ".ipc-holder"}
		at("IPC holder created (event)", ev(h, "create", false))
		at("IPC holder started (event)", ev(h, "start", false))
	}
	at("first component created (event)", ev(c.comps, "create", false))
	at("last component started (event)", ev(c.comps, "start", true))
	return out
}

func printScale(n int, idle time.Duration, launchers []launcher, res map[string]*scaleSides) {
	med := func(rs []scaleRun, f func(scaleRun) time.Duration) time.Duration {
		var s sample
		for _, r := range rs {
			s = append(s, f(r))
		}
		return s.median()
	}
	how := map[string][2]string{
		"api": {"launched through the API (create + start)", "stopped through the API"},
		"cli": {"launched by `docker run -d` (the issue's floor)", "stopped by `docker stop` (the issue's)"},
	}
	primary := launchers[0].String()
	floor, pod := res[primary].floor, res[primary].pod
	fmt.Printf("\n## %d pods of %d components started together (%d rounds; medians, ms; ratio = podinit / floor, each side launched the same way)\n\n", n, scaleComponents, len(pod))
	if len(launchers) > 1 {
		fmt.Printf("Start-all and stop-all are measured for each launcher: through the API (create + start, stop; no CLI process: a stricter floor) and by the docker CLI (`docker run -d`, `docker stop`: the issue's definition), the floor's containers and podinit's controllers alike, from the same engine events. The engine's CPU at rest, the controllers' CPU, RssAnon, the API calls and the timeline are from the %s rounds only; the other rounds hold their pods as long before the stop and measure nothing meanwhile.\n\n", primary)
	}
	fmt.Println("| figure | floor | podinit | ratio | target |")
	fmt.Println("|---|---|---|---|---|")
	row := func(what string, floor, pod []scaleRun, f func(scaleRun) time.Duration, target float64) {
		fl, p := med(floor, f), med(pod, f)
		r := ratio(p, fl)
		fmt.Printf("| %s | %s | %s | %.2f | ≤ %.1f (%s) |\n", what, ms(fl), ms(p), r, target, verdict(r <= target))
	}
	for _, l := range launchers {
		row("start-all (until every component runs), "+how[l.String()][0], res[l.String()].floor, res[l.String()].pod, func(r scaleRun) time.Duration { return r.start }, 1.2)
	}
	for _, l := range launchers {
		row("stop-all (until every container is removed), "+how[l.String()][1], res[l.String()].floor, res[l.String()].pod, func(r scaleRun) time.Duration { return r.stop }, 1.1)
	}
	for _, l := range launchers {
		fl, p := res[l.String()].floor, res[l.String()].pod
		cpu := func(r scaleRun) time.Duration { return r.startCPU }
		fmt.Printf("| the whole machine's busy CPU during start-all (%d CPUs), %s | %s | %s | %.2f | |\n",
			runtime.NumCPU(), how[l.String()][0], ms(med(fl, cpu)), ms(med(p, cpu)), ratio(med(p, cpu), med(fl, cpu)))
	}
	row(fmt.Sprintf("engine CPU (dockerd + containerd) at rest, over %s", idle), floor, pod, func(r scaleRun) time.Duration { return r.engineCPU }, 3)
	fmt.Printf("| shims' CPU at rest (with the runc and probe processes they reaped) | %s | %s | %.2f | |\n",
		ms(med(floor, func(r scaleRun) time.Duration { return r.shimCPU })), ms(med(pod, func(r scaleRun) time.Duration { return r.shimCPU })),
		ratio(med(pod, func(r scaleRun) time.Duration { return r.shimCPU }), med(floor, func(r scaleRun) time.Duration { return r.shimCPU })))
	withShims := func(r scaleRun) time.Duration { return r.engineCPU + r.shimCPU }
	row(fmt.Sprintf("engine CPU at rest incl. shims (dockerd + containerd + shims), over %s", idle), floor, pod, withShims, 3)
	fmt.Printf("| controllers' own CPU at rest, all %d | | %s | | |\n", n, ms(med(pod, func(r scaleRun) time.Duration { return r.ctrlCPU })))

	var ctrl, holder []int
	for _, r := range pod {
		ctrl, holder = append(ctrl, r.ctrlAnon...), append(holder, r.holderAnon...)
	}
	fmt.Printf("\nRssAnon per pod, median over %d pods: controller (every process) %s, IPC holder %s\n", len(ctrl), kibMedian(ctrl), kibMedian(holder))

	counts := func(maps [][]map[string]int) (keys []string, per map[string]float64, total float64) {
		per = map[string]float64{}
		pods := 0
		for _, ms := range maps {
			for _, m := range ms {
				pods++
				for k, v := range m {
					per[k] += float64(v)
					total += float64(v)
				}
			}
		}
		for k := range per {
			keys = append(keys, k)
			per[k] /= float64(max(pods, 1))
		}
		sort.Strings(keys)
		return keys, per, total / float64(max(pods, 1))
	}
	var start, rest [][]map[string]int
	for _, r := range pod {
		start, rest = append(start, r.calls), append(rest, r.idleCalls)
	}
	keys, per, total := counts(start)
	_, perIdle, totalIdle := counts(rest)
	fmt.Printf("\nEngine API calls per pod (mean over pods and rounds), at start (until every component runs) and at rest (%s window):\n\n", idle)
	fmt.Println("| endpoint | at start | at rest |")
	fmt.Println("|---|---|---|")
	for _, k := range keys {
		fmt.Printf("| %s | %.1f | %.1f |\n", k, per[k], perIdle[k])
	}
	for k, v := range perIdle {
		if _, ok := per[k]; !ok {
			fmt.Printf("| %s | 0 | %.1f |\n", k, v)
		}
	}
	fmt.Printf("| all | %.1f | %.1f |\n", total, totalIdle)

	var tl [][]stage
	for _, r := range pod {
		tl = append(tl, r.timelines...)
	}
	if len(tl) == 0 {
		return
	}
	fmt.Printf("\nTimeline of a start under load, ms after the controller's create call (median over %d controllers; durations and counts indented):\n\n", len(tl))
	fmt.Println("| milestone | median | min | max |")
	fmt.Println("|---|---|---|---|")
	for _, st := range tl[0] {
		var s sample
		for _, r := range tl {
			for _, x := range r {
				if x.name == st.name {
					s = append(s, x.d)
				}
			}
		}
		v := func(d time.Duration) string {
			if strings.Contains(st.name, "inspects") {
				return strconv.Itoa(int(d / time.Millisecond))
			}
			return ms(d)
		}
		fmt.Printf("| %s | %s | %s | %s |\n", st.name, v(s.median()), v(s.min()), v(s.max()))
	}
}

func kibMedian(v []int) string {
	if len(v) == 0 {
		return "–"
	}
	c := append([]int(nil), v...)
	sort.Ints(c)
	m := c[len(c)/2]
	if len(c)%2 == 0 {
		m = (c[len(c)/2-1] + c[len(c)/2]) / 2
	}
	return mib(m)
}
