package plan

import (
	"fmt"
	"maps"
	"path"
	"slices"
	"strings"

	"github.com/docker/docker/api/types/mount"

	"github.com/podinit/podinit/podspec"
)

// The privilege ceiling: a component may get no more than the controller
// itself has, unless the controller's -allow flag opens the class. The code
// inside component images is not trusted; whoever writes the labels is, so
// the ceiling is there to make every grant explicit on the controller, not
// to second-guess the labels' author (host paths are compared as written:
// the controller cannot see the host's file system to resolve links).

// checkCeiling lists every grant in the spec that goes past the controller's
// own privileges and that opts.Allow does not open, and every mount that
// could never be given.
func checkCeiling(spec podspec.Spec, ctrl Controller, opts Options) []*podspec.Problem {
	var errs []*podspec.Problem
	for _, c := range append(append([]podspec.Component{}, spec.Init...), spec.Components...) {
		ce := ceilingCheck{c: c, ctrl: ctrl, opts: opts, declared: spec.Volumes}
		errs = append(errs, ce.run()...)
	}
	return errs
}

// ceilingCheck checks one component.
type ceilingCheck struct {
	c        podspec.Component
	ctrl     Controller
	opts     Options
	declared map[string]string
	errs     []*podspec.Problem
}

// refuse records a grant that needs class, unless the controller allows it.
func (ce *ceilingCheck) refuse(class Class, key, value, why string) {
	if ce.opts.Allow[class] {
		return
	}
	ce.errs = append(ce.errs, ce.c.Problem(key, fmt.Sprintf("%s %s; the controller's -allow %s would permit it", value, why, class)))
}

// never records a grant that no flag can open.
func (ce *ceilingCheck) never(key, value, why string) {
	ce.errs = append(ce.errs, ce.c.Problem(key, fmt.Sprintf("%s %s; no -allow opens this", value, why)))
}

func (ce *ceilingCheck) run() []*podspec.Problem {
	h := ce.c.Host
	if h.Privileged {
		ce.refuse(AllowPrivileged, "privileged", "true", "gives the component every capability and device of the host")
	}
	ce.capabilities()
	ce.hooks()
	for _, d := range h.Devices {
		ce.refuse(AllowDevices, "devices", d.PathOnHost+":"+d.PathInContainer, "gives the component a host device")
	}
	for _, r := range h.DeviceCgroupRules {
		ce.refuse(AllowDevices, "device_cgroup_rules", fmt.Sprintf("%q", r), "lets the component use host devices")
	}
	for _, r := range h.DeviceRequests {
		what := r.Driver
		if len(r.Capabilities) > 0 {
			what = strings.Join(r.Capabilities[0], "+")
		}
		ce.refuse(AllowDevices, "gpus / deploy.resources.reservations.devices", what, "gives the component host devices")
	}
	for _, o := range h.SecurityOpt {
		if !tighteningSecurityOpt(o) {
			ce.refuse(AllowSecurityOpt, "security_opt", o, "loosens or replaces the confinement the controller runs under (only no-new-privileges[:true] tightens it)")
		}
	}
	if h.UsernsMode.IsHost() {
		ce.refuse(AllowHostNamespaces, "userns_mode", "host", "puts the component in the host's user namespace")
	}
	if h.CgroupnsMode.IsHost() {
		ce.refuse(AllowHostNamespaces, "cgroup", "host", "puts the component in the host's cgroup namespace")
	}
	if h.Runtime != "" {
		ce.refuse(AllowRuntime, "runtime", h.Runtime, "replaces the runtime that confines the controller")
	}
	for _, k := range slices.Sorted(maps.Keys(h.Sysctls)) {
		if ipcSysctl(k) || strings.HasPrefix(k, "net.") {
			// IPC ones are inside the component's own IPC namespace with
			// -ipc=false (ipcSysctls reports them when the pod shares one);
			// package labels refuses net.* (the pod's network namespace).
			continue
		}
		why := "is not namespaced by the kernel: it would change the host"
		if k == "kernel.hostname" || k == "kernel.domainname" {
			why = "belongs to the UTS namespace the component shares with the controller"
		}
		ce.refuse(AllowSysctls, "sysctls", k+"="+h.Sysctls[k], why)
	}
	for i, m := range h.Mounts {
		ce.mount(fmt.Sprintf("volumes[%d]", i), m)
	}
	return ce.errs
}

// capabilities refuses cap_add entries the controller does not hold itself.
func (ce *ceilingCheck) capabilities() {
	have := ce.ctrl.Caps
	for _, name := range ce.c.Host.CapAdd {
		want, ok := ParseCap(name)
		if !ok {
			// The engine names the bad capability itself; it is not a
			// grant.
			continue
		}
		if missing := want &^ have.Set; missing != 0 {
			ce.refuse(AllowCapabilities, "cap_add", name, fmt.Sprintf("is more than the controller's own effective capabilities (%s; from %s; it lacks %s)", CapNames(have.Set), have.From, CapNames(missing)))
		}
	}
}

// tighteningSecurityOpt reports whether a security_opt only adds
// confinement; everything else (unconfined or custom profiles, SELinux
// labels, no-new-privileges:false, systempaths=unconfined) needs
// -allow security-opt.
func tighteningSecurityOpt(o string) bool {
	switch strings.ReplaceAll(strings.TrimSpace(o), "=", ":") {
	case "no-new-privileges", "no-new-privileges:true":
		return true
	}
	return false
}

func ipcSysctl(k string) bool {
	return k == "kernel.sem" || strings.HasPrefix(k, "kernel.shm") || strings.HasPrefix(k, "kernel.msg") || strings.HasPrefix(k, "fs.mqueue.")
}

// mount checks one of the component's own mounts.
func (ce *ceilingCheck) mount(key string, m mount.Mount) {
	switch m.Type {
	case mount.TypeBind:
		src := path.Clean(m.Source)
		if p, ok := touchesAny(src, ce.ctrl.EngineDirs); ok {
			ce.never(key, m.Source+":"+m.Target, fmt.Sprintf("would hand the component the engine's %s, which is root on the host", p))
			return
		}
		ce.refuse(AllowHostMounts, key, m.Source+":"+m.Target, "mounts a host path")
	case mount.TypeVolume:
		if m.Source == "" {
			return // anonymous: the component's own, removed with it
		}
		if dest, real, ok := ce.controllerVolume(m.Source); ok {
			if p, bad := touchesAny(dest, ce.ctrl.Private); bad && dest != "" {
				ce.never(key, m.Source+":"+m.Target, fmt.Sprintf("is the controller's volume at %s, which holds %s (the engine's or the health socket)", dest, p))
			}
			if dev := ce.ctrl.VolumeDevices[real]; dev != "" {
				if p, bad := touchesAny(path.Clean(dev), ce.ctrl.EngineDirs); bad {
					ce.never(key, m.Source+":"+m.Target, fmt.Sprintf("is the controller's volume %s, which binds the host's %s and so the engine's %s", real, dev, p))
				}
			}
			return
		}
		if _, ok := ce.declared[m.Source]; ok {
			return
		}
		ce.refuse(AllowNamedVolumes, key, m.Source+":"+m.Target, fmt.Sprintf("is neither one of the controller's volumes (%s) nor declared in the pod's Compose file (top-level volumes:); mount it on the controller, declare it, or check its spelling", ce.controllerVolumeNames()))
	}
}

// controllerVolume finds a controller volume by its reference or its real
// name, and returns where the controller mounts it and its real name.
func (ce *ceilingCheck) controllerVolume(name string) (dest, real string, ok bool) {
	real = name
	if r, ok := ce.ctrl.VolumeRefs[name]; ok {
		real = r
	}
	for _, cm := range ce.ctrl.Mounts {
		if cm.Type == mount.TypeVolume && cm.Name == real {
			return cm.Destination, real, true
		}
	}
	_, ok = ce.ctrl.VolumeRefs[name]
	return "", real, ok
}

func (ce *ceilingCheck) controllerVolumeNames() string {
	if len(ce.ctrl.VolumeRefs) == 0 {
		return "it has none"
	}
	return strings.Join(slices.Sorted(maps.Keys(ce.ctrl.VolumeRefs)), ", ")
}

// hooks refuses a privileged hook unless the controller allows privileged
// components: an exec with privileged gets every capability of the host,
// as a privileged container does.
func (ce *ceilingCheck) hooks() {
	for _, kind := range []struct {
		key   string
		hooks []podspec.Hook
	}{{"post_start", ce.c.PostStart}, {"pre_stop", ce.c.PreStop}} {
		for i, h := range kind.hooks {
			if h.Privileged {
				ce.refuse(AllowPrivileged, fmt.Sprintf("%s[%d].privileged", kind.key, i), "true", "runs the hook with every capability of the host")
			}
		}
	}
}
