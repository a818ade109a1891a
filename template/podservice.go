package template

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/podinit/podinit/yamltree"
)

// deployKeys moves the service-level keys of the service's deploy to the
// pod's, and leaves the rest on the component.
func (b *podBuilder) deployKeys(name string, v any, c map[string]any) error {
	if v == nil {
		return nil
	}
	d, ok := v.(map[string]any)
	if !ok {
		return fmt.Errorf("services.%s.deploy: must be a mapping, got %v", name, v)
	}
	rest := yamltree.DeepCopy(d).(map[string]any)
	if b.deployFrom == nil {
		b.deployFrom = map[string]string{}
	}
	for _, k := range serviceDeployKeys {
		val, ok := d[k]
		if !ok {
			continue
		}
		delete(rest, k)
		switch k {
		case "labels":
			m, err := asMap(val, "deploy.labels")
			if err != nil {
				return fmt.Errorf("services.%s: %v", name, err)
			}
			have, _ := b.deploy[k].(map[string]any)
			if have == nil {
				have = map[string]any{}
			}
			for lk, lv := range m {
				if prev, ok := have[lk]; ok && fmt.Sprint(prev) != fmt.Sprint(lv) {
					return fmt.Errorf("services.%s.deploy.labels.%s: %v, but another service gives %v: the pod's service has one value; give it once", name, lk, lv, prev)
				}
				have[lk] = lv
			}
			b.deploy[k] = have
		case "placement":
			if err := b.placement(name, val); err != nil {
				return err
			}
		default:
			if prev, ok := b.deploy[k]; ok && !equalYAML(prev, val) {
				return fmt.Errorf("services.%s.deploy.%s differs from services.%s's: the pod is one Swarm service with one %s; give the same value, or keep it on one service", name, k, b.deployFrom[k], k)
			}
			b.deploy[k] = yamltree.DeepCopy(val)
			b.deployFrom[k] = name
		}
	}
	if len(rest) > 0 {
		c["deploy"] = rest
	}
	return nil
}

// placement merges the services' placements: the pod runs where every one
// of its components may run, so constraints add up.
func (b *podBuilder) placement(name string, v any) error {
	p, ok := v.(map[string]any)
	if !ok {
		return fmt.Errorf("services.%s.deploy.placement: must be a mapping, got %v", name, v)
	}
	have, _ := b.deploy["placement"].(map[string]any)
	if have == nil {
		have = map[string]any{}
	}
	for k, val := range p {
		switch l := val.(type) {
		case []any:
			cur, _ := have[k].([]any)
			for _, e := range l {
				if !slices.ContainsFunc(cur, func(x any) bool { return equalYAML(x, e) }) {
					cur = append(cur, yamltree.DeepCopy(e))
				}
			}
			have[k] = cur
		default:
			if prev, ok := have[k]; ok && !equalYAML(prev, val) {
				return fmt.Errorf("services.%s.deploy.placement.%s: %v, but another service gives %v: the pod's service has one; give it once", name, k, val, prev)
			}
			have[k] = val
		}
	}
	b.deploy["placement"] = have
	return nil
}

// collectPorts gathers the service's published ports for the pod's service,
// and every container port the service listens on, to warn about two that
// would share localhost.
func (b *podBuilder) collectPorts(name string, ports, expose any) error {
	if b.published == nil {
		b.published, b.targets = map[string]string{}, map[string][]string{}
	}
	listen := func(port string) {
		if !slices.Contains(b.targets[port], name) {
			b.targets[port] = append(b.targets[port], name)
		}
	}
	if ports != nil {
		list, ok := ports.([]any)
		if !ok {
			return fmt.Errorf("services.%s.ports: must be a list, got %v", name, ports)
		}
		for _, e := range list {
			if !slices.ContainsFunc(b.portList, func(x any) bool { return equalYAML(x, e) }) {
				b.portList = append(b.portList, yamltree.DeepCopy(e))
			}
			if text, _ := marshalYAML(e); strings.Contains(string(text), "$") {
				// docker stack deploy interpolates ${PORT} later, from the
				// deploying shell: the clash cannot be known here.
				continue
			}
			var cfgs []types.ServicePortConfig
			switch t := e.(type) {
			case map[string]any:
				c := types.ServicePortConfig{Protocol: "tcp"}
				if s, ok := t["protocol"].(string); ok {
					c.Protocol = s
				}
				target, err := strconv.ParseUint(fmt.Sprint(t["target"]), 10, 32)
				if err != nil {
					return fmt.Errorf("services.%s.ports: %v: target must be a port number", name, e)
				}
				c.Target = uint32(target)
				if t["published"] != nil {
					c.Published = fmt.Sprint(t["published"])
				}
				if ip, ok := t["host_ip"].(string); ok {
					c.HostIP = ip
				}
				cfgs = []types.ServicePortConfig{c}
			default:
				var err error
				cfgs, err = types.ParsePortConfig(fmt.Sprint(t))
				if err != nil {
					return fmt.Errorf("services.%s.ports: %v: %v", name, e, err)
				}
			}
			for _, c := range cfgs {
				listen(fmt.Sprintf("%d/%s", c.Target, c.Protocol))
				if c.HostIP != "" && c.Published != "" {
					b.note("%s: port %s:%s:%d/%s binds the host address %s, which a Swarm service cannot: docker stack deploy publishes it on every address of the node; to keep it off a network, firewall it or leave it unpublished", name, c.HostIP, c.Published, c.Target, c.Protocol, c.HostIP)
				}
				if c.Published == "" {
					continue
				}
				key := c.Published + "/" + c.Protocol
				if prev, ok := b.published[key]; ok && prev != name {
					return fmt.Errorf("services.%s.ports: %v publishes host port %s, which services.%s publishes too: the pod is one Swarm service with one set of ports; give one of them another host port", name, e, key, prev)
				}
				b.published[key] = name
			}
		}
	}
	if l, ok := expose.([]any); ok {
		for _, e := range l {
			port, proto, found := strings.Cut(fmt.Sprint(e), "/")
			if !found {
				proto = "tcp"
			}
			listen(port + "/" + proto)
		}
	}
	return nil
}

// ports gives the pod's service the merged ports, and notes container ports
// that two components listen on: they share localhost, so one of them
// cannot bind it.
func (b *podBuilder) ports() error {
	if len(b.portList) > 0 {
		b.ctrl["ports"] = b.portList
	}
	for _, port := range slices.Sorted(maps.Keys(b.targets)) {
		if s := b.targets[port]; len(s) > 1 {
			who := strings.Join(s[:len(s)-1], ", ") + " and " + s[len(s)-1]
			b.note("%s listen on port %s: in the pod they share localhost, so only one of them can bind it; give the others another port", who, port)
		}
	}
	return nil
}

// aliasedNetworks keeps the networks of a service that give it aliases.
func aliasedNetworks(v any) map[string]any {
	m, _ := v.(map[string]any)
	out := map[string]any{}
	for k, def := range m {
		if d, ok := def.(map[string]any); ok && d["aliases"] != nil {
			out[k] = map[string]any{"aliases": yamltree.DeepCopy(d["aliases"])}
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}
