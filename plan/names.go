package plan

import (
	"fmt"
	"slices"
	"strings"

	"github.com/podinit/podinit/hostsfile"
	"github.com/podinit/podinit/podspec"
)

// loopback is the address of the pod's names. Only IPv4: a client that
// resolves a name to ::1 first and does not fall back (Node.js, some Java)
// would miss a server that listens on 0.0.0.0 only, as most do; in Compose
// a service name resolves to an IPv6 address only on a network with IPv6
// enabled. A server that listens on [::] also takes 127.0.0.1 unless it
// sets IPV6_V6ONLY.
const loopback = "127.0.0.1"

// podHosts is the pod's block for the controller's /etc/hosts (package
// hostsfile): every component's name and alias as the loopback address,
// then the extra_hosts entries. labels has checked that no name has two
// meanings. What cannot go into the block is a warning.
func podHosts(spec podspec.Spec) ([]hostsfile.Entry, []string) {
	var (
		entries  []hostsfile.Entry
		warnings []string
		names    []string
	)
	seen := map[string]bool{"localhost": true} // Docker's own line has it
	add := func(name string) {
		if k := strings.ToLower(name); !seen[k] {
			seen[k] = true
			names = append(names, name)
		}
	}
	all := append(append([]podspec.Component{}, spec.Init...), spec.Components...)
	for _, c := range all {
		if !hostsfile.ValidName(c.Name) {
			warnings = append(warnings, fmt.Sprintf("%s: the component's name %q is not a valid host name, so it does not resolve in the pod (a network alias can give it one)", c.Source, c.Name))
			continue
		}
		add(c.Name)
	}
	for _, c := range all {
		for _, a := range c.Network.Aliases {
			add(a.Name)
		}
	}
	slices.SortFunc(names, func(a, b string) int { return strings.Compare(strings.ToLower(a), strings.ToLower(b)) })
	for _, n := range names {
		entries = append(entries, hostsfile.Entry{IP: loopback, Name: n})
	}

	var hosts []podspec.Host
	given := map[string]bool{}
	for _, c := range all {
		for _, h := range c.Network.Hosts {
			if h.IP == podspec.HostGateway {
				warnings = append(warnings, fmt.Sprintf("%s: %s %s=%s is left out of the pod's /etc/hosts: podinit cannot learn the engine's host-gateway address; give the controller (the Swarm service) extra_hosts %s:host-gateway, whose /etc/hosts every component shares", c.Source, h.Key, h.Name, h.IP, h.Name))
				continue
			}
			if k := strings.ToLower(h.Name) + " " + h.IP; !given[k] {
				given[k] = true
				hosts = append(hosts, h)
			}
		}
	}
	slices.SortStableFunc(hosts, func(a, b podspec.Host) int { return strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)) })
	for _, h := range hosts {
		entries = append(entries, hostsfile.Entry{IP: h.IP, Name: h.Name})
	}
	return entries, warnings
}

// sharedPorts warns about two components that declare the same container
// port: in a pod they share localhost, and only one can bind it. Init
// components have ended before the others start.
func sharedPorts(spec podspec.Spec) []string {
	var warnings []string
	cs := spec.Components
	for i := range cs {
		for j := i + 1; j < len(cs); j++ {
			a, b := cs[i], cs[j]
			var shared []string
			var keyA, keyB string
			for _, proto := range []string{"tcp", "udp", "sctp"} {
				for _, r := range overlaps(a.Network.Ports, b.Network.Ports, proto, &keyA, &keyB) {
					shared = append(shared, r+"/"+proto)
				}
			}
			if len(shared) == 0 {
				continue
			}
			warnings = append(warnings, fmt.Sprintf("%s and %s both listen on %s: they share localhost, only one can bind it (%s: %s, %s: %s)",
				a.Name, b.Name, strings.Join(shared, ", "), a.Name, keyA, b.Name, keyB))
		}
	}
	return warnings
}

// overlaps returns the ports of one protocol that both lists declare, as
// "80" or "8000-8010", in order; keyA and keyB get the first keys that
// declare one of them.
func overlaps(as, bs []podspec.Port, proto string, keyA, keyB *string) []string {
	type span struct{ first, last int }
	var common []span
	for _, a := range as {
		for _, b := range bs {
			if a.Protocol != proto || b.Protocol != proto {
				continue
			}
			first, last := max(int(a.First), int(b.First)), min(int(a.Last), int(b.Last))
			if first > last {
				continue
			}
			if *keyA == "" {
				*keyA, *keyB = a.Key, b.Key
			}
			common = append(common, span{first, last})
		}
	}
	slices.SortFunc(common, func(x, y span) int { return x.first - y.first })
	var merged []span
	for _, s := range common {
		if n := len(merged); n > 0 && s.first <= merged[n-1].last+1 {
			merged[n-1].last = max(merged[n-1].last, s.last)
			continue
		}
		merged = append(merged, s)
	}
	var out []string
	for _, s := range merged {
		if s.first == s.last {
			out = append(out, fmt.Sprint(s.first))
		} else {
			out = append(out, fmt.Sprintf("%d-%d", s.first, s.last))
		}
	}
	return out
}
