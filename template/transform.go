package template

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/podinit/podinit/labels"
	"github.com/podinit/podinit/yamltree"
)

const (
	// DockerSocket is mounted into every controller that lacks it.
	DockerSocket = "/var/run/docker.sock"
	// volumeMountDir is where a controller holds the named volumes its
	// components use, so that Swarm creates them for the task and the pod can
	// map each component's volume onto the controller's (volume-ref). Not
	// under /podinit, which is the controller image's binary.
	volumeMountDir = "/pod-volumes/"
	// defaultApp names the main component when no transformer template does.
	defaultApp = "app"
)

// controllerKeys stay on the controller only: they are Swarm service or
// network-namespace settings a component cannot have.
var controllerKeys = map[string]bool{
	"deploy": true, "ports": true, "networks": true, "configs": true, "secrets": true,
	"hostname": true, "dns": true, "dns_opt": true, "dns_search": true, "domainname": true,
	"extra_hosts": true, "mac_address": true, "expose": true, "external_links": true,
	"links": true, "network_mode": true, "container_name": true, "credential_spec": true,
	"isolation": true, "pid": true, "ipc": true, "uts": true, "cgroup_parent": true,
}

// sharedKeys go to both: labels (container labels), logging, and
// stop_grace_period (the controller's becomes podinit's -stop-budget, the
// app's is its own stop timeout).
var sharedKeys = map[string]bool{"labels": true, "logging": true, "stop_grace_period": true}

// droppedKeys go nowhere: init would make Docker's init PID 1 instead of
// podinit, and podinit is the pod's init.
var droppedKeys = map[string]bool{"init": true}

type renderer struct {
	opts    Options
	project Project
	loader  *loader
	stack   map[string]any
}

// transform replaces the service p in r.stack with its pod's controller.
func (r *renderer) transform(ctx context.Context, p *podSpec) error {
	svc := p.svc
	serviceData := yamltree.DeepCopy(svc).(map[string]any)
	serviceData["Name"] = p.name
	data := &Data{Service: serviceData, Project: r.project, Args: p.args}

	ctrl, err := r.controller(ctx, p, data)
	if err != nil {
		return err
	}
	appName, app, err := r.app(ctx, p, data)
	if err != nil {
		return err
	}
	components := map[string]map[string]any{appName: app}
	sidecars, err := r.sidecars(ctx, p, data, appName)
	if err != nil {
		return err
	}
	for n, c := range sidecars {
		components[n] = c
	}
	inits, err := r.inits(ctx, p, data, components)
	if err != nil {
		return err
	}
	copies, err := r.copies(ctx, p, data, components, inits)
	if err != nil {
		return err
	}

	if err := setPodLabels(p, ctrl, components, inits, copies); err != nil {
		return err
	}
	r.stack["services"].(map[string]any)[p.name] = ctrl
	return nil
}

// setPodLabels puts the pod on the controller's container labels:
// pod.component.<name> for each component, pod.init.components and
// pod.copy.<name>.
func setPodLabels(p *podSpec, ctrl map[string]any, components map[string]map[string]any, inits []map[string]any, copies map[string]string) error {
	ls, err := asMap(ctrl["labels"], "labels")
	if err != nil {
		return p.errf("%v", err)
	}
	set := func(k string, v any) error {
		if _, ok := ls[k]; ok {
			return p.errf("the label %s is both in the service's labels and made by its templates: remove one", k)
		}
		ls[k] = v
		return nil
	}
	for _, n := range slices.Sorted(maps.Keys(components)) {
		text, err := componentYAML(components[n])
		if err != nil {
			return p.errf("component %s: %v", n, err)
		}
		if err := set(labels.ComponentPrefix+n, text); err != nil {
			return err
		}
	}
	if len(inits) > 0 {
		list := make([]any, len(inits))
		for i, c := range inits {
			list[i] = escapeDollars(c)
		}
		text, err := marshalYAML(list)
		if err != nil {
			return p.errf("init components: %v", err)
		}
		if err := set(labels.InitComponents, string(text)); err != nil {
			return err
		}
	}
	for _, n := range slices.Sorted(maps.Keys(copies)) {
		if err := set(labels.CopyPrefix+n, copies[n]); err != nil {
			return err
		}
	}
	ctrl["labels"] = ls
	return nil
}

func (p *podSpec) errf(format string, args ...any) error {
	e := &Error{File: "?", Path: "services." + p.name, Msg: fmt.Sprintf(format, args...)}
	if p.at != nil {
		e.File, e.Line = p.at.File, p.at.Line
	}
	return e
}

// renderOne loads and renders one template item.
func (r *renderer) renderOne(ctx context.Context, it *item, data *Data) (map[string]any, source, error) {
	text, src, err := r.loader.load(ctx, it)
	if err != nil {
		return nil, src, err
	}
	m, _, err := render(ctx, text, src, data)
	return m, src, err
}

// single checks that a rendered pod, transformer or init template defines
// exactly one root key, and returns it and its definition.
func single(m map[string]any, src source, what string) (string, map[string]any, error) {
	if len(m) != 1 {
		return "", nil, &Error{File: src.name, Line: lineOf(src), Msg: fmt.Sprintf(
			"%s renders %d root keys (%s); a %s template renders exactly one: NAME: {definition}",
			src.label(), len(m), strings.Join(slices.Sorted(maps.Keys(m)), ", "), what)}
	}
	for k, v := range m {
		def, err := definition(v, src, k)
		return k, def, err
	}
	panic("unreachable")
}

func definition(v any, src source, name string) (map[string]any, error) {
	switch d := v.(type) {
	case nil:
		return map[string]any{}, nil
	case map[string]any:
		return d, nil
	}
	return nil, &Error{File: src.name, Line: lineOf(src), Msg: fmt.Sprintf(
		"%s renders %s: %v; a component is a mapping of Compose service keys", src.label(), name, v)}
}

func lineOf(src source) int {
	if src.decl != nil && src.name == src.decl.File {
		return src.decl.Line
	}
	return 0
}

// kvKeys are the service keys whose KEY=VALUE lists mean mappings.
var kvKeys = map[string]bool{"environment": true, "labels": true, "sysctls": true, "annotations": true}
