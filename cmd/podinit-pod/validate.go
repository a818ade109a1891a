package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/docker/go-units"

	"github.com/podinit/podinit/pod"
	"github.com/podinit/podinit/podspec"
	"github.com/podinit/podinit/selfid"
)

// runValidate prints the plan for a pod, or every error in it, and creates
// nothing.
func runValidate(args []string) int {
	fs, f := newControllerFlags("podinit validate")
	file := fs.String("file", "", "a Compose file whose services are the components (instead of a container's labels)")
	target := fs.String("container", "", "the controller container whose labels to read (default: the container podinit runs in)")
	fs.SetOutput(os.Stderr)
	if err := f.parse(fs, args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintf(os.Stderr, "podinit validate: %v\n", err)
		return pod.ExitInvalid
	}
	var req podspec.Request
	var ctrl pod.Controller
	if *file != "" {
		req.File = *file
		ctrl = pod.Controller{ID: "<controller>", Name: "<controller>", IpcMode: "private",
			Caps:       pod.Caps{Set: pod.DockerDefaultCaps, From: "Docker's default set, as -file has no controller"},
			EngineHost: engineHost()}
	} else {
		ctx := context.Background()
		eng, cerr := connect(ctx)
		if cerr != nil {
			fmt.Fprintf(os.Stderr, "podinit validate: %v\n", cerr)
			return pod.ExitCannotRun
		}
		candidates := selfid.Find()
		if *target != "" {
			candidates = []string{*target}
		}
		var err error
		ctrl, err = pod.Discover(ctx, eng, candidates, podspec.VolumeRef)
		if err != nil {
			fmt.Fprintf(os.Stderr, "podinit validate: %v\n", err)
			return pod.ExitCannotRun
		}
		// Run in the controller (docker exec), the controller's files
		// are at hand; -container may name another container.
		ctrl.FilesHere = *target == ""
		// The engine's data root joins the host paths no component gets;
		// without an answer in time the usual ones still count.
		ictx, cancel := context.WithTimeout(ctx, 10*time.Second)
		if info, ierr := eng.Info(ictx); ierr == nil && info.DockerRootDir != "" {
			ctrl.EngineDirs = append(ctrl.EngineDirs, info.DockerRootDir)
		}
		cancel()
		req.Labels = ctrl.Labels
	}
	read, err := readSpec(req)
	switch {
	case err != nil:
		fmt.Fprintf(os.Stderr, "podinit validate: %v\n", err)
		return pod.ExitCannotRun
	case read.Internal != "":
		fmt.Fprintf(os.Stderr, "podinit validate: %s\n", read.Internal)
		return pod.ExitInvalid
	}
	plan, problems, warnings := planRead(read, ctrl, f.opts, f.strictCompose)
	if plan == nil {
		for _, w := range warnings {
			fmt.Fprintf(os.Stderr, "podinit validate: warning: %s\n", w.Error())
		}
		fmt.Fprintf(os.Stderr, "podinit validate: %s\n", report(problems))
		return pod.ExitInvalid
	}
	printPlan(os.Stdout, plan, warnings)
	return 0
}

// printPlan writes the plan for a human: what starts when, what stops when,
// what each component shares and is limited to.
func printPlan(w io.Writer, p *pod.Plan, warnings []*podspec.Problem) {
	fmt.Fprintf(w, "pod %s (controller %s)\n", p.Pod, p.Controller.Name)
	o := p.Options
	ipc := "no"
	if o.ShareIPC {
		ipc = "the controller's"
		if p.Holder != nil {
			ipc = fmt.Sprintf("a holder container's (the controller's IPC mode %q cannot be joined)", p.Controller.IpcMode)
		}
	}
	fmt.Fprintf(w, "shares: network yes, PID %s, IPC %s, controller volumes %s\n", yesNo(o.SharePID), ipc, yesNo(o.ShareVolumes))
	if len(p.Init) > 0 {
		fmt.Fprintln(w, "init (one after another, each must exit 0):")
		for i, m := range p.Init {
			fmt.Fprintf(w, "  %d. %s\n", i+1, describeMember(m)+postStarts(m))
		}
	}
	fmt.Fprintln(w, "start order:")
	for i, level := range p.Levels {
		var parts []string
		for _, m := range level {
			parts = append(parts, describeMember(m)+needs(m)+postStarts(m))
		}
		fmt.Fprintf(w, "  %d. %s\n", i+1, strings.Join(parts, "\n     "))
	}
	fmt.Fprintln(w, "stop order:")
	for i, wave := range p.StopWaves() {
		var names []string
		for _, m := range wave {
			g := "10s (engine default)"
			if m.StopGrace > 0 {
				g = m.StopGrace.String()
			}
			sig := m.StopSignal
			if sig == "" {
				sig = "SIGTERM"
			}
			names = append(names, fmt.Sprintf("%s (%s%s, then SIGKILL after %s)", m.Name, preStops(m), sig, g))
		}
		fmt.Fprintf(w, "  %d. %s\n", i+1, strings.Join(names, ", "))
	}
	fmt.Fprintf(w, "stop budget: %s (%s kept for the last kills)\n", o.StopBudget, o.StopMargin)
	fmt.Fprint(w, describeCeiling(p))
	fmt.Fprint(w, describeNames(p))
	for _, warn := range warnings {
		fmt.Fprintf(w, "warning: %s\n", warn.Error())
	}
}

func describeMember(m *pod.Member) string {
	s := fmt.Sprintf("%s [%s] image %s", m.Name, m.Role, m.Config.Image)
	r := m.Host.Resources
	var lim []string
	if r.Memory > 0 {
		lim = append(lim, "memory "+units.BytesSize(float64(r.Memory)))
	}
	if r.NanoCPUs > 0 {
		lim = append(lim, fmt.Sprintf("cpus %g", float64(r.NanoCPUs)/1e9))
	}
	if r.PidsLimit != nil && *r.PidsLimit > 0 {
		lim = append(lim, fmt.Sprintf("pids %d", *r.PidsLimit))
	}
	if len(lim) > 0 {
		s += " (" + strings.Join(lim, ", ") + ")"
	}
	if m.Restart.Mode != "" && m.Restart.Mode != podspec.RestartNo {
		s += " restart " + string(m.Restart.Mode)
	}
	return s + grants(m)
}

func needs(m *pod.Member) string {
	if len(m.Needs) == 0 {
		return ""
	}
	var parts []string
	for name, d := range m.Needs {
		parts = append(parts, fmt.Sprintf("%s %s", name, d.Condition))
	}
	sort.Strings(parts)
	return " after " + strings.Join(parts, ", ")
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
