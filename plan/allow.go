package plan

import (
	"fmt"
	"strings"
)

// Class is a kind of privilege the controller's -allow flag can open.
type Class string

const (
	AllowPrivileged     Class = "privileged"
	AllowCapabilities   Class = "capabilities"
	AllowDevices        Class = "devices"
	AllowSecurityOpt    Class = "security-opt"
	AllowHostNamespaces Class = "host-namespaces"
	AllowRuntime        Class = "runtime"
	AllowSysctls        Class = "sysctls"
	AllowHostMounts     Class = "host-mounts"
	AllowNamedVolumes   Class = "named-volumes"
)

// Classes lists every class with what it opens, in the order docs/security.md and
// `podinit validate` show them.
var Classes = []struct {
	Class Class
	Opens string
}{
	{AllowPrivileged, "`privileged: true`"},
	{AllowCapabilities, "`cap_add` beyond the controller's own effective capabilities"},
	{AllowDevices, "`devices`, `device_cgroup_rules`, `gpus` and device reservations"},
	{AllowSecurityOpt, "`security_opt` other than `no-new-privileges[:true]` (seccomp, apparmor or SELinux unconfined or custom, `no-new-privileges:false`, `systempaths=unconfined`, …)"},
	{AllowHostNamespaces, "`userns_mode: host` and `cgroup: host`"},
	{AllowRuntime, "`runtime`"},
	{AllowSysctls, "`sysctls` outside the component's own namespaces (not namespaced, or the controller's UTS namespace)"},
	{AllowHostMounts, "bind mounts of host paths (never the engine's socket, data or run directories)"},
	{AllowNamedVolumes, "named volumes that are neither the controller's nor declared by the pod's Compose file"},
}

// Allow is the set of classes the controller's -allow flag opens. It is a
// flag.Value: a comma-separated list, repeatable.
type Allow map[Class]bool

func (a *Allow) String() string {
	if a == nil || len(*a) == 0 {
		return ""
	}
	var out []string
	for _, c := range Classes {
		if (*a)[c.Class] {
			out = append(out, string(c.Class))
		}
	}
	return strings.Join(out, ",")
}

// Set adds the comma-separated classes in s.
func (a *Allow) Set(s string) error {
	if *a == nil {
		*a = Allow{}
	}
	for _, name := range strings.Split(s, ",") {
		name = strings.TrimSpace(name)
		if name == "" {
			continue
		}
		known := false
		for _, c := range Classes {
			if string(c.Class) == name {
				(*a)[c.Class], known = true, true
			}
		}
		if !known {
			var all []string
			for _, c := range Classes {
				all = append(all, string(c.Class))
			}
			return fmt.Errorf("%q is not a class podinit can allow: use %s", name, strings.Join(all, ", "))
		}
	}
	return nil
}
