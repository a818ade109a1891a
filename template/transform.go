package template

import (
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/podinit/podinit/labels"
	"github.com/podinit/podinit/podspec"
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

// controller builds the controller's service: the pod templates merged,
// then the service's own Swarm keys the templates did not set, the named
// volumes its components use, the Docker socket, the image and command.
func (r *renderer) controller(ctx context.Context, p *podSpec, data *Data) (map[string]any, error) {
	ctrl := map[string]any{}
	for _, it := range p.cfg.pod {
		m, src, err := r.renderOne(ctx, it, data)
		if err != nil {
			return nil, err
		}
		_, def, err := single(m, src, "pod")
		if err != nil {
			return nil, err
		}
		merge(ctrl, def)
	}
	for _, k := range slices.Sorted(maps.Keys(p.svc)) {
		if controllerKeys[k] || sharedKeys[k] || strings.HasPrefix(k, "x-") {
			addServiceKey(ctrl, k, p.svc[k])
		}
	}
	if _, ok := ctrl["sysctls"]; !ok {
		if net := splitSysctls(p.svc["sysctls"], true); len(net) > 0 {
			ctrl["sysctls"] = net
		}
	}
	if err := r.finishController(p, ctrl, p.svc["volumes"]); err != nil {
		return nil, err
	}
	return ctrl, nil
}

// finishController gives the controller what every controller has: the
// image, the named volumes of svcVolumes (its components' volumes) mounted
// so that the pod may use them, the Docker socket, the command, and the stop
// budget from its stop_grace_period.
func (r *renderer) finishController(p *podSpec, ctrl map[string]any, svcVolumes any) error {
	if !has(ctrl, "image") {
		ctrl["image"] = r.opts.Image
	}
	vols, _ := ctrl["volumes"].([]any)
	if ctrl["volumes"] != nil && vols == nil {
		return p.errf("the controller's volumes must be a list, got %v", ctrl["volumes"])
	}
	held := map[string]bool{}
	hasSocket := false
	for _, v := range vols {
		src, dst, _ := volumeParts(v)
		held[src] = true
		hasSocket = hasSocket || dst == DockerSocket
	}
	for _, name := range namedVolumes(svcVolumes) {
		if !held[name] {
			held[name] = true
			vols = append(vols, name+":"+volumeMountDir+name)
		}
	}
	if !hasSocket {
		// A podlike stack mounts the socket on the service for the
		// controller: that mount stays there (and never reaches the app).
		if own := socketMounts(svcVolumes); len(own) > 0 {
			vols = append(vols, own...)
		} else {
			vols = append(vols, DockerSocket+":"+DockerSocket)
		}
	}
	ctrl["volumes"] = vols
	if err := r.refVolumes(p, vols); err != nil {
		return err
	}

	if !has(ctrl, "command") {
		ctrl["command"] = []any{"-logs"}
	}
	if grace, ok := ctrl["stop_grace_period"]; ok && grace != nil {
		s := fmt.Sprint(grace)
		d, err := time.ParseDuration(s)
		if err != nil {
			return p.errf("stop_grace_period %q is not a duration such as 30s or 1m30s", s)
		}
		if err := addStopBudget(ctrl, d); err != nil {
			return p.errf("%v", err)
		}
	}
	return nil
}

// kvKeys are the service keys whose KEY=VALUE lists mean mappings.
var kvKeys = map[string]bool{"environment": true, "labels": true, "sysctls": true, "annotations": true}

// addServiceKey adds the service's own value for k after the templates: the
// templates' value wins, except that where both are mappings (labels,
// environment, deploy, ..., in either the map or the KEY=VALUE list form)
// the service's entries the templates lack are added. Lists are not
// extended, so a template's command or ports replace the service's.
func addServiceKey(target map[string]any, k string, v any) {
	cur, ok := target[k]
	if !ok {
		target[k] = yamltree.DeepCopy(v)
		return
	}
	cm, cok := cur.(map[string]any)
	vm, vok := v.(map[string]any)
	if kvKeys[k] {
		if l, isList := cur.([]any); isList {
			cm, cok = keyValues(l)
		}
		if l, isList := v.([]any); isList {
			vm, vok = keyValues(l)
		}
	}
	if cok && vok {
		merge(cm, vm)
		target[k] = cm
	}
}

// refVolumes gives each stack volume the controller holds under an explicit
// name (name: pids_{{.Task.ID}}) the label that lets the pod find it by its
// stack key, as podlike's README asks users to do by hand.
func (r *renderer) refVolumes(p *podSpec, vols []any) error {
	top, _ := r.stack["volumes"].(map[string]any)
	for _, v := range vols {
		src, _, named := volumeParts(v)
		if !named {
			continue
		}
		def, ok := top[src].(map[string]any)
		if !ok || def["name"] == nil || def["external"] == true {
			continue
		}
		ls, err := asMap(def["labels"], "volumes."+src+".labels")
		if err != nil {
			return p.errf("%v", err)
		}
		if ls[podspec.VolumeRefLabel] == nil && ls[podspec.PodlikeVolumeRefLabel] == nil {
			ls[podspec.VolumeRefLabel] = src
			def["labels"] = ls
		}
	}
	return nil
}

// addStopBudget makes podinit's stop budget the service's stop_grace_period,
// so that the pod stops within the time Swarm gives it.
func addStopBudget(ctrl map[string]any, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	// A budget of 1s or less leaves nothing for the default -stop-margin:
	// the controller keeps a quarter of it instead (plan.StopMargin).
	flags := []string{"-stop-budget=" + d.String()}
	switch c := ctrl["command"].(type) {
	case string:
		if strings.Contains(c, "stop-budget") {
			return nil
		}
		ctrl["command"] = strings.TrimSpace(c + " " + strings.Join(flags, " "))
	case []any:
		for _, a := range c {
			if s, ok := a.(string); ok && strings.Contains(s, "stop-budget") {
				return nil
			}
		}
		for _, f := range flags {
			c = append(c, f)
		}
		ctrl["command"] = c
	case nil:
		ctrl["command"] = []any{flags[0]}
		if len(flags) > 1 {
			ctrl["command"] = []any{flags[0], flags[1]}
		}
	default:
		return fmt.Errorf("the controller's command must be a string or a list, got %v", c)
	}
	return nil
}

// app builds the main component: the transformer templates merged (the
// first one's root key names it), then the service's own keys they did not
// set: everything but the Swarm and network settings.
func (r *renderer) app(ctx context.Context, p *podSpec, data *Data) (string, map[string]any, error) {
	name := defaultApp
	app := map[string]any{}
	for i, it := range p.cfg.transformer {
		m, src, err := r.renderOne(ctx, it, data)
		if err != nil {
			return "", nil, err
		}
		root, def, err := single(m, src, "transformer")
		if err != nil {
			return "", nil, err
		}
		if i == 0 {
			name = root
			if !labels.ValidName(name) {
				return "", nil, &Error{File: src.name, Line: lineOf(src), Msg: fmt.Sprintf("%s names the main component %q: use letters, digits, '_', '.' and '-', starting with a letter or digit", src.label(), name)}
			}
		}
		merge(app, def)
	}
	skip := func(k string) bool { return controllerKeys[k] || droppedKeys[k] || strings.HasPrefix(k, "x-") }
	if err := componentFromService(app, p.svc, p.dir, skip); err != nil {
		return "", nil, p.errf("%v", err)
	}
	return name, app, nil
}

// componentFromService adds a service's keys, but those skip names, to the
// component c after its templates: relative bind sources made absolute
// against dir, env_file read into environment, net.* sysctls left to the
// controller.
func componentFromService(c, svc map[string]any, dir string, skip func(string) bool) error {
	for _, k := range slices.Sorted(maps.Keys(svc)) {
		if skip(k) {
			continue
		}
		if has(c, k) && k != "env_file" {
			addServiceKey(c, k, svc[k])
			continue
		}
		switch k {
		case "volumes":
			vols, err := appVolumes(svc[k], dir)
			if err != nil {
				return err
			}
			c[k] = vols
		case "env_file":
			// Swarm reads env_file where the stack is deployed; podinit would
			// read it inside the controller, where it does not exist. Read
			// last: environment wins over it.
		case "sysctls":
			if rest := splitSysctls(svc[k], false); len(rest) > 0 {
				c[k] = rest
			}
		default:
			c[k] = yamltree.DeepCopy(svc[k])
		}
	}
	if ef, ok := svc["env_file"]; ok {
		if err := inlineEnvFiles(c, ef, dir); err != nil {
			return err
		}
	}
	return nil
}

// sidecars builds the components of the templates items: their rendered
// mappings merged, one component per root key.
func (r *renderer) sidecars(ctx context.Context, p *podSpec, data *Data, appName string) (map[string]map[string]any, error) {
	all := map[string]any{}
	firstSrc := map[string]source{}
	for _, it := range p.cfg.templates {
		m, src, err := r.renderOne(ctx, it, data)
		if err != nil {
			return nil, err
		}
		for _, k := range slices.Sorted(maps.Keys(m)) {
			if _, ok := firstSrc[k]; !ok {
				firstSrc[k] = src
			}
			if k == appName {
				return nil, &Error{File: src.name, Line: lineOf(src), Msg: fmt.Sprintf(
					"%s defines a component %q, the name of the main component: give the sidecar another name, or change the main component in a transformer template", src.label(), k)}
			}
			if !labels.ValidName(k) {
				return nil, &Error{File: src.name, Line: lineOf(src), Msg: fmt.Sprintf("%s: %q is not a valid component name: use letters, digits, '_', '.' and '-', starting with a letter or digit", src.label(), k)}
			}
		}
		merge(all, m)
	}
	out := map[string]map[string]any{}
	for _, k := range slices.Sorted(maps.Keys(all)) {
		def, err := definition(all[k], firstSrc[k], k)
		if err != nil {
			return nil, err
		}
		out[k] = def
	}
	return out, nil
}

// inits builds the init components, one per template, in order. Each is
// named after its template's root key (x-podinit.name), unless it names
// itself.
func (r *renderer) inits(ctx context.Context, p *podSpec, data *Data, components map[string]map[string]any) ([]map[string]any, error) {
	var out []map[string]any
	seen := map[string]string{}
	for _, it := range p.cfg.init {
		m, src, err := r.renderOne(ctx, it, data)
		if err != nil {
			return nil, err
		}
		root, def, err := single(m, src, "init")
		if err != nil {
			return nil, err
		}
		name := root
		ext, _ := def["x-podinit"].(map[string]any)
		if n, ok := ext["name"].(string); ok {
			name = n
		} else {
			if ext == nil {
				if def["x-podinit"] != nil {
					return nil, &Error{File: src.name, Line: lineOf(src), Msg: fmt.Sprintf("%s: x-podinit of %s must be a mapping", src.label(), root)}
				}
				ext = map[string]any{}
			}
			ext["name"] = root
			def["x-podinit"] = ext
		}
		if prev, dup := seen[name]; dup {
			return nil, &Error{File: src.name, Line: lineOf(src), Msg: fmt.Sprintf(
				"%s and %s both define the init component %q: give each init template its own root key (it names the init component)", prev, src.label(), name)}
		}
		if _, clash := components[name]; clash {
			return nil, &Error{File: src.name, Line: lineOf(src), Msg: fmt.Sprintf(
				"%s names an init component %q, which is also a component of the pod: rename one", src.label(), name)}
		}
		seen[name] = src.label()
		out = append(out, def)
	}
	return out, nil
}

// copies builds the pod.copy.<name> values: each template renders a mapping
// of component names to src:dst, a list of them, or a map src: dst; the
// copies of one component from every template are appended.
func (r *renderer) copies(ctx context.Context, p *podSpec, data *Data, components map[string]map[string]any, inits []map[string]any) (map[string]string, error) {
	type pair struct{ src, dst string }
	pairs := map[string][]pair{}
	known := map[string]bool{}
	for n := range components {
		known[n] = true
	}
	for _, c := range inits {
		known[c["x-podinit"].(map[string]any)["name"].(string)] = true
	}
	for _, it := range p.cfg.copy {
		m, src, err := r.renderOne(ctx, it, data)
		if err != nil {
			return nil, err
		}
		bad := func(format string, args ...any) error {
			return &Error{File: src.name, Line: lineOf(src), Msg: src.label() + ": " + fmt.Sprintf(format, args...)}
		}
		for _, name := range slices.Sorted(maps.Keys(m)) {
			if !known[name] {
				return nil, bad("copies into %q, which is not a component of the pod (%s)", name, strings.Join(slices.Sorted(maps.Keys(known)), ", "))
			}
			add := func(s string) error {
				a, b, ok := strings.Cut(s, ":")
				if !ok || a == "" || b == "" {
					return bad("copy %q for %s is not /src/in/controller:/dst/in/component", s, name)
				}
				pairs[name] = append(pairs[name], pair{a, b})
				return nil
			}
			switch v := m[name].(type) {
			case string:
				if err := add(v); err != nil {
					return nil, err
				}
			case []any:
				for _, e := range v {
					s, ok := e.(string)
					if !ok {
						return nil, bad("copy entries for %s must be src:dst strings, got %v", name, e)
					}
					if err := add(s); err != nil {
						return nil, err
					}
				}
			case map[string]any:
				for _, k := range slices.Sorted(maps.Keys(v)) {
					d, ok := v[k].(string)
					if !ok {
						return nil, bad("copy %s for %s: the destination must be a path, got %v", k, name, v[k])
					}
					pairs[name] = append(pairs[name], pair{k, d})
				}
			default:
				return nil, bad("copies for %s must be src:dst, a list of them or a map of src: dst, got %v", name, v)
			}
		}
	}
	out := map[string]string{}
	for name, ps := range pairs {
		seen := map[pair]bool{}
		colon := false
		var uniq []pair
		for _, x := range ps {
			if !seen[x] {
				seen[x] = true
				uniq = append(uniq, x)
				colon = colon || strings.Contains(x.src, ":") || strings.Contains(x.dst, ":")
			}
		}
		var v any
		if colon {
			// Only the map form can carry a path with ':' in it.
			m := map[string]any{}
			for _, x := range uniq {
				m[x.src] = x.dst
			}
			v = m
		} else {
			l := make([]any, len(uniq))
			for i, x := range uniq {
				l[i] = x.src + ":" + x.dst
			}
			v = l
		}
		text, err := marshalYAML(escapeDollars(v))
		if err != nil {
			return nil, err
		}
		out[name] = string(text)
	}
	return out, nil
}

// componentYAML is a component's label value. Its strings are escaped for
// the extra interpolation a label goes through: docker stack deploy
// interpolates the label, then podinit interpolates the component from the
// controller's environment. With $$ doubled, ${VAR} still comes from the
// deploying shell, and $$ still means a literal $, as in the stack file.
func componentYAML(def map[string]any) (string, error) {
	b, err := marshalYAML(escapeDollars(def))
	return string(b), err
}

func escapeDollars(v any) any {
	switch t := v.(type) {
	case string:
		return strings.ReplaceAll(t, "$$", "$$$$")
	case map[string]any:
		m := make(map[string]any, len(t))
		for k, e := range t {
			m[strings.ReplaceAll(k, "$$", "$$$$")] = escapeDollars(e)
		}
		return m
	case []any:
		l := make([]any, len(t))
		for i, e := range t {
			l[i] = escapeDollars(e)
		}
		return l
	}
	return v
}

func has(m map[string]any, k string) bool {
	_, ok := m[k]
	return ok
}

// volumeParts reads a service volume in short (src:dst[:mode]) or long
// ({type, source, target}) syntax; named is true for a named volume.
func volumeParts(v any) (src, dst string, named bool) {
	switch t := v.(type) {
	case string:
		parts := strings.Split(t, ":")
		if len(parts) == 1 {
			return "", parts[0], false
		}
		src, dst = parts[0], parts[1]
		return src, dst, isVolumeName(src)
	case map[string]any:
		src, _ = t["source"].(string)
		dst, _ = t["target"].(string)
		typ, _ := t["type"].(string)
		return src, dst, typ == "volume" && src != ""
	}
	return "", "", false
}

func isVolumeName(s string) bool {
	return s != "" && !strings.HasPrefix(s, "/") && !strings.HasPrefix(s, ".") && !strings.HasPrefix(s, "~")
}

// namedVolumes lists the named volumes among a service's volumes, once each.
func namedVolumes(v any) []string {
	list, _ := v.([]any)
	var out []string
	seen := map[string]bool{}
	for _, e := range list {
		if src, _, named := volumeParts(e); named && !seen[src] {
			seen[src] = true
			out = append(out, src)
		}
	}
	return out
}

// appVolumes copies the service's volumes for the main component with
// relative and ~ bind sources made absolute, as docker stack deploy would
// (a component's bind source must be an absolute host path).
func appVolumes(v any, dir string) ([]any, error) {
	list, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("volumes must be a list, got %v", v)
	}
	out := make([]any, 0, len(list))
	for _, e := range list {
		if _, dst, _ := volumeParts(e); dst == DockerSocket {
			continue
		}
		switch t := e.(type) {
		case string:
			src, rest, found := strings.Cut(t, ":")
			if found && (strings.HasPrefix(src, ".") || strings.HasPrefix(src, "~")) {
				t = absPath(src, dir) + ":" + rest
			}
			out = append(out, t)
		case map[string]any:
			c := yamltree.DeepCopy(t).(map[string]any)
			if s, ok := c["source"].(string); ok && c["type"] == "bind" && !filepath.IsAbs(s) {
				c["source"] = absPath(s, dir)
			}
			out = append(out, c)
		default:
			out = append(out, e)
		}
	}
	return out, nil
}

func absPath(p, dir string) string {
	if p == "~" || strings.HasPrefix(p, "~/") {
		if home, err := os.UserHomeDir(); err == nil {
			return filepath.Join(home, strings.TrimPrefix(p, "~"))
		}
		return p
	}
	return filepath.Join(dir, p)
}

// splitSysctls returns the net.* sysctls (which belong to the controller's
// network namespace) when net is true, else the others, as a map.
func splitSysctls(v any, net bool) map[string]any {
	m, err := asMap(v, "sysctls")
	if err != nil {
		return nil
	}
	out := map[string]any{}
	for k, val := range m {
		if strings.HasPrefix(k, "net.") == net {
			out[k] = val
		}
	}
	return out
}

// inlineEnvFiles adds the variables of the service's env_file(s) to the
// app's environment, under the ones it already has (environment wins over
// env_file in Compose). Lines are KEY=VALUE; blank lines and # comments are
// skipped.
func inlineEnvFiles(app map[string]any, v any, dir string) error {
	var files []string
	switch t := v.(type) {
	case string:
		files = []string{t}
	case []any:
		for _, e := range t {
			switch f := e.(type) {
			case string:
				files = append(files, f)
			case map[string]any:
				p, _ := f["path"].(string)
				if req, ok := f["required"].(bool); ok && !req {
					if _, err := os.Stat(absPath(p, dir)); err != nil {
						continue
					}
				}
				files = append(files, p)
			}
		}
	default:
		return fmt.Errorf("env_file must be a path or a list of them, got %v", v)
	}
	env := map[string]any{}
	for _, f := range files {
		p := f
		if !filepath.IsAbs(p) {
			p = absPath(p, dir)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return fmt.Errorf("env_file %s: %w (relative paths start at the stack file's folder)", f, unwrapPathError(err))
		}
		for i, line := range strings.Split(string(b), "\n") {
			line = strings.TrimSpace(line)
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			k, val, ok := strings.Cut(line, "=")
			if !ok || k == "" {
				return fmt.Errorf("env_file %s:%d: %q is not KEY=VALUE", f, i+1, line)
			}
			env[k] = val // a later file wins, as in Compose
		}
	}
	if len(env) > 0 {
		addServiceKey(app, "environment", env)
	}
	return nil
}

// socketMounts lists the service's mounts of the Docker socket.
func socketMounts(v any) []any {
	list, _ := v.([]any)
	var out []any
	for _, e := range list {
		if _, dst, _ := volumeParts(e); dst == DockerSocket {
			out = append(out, yamltree.DeepCopy(e))
		}
	}
	return out
}
