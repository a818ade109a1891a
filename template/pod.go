package template

import (
	"context"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"

	composeloader "github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"

	"github.com/podinit/podinit/labels"
	"github.com/podinit/podinit/yamltree"
)

// PodOptions are template -pod's own choices.
type PodOptions struct {
	// Name is the Swarm service the pod becomes.
	Name string
	// Profiles are the enabled Compose profiles, as in COMPOSE_PROFILES
	// (comma-separated, "*" for all).
	Profiles string
	// CPUs and Memory are the pod's limits (Compose's forms: 1.5, 512M);
	// when empty, each is the sum of the components' limits, if every
	// component has one.
	CPUs, Memory string
}

// podServiceKeys are a service's keys that go to the pod's Swarm service
// and leave the component: the components share the service's network
// namespace, so its ports, networks and names are the pod's.
var podServiceKeys = map[string]bool{
	"ports": true, "expose": true, "networks": true, "container_name": true,
	"hostname": true, "domainname": true, "mac_address": true,
	"dns": true, "dns_opt": true, "dns_search": true,
}

// podServiceSingles are podServiceKeys of one value: services that give one
// must agree. podServiceLists add up.
var (
	podServiceSingles = []string{"hostname", "domainname", "mac_address"}
	podServiceLists   = []string{"dns", "dns_opt", "dns_search"}
)

// serviceDeployKeys are the keys of deploy that go to the pod's Swarm
// service. The component keeps resources (its share of the pod's budget,
// which the service's limits add up), restart_policy (read as its restart in
// the pod, as Compose reads it) and replicas (1 is warned, more refused).
var serviceDeployKeys = []string{"endpoint_mode", "labels", "mode", "placement", "rollback_config", "update_config"}

// RenderPod reads the Compose files (merged as Compose merges them) and
// renders every service as a component of one pod, whose controller is the
// stack's only service, po.Name. It returns the stack, and the notes the
// user should read: binds that must exist on every node, images to build.
func RenderPod(ctx context.Context, files []string, opts Options, po PodOptions) ([]byte, []string, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, nil, err
	}
	if !labels.ValidName(po.Name) {
		return nil, nil, fmt.Errorf("-pod %q: the service's name takes letters, digits, '_', '.' and '-', starting with a letter or digit", po.Name)
	}
	stacks, merged, project, err := readStacks(ctx, files, opts, false)
	if err != nil {
		return nil, nil, err
	}
	for _, ext := range []string{Extension, PodlikeExtension} {
		if _, ok := merged[ext]; ok {
			return nil, nil, fmt.Errorf("%s: the top-level %s field holds templates, which -pod does not use: -pod makes each service a component as it is written; remove the field, or render without -pod", project.File, ext)
		}
	}
	services, _ := merged["services"].(map[string]any)
	if len(services) == 0 {
		return nil, nil, fmt.Errorf("%s: no services: -pod makes each service a component of the pod", project.File)
	}
	var leftOut []string
	for _, name := range slices.Sorted(maps.Keys(services)) {
		svc, _ := services[name].(map[string]any)
		var profiles []string
		list, _ := svc["profiles"].([]any)
		for _, p := range list {
			profiles = append(profiles, fmt.Sprint(p))
		}
		if !labels.ProfileEnabled(profiles, types.Mapping{"COMPOSE_PROFILES": po.Profiles}) {
			delete(services, name)
			leftOut = append(leftOut, fmt.Sprintf("%s is left out, as docker compose up leaves it out: none of its profiles (%s) is enabled in COMPOSE_PROFILES", name, strings.Join(profiles, ", ")))
		}
	}
	if len(services) == 0 {
		return nil, nil, fmt.Errorf("%s: every service is left out for its profiles: enable one in COMPOSE_PROFILES", project.File)
	}
	b := &podBuilder{
		po: po, services: services, stacks: stacks,
		ctrl:   map[string]any{},
		deploy: map[string]any{},
		p:      &podSpec{name: po.Name, dir: project.Dir},
		notes:  leftOut,
	}
	// docker compose build names an image <project>-<service>: -project,
	// else the file's name:, else the folder's name, normalized as Compose
	// normalizes it.
	b.project = opts.Project
	if b.project == "" {
		b.project, _ = merged["name"].(string)
	}
	if b.project == "" {
		b.project = filepath.Base(project.Dir)
	}
	b.project = composeloader.NormalizeProjectName(b.project)
	// The stack file docker stack deploy reads has no name: the stack's
	// name is given on its command line.
	delete(merged, "name")

	components := map[string]map[string]any{}
	var errs []string
	for _, name := range slices.Sorted(maps.Keys(services)) {
		c, err := b.component(name)
		if err != nil {
			errs = append(errs, err.Error())
			continue
		}
		components[name] = c
	}
	if err := b.ports(); err != nil {
		errs = append(errs, err.Error())
	}
	if err := b.limits(components); err != nil {
		errs = append(errs, err.Error())
	}
	if len(errs) > 0 {
		return nil, nil, fmt.Errorf("-pod %s: %s", po.Name, strings.Join(errs, "\n  "))
	}
	if len(b.deploy) > 0 {
		b.ctrl["deploy"] = b.deploy
	}
	if len(b.bound) > 0 {
		// docker compose up binds host paths; a controller refuses them
		// without -allow host-mounts (never the engine's socket or data
		// root), so the pod of such a project says it allows them.
		b.ctrl["command"] = []any{"-logs", "-allow=host-mounts"}
		b.note("the pod's controller runs with -allow host-mounts, for the binds of %s (the engine's socket, data and run directories stay refused)", strings.Join(b.bound, ", "))
	}
	for _, k := range append([]string{"networks", "secrets", "configs", "sysctls"}, podServiceLists...) {
		if v := b.keys[k]; v != nil {
			b.ctrl[k] = v.value()
		}
	}
	if err := setPodLabels(b.p, b.ctrl, components, nil, nil); err != nil {
		return nil, nil, err
	}
	if err := b.stopBudget(); err != nil {
		return nil, nil, err
	}
	r := &renderer{opts: opts, project: project, stack: merged}
	var vols []any
	for _, name := range slices.Sorted(maps.Keys(services)) {
		if l, ok := services[name].(map[string]any)["volumes"].([]any); ok {
			vols = append(vols, l...)
		}
	}
	if err := r.finishController(b.p, b.ctrl, vols); err != nil {
		return nil, nil, err
	}
	merged["services"] = map[string]any{po.Name: b.ctrl}
	out, err := marshalYAML(merged)
	return out, b.notes, err
}

// podBuilder gathers the pod's service from its components' services.
type podBuilder struct {
	po       PodOptions
	project  string
	services map[string]any
	stacks   []*stackFile
	p        *podSpec
	ctrl     map[string]any
	deploy   map[string]any
	// deployFrom says which service gave each key of deploy.
	deployFrom map[string]string
	// published are the host ports, with the service that publishes each.
	published map[string]string
	portList  []any
	// targets are the container ports, with the services that listen on each.
	targets map[string][]string
	keys    map[string]*union
	notes   []string
	// bound are the components with bind mounts.
	bound []string
}

// dir is the folder of the file that declares the service: its relative
// paths start there.
func (b *podBuilder) dir(name string) string {
	for _, s := range b.stacks {
		if s.serviceAt[name] != nil {
			return s.dir
		}
	}
	return b.p.dir
}

func (b *podBuilder) note(format string, args ...any) {
	b.notes = append(b.notes, fmt.Sprintf(format, args...))
}

// component makes the service name a component, and gives the pod's
// service what it takes from it.
func (b *podBuilder) component(name string) (map[string]any, error) {
	svc, ok := b.services[name].(map[string]any)
	if !ok {
		return nil, fmt.Errorf("services.%s: must be a mapping of Compose keys, got %v", name, b.services[name])
	}
	if !labels.ValidName(name) {
		return nil, fmt.Errorf("services.%s: %q is not a valid component name: use letters, digits, '_', '.' and '-', starting with a letter or digit", name, name)
	}
	dir := b.dir(name)
	c := map[string]any{}
	skip := func(k string) bool {
		// profiles are decided here: the ones left are enabled.
		return podServiceKeys[k] || k == "deploy" || k == "build" || k == "profiles" || k == PodlikeExtension ||
			(strings.HasPrefix(k, "x-") && k != Extension)
	}
	if err := componentFromService(c, svc, dir, skip); err != nil {
		return nil, fmt.Errorf("services.%s: %v", name, err)
	}
	if aliased := aliasedNetworks(svc["networks"]); aliased != nil {
		// The aliases resolve inside the pod (the names of the pod), which
		// reads them from the component's networks.
		c["networks"] = aliased
	}
	if _, ok := svc["build"]; ok {
		img, _ := c["image"].(string)
		if img == "" {
			img = b.project + "-" + name
			c["image"] = img
		}
		b.note("%s: build and push its image, then deploy: docker compose build %s && docker compose push %s (the pod runs %s; a registry every node can pull from must hold it)", name, name, name, img)
	}
	for _, v := range binds(c["volumes"]) {
		if !slices.Contains(b.bound, name) {
			b.bound = append(b.bound, name)
		}
		b.note("%s: bind %s: the path must exist on every node that can run the pod (pin the pod with deploy.placement, or use a named volume)", name, v)
	}
	if err := b.deployKeys(name, svc["deploy"], c); err != nil {
		return nil, err
	}
	for _, k := range append([]string{"networks", "secrets", "configs"}, podServiceLists...) {
		if v, ok := svc[k]; ok {
			if str, isString := v.(string); isString {
				v = []any{str} // dns: 1.1.1.1
			}
			if err := b.union(k).add(name, v); err != nil {
				return nil, err
			}
		}
	}
	for _, k := range podServiceSingles {
		v, ok := svc[k]
		if !ok {
			continue
		}
		if prev, ok := b.ctrl[k]; ok && !equalYAML(prev, v) {
			return nil, fmt.Errorf("services.%s.%s: %v, but another service gives %v: the components share the pod's service's; give it once", name, k, v, prev)
		}
		b.ctrl[k] = yamltree.DeepCopy(v)
	}
	if net := splitSysctls(svc["sysctls"], true); len(net) > 0 {
		if err := b.union("sysctls").add(name, net); err != nil {
			return nil, err
		}
	}
	if err := b.collectPorts(name, svc["ports"], svc["expose"]); err != nil {
		return nil, err
	}
	return c, nil
}

// withoutKeys returns a component's YAML without the given top-level keys.
func withoutKeys(text string, keys ...string) string {
	node, err := yamltree.ParseFlat([]byte(text))
	if err != nil || node == nil {
		return text
	}
	v, err := yamltree.Decode(node)
	m, ok := v.(map[string]any)
	if err != nil || !ok {
		return text
	}
	for _, k := range keys {
		delete(m, k)
	}
	out, err := marshalYAML(m)
	if err != nil {
		return text
	}
	return string(out)
}

// binds lists a component's bind mounts as src:dst.
func binds(v any) []string {
	list, _ := v.([]any)
	var out []string
	for _, e := range list {
		src, dst, named := volumeParts(e)
		if named || src == "" {
			continue
		}
		if m, ok := e.(map[string]any); ok && m["type"] != "bind" {
			continue
		}
		out = append(out, src+":"+dst)
	}
	return out
}
