package main

import (
	"fmt"
	"strings"

	"github.com/podinit/podinit/plan"
)

// allowClasses lists the -allow classes for the flag's help.
func allowClasses() string {
	var names []string
	for _, c := range plan.Classes {
		names = append(names, string(c.Class))
	}
	return strings.Join(names, ", ")
}

// describeCeiling tells what the pod's components may get, for validate.
func describeCeiling(p *plan.Plan) string {
	var b strings.Builder
	fmt.Fprintf(&b, "privileges beyond the controller's own (-allow %s):\n", orNone(p.Options.Allow.String()))
	for _, c := range plan.Classes {
		state := "refused"
		if p.Options.Allow[c.Class] {
			state = "ALLOWED"
		}
		fmt.Fprintf(&b, "  %-16s %-8s %s\n", c.Class, state, strings.ReplaceAll(c.Opens, "`", ""))
	}
	fmt.Fprintf(&b, "  cap_add up to the controller's capabilities (%s): %s\n", p.Controller.Caps.From, plan.CapNames(p.Controller.Caps.Set))
	fmt.Fprintf(&b, "  never: the engine's socket, data and run directories, the health socket (%s)\n", p.Options.HealthSocket)
	reach := "not reachable by components"
	switch scheme, _, _ := strings.Cut(p.Controller.EngineHost, "://"); scheme {
	case "tcp", "http", "https":
		reach = "REACHABLE by every component (they share the controller's network namespace)"
	}
	fmt.Fprintf(&b, "engine: %s, %s\n", p.Controller.EngineHost, reach)
	return b.String()
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// grants spells out what a member gets past a default container, so that
// validate shows every privilege the pod hands out.
func grants(m *plan.Member) string {
	h := m.Host
	var g []string
	if h.Privileged {
		g = append(g, "privileged")
	}
	if len(h.CapAdd) > 0 {
		g = append(g, "cap_add "+strings.Join(h.CapAdd, ","))
	}
	for _, d := range h.Devices {
		g = append(g, "device "+d.PathOnHost)
	}
	if len(h.DeviceCgroupRules)+len(h.DeviceRequests) > 0 {
		g = append(g, "device rules or requests")
	}
	if len(h.SecurityOpt) > 0 {
		g = append(g, "security_opt "+strings.Join(h.SecurityOpt, ","))
	}
	if h.UsernsMode.IsHost() {
		g = append(g, "userns host")
	}
	if h.CgroupnsMode.IsHost() {
		g = append(g, "cgroupns host")
	}
	if h.Runtime != "" {
		g = append(g, "runtime "+h.Runtime)
	}
	for _, mt := range h.Mounts {
		switch {
		case mt.Type == "bind":
			g = append(g, "bind "+mt.Source+":"+mt.Target)
		case mt.Type == "volume" && mt.Source != "":
			g = append(g, "volume "+mt.Source+":"+mt.Target)
		}
	}
	if len(g) == 0 {
		return ""
	}
	return " {" + strings.Join(g, "; ") + "}"
}
