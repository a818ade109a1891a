package template

import (
	"fmt"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"

	units "github.com/docker/go-units"

	"github.com/podinit/podinit/labels"
	"github.com/podinit/podinit/plan"
)

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
