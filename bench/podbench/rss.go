package main

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/moby/moby/client"
)

// mem is a process's memory from /proc/<pid>/status, in KiB.
type mem struct {
	hwm, rss, anon, file int // VmHWM (peak RSS), VmRSS, RssAnon, RssFile
}

// memKB reads a process's memory figures.
func memKB(pid int) (m mem, err error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return m, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 2 {
			continue
		}
		v, _ := strconv.Atoi(fields[1])
		switch fields[0] {
		case "VmHWM:":
			m.hwm = v
		case "VmRSS:":
			m.rss = v
		case "RssAnon:":
			m.anon = v
		case "RssFile:":
			m.file = v
		}
	}
	if m.hwm == 0 {
		return m, fmt.Errorf("no VmHWM in /proc/%d/status", pid)
	}
	return m, sc.Err()
}

// memSum adds up the memory figures of processes (VmHWM: the sum of
// their peaks, an upper bound of the peak of the sum).
func memSum(pids ...int) (mem, error) {
	var sum mem
	for _, pid := range pids {
		m, err := memKB(pid)
		if err != nil {
			return sum, err
		}
		sum.hwm, sum.rss, sum.anon, sum.file = sum.hwm+m.hwm, sum.rss+m.rss, sum.anon+m.anon, sum.file+m.file
	}
	return sum, nil
}

func mib(kb int) string { return fmt.Sprintf("%.1f MiB", float64(kb)/1024) }

// memory runs a 10-component pod (default -ipc, so with the holder), reads
// the controller's peak RSS once it runs, after one component is killed and
// restarted by podinit (restart: always), and through its stop until the
// process is gone; then prints the image size.
func (b *bench) memory(n int, logDir string) error {
	name := b.name("rss")
	labels := map[string]string{}
	var members []string
	for i, c := range componentNames(n) {
		extra := ""
		if i == 0 {
			extra = "restart: always\n"
		}
		labels["pod.component."+c] = componentYAML(extra)
		members = append(members, name+"."+c)
	}
	members = append(members, name+".ipc-holder")
	id, err := b.controller(name, labels, nil, logDir)
	if err != nil {
		return err
	}
	if _, err := b.ev.waitAll(members, "start", 90*time.Second); err != nil {
		return fmt.Errorf("memory pod %s: %w", name, err)
	}
	res, err := b.cli.ContainerInspect(b.ctx, id, client.ContainerInspectOptions{})
	info := res.Container
	if err != nil || info.State == nil || info.State.Pid == 0 {
		return fmt.Errorf("finding the host pid of controller %s: %v", name, err)
	}
	// podinit stays PID 1 and runs podinit-pod as its child: the
	// controller's memory is both processes'.
	initPid, podPid, err := controllerProcs(info.State.Pid)
	if err != nil {
		return err
	}
	time.Sleep(settle)
	atStart, err := memSum(initPid, podPid)
	if err != nil {
		return err
	}
	// The holder is podinit as a pause process: its memory is what the
	// image's entry binary costs when it does nothing.
	var holder mem
	if hi, err := b.cli.ContainerInspect(b.ctx, name+".ipc-holder", client.ContainerInspectOptions{}); err == nil && hi.Container.State != nil {
		holder, _ = memKB(hi.Container.State.Pid)
	}

	// A restart cycle: the component is killed behind podinit's back, and
	// podinit creates and starts it again after its 1s back-off.
	first := members[0]
	if _, err := b.cli.ContainerKill(b.ctx, first, client.ContainerKillOptions{Signal: "SIGKILL"}); err != nil {
		return fmt.Errorf("killing %s: %w", first, err)
	}
	if _, err := b.ev.waitAllNth([]string{first}, "start", 1, 30*time.Second); err != nil {
		return fmt.Errorf("memory pod %s: podinit did not restart %s: %w", name, first, err)
	}
	time.Sleep(settle)
	afterRestart, err := memSum(initPid, podPid)
	if err != nil {
		return err
	}
	hwmRestart := afterRestart.hwm

	// The stop: read until the process is gone; the last read is the peak
	// of its whole life but for the last few milliseconds.
	go b.cli.ContainerStop(b.ctx, id, client.ContainerStopOptions{})
	hwmStop := hwmRestart
	for {
		m, err := memSum(initPid, podPid)
		if err != nil {
			break
		}
		hwmStop = m.hwm
		time.Sleep(2 * time.Millisecond)
	}
	if _, err := b.ev.waitAll(append([]string{name}, members...), "destroy", 60*time.Second); err != nil {
		return fmt.Errorf("memory pod %s: %w", name, err)
	}

	img, err := b.cli.ImageInspect(b.ctx, podImage)
	if err != nil {
		return fmt.Errorf("inspecting %s: %w", podImage, err)
	}
	fmt.Printf("\n## Controller memory (podinit + podinit-pod; %d components + IPC holder) and image size\n\n", n)
	fmt.Println("| figure | value | target |")
	fmt.Println("|---|---|---|")
	fmt.Printf("| VmRSS once the pod runs (RssAnon %s: heap and stacks; RssFile %s: pages of the binary) | %s | |\n", mib(atStart.anon), mib(atStart.file), mib(atStart.rss))
	fmt.Printf("| VmHWM once the pod runs | %s | |\n", mib(atStart.hwm))
	fmt.Printf("| VmHWM after a component restart | %s | |\n", mib(hwmRestart))
	fmt.Printf("| VmHWM through the stop (peak RSS) | %s | ≤ 16 MiB (issue 11): %s (podlike 14.4 MiB) |\n", mib(hwmStop), verdict(hwmStop <= 16*1024))
	if holder.hwm > 0 {
		fmt.Printf("| for scale: the IPC holder (`podinit pause`): VmHWM (RssAnon, RssFile) | %s (%s, %s) | |\n", mib(holder.hwm), mib(holder.anon), mib(holder.file))
	}
	fmt.Printf("| image %s size | %d bytes (%.1f MiB) | ≤ 14.8 MiB (issue 11): %s |\n", podImage, img.Size, float64(img.Size)/(1<<20), verdict(float64(img.Size) <= 14.8*(1<<20)))
	return nil
}
