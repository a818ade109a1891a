package plan

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/podinit/podinit/hostsfile"
	"github.com/podinit/podinit/podspec"
)

func TestPlanNamesEveryComponentAndAlias(t *testing.T) {
	web := comp("web", podspec.RoleMain, "api")
	web.Network = podspec.Network{
		Aliases: []podspec.Alias{{Name: "backend", Link: "api", Key: "links[0]"}, {Name: "API", Key: "networks.x.aliases[0]"}},
		Hosts: []podspec.Host{
			{Name: "reg.local", IP: "10.0.0.5", Key: "extra_hosts"},
			{Name: "v6", IP: "fd00::1", Key: "extra_hosts"},
			{Name: "gw", IP: podspec.HostGateway, Key: "extra_hosts"},
		},
	}
	api := comp("api", podspec.RoleMain, "db")
	api.Network.Aliases = []podspec.Alias{{Name: "www", Key: "networks.front.aliases[0]"}, {Name: "localhost", Key: "container_name"}}
	api.Network.Hosts = []podspec.Host{{Name: "reg.local", IP: "10.0.0.5", Key: "extra_hosts"}, {Name: "a.example", IP: "10.0.0.6", Key: "extra_hosts"}}
	db := comp("db", podspec.RoleMain)
	bad := comp("bad-", podspec.RoleSidecar)
	mig := comp("migrate", podspec.RoleInit)
	spec := podspec.Spec{Init: []podspec.Component{mig}, Components: []podspec.Component{web, api, db, bad}}
	p, err := NewPlan(spec, ctrl, Options{StopBudget: 10 * time.Second, StopMargin: time.Second})
	require.NoError(t, err)
	// One line per name, loopback names first, sorted; a name given twice
	// (whatever its case) once; localhost is Docker's already.
	require.Equal(t, []hostsfile.Entry{
		{IP: "127.0.0.1", Name: "api"},
		{IP: "127.0.0.1", Name: "backend"},
		{IP: "127.0.0.1", Name: "db"},
		{IP: "127.0.0.1", Name: "migrate"},
		{IP: "127.0.0.1", Name: "web"},
		{IP: "127.0.0.1", Name: "www"},
		{IP: "10.0.0.6", Name: "a.example"},
		{IP: "10.0.0.5", Name: "reg.local"},
		{IP: "fd00::1", Name: "v6"},
	}, p.Hosts)
	require.Contains(t, p.Warnings, `pod.component.bad-: the component's name "bad-" is not a valid host name, so it does not resolve in the pod (a network alias can give it one)`)
	require.Contains(t, p.Warnings, "pod.component.web: extra_hosts gw=host-gateway is left out of the pod's /etc/hosts: podinit cannot learn the engine's host-gateway address; give the controller (the Swarm service) extra_hosts gw:host-gateway, whose /etc/hosts every component shares")
	require.Len(t, p.Warnings, 2, "%q", p.Warnings)
}

func TestSharedPortsAreAWarning(t *testing.T) {
	port := func(first, last uint16, proto, key string) podspec.Port {
		return podspec.Port{First: first, Last: last, Protocol: proto, Key: key}
	}
	web := comp("web", podspec.RoleMain)
	web.Network.Ports = []podspec.Port{port(80, 80, "tcp", "ports[0]"), port(80, 80, "tcp", "ports[1]"), port(8000, 8010, "tcp", "expose[0]"), port(53, 53, "udp", "expose[1]")}
	api := comp("api", podspec.RoleMain)
	api.Network.Ports = []podspec.Port{port(53, 53, "tcp", "expose[0]"), port(8005, 8020, "tcp", "expose[1]"), port(80, 80, "tcp", "ports[0]"), port(8003, 8003, "tcp", "ports[1]")}
	db := comp("db", podspec.RoleMain)
	db.Network.Ports = []podspec.Port{port(53, 53, "udp", "expose[0]"), port(5432, 5432, "tcp", "expose[1]")}
	other := comp("other", podspec.RoleMain)
	other.Network.Ports = []podspec.Port{port(5433, 5433, "tcp", "expose[0]")}
	mig := comp("migrate", podspec.RoleInit)
	mig.Network.Ports = []podspec.Port{port(5432, 5432, "tcp", "expose[0]")}
	spec := podspec.Spec{Init: []podspec.Component{mig}, Components: []podspec.Component{web, api, db, other}}
	p, err := NewPlan(spec, ctrl, Options{StopBudget: 10 * time.Second, StopMargin: time.Second})
	require.NoError(t, err)
	require.Equal(t, []string{
		"web and api both listen on 80/tcp, 8003/tcp, 8005-8010/tcp: they share localhost, only one can bind it (web: ports[0], api: ports[0])",
		"web and db both listen on 53/udp: they share localhost, only one can bind it (web: expose[1], db: expose[0])",
	}, p.Warnings, "an init component has ended before the others start; the same port twice in one component is no clash")
}
