package labels

import (
	"maps"
	"slices"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
	yaml "go.yaml.in/yaml/v4"

	"github.com/podinit/podinit/podspec"
	"github.com/podinit/podinit/yamltree"
)

// service is one Compose service to read into a component.
type service struct {
	name string
	at   where
	node *yaml.Node   // the service's mapping
	role podspec.Role // RoleInit for init components; otherwise from x-podinit
	// baseDir is where relative env_file and label_file paths start: the
	// Compose file's directory, or podinit's working directory for labels.
	baseDir string
	// objectPaths are where the controller has the secrets and configs
	// that the Compose file's top-level declarations place (x-podinit.path),
	// by kind and name.
	objectPaths map[string]map[string]string
}

// reading is what reading one service found.
type reading struct {
	c     podspec.Component
	errs  []*Error
	warns []*Error
	// refs are the components that network_mode, ipc and pid name as
	// service:<name>, for the pod to check that they are components.
	refs []serviceRef
	// leftOut holds the service's profiles when none of them is enabled:
	// the service is not a component then.
	leftOut []string
}

type serviceRef struct {
	at   *Error // the key, placed; Msg is filled when the name is unknown
	name string
}

// read turns the service into a component, and finds every problem in it.
// Keys that cannot work in a pod are reported and left out, so that the rest
// of the service is still checked and all problems come out at once.
func (s service) read(env types.Mapping) reading {
	r := reading{c: podspec.Component{Name: s.name, Source: s.at.componentSource(), Line: s.at.line}}
	if s.role == podspec.RoleInit {
		r.c.Role = podspec.RoleInit
	}
	if s.node == nil || s.node.Kind != yaml.MappingNode {
		got := "nothing"
		if s.node != nil {
			got = yamltree.KindName(s.node)
		}
		r.errs = []*Error{s.at.errf("", "a component must be a YAML mapping of Compose service keys (for example `image: nginx:1.27`), got %s", got)}
		return r
	}
	s.at.lines = yamltree.KeyLines(s.node)
	if len(s.at.lines) > 0 {
		r.c.Lines = s.at.lines
	}
	decoded, err := yamltree.Decode(s.node)
	raw, _ := decoded.(map[string]any)
	if err != nil {
		r.errs = []*Error{s.at.errf("", "%v", err)}
		return r
	}
	r.errs, r.warns = checkKeys(raw, s.at)
	_, hasImage := raw["image"]
	_, building := raw["build"]
	if !hasImage && !building {
		r.errs = append(r.errs, s.at.errf("image", "missing: every component needs an image (podinit builds nothing)"))
	}
	delete(raw, "build")

	// compose-go stops at its first error. To report every problem at
	// once, leave out each key it complains about and load again.
	var svc *types.ServiceConfig
	catchComposeLog(func(msg string) { r.warns = append(r.warns, s.composeWarning(raw, msg)) }, func() {
		for range 20 {
			var loadErrs []*Error
			svc, loadErrs = s.load(yamltree.DeepCopy(raw).(map[string]any), env)
			r.errs = append(r.errs, loadErrs...)
			if svc != nil || !dropKeys(raw, loadErrs) {
				break
			}
		}
	})
	if svc == nil {
		return r
	}
	if !ProfileEnabled(svc.Profiles, env) {
		r.leftOut = svc.Profiles
		return r
	}
	if hasImage && svc.Image == "" {
		// image: "", or a tagged empty scalar (image: !x) that compose-go
		// reads as "" (found by FuzzComposeFile).
		r.errs = append(r.errs, s.at.errf("image", "is empty: every component needs an image (podinit builds nothing); name one, as image: NAME[:TAG]"))
	}
	s.own(svc, raw, &r)
	var netErrs []*Error
	r.c.Network, netErrs = readNetwork(svc, s.at, raw) // before convert: see linkDependencies
	r.errs = append(r.errs, netErrs...)
	r.errs = append(r.errs, convert(svc, s.at, raw, &r.c, &r.warns)...)
	r.errs = append(r.errs, hooks(svc, s.at, &r.c)...)
	copies, objErrs := swarmObjects(svc, s.at, s.objectPaths)
	r.c.Copies = copies
	r.errs = append(r.errs, objErrs...)
	r.c.Role = podspec.RoleMain
	x, xErrs := readExtension(svc.Extensions[Extension], s.at, s.role == podspec.RoleInit)
	r.errs = append(r.errs, xErrs...)
	if s.role == podspec.RoleInit {
		r.c.Role = podspec.RoleInit
		if len(svc.DependsOn) > 0 {
			// podlike ignored it too; its templates write it.
			r.warns = append(r.warns, s.at.errf("depends_on", "%s is ignored: init components run one after another, in the order of %s, before every other component starts", strings.Join(slices.Sorted(maps.Keys(svc.DependsOn)), ", "), InitComponents))
			r.c.DependsOn = nil
		}
	} else if x.role != "" {
		r.c.Role = x.role
	}
	x.applyTo(&r.c)
	return r
}

// own reads the keys with a behaviour of their own (Keys' Own) that the
// loaded service holds: build is read before loading and
// deploy.restart_policy by convert.
func (s service) own(svc *types.ServiceConfig, raw map[string]any, r *reading) {
	for _, ns := range []struct{ key, value, why string }{
		{"network_mode", svc.NetworkMode, "every component joins the controller's network namespace"},
		{"ipc", svc.Ipc, "the pod decides the IPC namespace: one for every component, unless the controller runs with -ipc=false"},
		{"pid", svc.Pid, "the pod decides the PID namespace: the controller's, unless it runs with -pids=false"},
	} {
		if ns.value == "" {
			continue
		}
		name, ok := strings.CutPrefix(ns.value, "service:")
		if !ok {
			r.errs = append(r.errs, s.at.errf(ns.key, "%s: not supported in a pod: %s (service:<a component of the pod> is accepted, with a warning)", ns.value, ns.why))
			continue
		}
		r.warns = append(r.warns, s.at.errf(ns.key, "%s %s%s", ns.value, unused, ns.why))
		r.refs = append(r.refs, serviceRef{at: s.at.errf(ns.key, ""), name: name})
		// compose-go adds a dependency, with restart, on the service whose
		// namespace this one joins. The pod's namespaces are the
		// controller's, there from the start: no order is needed.
		if deps, _ := raw["depends_on"]; !mentions(deps, name) {
			delete(svc.DependsOn, name)
		}
	}
	one := func(key string, n *int) {
		switch {
		case n == nil:
		case *n == 1:
			r.warns = append(r.warns, s.at.errf(key, "1 %sa pod runs one container per component", unused))
		default:
			r.errs = append(r.errs, s.at.errf(key, "%d: a pod runs one container per component: scale the controller's service instead", *n))
		}
	}
	one("scale", svc.Scale)
	if svc.Deploy != nil {
		one("deploy.replicas", svc.Deploy.Replicas)
	}
}

// mentions reports whether depends_on as written (a list or a mapping)
// names name.
func mentions(deps any, name string) bool {
	switch d := deps.(type) {
	case []any:
		return slices.Contains(d, any(name))
	case map[string]any:
		_, ok := d[name]
		return ok
	}
	return false
}

// ProfileEnabled reports whether a service with these profiles runs:
// Compose runs a service without profiles, or with one that
// COMPOSE_PROFILES enables ("*" enables every one).
func ProfileEnabled(profiles []string, env types.Mapping) bool {
	if len(profiles) == 0 {
		return true
	}
	for _, p := range strings.Split(env["COMPOSE_PROFILES"], ",") {
		if p = strings.TrimSpace(p); p == "*" || slices.Contains(profiles, p) {
			return true
		}
	}
	return false
}
