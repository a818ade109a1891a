package template

import (
	"fmt"
	"strings"

	"github.com/podinit/podinit/yamltree"
)

// merge adds source into target by podlike's rules: later templates only
// add. A key target lacks is copied; for a key both have:
//   - a map merges into a map, recursively;
//   - a list of KEY=VALUE strings merges into a map;
//   - a list appends to a list;
//   - a map merges into a list of KEY=VALUE strings, which becomes a map
//     (when the list holds anything else, the map is dropped);
//   - a string appends to a list;
//   - anything else (scalars) keeps target's value.
func merge(target, source map[string]any) {
	for k, v := range source {
		existing, ok := target[k]
		if !ok {
			target[k] = yamltree.DeepCopy(v)
			continue
		}
		switch cur := existing.(type) {
		case map[string]any:
			switch nv := v.(type) {
			case map[string]any:
				merge(cur, nv)
			case []any:
				if m, ok := keyValues(nv); ok {
					merge(cur, m)
				}
			}
		case []any:
			switch nv := v.(type) {
			case []any:
				target[k] = append(cur, yamltree.DeepCopy(nv).([]any)...)
			case map[string]any:
				if m, ok := keyValues(cur); ok {
					merge(m, nv)
					target[k] = m
				}
			case string:
				target[k] = append(cur, nv)
			}
		}
	}
}

// keyValues reads a list of KEY=VALUE strings as a map; any other entry
// makes it fail (podlike's rule: then nothing is merged). A bare KEY (as
// environment: [KEY] means) maps to nil.
func keyValues(list []any) (map[string]any, bool) {
	m := make(map[string]any, len(list))
	for _, item := range list {
		s, ok := item.(string)
		if !ok {
			return nil, false
		}
		k, v, found := strings.Cut(s, "=")
		if k == "" {
			return nil, false
		}
		if !found {
			m[k] = nil
			continue
		}
		m[k] = v
	}
	return m, true
}

// asMap reads labels-like values (a map, or a list of KEY=VALUE) as a map of
// strings; what says what it is, for the error.
func asMap(v any, what string) (map[string]any, error) {
	switch t := v.(type) {
	case nil:
		return map[string]any{}, nil
	case map[string]any:
		return t, nil
	case []any:
		m := map[string]any{}
		for _, item := range t {
			s, ok := item.(string)
			if !ok {
				return nil, fmt.Errorf("%s: list entries must be KEY=VALUE strings, got %v", what, item)
			}
			k, val, _ := strings.Cut(s, "=")
			m[k] = val
		}
		return m, nil
	}
	return nil, fmt.Errorf("%s must be a mapping or a list of KEY=VALUE, got %v", what, v)
}
