package template

import (
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	composeloader "github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"
	units "github.com/docker/go-units"

	"github.com/podinit/podinit/labels"
	"github.com/podinit/podinit/plan"
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

// deployKeys moves the service-level keys of the service's deploy to the
// pod's, and leaves the rest on the component.
func (b *podBuilder) deployKeys(name string, v any, c map[string]any) error {
	if v == nil {
		return nil
	}
	d, ok := v.(map[string]any)
	if !ok {
		return fmt.Errorf("services.%s.deploy: must be a mapping, got %v", name, v)
	}
	rest := yamltree.DeepCopy(d).(map[string]any)
	if b.deployFrom == nil {
		b.deployFrom = map[string]string{}
	}
	for _, k := range serviceDeployKeys {
		val, ok := d[k]
		if !ok {
			continue
		}
		delete(rest, k)
		switch k {
		case "labels":
			m, err := asMap(val, "deploy.labels")
			if err != nil {
				return fmt.Errorf("services.%s: %v", name, err)
			}
			have, _ := b.deploy[k].(map[string]any)
			if have == nil {
				have = map[string]any{}
			}
			for lk, lv := range m {
				if prev, ok := have[lk]; ok && fmt.Sprint(prev) != fmt.Sprint(lv) {
					return fmt.Errorf("services.%s.deploy.labels.%s: %v, but another service gives %v: the pod's service has one value; give it once", name, lk, lv, prev)
				}
				have[lk] = lv
			}
			b.deploy[k] = have
		case "placement":
			if err := b.placement(name, val); err != nil {
				return err
			}
		default:
			if prev, ok := b.deploy[k]; ok && !equalYAML(prev, val) {
				return fmt.Errorf("services.%s.deploy.%s differs from services.%s's: the pod is one Swarm service with one %s; give the same value, or keep it on one service", name, k, b.deployFrom[k], k)
			}
			b.deploy[k] = yamltree.DeepCopy(val)
			b.deployFrom[k] = name
		}
	}
	if len(rest) > 0 {
		c["deploy"] = rest
	}
	return nil
}

// placement merges the services' placements: the pod runs where every one
// of its components may run, so constraints add up.
func (b *podBuilder) placement(name string, v any) error {
	p, ok := v.(map[string]any)
	if !ok {
		return fmt.Errorf("services.%s.deploy.placement: must be a mapping, got %v", name, v)
	}
	have, _ := b.deploy["placement"].(map[string]any)
	if have == nil {
		have = map[string]any{}
	}
	for k, val := range p {
		switch l := val.(type) {
		case []any:
			cur, _ := have[k].([]any)
			for _, e := range l {
				if !slices.ContainsFunc(cur, func(x any) bool { return equalYAML(x, e) }) {
					cur = append(cur, yamltree.DeepCopy(e))
				}
			}
			have[k] = cur
		default:
			if prev, ok := have[k]; ok && !equalYAML(prev, val) {
				return fmt.Errorf("services.%s.deploy.placement.%s: %v, but another service gives %v: the pod's service has one; give it once", name, k, val, prev)
			}
			have[k] = val
		}
	}
	b.deploy["placement"] = have
	return nil
}

// collectPorts gathers the service's published ports for the pod's service,
// and every container port the service listens on, to warn about two that
// would share localhost.
func (b *podBuilder) collectPorts(name string, ports, expose any) error {
	if b.published == nil {
		b.published, b.targets = map[string]string{}, map[string][]string{}
	}
	listen := func(port string) {
		if !slices.Contains(b.targets[port], name) {
			b.targets[port] = append(b.targets[port], name)
		}
	}
	if ports != nil {
		list, ok := ports.([]any)
		if !ok {
			return fmt.Errorf("services.%s.ports: must be a list, got %v", name, ports)
		}
		for _, e := range list {
			if !slices.ContainsFunc(b.portList, func(x any) bool { return equalYAML(x, e) }) {
				b.portList = append(b.portList, yamltree.DeepCopy(e))
			}
			if text, _ := marshalYAML(e); strings.Contains(string(text), "$") {
				// docker stack deploy interpolates ${PORT} later, from the
				// deploying shell: the clash cannot be known here.
				continue
			}
			var cfgs []types.ServicePortConfig
			switch t := e.(type) {
			case map[string]any:
				c := types.ServicePortConfig{Protocol: "tcp"}
				if s, ok := t["protocol"].(string); ok {
					c.Protocol = s
				}
				target, err := strconv.ParseUint(fmt.Sprint(t["target"]), 10, 32)
				if err != nil {
					return fmt.Errorf("services.%s.ports: %v: target must be a port number", name, e)
				}
				c.Target = uint32(target)
				if t["published"] != nil {
					c.Published = fmt.Sprint(t["published"])
				}
				if ip, ok := t["host_ip"].(string); ok {
					c.HostIP = ip
				}
				cfgs = []types.ServicePortConfig{c}
			default:
				var err error
				cfgs, err = types.ParsePortConfig(fmt.Sprint(t))
				if err != nil {
					return fmt.Errorf("services.%s.ports: %v: %v", name, e, err)
				}
			}
			for _, c := range cfgs {
				listen(fmt.Sprintf("%d/%s", c.Target, c.Protocol))
				if c.HostIP != "" && c.Published != "" {
					b.note("%s: port %s:%s:%d/%s binds the host address %s, which a Swarm service cannot: docker stack deploy publishes it on every address of the node; to keep it off a network, firewall it or leave it unpublished", name, c.HostIP, c.Published, c.Target, c.Protocol, c.HostIP)
				}
				if c.Published == "" {
					continue
				}
				key := c.Published + "/" + c.Protocol
				if prev, ok := b.published[key]; ok && prev != name {
					return fmt.Errorf("services.%s.ports: %v publishes host port %s, which services.%s publishes too: the pod is one Swarm service with one set of ports; give one of them another host port", name, e, key, prev)
				}
				b.published[key] = name
			}
		}
	}
	if l, ok := expose.([]any); ok {
		for _, e := range l {
			port, proto, found := strings.Cut(fmt.Sprint(e), "/")
			if !found {
				proto = "tcp"
			}
			listen(port + "/" + proto)
		}
	}
	return nil
}

// ports gives the pod's service the merged ports, and notes container ports
// that two components listen on: they share localhost, so one of them
// cannot bind it.
func (b *podBuilder) ports() error {
	if len(b.portList) > 0 {
		b.ctrl["ports"] = b.portList
	}
	for _, port := range slices.Sorted(maps.Keys(b.targets)) {
		if s := b.targets[port]; len(s) > 1 {
			who := strings.Join(s[:len(s)-1], ", ") + " and " + s[len(s)-1]
			b.note("%s listen on port %s: in the pod they share localhost, so only one of them can bind it; give the others another port", who, port)
		}
	}
	return nil
}

// limits gives the pod's service its resource limits: -cpus and -memory
// when given, else the sum of the components' deploy.resources.limits, for
// each of cpus, memory and pids that every component sets (a component
// without a limit may use what the others leave).
func (b *podBuilder) limits(components map[string]map[string]any) error {
	explicit := map[string]string{"cpus": b.po.CPUs, "memory": b.po.Memory}
	out := map[string]any{}
	for _, key := range []string{"cpus", "memory", "pids"} {
		if v := explicit[key]; v != "" {
			out[key] = v
			continue
		}
		var sum float64
		var missing []string
		for _, name := range slices.Sorted(maps.Keys(components)) {
			d, _ := components[name]["deploy"].(map[string]any)
			r, _ := d["resources"].(map[string]any)
			l, _ := r["limits"].(map[string]any)
			v, ok := l[key]
			if !ok {
				missing = append(missing, name)
				continue
			}
			n, err := limitValue(key, v)
			if err != nil {
				return fmt.Errorf("services.%s.deploy.resources.limits.%s: %v", name, key, err)
			}
			sum += n
		}
		switch {
		case len(missing) == len(components):
		case len(missing) > 0:
			b.note("the pod's service gets no %s limit: %s set none (the pod's limit is the sum of its components' when every one sets it; -%s sets it)", key, strings.Join(missing, ", "), key)
		default:
			out[key] = formatLimit(key, sum)
		}
	}
	if b.po.CPUs != "" {
		if _, err := limitValue("cpus", b.po.CPUs); err != nil {
			return fmt.Errorf("-cpus %s: %v", b.po.CPUs, err)
		}
	}
	if b.po.Memory != "" {
		if _, err := limitValue("memory", b.po.Memory); err != nil {
			return fmt.Errorf("-memory %s: %v", b.po.Memory, err)
		}
	}
	res := map[string]any{}
	if len(out) > 0 {
		res["limits"] = out
	}
	r, err := b.reservations(components)
	if err != nil {
		return err
	}
	if len(r) > 0 {
		res["reservations"] = r
	}
	if len(res) > 0 {
		b.deploy["resources"] = res
	}
	return nil
}

// reservations adds up what the components reserve, so that Swarm places
// the pod where all of it fits: cpus and generic_resources, which only the
// service can reserve, leave the components; memory stays on them too (it
// is their mem_reservation).
func (b *podBuilder) reservations(components map[string]map[string]any) (map[string]any, error) {
	out := map[string]any{}
	sums := map[string]float64{}
	var generic []any
	for _, name := range slices.Sorted(maps.Keys(components)) {
		d, _ := components[name]["deploy"].(map[string]any)
		r, _ := d["resources"].(map[string]any)
		res, _ := r["reservations"].(map[string]any)
		for _, key := range []string{"cpus", "memory"} {
			if v, ok := res[key]; ok {
				n, err := limitValue(key, v)
				if err != nil {
					return nil, fmt.Errorf("services.%s.deploy.resources.reservations.%s: %v", name, key, err)
				}
				sums[key] += n
			}
		}
		if g, ok := res["generic_resources"].([]any); ok {
			generic = append(generic, g...)
		}
		delete(res, "cpus")
		delete(res, "generic_resources")
		if len(res) == 0 && r != nil {
			delete(r, "reservations")
			if len(r) == 0 {
				delete(d, "resources")
			}
			if len(d) == 0 {
				delete(components[name], "deploy")
			}
		}
	}
	for key, n := range sums {
		out[key] = formatLimit(key, n)
	}
	if len(generic) > 0 {
		out["generic_resources"] = generic
	}
	return out, nil
}

func limitValue(key string, v any) (float64, error) {
	s := fmt.Sprint(v)
	switch key {
	case "memory":
		n, err := units.RAMInBytes(s)
		if err != nil || n <= 0 {
			return 0, fmt.Errorf("%q is not a size such as 512M or 1G", s)
		}
		return float64(n), nil
	default:
		n, err := strconv.ParseFloat(s, 64)
		if err != nil || n <= 0 {
			return 0, fmt.Errorf("%q is not a positive number", s)
		}
		return n, nil
	}
}

func formatLimit(key string, n float64) any {
	switch key {
	case "memory":
		b := int64(n)
		if b%(1<<20) == 0 {
			return fmt.Sprintf("%dM", b>>20)
		}
		return strconv.FormatInt(b, 10)
	case "pids":
		return int64(n)
	}
	return strconv.FormatFloat(n, 'f', -1, 64)
}

// stopBudget gives the pod's service the stop_grace_period its stop order
// needs: the components as the controller will read them, ordered into stop
// waves by the pod package, each wave taking its slowest stop_grace_period,
// plus the margin podinit keeps.
func (b *podBuilder) stopBudget() error {
	l := map[string]string{}
	lbl, _ := b.ctrl["labels"].(map[string]any)
	for k, v := range lbl {
		s, _ := v.(string)
		// docker stack deploy interpolates the labels once: $$ becomes $.
		l[k] = strings.ReplaceAll(s, "$$", "$")
	}
	for k, v := range l {
		if !strings.HasPrefix(k, labels.ComponentPrefix) {
			continue
		}
		// The components' secrets and configs come from the controller
		// (issue 19, section 4); the stop order does not depend on them.
		l[k] = withoutKeys(v, "secrets", "configs")
	}
	spec, err := labels.FromLabels(l, os.Environ())
	if err != nil {
		return fmt.Errorf("-pod %s: the pod would not start:\n%v", b.po.Name, err)
	}
	budget, chain, err := plan.StopBudgetFor(spec, plan.DefaultStopMargin)
	if err != nil {
		return fmt.Errorf("-pod %s: %v", b.po.Name, err)
	}
	if budget > 0 {
		b.ctrl["stop_grace_period"] = budget.String()
		b.note("the pod's stop_grace_period is %s: %s along the stop order, and %s kept for the last kills", budget, chain, plan.DefaultStopMargin)
	}
	return nil
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

// aliasedNetworks keeps the networks of a service that give it aliases.
func aliasedNetworks(v any) map[string]any {
	m, _ := v.(map[string]any)
	out := map[string]any{}
	for k, def := range m {
		if d, ok := def.(map[string]any); ok && d["aliases"] != nil {
			out[k] = map[string]any{"aliases": yamltree.DeepCopy(d["aliases"])}
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
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

// union gathers one list-or-mapping key (networks, secrets, configs,
// sysctls) from every service.
type union struct {
	key   string
	list  []any          // entries of the short form, once each
	named map[string]any // entries by name; the long form's
	from  map[string]string
	asMap bool
}

func (b *podBuilder) union(k string) *union {
	if b.keys == nil {
		b.keys = map[string]*union{}
	}
	if b.keys[k] == nil {
		b.keys[k] = &union{key: k, named: map[string]any{}, from: map[string]string{}}
	}
	return b.keys[k]
}

// add merges one service's value. Secrets and configs reach the pod's
// service by name only: their targets, modes and owners are the
// component's, which the pod gives it from the controller.
func (u *union) add(service string, v any) error {
	put := func(name string, def any) error {
		prev, ok := u.named[name]
		if ok && u.key == "networks" {
			// Two services on one network: the pod's service is on it, with
			// the aliases of both.
			def = mergeNetwork(prev, def)
			ok = false
		}
		if ok && !equalYAML(prev, def) {
			return fmt.Errorf("services.%s.%s.%s differs from services.%s's: the pod's service has one; give the same value", service, u.key, name, u.from[name])
		}
		u.named[name] = yamltree.DeepCopy(def)
		if _, ok := u.from[name]; !ok {
			u.from[name] = service
		}
		return nil
	}
	switch t := v.(type) {
	case map[string]any:
		u.asMap = true
		for _, k := range slices.Sorted(maps.Keys(t)) {
			if err := put(k, t[k]); err != nil {
				return err
			}
		}
	case []any:
		for _, e := range t {
			switch x := e.(type) {
			case map[string]any:
				src, _ := x["source"].(string)
				if src == "" {
					return fmt.Errorf("services.%s.%s: %v has no source", service, u.key, e)
				}
				if err := put(src, nil); err != nil {
					return err
				}
			default:
				name := fmt.Sprint(x)
				if u.key == "sysctls" {
					k, val, _ := strings.Cut(name, "=")
					if err := put(k, val); err != nil {
						return err
					}
					u.asMap = true
					continue
				}
				if err := put(name, nil); err != nil {
					return err
				}
			}
		}
	case nil:
	default:
		return fmt.Errorf("services.%s.%s: must be a list or a mapping, got %v", service, u.key, v)
	}
	return nil
}

func (u *union) value() any {
	names := slices.Sorted(maps.Keys(u.named))
	if u.asMap {
		m := map[string]any{}
		for _, n := range names {
			m[n] = u.named[n]
		}
		return m
	}
	l := make([]any, len(names))
	for i, n := range names {
		l[i] = n
	}
	return l
}

// mergeNetwork merges two services' settings of one network: aliases add
// up, other settings of the first stay.
func mergeNetwork(a, b any) any {
	am, _ := a.(map[string]any)
	bm, _ := b.(map[string]any)
	if am == nil {
		return yamltree.DeepCopy(b)
	}
	out := yamltree.DeepCopy(am).(map[string]any)
	for k, v := range bm {
		if l, ok := v.([]any); ok && k == "aliases" {
			cur, _ := out[k].([]any)
			for _, e := range l {
				if !slices.Contains(cur, e) {
					cur = append(cur, e)
				}
			}
			out[k] = cur
		} else if _, ok := out[k]; !ok {
			out[k] = yamltree.DeepCopy(v)
		}
	}
	return out
}

// equalYAML compares two decoded YAML values.
func equalYAML(a, b any) bool {
	x, err1 := marshalYAML(a)
	y, err2 := marshalYAML(b)
	return err1 == nil && err2 == nil && string(x) == string(y)
}
