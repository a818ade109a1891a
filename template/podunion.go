package template

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/podinit/podinit/yamltree"
)

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
