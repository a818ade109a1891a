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
