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

	"github.com/podinit/podinit/engine"
	"github.com/podinit/podinit/plan"
	"github.com/podinit/podinit/pod"
	"github.com/podinit/podinit/podspec"
	"github.com/podinit/podinit/selfid"
)

// runValidate prints the plan for a pod, or every error in it, and creates
// nothing. It plans against the controller as the controller itself does
// (describe.go), with that controller's own flags, so that a pod it passes
// is one the controller runs.
func runValidate(args []string) int {
	fs, f, file, target := newValidateFlags()
	if err := f.parse(fs, args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintf(os.Stderr, "podinit validate: %v\n", err)
		return pod.ExitInvalid
	}
	ctrl, notes, code := validatedController(*file, *target)
	if code != 0 {
		return code
	}
	if ctrl.Command != nil {
		// The controller's own flags, then the ones given here.
		var given []string
		fs.Visit(func(fl *flag.Flag) {
			if fl.Name != "file" && fl.Name != "container" {
				given = append(given, "-"+fl.Name+"="+fl.Value.String())
			}
		})
		own, ok := controllerArgs(ctrl.Command)
		if ok {
			fs, f, _, _ = newValidateFlags()
			if err := f.parse(fs, append(own, given...)); err != nil {
				fmt.Fprintf(os.Stderr, "podinit validate: the controller's flags %q, then %q: %v\n", own, given, err)
				return pod.ExitInvalid
			}
			notes = append(notes, fmt.Sprintf("flags: its own %s, then the ones given here %s", quoteArgs(own), quoteArgs(given)))
		} else {
			notes = append(notes, fmt.Sprintf("flags: its command %s is not podinit's controller mode: the ones given here %s", quoteArgs(ctrl.Command), quoteArgs(given)))
		}
	}
	note, err := f.settle(ctrl)
	if err != nil {
		fmt.Fprintf(os.Stderr, "podinit validate: %v\n", err)
		return pod.ExitInvalid
	}
	if note != "" {
		notes = append(notes, "warning: "+note)
	}
	req := podspec.Request{File: *file}
	if *file == "" {
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
		for _, n := range notes {
			if n == standInNote {
				continue
			}
			fmt.Fprintf(os.Stderr, "podinit validate: controller: %s\n", n)
		}
		for _, w := range warnings {
			fmt.Fprintf(os.Stderr, "podinit validate: warning: %s\n", w.Error())
		}
		fmt.Fprintf(os.Stderr, "podinit validate: %s\n", report(problems))
		return pod.ExitInvalid
	}
	printPlan(os.Stdout, plan, notes, warnings)
	return 0
}

func newValidateFlags() (fs *flag.FlagSet, f *controllerFlags, file, target *string) {
	fs, f = newControllerFlags("podinit validate")
	file = fs.String("file", "", "a Compose file whose services are the components (instead of a container's labels)")
	target = fs.String("container", "", "the controller container whose labels and flags to read (default: the container podinit runs in)")
	fs.SetOutput(os.Stderr)
	return fs, f, file, target
}

// standInNote names the controller validate -file plans against outside a
// controller. Its problems name it where it matters (the capabilities).
const standInNote = "a stand-in, as validate -file runs outside a controller: no limits, Docker's default capabilities, the flags given here"

// standInController is what validate -file plans against outside a
// controller.
func standInController() plan.Controller {
	return plan.Controller{ID: "<controller>", Name: "<controller>", IpcMode: "private",
		Caps:       plan.Caps{Set: plan.DockerDefaultCaps, From: "Docker's default set, as -file has no controller"},
		EngineHost: engineHost()}
}

// validatedController is the controller validate plans against: the one
// named by -container, the one podinit runs in, or, for -file outside a
// controller, a stand-in that the notes name. A non-zero code ends
// validate.
func validatedController(file, target string) (plan.Controller, []string, int) {
	ctx := context.Background()
	candidates, inside := selfid.Find(), true
	if target != "" {
		candidates, inside = []string{target}, false
	}
	// -file outside a controller plans against a stand-in; with no
	// container ID to look for, the engine need not be asked.
	if file != "" && len(candidates) == 0 {
		return standInController(), []string{standInNote}, 0
	}
	ctrl, notes, eng, err := func() (plan.Controller, []string, *engine.Moby, error) {
		eng, err := connect(ctx)
		if err != nil {
			return plan.Controller{}, nil, nil, err
		}
		ctrl, notes, err := describeController(ctx, eng, candidates, inside)
		if _, ok := controllerArgs(ctrl.Command); err == nil && file != "" && !ok {
			err = fmt.Errorf("%s does not run podinit's controller", ctrl.Name)
		}
		if err != nil {
			eng.Close()
		}
		return ctrl, notes, eng, err
	}()
	switch {
	case err != nil && file != "":
		return standInController(), []string{standInNote}, 0
	case err != nil:
		fmt.Fprintf(os.Stderr, "podinit validate: %v\n", err)
		return ctrl, nil, pod.ExitCannotRun
	}
	defer eng.Close()
	// The engine's /info, with the usual answers kept when it does not
	// come in time.
	ictx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if info, err := eng.Info(ictx); err == nil {
		notes = append(notes, engineView(&ctrl, info, eng.APIVersion(), inside)...)
	} else {
		notes = append(notes, fmt.Sprintf("warning: the engine's /info did not answer (%v): its data root is not among the paths no component gets", err))
	}
	return ctrl, notes, 0
}

// quoteArgs shows arguments as a shell would take them back.
func quoteArgs(args []string) string {
	if len(args) == 0 {
		return "(none)"
	}
	q := make([]string, len(args))
	for i, a := range args {
		q[i] = a
		if a == "" || strings.ContainsAny(a, " \t'\"$\\") {
			q[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
	}
	return strings.Join(q, " ")
}

// printPlan writes the plan for a human: what starts when, what stops when,
// what each component shares and is limited to.
func printPlan(w io.Writer, p *plan.Plan, notes []string, warnings []*podspec.Problem) {
	fmt.Fprintf(w, "pod %s (controller %s)\n", p.Pod, p.Controller.Name)
	for _, n := range notes {
		fmt.Fprintf(w, "controller: %s\n", n)
	}
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
	fmt.Fprint(w, describeStop(p))
	fmt.Fprint(w, describeCeiling(p))
	fmt.Fprint(w, describeNames(p))
	for _, warn := range warnings {
		fmt.Fprintf(w, "warning: %s\n", warn.Error())
	}
}

func describeMember(m *plan.Member) string {
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

func needs(m *plan.Member) string {
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

// describeStop is the stop the runtime follows (plan.Plan.StopTimeline),
// counted from the stop request, at the latest.
func describeStop(p *plan.Plan) string {
	var b strings.Builder
	steps, deadline, end := p.StopTimeline()
	o := p.Options
	fmt.Fprintf(&b, "stop, within the budget %s from the stop request (the service's stop_grace_period should be the same):\n", o.StopBudget)
	wave := 0
	for _, s := range steps {
		if s.Wave != wave {
			wave = s.Wave
			fmt.Fprintf(&b, "  %d. by %s:\n", wave, s.SignalBy)
		}
		sig := s.Member.StopSignal
		if sig == "" {
			sig = "SIGTERM (or its image's STOPSIGNAL)"
		}
		why := "its stop_grace_period " + s.Member.StopGrace.String()
		if s.ByDeadline {
			why = "the pod's deadline"
		}
		fmt.Fprintf(&b, "     %s: %s%s, then SIGKILL by %s (%s)\n", s.Member.Name, preStops(s.Member), sig, s.KillBy, why)
	}
	fmt.Fprintf(&b, "  the pod's deadline %s keeps %s for the last kills; podinit exits by %s, before Docker's SIGKILL at %s\n", deadline, o.StopBudget-deadline, end, o.StopBudget)
	return b.String()
}
