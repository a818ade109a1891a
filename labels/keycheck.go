package labels

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// checkKeys reports keys that are unknown or cannot work in a pod, and
// keys accepted with a warning, and deletes both from raw so that loading
// reads only what the component gets.
func checkKeys(raw map[string]any, at where) (errs, warns []*Error) {
	for _, key := range slices.Sorted(maps.Keys(raw)) {
		k, known := Keys[key]
		switch {
		case strings.HasPrefix(key, "x-"):
		case key == "deploy":
			e, w := checkDeploy(raw, at)
			errs, warns = append(errs, e...), append(warns, w...)
		case key == "build":
			if image, ok := raw["image"]; ok {
				warns = append(warns, at.errf(key, "%s is not built: the image %v is used; podinit builds nothing", compact(raw[key]), image))
			} else {
				errs = append(errs, at.errf(key, "podinit builds nothing: build the image, push it to a registry the nodes pull from, and name it in image"))
			}
		case k.Treatment == Warned && namesKeys[key]:
			// Read all the same, for the pod's names and ports (readNetwork).
			warns = append(warns, at.errf(key, "%s %s", compact(raw[key]), k.Why))
		case k.Treatment == Warned:
			warns = append(warns, at.errf(key, "%s %s", compact(raw[key]), k.Why))
			delete(raw, key)
		case k.Treatment == Refused:
			errs = append(errs, at.errf(key, "not supported in a pod: %s", k.Why))
			delete(raw, key)
		case !known:
			msg := "unknown key"
			if near := closest(key, serviceKeys); near != "" {
				msg += ", did you mean " + near + "?"
			}
			errs = append(errs, at.errf(key, "%s (not a Compose service key; podinit's own settings go under %s)", msg, Extension))
			delete(raw, key)
		}
	}
	return errs, warns
}

// checkDeploy warns about deploy's keys that belong to the Swarm service
// and deletes them; resources, replicas and restart_policy are read.
func checkDeploy(raw map[string]any, at where) (errs, warns []*Error) {
	deploy, ok := raw["deploy"].(map[string]any)
	if !ok {
		return nil, nil // compose-go's schema reports the wrong type
	}
	for _, k := range slices.Sorted(maps.Keys(deploy)) {
		key := "deploy." + k
		if Keys[key].Treatment == Warned {
			warns = append(warns, at.errf(key, "%s %s", compact(deploy[k]), Keys[key].Why))
			delete(deploy, k)
		}
	}
	res, _ := deploy["resources"].(map[string]any)
	for _, part := range []string{"limits", "reservations"} {
		m, _ := res[part].(map[string]any)
		for _, k := range slices.Sorted(maps.Keys(m)) {
			key := "deploy.resources." + part + "." + k
			if Keys[key].Treatment == Warned {
				warns = append(warns, at.errf(key, "%s %s", compact(m[k]), Keys[key].Why))
				delete(m, k)
			}
		}
	}
	return errs, warns
}

// compact writes a key's value on one line for a message: a list as its
// items, a mapping as key: value pairs, cut short when long.
func compact(v any) string {
	var b strings.Builder
	var write func(v any, nested bool)
	write = func(v any, nested bool) {
		switch x := v.(type) {
		case []any:
			if nested {
				b.WriteString("[")
			}
			for i, e := range x {
				if i > 0 {
					b.WriteString(", ")
				}
				write(e, true)
			}
			if nested {
				b.WriteString("]")
			}
		case map[string]any:
			if nested {
				b.WriteString("{")
			}
			for i, k := range slices.Sorted(maps.Keys(x)) {
				if i > 0 {
					b.WriteString(", ")
				}
				b.WriteString(k)
				if x[k] != nil {
					b.WriteString(": ")
					write(x[k], true)
				}
			}
			if nested {
				b.WriteString("}")
			}
		case nil:
			b.WriteString("null")
		default:
			fmt.Fprint(&b, x)
		}
	}
	write(v, false)
	const max = 120
	if r := []rune(b.String()); len(r) > max {
		return string(r[:max]) + "…"
	}
	return b.String()
}

// closest returns the candidate nearest to s when it is a likely typo.
func closest(s string, candidates []string) string {
	best, bestD := "", 3
	for _, c := range candidates {
		if d := editDistance(s, c); d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// dropKeys deletes from raw the top-level keys that errs name, and reports
// whether it deleted any.
func dropKeys(raw map[string]any, errs []*Error) bool {
	dropped := false
	for _, e := range errs {
		top, _, _ := strings.Cut(e.Key, ".")
		if _, ok := raw[top]; ok && top != "" {
			delete(raw, top)
			dropped = true
		}
	}
	return dropped
}
