package podspec

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// DependsProblems is the one check of depends_on, which package labels
// reports with the rest of a declaration and the plan keeps as its guard:
// every dependency names a component of the pod, not an init component
// (init components always finish first), not a main component from a
// sidecar (sidecars start first), and no dependencies form a cycle.
// leftOut names the services that profiles left out, with their profiles.
func (s *Spec) DependsProblems(leftOut map[string][]string) []*Problem {
	var problems []*Problem
	byName := map[string]*Component{}
	isInit := map[string]bool{}
	for _, list := range [][]Component{s.Init, s.Components} {
		for i := range list {
			c := &list[i]
			if _, ok := byName[c.Name]; !ok {
				byName[c.Name] = c
				isInit[c.Name] = c.Role == RoleInit
			}
		}
	}
	var known []string
	for _, c := range s.Components {
		known = append(known, c.Name)
	}
	for _, c := range s.Components {
		for _, dep := range slices.Sorted(maps.Keys(c.DependsOn)) {
			e := c.Problem("depends_on."+dep, "")
			switch {
			case isInit[dep]:
				e.Msg = "an init component: init components always finish before any other component starts; remove it"
			case leftOut[dep] != nil:
				e.Msg = fmt.Sprintf("%q is left out: none of its profiles (%s) is enabled; enable one in COMPOSE_PROFILES", dep, strings.Join(leftOut[dep], ", "))
			case byName[dep] == nil:
				e.Msg = fmt.Sprintf("no component is named %q: the pod has %s", dep, strings.Join(known, ", "))
			case c.Role == RoleSidecar && byName[dep].Role == RoleMain:
				e.Msg = fmt.Sprintf("%q is a main component, and sidecars start before main components: make %q a sidecar (x-podinit: {role: sidecar}) or remove the dependency", dep, dep)
			default:
				continue
			}
			problems = append(problems, e)
		}
	}
	for _, cycle := range cycles(s.Components) {
		problems = append(problems, byName[cycle[0]].Problem("depends_on",
			fmt.Sprintf("dependency cycle %s: no component in it could ever start; remove one of these depends_on entries", strings.Join(cycle, " -> "))))
	}
	return problems
}

// cycles returns each depends_on cycle once, as the names along it with the
// first repeated at the end, starting from its smallest name.
func cycles(cs []Component) [][]string {
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
