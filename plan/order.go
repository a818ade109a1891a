package plan

import (
	"sort"
)

// order sorts members into start levels (Kahn's algorithm, names sorted
// within a level so plans print the same every time). It is false for
// members whose needs form a cycle, which podspec's depends_on check
// refuses first.
func order(members map[string]*Member) ([][]*Member, bool) {
	indeg := map[string]int{}
	dependents := map[string][]string{}
	for name, m := range members {
		indeg[name] += 0
		for dep := range m.Needs {
			indeg[name]++
			dependents[dep] = append(dependents[dep], name)
		}
	}
	var levels [][]*Member
	var ready []string
	for name, d := range indeg {
		if d == 0 {
			ready = append(ready, name)
		}
	}
	done := 0
	for len(ready) > 0 {
		sort.Strings(ready)
		var level []*Member
		var next []string
		for _, name := range ready {
			level = append(level, members[name])
			done++
			for _, d := range dependents[name] {
				indeg[d]--
				if indeg[d] == 0 {
					next = append(next, d)
				}
			}
		}
		levels = append(levels, level)
		ready = next
	}
	return levels, done == len(members)
}

// StopWaves is the stop order: the reverse of the start levels, so that
// dependents stop before their dependencies and sidecars after the main
// components.
func (p *Plan) StopWaves() [][]*Member {
	waves := make([][]*Member, 0, len(p.Levels))
	for i := len(p.Levels) - 1; i >= 0; i-- {
		waves = append(waves, p.Levels[i])
	}
	return waves
}
