package labels

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/podinit/podinit/podspec"
)

// podReading gathers what reading each service found, for the checks of the pod as
// a whole.
type podReading struct {
	spec podspec.Spec
	errs []*Error
	refs []serviceRef
	// leftOut maps the services left out for their profiles to them.
	leftOut map[string][]string
}

func (p *podReading) add(r reading) {
	p.errs = append(p.errs, r.errs...)
	p.spec.Warnings = append(p.spec.Warnings, r.warns...)
	if r.leftOut != nil {
		if p.leftOut == nil {
			p.leftOut = map[string][]string{}
		}
		p.leftOut[r.c.Name] = r.leftOut
		return
	}
	p.refs = append(p.refs, r.refs...)
	if r.c.Role == podspec.RoleInit {
		p.spec.Init = append(p.spec.Init, r.c)
	} else {
		p.spec.Components = append(p.spec.Components, r.c)
	}
}

// check runs checkPod, checks the components that service:<name> values
// name, and gives each warning once.
func (p *podReading) check() []*Error {
	errs := checkPod(&p.spec, p.leftOut)
	all := names(&p.spec)
	for _, ref := range p.refs {
		if !slices.Contains(all, ref.name) {
			ref.at.Msg = fmt.Sprintf("service:%s: no component is named %q: the pod has %s", ref.name, ref.name, strings.Join(all, ", "))
			errs = append(errs, ref.at)
		}
	}
	seen := map[string]bool{}
	warns := p.spec.Warnings[:0]
	for _, w := range p.spec.Warnings {
		if !seen[w.Error()] {
			seen[w.Error()] = true
			warns = append(warns, w)
		}
	}
	p.spec.Warnings = warns
	return errs
}

// checkPod checks what involves more than one component: unique names, and
// depends_on naming components that exist, not init components, not a main
// component from a sidecar, without cycles. It is the one check of
// depends_on: the plan takes a checked spec.
func checkPod(spec *podspec.Spec, leftOut map[string][]string) []*Error {
	var errs []*Error
	byName := map[string]*podspec.Component{}
	isInit := map[string]bool{}
	for _, list := range [][]podspec.Component{spec.Init, spec.Components} {
		for i := range list {
			c := &list[i]
			if prev, ok := byName[c.Name]; ok {
				errs = append(errs, componentErr(c, "", fmt.Sprintf("component name %q is also used by %s: names must be unique in a pod", c.Name, prev.Source)))
				continue
			}
			byName[c.Name] = c
			isInit[c.Name] = c.Role == podspec.RoleInit
		}
	}
	var known []string
	for _, c := range spec.Components {
		known = append(known, c.Name)
	}
	for _, c := range spec.Components {
		for _, dep := range slices.Sorted(maps.Keys(c.DependsOn)) {
			e := componentErr(&c, "depends_on."+dep, "")
			switch {
			case isInit[dep]:
				e.Msg = "an init component: init components always finish before any other component starts; remove it"
			case leftOut[dep] != nil:
				e.Msg = fmt.Sprintf("%q is left out: none of its profiles (%s) is enabled; enable one in COMPOSE_PROFILES", dep, strings.Join(leftOut[dep], ", "))
			case byName[dep] == nil:
				e.Msg = fmt.Sprintf("no component is named %q: the pod has %s", dep, strings.Join(known, ", "))
			case c.Role == podspec.RoleSidecar && byName[dep].Role == podspec.RoleMain:
				e.Msg = fmt.Sprintf("%q is a main component, and sidecars start before main components: make %q a sidecar (x-podinit: {role: sidecar}) or remove the dependency", dep, dep)
			default:
				continue
			}
			errs = append(errs, e)
		}
	}
	errs = append(errs, checkNames(spec)...)
	for _, cycle := range cycles(spec.Components) {
		errs = append(errs, componentErr(byName[cycle[0]], "depends_on",
			fmt.Sprintf("dependency cycle %s: no component in it could ever start; remove one of these depends_on entries", strings.Join(cycle, " -> "))))
	}
	return errs
}

// componentErr is an Error about component c, at the key's line.
func componentErr(c *podspec.Component, key, msg string) *Error {
	return c.Problem(key, msg)
}

// cycles returns each depends_on cycle once, as the names along it with the
// first repeated at the end, starting from its smallest name.
func cycles(cs []podspec.Component) [][]string {
	deps := map[string][]string{}
	for _, c := range cs {
		deps[c.Name] = slices.Sorted(maps.Keys(c.DependsOn))
	}
	const (
		unvisited = iota
		onPath
		done
	)
	state := map[string]int{}
	seen := map[string]bool{}
	var (
		out  [][]string
		path []string
		walk func(string)
	)
	walk = func(n string) {
		state[n] = onPath
		path = append(path, n)
		for _, d := range deps[n] {
			if _, ok := deps[d]; !ok {
				continue // unknown names are reported on their own
			}
			switch state[d] {
			case onPath:
				i := slices.Index(path, d)
				cycle := canonical(path[i:])
				if key := strings.Join(cycle, " "); !seen[key] {
					seen[key] = true
					out = append(out, append(cycle, cycle[0]))
				}
			case unvisited:
				walk(d)
			}
		}
		path = path[:len(path)-1]
		state[n] = done
	}
	for _, n := range slices.Sorted(maps.Keys(deps)) {
		if state[n] == unvisited {
			walk(n)
		}
	}
	return out
}

// canonical rotates a cycle to start at its smallest name.
func canonical(cycle []string) []string {
	m := 0
	for i, n := range cycle {
		if n < cycle[m] {
			m = i
		}
	}
	return append(slices.Clone(cycle[m:]), cycle[:m]...)
}
