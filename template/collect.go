package template

import (
	"fmt"
	"sort"
)

func mergeArgs(into map[string]map[string]any, svc string, args map[string]any) {
	if args == nil {
		return
	}
	if into[svc] == nil {
		into[svc] = map[string]any{}
	}
	merge(into[svc], args)
}

// podSpec is one service to turn into a pod.
type podSpec struct {
	name string
	svc  map[string]any
	cfg  *config
	args map[string]any
	at   *Error // where the service is declared
	dir  string // the folder of the stack file that declares the service
}

// collectPods gathers each templated service's configuration from every
// stack file: templates from the service's own field first, then from the
// top-level field, file by file; init templates and args from both (podlike
// dropped them from the second). Args: service-level over top-level
// per-service over global, a later file's over an earlier one's.
func collectPods(stacks []*stackFile, merged map[string]any) ([]*podSpec, error) {
	services, _ := merged["services"].(map[string]any)
	byName := map[string]*podSpec{}
	var names []string
	get := func(s *stackFile, name string, declared *Error) (*podSpec, error) {
		if p := byName[name]; p != nil {
			return p, nil
		}
		svc, ok := services[name].(map[string]any)
		if !ok {
			e := *declared
			e.Msg = fmt.Sprintf("there is no service %q in services: the keys of %s are service names and args", name, Extension)
			return nil, &e
		}
		p := &podSpec{name: name, svc: svc, cfg: &config{}, dir: s.dir}
		for _, st := range stacks {
			if a := st.serviceAt[name]; a != nil {
				p.at = a
				p.dir = st.dir
				break
			}
		}
		byName[name] = p
		names = append(names, name)
		return p, nil
	}
	for _, s := range stacks {
		for _, name := range s.svcOrder {
			p, err := get(s, name, s.serviceAt[name])
			if err != nil {
				return nil, err
			}
			p.cfg.add(s.svcLevel[name])
		}
	}
	for _, s := range stacks {
		for _, name := range s.topOrder {
			p, err := get(s, name, s.topAt[name])
			if err != nil {
				return nil, err
			}
			p.cfg.add(s.topLevel[name])
		}
	}
	for _, p := range byName {
		p.args = map[string]any{}
		for i := len(stacks) - 1; i >= 0; i-- {
			merge(p.args, stacks[i].svcArgs[p.name])
		}
		for i := len(stacks) - 1; i >= 0; i-- {
			merge(p.args, stacks[i].topArgs[p.name])
		}
		for i := len(stacks) - 1; i >= 0; i-- {
			merge(p.args, stacks[i].global)
		}
	}
	sort.Strings(names)
	out := make([]*podSpec, 0, len(names))
	for _, n := range names {
		out = append(out, byName[n])
	}
	return out, nil
}
