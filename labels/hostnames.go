package labels

import (
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/podinit/podinit/hostsfile"
	"github.com/podinit/podinit/podspec"
)

// Names in a pod. Compose gives each service a name on its networks, and
// links, network aliases, container_name and extra_hosts more of them. In a
// pod the components share the controller's network namespace and its
// /etc/hosts, so every such name is one for the whole pod: the controller
// writes them into its /etc/hosts (package hostsfile) before the first
// component starts, the components' names and aliases as 127.0.0.1,
// extra_hosts with their addresses. This file reads them from a service and
// checks them across the pod; the plan turns them into the hosts block.

// namesKeys are the service keys whose names or ports this file reads;
// checkKeys lets them through to compose-go (with their warning, where Keys
// has one) so that they are read here.
var namesKeys = map[string]bool{
	"container_name": true,
	"expose":         true,
	"extra_hosts":    true,
	"links":          true,
	"networks":       true,
	"ports":          true,
}

// readNetwork reads the names and ports a loaded service declares, and
// settles the dependencies its links imply (linkDependencies). raw is the
// service as written.
func readNetwork(s *types.ServiceConfig, at where, raw map[string]any) (podspec.Network, []*Error) {
	var (
		n    podspec.Network
		errs []*Error
	)
	linkDependencies(s, raw)
	alias := func(name, link, key string) {
		if !hostsfile.ValidName(name) {
			errs = append(errs, at.errf(key, "%q is not a valid host name: %s", name, hostsfile.NameRule))
			return
		}
		n.Aliases = append(n.Aliases, podspec.Alias{Name: name, Link: link, Key: key})
	}
	if s.ContainerName != "" {
		alias(s.ContainerName, "", "container_name")
	}
	for i, l := range s.Links {
		key := fmt.Sprintf("links[%d]", i)
		// `SERVICE` or `SERVICE:ALIAS`: the alias reaches that service.
		target, name, ok := strings.Cut(l, ":")
		if !ok {
			name = target
		}
		if !ValidName(target) {
			errs = append(errs, at.errf(key, "%q: %q is not a component name: write SERVICE or SERVICE:ALIAS", l, target))
			continue
		}
		alias(name, target, key)
	}
	for _, net := range slices.Sorted(maps.Keys(s.Networks)) {
		cfg := s.Networks[net]
		if cfg == nil {
			continue
		}
		for i, a := range cfg.Aliases {
			alias(a, "", fmt.Sprintf("networks.%s.aliases[%d]", net, i))
		}
	}
	for _, name := range slices.Sorted(maps.Keys(s.ExtraHosts)) {
		for _, ip := range s.ExtraHosts[name] {
			if !hostsfile.ValidName(name) {
				errs = append(errs, at.errf("extra_hosts", "%s=%s: %q is not a valid host name: %s", name, ip, name, hostsfile.NameRule))
				break
			}
			if ip != podspec.HostGateway {
				a, err := netip.ParseAddr(ip)
				if err != nil || a.Zone() != "" {
					errs = append(errs, at.errf("extra_hosts", "%s=%s: %q is not an IP address: write NAME:IP or NAME=IP (or NAME=host-gateway)", name, ip, ip))
					continue
				}
				ip = a.String()
			}
			n.Hosts = append(n.Hosts, podspec.Host{Name: name, IP: ip, Key: "extra_hosts"})
		}
	}
	for i, p := range s.Ports {
		proto := p.Protocol
		if proto == "" {
			proto = "tcp"
		}
		if p.Target == 0 || p.Target > 65535 {
			continue // compose-go's schema names a missing or wrong target
		}
		n.Ports = append(n.Ports, podspec.Port{First: uint16(p.Target), Last: uint16(p.Target), Protocol: proto, Key: fmt.Sprintf("ports[%d]", i)})
	}
	for i, e := range s.Expose {
		key := fmt.Sprintf("expose[%d]", i)
		p, err := exposed(e)
		if err != nil {
			errs = append(errs, at.errf(key, "%q: %v", e, err))
			continue
		}
		p.Key = key
		n.Ports = append(n.Ports, p)
	}
	return n, errs
}

// linkDependencies keeps what links mean to Compose's start order: compose-go
// adds each linked service to depends_on (service_started, required), so
// that a link to a service that is not a component is reported there. It
// also marks them `restart: true`, which a pod does not do and which the
// user never wrote: that is cleared, while a depends_on entry of the user's
// own stays as written.
func linkDependencies(s *types.ServiceConfig, raw map[string]any) {
	written := map[string]bool{}
	switch d := raw["depends_on"].(type) {
	case []any:
		for _, e := range d {
			if name, ok := e.(string); ok {
				written[name] = true
			}
		}
	case map[string]any:
		for name := range d {
			written[name] = true
		}
	}
	for _, l := range s.Links {
		target, _, _ := strings.Cut(l, ":")
		if d, ok := s.DependsOn[target]; ok && !written[target] {
			d.Restart = false
			s.DependsOn[target] = d
		}
	}
}

// exposed parses one expose entry: PORT, PORT/PROTO, FIRST-LAST or
// FIRST-LAST/PROTO.
func exposed(s string) (podspec.Port, error) {
	ports, proto, ok := strings.Cut(s, "/")
	if !ok {
		proto = "tcp"
	}
	switch proto {
	case "tcp", "udp", "sctp":
	default:
		return podspec.Port{}, fmt.Errorf("protocol %q: use tcp, udp or sctp", proto)
	}
	first, last, isRange := strings.Cut(ports, "-")
	if !isRange {
		last = first
	}
	f, err1 := strconv.ParseUint(first, 10, 16)
	l, err2 := strconv.ParseUint(last, 10, 16)
	if err1 != nil || err2 != nil || f == 0 || l < f {
		return podspec.Port{}, fmt.Errorf("not a port or a range of ports: write 8080, 8080/udp or 8000-8010")
	}
	return podspec.Port{First: uint16(f), Last: uint16(l), Protocol: proto}, nil
}

// checkNames checks the names across the pod: a name has one meaning for the
// whole pod, since every component reads the same /etc/hosts. (A link to a
// service that is not a component is reported with depends_on, which the
// link implies.) Names that all mean the pod's
// loopback (a component's name, an alias, one alias given by two
// components) never clash; an extra_hosts name clashes with them, and with
// the same name given other addresses by another component.
func checkNames(spec *podspec.Spec) []*Error {
	var (
		errs []*Error
		all  []*podspec.Component
	)
	for _, list := range [][]podspec.Component{spec.Init, spec.Components} {
		for i := range list {
			all = append(all, &list[i])
		}
	}
	// loopback maps each name (lower case: host names are) that resolves
	// to 127.0.0.1 to what gives it, for messages.
	loopback := map[string]string{"localhost": "Docker's own name for the loopback address"}
	for _, c := range all {
		if _, ok := loopback[strings.ToLower(c.Name)]; !ok {
			loopback[strings.ToLower(c.Name)] = "the name of component " + c.Name
		}
	}
	for _, c := range all {
		for _, a := range c.Network.Aliases {
			if _, ok := loopback[strings.ToLower(a.Name)]; !ok {
				loopback[strings.ToLower(a.Name)] = fmt.Sprintf("an alias of component %s (%s)", c.Name, a.Key)
			}
		}
	}
	type given struct {
		c   *podspec.Component
		ips []string
	}
	hosts := map[string]given{}
	for _, c := range all {
		mine := map[string][]string{}
		var order []string
		for _, h := range c.Network.Hosts {
			k := strings.ToLower(h.Name)
			if _, ok := mine[k]; !ok {
				order = append(order, h.Name)
			}
			if !slices.Contains(mine[k], h.IP) {
				mine[k] = append(mine[k], h.IP)
			}
		}
		for _, name := range order {
			k := strings.ToLower(name)
			ips := slices.Sorted(slices.Values(mine[k]))
			entry := name + "=" + strings.Join(ips, ",")
			if what, ok := loopback[k]; ok {
				errs = append(errs, componentErr(c, "extra_hosts", fmt.Sprintf("%s: %s is %s, which resolves to 127.0.0.1 in every component of the pod (they share one /etc/hosts): remove the entry, or rename one of them", entry, name, what)))
				continue
			}
			if prev, ok := hosts[k]; !ok {
				hosts[k] = given{c, ips}
			} else if !slices.Equal(prev.ips, ips) {
				errs = append(errs, componentErr(c, "extra_hosts", fmt.Sprintf("%s: component %s gives %s=%s; the components of a pod share one /etc/hosts, so a name has the same addresses in all of them: give the same addresses, or rename one", entry, prev.c.Name, name, strings.Join(prev.ips, ","))))
			}
		}
	}
	return errs
}
