package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/docker/docker/api/types/system"

	"github.com/podinit/podinit/cgroup"
	"github.com/podinit/podinit/plan"
	"github.com/podinit/podinit/pod"
	"github.com/podinit/podinit/podspec"
)

// The controller is described here once, for the controller itself and for
// `podinit validate`, so that validate's verdict is the controller's.
// describeController and engineView build it; settle finishes the flags
// against it. inside says that podinit runs in that controller (the
// controller; validate run with docker exec): its own cgroup, capabilities,
// DOCKER_HOST and files are the controller's. Otherwise (validate
// -container NAME run elsewhere) they come from the engine's record of the
// container, and the notes say so.

// describeController finds the controller among candidates and adds what
// needs no answer from the engine's /info (which the controller asks for
// in the meantime).
func describeController(ctx context.Context, eng pod.Engine, candidates []string, inside bool) (plan.Controller, []string, error) {
	ctrl, err := pod.Discover(ctx, eng, candidates, podspec.VolumeRef)
	if err != nil {
		return ctrl, nil, err
	}
	var notes []string
	ctrl.FilesHere = inside
	if !inside {
		ctrl.Limits = ctrl.Configured
		notes = append(notes, fmt.Sprintf("limits %s, from its engine configuration (a cgroup parent's limits above it show only inside it: run validate there, with docker exec)", ctrl.Limits))
		return ctrl, notes, nil
	}
	if ctrl.Limits, err = cgroup.Read(); err != nil {
		notes = append(notes, fmt.Sprintf("warning: cannot read the controller's cgroup limits (%v): component limits are not checked against them", err))
	}
	// What the controller's process holds: a non-root controller has no
	// capability, whatever its engine configuration says.
	if status, err := os.ReadFile("/proc/self/status"); err == nil {
		if set, err := plan.CapEff(string(status)); err == nil {
			ctrl.Caps = plan.Caps{Set: set, From: "its /proc/self/status CapEff"}
		}
	}
	ctrl.EngineHost = engineHost()
	return ctrl, notes, nil
}

// engineView adds the API version podinit and the engine agreed on, and
// what the engine's /info decides: whether components nest
// under the controller's cgroup, whether podinit removes the pod's
// containers itself, and the engine's data root, which no component gets.
func engineView(ctrl *plan.Controller, info system.Info, apiVersion string, inside bool) []string {
	var notes []string
	ctrl.APIVersion = apiVersion
	if inside {
		parent, nested, why := cgroup.Parent(info.CgroupDriver, info.CgroupVersion, cgroup.Own(), ctrl.OwnCgroupParent, ctrl.ID)
		if nested {
			ctrl.CgroupParent = parent
		}
		notes = append(notes, why)
	}
	if info.LiveRestoreEnabled && plan.RestoreKillsAutoRemove(info.ServerVersion) {
		ctrl.RemoveOwn = true
		notes = append(notes, fmt.Sprintf("Docker %s with live-restore kills auto-remove containers as it restarts (moby/moby#46308): podinit removes the pod's containers itself", info.ServerVersion))
	}
	if info.DockerRootDir != "" {
		ctrl.EngineDirs = append(ctrl.EngineDirs, info.DockerRootDir)
	}
	return notes
}

// engineHost is where this process's engine client connects (what
// client.FromEnv reads).
func engineHost() string {
	if h := os.Getenv("DOCKER_HOST"); h != "" {
		return h
	}
	return pod.DefaultEngineHost
}

// settle finishes the flags against the controller: the stop budget is the
// controller's own stop timeout unless -stop-budget is given, and the
// margin follows plan.StopMargin's rule. The note says when the margin was
// shrunk.
func (f *controllerFlags) settle(ctrl plan.Controller) (note string, err error) {
	if !f.budgetSet && ctrl.StopTimeout != nil && *ctrl.StopTimeout > 0 {
		f.opts.StopBudget = time.Duration(*ctrl.StopTimeout) * time.Second
	}
	f.opts.StopMargin, note, err = plan.StopMargin(f.opts.StopBudget, f.opts.StopMargin, f.marginSet)
	return note, err
}

// controllerArgs are the flags a controller runs with, from its command
// as the engine started it: podinit with flags only (the image's entrypoint
// /podinit, or podinit-pod). ok is false when the container runs something
// else, whose flags validate cannot know.
func controllerArgs(command []string) (args []string, ok bool) {
	if len(command) == 0 {
		return nil, false
	}
	switch filepath.Base(command[0]) {
	case "podinit", "podinit-pod":
	default:
		return nil, false
	}
	args = command[1:]
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		return nil, false // another mode: run, validate, …
	}
	return args, true
}
