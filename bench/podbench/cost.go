package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/moby/moby/client"
)

// The cost of one pod, side by side (issue 11): podinit with its defaults
// (IPC holder) and with the controller run `--ipc shareable` (no holder),
// against two floors: the issue's (pause container, then the components in
// parallel; no holder) and the holder-matched one (pause, holder, then the
// components). All of those are launched straight through the API. Issue
// 21 defines its floor with the CLI ("one `docker run -d` plus 10 parallel
// `docker run -d`", stopped by `docker stop`), and podinit's controller
// started by `docker run -d`: both are measured too, in the same rounds. For podinit it also reads the memory and CPU of the
// controller's processes: podinit (PID 1) and podinit-pod, its child, and
// what podinit-spec, podinit-pod's short-lived child that read the labels,
// cost (podinit-pod logs its rusage).

// procCost is one process's memory (KiB) and CPU time.
type procCost struct {
	mem mem
	cpu time.Duration
}

// cpuTime is the CPU time of every live thread of a process, in ns, from
// /proc/<pid>/task/*/schedstat (its first field: time on a CPU). utime and
// stime of /proc/<pid>/stat count in 10 ms ticks, too coarse for a 30 ms
// target.
func cpuTime(pid int) (time.Duration, error) {
	tasks, err := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/schedstat", pid))
	if err != nil || len(tasks) == 0 {
		return 0, fmt.Errorf("no threads for pid %d: %v", pid, err)
	}
	var sum time.Duration
	for _, t := range tasks {
		b, err := os.ReadFile(t)
		if err != nil {
			continue // the thread ended
		}
		f := strings.Fields(string(b))
		if len(f) == 0 {
			continue
		}
		ns, _ := strconv.ParseInt(f[0], 10, 64)
		sum += time.Duration(ns)
	}
	return sum, nil
}

// controllerProcs are the controller's host pid (podinit) and its child
// podinit-pod's. A child is listed under the thread that forked it, which
// in a Go program is any of its threads.
func controllerProcs(pid int) (int, int, error) {
	lists, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/children", pid))
	var all []string
	for _, l := range lists {
		b, _ := os.ReadFile(l)
		all = append(all, strings.Fields(string(b))...)
	}
	for _, c := range all {
		child, _ := strconv.Atoi(c)
		comm, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", child))
		if strings.TrimSpace(string(comm)) == "podinit-pod" {
			return pid, child, nil
		}
	}
	return 0, 0, fmt.Errorf("controller pid %d has no podinit-pod child (children: %q)", pid, all)
}

func readCost(pid int) (procCost, error) {
	m, err := memKB(pid)
	if err != nil {
		return procCost{}, err
	}
	c, err := cpuTime(pid)
	return procCost{m, c}, err
}

// costRun is one podinit pod's start, stop and the cost of its controller
// with the pod running.
type costRun struct {
	start, stop time.Duration
	init, pod   procCost // podinit (PID 1), podinit-pod
	spec        specCost
	// component is the CPU time of a component's process (busybox sleep),
	// for scale: a container's first process is runc's init until it
	// execs the container's program, and keeps the CPU runc spent in it.
	component time.Duration
}

// costPod runs one podinit pod of n components, its controller started and
// stopped by l; ipc is the controller's own IPC mode ("" default: podinit
// starts the holder; "shareable": it does not).
func (b *bench) costPod(l launcher, n int, ipc, logDir string) (costRun, error) {
	name := b.name("cost")
	labels := map[string]string{}
	var members []string
	for _, c := range componentNames(n) {
		labels["pod.component."+c] = componentYAML("")
		members = append(members, name+"."+c)
	}
	if ipc == "" {
		members = append(members, name+".ipc-holder")
	}
	t0 := time.Now()
	id, err := b.controllerIPC(l, name, labels, nil, logDir, ipc)
	if err != nil {
		return costRun{}, err
	}
	got, err := b.ev.waitAll(members, "start", 90*time.Second)
	if err != nil {
		return costRun{}, fmt.Errorf("podinit pod %s: %w", name, err)
	}
	run := costRun{start: last(got).Sub(t0)}
	time.Sleep(settle)
	res, err := b.cli.ContainerInspect(b.ctx, id, client.ContainerInspectOptions{})
	info := res.Container
	if err != nil || info.State == nil || info.State.Pid == 0 {
		return costRun{}, fmt.Errorf("finding the host pid of controller %s: %v", name, err)
	}
	initPid, podPid, err := controllerProcs(info.State.Pid)
	if err != nil {
		return costRun{}, err
	}
	if run.init, err = readCost(initPid); err != nil {
		return costRun{}, err
	}
	if run.pod, err = readCost(podPid); err != nil {
		return costRun{}, err
	}
	if run.spec, err = b.specCost(id, t0); err != nil {
		return costRun{}, fmt.Errorf("podinit pod %s: %w", name, err)
	}
	if ci, err := b.cli.ContainerInspect(b.ctx, members[0], client.ContainerInspectOptions{}); err == nil && ci.Container.State != nil && ci.Container.State.Pid > 0 {
		run.component, _ = cpuTime(ci.Container.State.Pid)
	}
	if _, run.stop, err = b.stopControllerAt(l, id, name, members); err != nil {
		return costRun{}, fmt.Errorf("podinit pod %s: %w", name, err)
	}
	return run, nil
}

// specCost is podinit-spec's CPU time and peak RSS (mem.hwm; it had exited
// by the time the others were read), and podinit-pod's peak RSS when it had.
type specCost struct {
	procCost
	podPeak int // KiB
}

// specCost reads podinit-spec's cost from podinit-pod's log line "read the
// pod in N ms (podinit-spec: N ms of CPU, peak RSS N.N MiB, while
// podinit-pod's peak was N.N MiB)".
func (b *bench) specCost(id string, day time.Time) (specCost, error) {
	for _, l := range b.controllerLog(id, day) {
		i := strings.Index(l.text, "(podinit-spec: ")
		if !strings.HasPrefix(l.text, "read the pod in ") || i < 0 {
			continue
		}
		var cpuMs int64
		var peak, podPeak float64
		if _, err := fmt.Sscanf(l.text[i:], "(podinit-spec: %d ms of CPU, peak RSS %f MiB, while podinit-pod's peak was %f MiB)", &cpuMs, &peak, &podPeak); err != nil {
			return specCost{}, fmt.Errorf("reading %q: %w", l.text, err)
		}
		return specCost{procCost{mem: mem{hwm: int(peak * 1024)}, cpu: time.Duration(cpuMs) * time.Millisecond}, int(podPeak * 1024)}, nil
	}
	return specCost{}, fmt.Errorf("controller %s logged no \"read the pod in\" line", id)
}

// podlikeIssue are podlike's figures from issue 11 (same machine, Docker
// 20.10, 10 busybox components, medians of 6): podlike's image cannot be
// built here (see docs/performance.md), so they are quoted, not measured.
var podlikeIssue = struct {
	start, stop           string
	anon, hwm, cpu, image string
}{"750", "347", "5.3 MiB", "14.4 MiB", "30 ms", "14.8 MiB"}

// cost is `podbench pod -floor`: rounds of the six pods, interleaved, and
// one table.
func (b *bench) cost(n, rounds int, logDir string) error {
	api, cli := apiLauncher{b}, cliLauncher{b}
	var def, defCLI, shr []costRun
	var plain, plainCLI, holder sample
	var plainStop, plainCLIStop, holderStop sample
	for r := 1; r <= rounds; r++ {
		var d, dc, s costRun
		var fp, fc, fh podRun
		runs := []func() error{
			func() (err error) { d, err = b.costPod(api, n, "", logDir); return },
			func() (err error) { fp, err = b.floorRun(api, n, false); return },
			func() (err error) { dc, err = b.costPod(cli, n, "", logDir); return },
			func() (err error) { fc, err = b.floorRun(cli, n, false); return },
			func() (err error) { s, err = b.costPod(api, n, "shareable", logDir); return },
			func() (err error) { fh, err = b.floorRun(api, n, true); return },
		}
		// Rotated round by round (use a multiple of 6 rounds): the engine
		// may still be cleaning up after the previous pod, and that should
		// not always land on the same column.
		for i := range runs {
			if err := runs[(i+r-1)%len(runs)](); err != nil {
				return err
			}
		}
		def, defCLI, shr = append(def, d), append(defCLI, dc), append(shr, s)
		plain, plainCLI, holder = append(plain, fp.start), append(plainCLI, fc.start), append(holder, fh.start)
		plainStop, plainCLIStop, holderStop = append(plainStop, fp.stop), append(plainCLIStop, fc.stop), append(holderStop, fh.stop)
		fmt.Fprintf(os.Stderr, "  round %d: start default %s, by docker run %s, --ipc shareable %s, floor %s, floor by the CLI %s, floor with holder %s ms; RssAnon %s+%s KiB; CPU %s+%s+%s ms\n",
			r, ms(d.start), ms(dc.start), ms(s.start), ms(fp.start), ms(fc.start), ms(fh.start), strconv.Itoa(d.init.mem.anon), strconv.Itoa(d.pod.mem.anon), ms(d.init.cpu), ms(d.pod.cpu), ms(d.spec.cpu))
	}
	img, err := b.cli.ImageInspect(b.ctx, podImage)
	if err != nil {
		return fmt.Errorf("inspecting %s: %w", podImage, err)
	}

	col := func(f func(costRun) time.Duration, rs []costRun) sample {
		var s sample
		for _, r := range rs {
			s = append(s, f(r))
		}
		return s
	}
	// KiB ride in a sample (of durations) for its median, min and max.
	kib := func(f func(costRun) int) func(costRun) time.Duration {
		return func(r costRun) time.Duration { return time.Duration(f(r)) }
	}
	memCol := func(f func(costRun) int, rs []costRun) string {
		s := col(kib(f), rs)
		return fmt.Sprintf("%s [%s–%s]", mib(int(s.median())), mib(int(s.min())), mib(int(s.max())))
	}
	start := func(r costRun) time.Duration { return r.start }
	stop := func(r costRun) time.Duration { return r.stop }
	anon := func(r costRun) int { return r.init.mem.anon + r.pod.mem.anon }
	// While podinit-spec ran, podinit-pod held at most its peak of then;
	// after, podinit-spec held nothing.
	hwm := func(r costRun) int { return r.init.mem.hwm + max(r.pod.mem.hwm, r.spec.podPeak+r.spec.mem.hwm) }
	hwmSum := func(r costRun) int { return r.init.mem.hwm + r.pod.mem.hwm + r.spec.mem.hwm }
	cpu := func(r costRun) time.Duration { return r.init.cpu + r.pod.cpu + r.spec.cpu }

	ds, dcs, ss := col(start, def), col(start, defCLI), col(start, shr)
	fmt.Printf("\n## Cost of a %d-component pod, side by side (%d rounds; median [min–max])\n\n", n, rounds)
	fmt.Println("Memory and CPU are the sum of the controller's processes: podinit (PID 1) and podinit-pod (its child), read 0.5 s after the last component started, and podinit-spec, podinit-pod's child that read the labels and exited (its rusage, from podinit-pod's log). RssAnon is the two that stay. The controller's peak RSS is bounded from the VmHWM of each (which counts the file pages of its binary it touched): podinit's, plus podinit-pod's or, while podinit-spec ran, podinit-pod's peak of then (logged) plus podinit-spec's, whichever is larger. CPU is the time on a CPU of every thread of podinit and podinit-pod (schedstat), from their start, plus podinit-spec's user and system time; PID 1's includes runc's init, which ran as that process before it exec'd /podinit (a component's `sleep` shows that share). podlike's column is issue 11's, not this run: its image cannot be built here.")
	fmt.Println()
	fmt.Println("Every column but two is launched straight through the API (create + start, no CLI process: a stricter floor). The two `docker run -d` columns are issue 21's definitions: podinit's controller started by `docker run -d` and stopped by `docker stop`, and the floor of one `docker run -d` (the pause container) plus n parallel `docker run -d` (the components), each stopped by `docker stop`; the same containers, timed from the same engine events.")
	fmt.Println()
	fmt.Printf("| figure | podinit default (IPC holder) | podinit default, controller by `docker run -d` | podinit, controller `--ipc shareable` | floor: controller + %d parallel API runs, no holder (issue 11's) | floor by the docker CLI: `docker run -d` + %d parallel `docker run -d`, no holder (issue 21's) | floor with holder | podlike (issue 11, not this run) | target |\n", n, n)
	fmt.Println("|---|---|---|---|---|---|---|---|---|")
	fmt.Printf("| start, until all run (ms) | %s | %s | %s | %s | %s | %s | %s | |\n", spread(ds), spread(dcs), spread(ss), spread(plain), spread(plainCLI), spread(holder), podlikeIssue.start)
	r1, r2 := ratio(ds.median(), plain.median()), ratio(ss.median(), plain.median())
	fmt.Printf("| start / issue 11's API floor | **%.2f** (%s) | | %.2f | 1 | | %.2f | | ≤ 1.10 (default) |\n", r1, verdict(r1 <= 1.10), r2, ratio(holder.median(), plain.median()))
	rc := ratio(dcs.median(), plainCLI.median())
	fmt.Printf("| start / issue's CLI floor (issue 21) | %.2f | **%.2f** (%s) | %.2f | %.2f | 1 | %.2f | | ≤ 1.0, podinit by `docker run -d` |\n",
		ratio(ds.median(), plainCLI.median()), rc, verdict(rc <= 1.0), ratio(ss.median(), plainCLI.median()), ratio(plain.median(), plainCLI.median()), ratio(holder.median(), plainCLI.median()))
	fmt.Printf("| start / holder floor | %.2f | | | | | 1 | | |\n", ratio(ds.median(), holder.median()))
	dt, dct := col(stop, def), col(stop, defCLI)
	fmt.Printf("| stop of the pod (ms) | %s | %s | %s | %s | %s | %s | %s | ≤ podlike's |\n", spread(dt), spread(dct), spread(col(stop, shr)), spread(plainStop), spread(plainCLIStop), spread(holderStop), podlikeIssue.stop)
	sc := ratio(dct.median(), plainCLIStop.median())
	fmt.Printf("| stop / issue's CLI floor's stop (issue 21) | %.2f | **%.2f** (%s) | | %.2f | 1 | | | ≤ 1.0, podinit by `docker stop` |\n",
		ratio(dt.median(), plainCLIStop.median()), sc, verdict(sc <= 1.0), ratio(plainStop.median(), plainCLIStop.median()))
	fmt.Printf("| RssAnon, podinit + podinit-pod, pod running | **%s** | | %s | | | | %s | ≤ 5.3 MiB: %s |\n", memCol(anon, def), memCol(anon, shr), podlikeIssue.anon, verdict(col(kib(anon), def).median() <= 5427)) // 5.3 MiB in KiB
	fmt.Printf("| of which podinit (PID 1) / podinit-pod | %s / %s | | %s / %s | | | | | |\n",
		memCol(func(r costRun) int { return r.init.mem.anon }, def), memCol(func(r costRun) int { return r.pod.mem.anon }, def),
		memCol(func(r costRun) int { return r.init.mem.anon }, shr), memCol(func(r costRun) int { return r.pod.mem.anon }, shr))
	fmt.Printf("| peak RSS of the controller: VmHWM of podinit + max(podinit-pod's, podinit-pod's when podinit-spec exited + podinit-spec's) | **%s** | | %s | | | | %s (VmHWM) | ≤ 16 MiB: %s |\n", memCol(hwm, def), memCol(hwm, shr), podlikeIssue.hwm, verdict(col(kib(hwm), def).median() <= 16*1024))
	fmt.Printf("| sum of the three VmHWM (a looser bound) | %s | | %s | | | | | |\n", memCol(hwmSum, def), memCol(hwmSum, shr))
	fmt.Printf("| of which podinit / podinit-pod / podinit-pod when podinit-spec exited / podinit-spec | %s / %s / %s / %s | | | | | | | |\n",
		memCol(func(r costRun) int { return r.init.mem.hwm }, def), memCol(func(r costRun) int { return r.pod.mem.hwm }, def),
		memCol(func(r costRun) int { return r.spec.podPeak }, def), memCol(func(r costRun) int { return r.spec.mem.hwm }, def))
	dc := col(cpu, def)
	fmt.Printf("| controller CPU to start the pod (ms) | **%s** | | %s | | | | %s | ≤ 30 ms: %s |\n", spread(dc), spread(col(cpu, shr)), podlikeIssue.cpu, verdict(dc.median() <= 30*time.Millisecond))
	fmt.Printf("| of which podinit (PID 1, with runc's init before its exec) / podinit-pod / podinit-spec (ms) | %s / %s / %s | | | | | | | |\n",
		ms(col(func(r costRun) time.Duration { return r.init.cpu }, def).median()), ms(col(func(r costRun) time.Duration { return r.pod.cpu }, def).median()), ms(col(func(r costRun) time.Duration { return r.spec.cpu }, def).median()))
	fmt.Printf("| for scale: CPU of a component's `sleep` (runc's init, then sleep) (ms) | %s | | | | | | | |\n", spread(col(func(r costRun) time.Duration { return r.component }, def)))
	const mi = 1 << 20
	fmt.Printf("| image %s | **%.1f MiB** (%d bytes) | | | | | | %s | ≤ 14.8 MiB: %s |\n", podImage, float64(img.Size)/mi, img.Size, podlikeIssue.image, verdict(float64(img.Size) <= 14.8*mi))
	return nil
}
