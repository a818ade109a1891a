package labels

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/podinit/podinit/podspec"
)

func TestComponentNamesAreRead(t *testing.T) {
	spec, err := FromLabels(map[string]string{ComponentPrefix + "db": "image: busybox", ComponentPrefix + "cache": "image: busybox", ComponentPrefix + "app": `
image: busybox
container_name: my-app
links: [db, "cache:redis"]
networks:
  front: {aliases: [www, Web.Example]}
  back:
extra_hosts:
  - "reg.local:10.0.0.5"
  - "v6=[::1]"
  - "both=10.0.0.7,10.0.0.8"
  - "gw:host-gateway"
`}, nil)
	require.NoError(t, err)
	c := *find(&spec, "app")
	require.Equal(t, []podspec.Alias{
		{Name: "my-app", Key: "container_name"},
		{Name: "db", Link: "db", Key: "links[0]"},
		{Name: "redis", Link: "cache", Key: "links[1]"},
		{Name: "www", Key: "networks.front.aliases[0]"},
		{Name: "Web.Example", Key: "networks.front.aliases[1]"},
	}, c.Network.Aliases)
	require.Equal(t, []podspec.Host{
		{Name: "both", IP: "10.0.0.7", Key: "extra_hosts"},
		{Name: "both", IP: "10.0.0.8", Key: "extra_hosts"},
		{Name: "gw", IP: "host-gateway", Key: "extra_hosts"},
		{Name: "reg.local", IP: "10.0.0.5", Key: "extra_hosts"},
		{Name: "v6", IP: "::1", Key: "extra_hosts"},
	}, c.Network.Hosts)
	// Links order the start as in Compose; the pod restarts no dependents.
	require.Equal(t, map[string]podspec.Dependency{
		"db":    {Condition: podspec.ConditionStarted, Required: true},
		"cache": {Condition: podspec.ConditionStarted, Required: true},
	}, c.DependsOn)

	// The map form of extra_hosts.
	c = component(t, `
image: busybox
extra_hosts: {reg.local: 10.0.0.5, v6: "::1"}
`)
	require.Equal(t, []podspec.Host{
		{Name: "reg.local", IP: "10.0.0.5", Key: "extra_hosts"},
		{Name: "v6", IP: "::1", Key: "extra_hosts"},
	}, c.Network.Hosts)
}

func TestPortsAndExposeAreRead(t *testing.T) {
	// ports and expose are still refused here (the Swarm service publishes
	// ports); they are read all the same, for the shared-localhost warning.
	s := service{name: "app", at: where{source: "pod.component.app"}}
	raw := map[string]any{
		"image":  "busybox",
		"ports":  []any{"8080:80", "9000-9001:9000-9001/udp", map[string]any{"target": 443}},
		"expose": []any{"3000", 5000, "6000-6002/udp"},
	}
	svc, errs := s.load(raw, nil)
	require.Empty(t, errs)
	n, nerrs := readNetwork(svc, s.at, raw)
	require.Empty(t, nerrs)
	require.Equal(t, []podspec.Port{
		{First: 80, Last: 80, Protocol: "tcp", Key: "ports[0]"},
		{First: 9000, Last: 9000, Protocol: "udp", Key: "ports[1]"},
		{First: 9001, Last: 9001, Protocol: "udp", Key: "ports[2]"},
		{First: 443, Last: 443, Protocol: "tcp", Key: "ports[3]"},
		{First: 3000, Last: 3000, Protocol: "tcp", Key: "expose[0]"},
		{First: 5000, Last: 5000, Protocol: "tcp", Key: "expose[1]"},
		{First: 6000, Last: 6002, Protocol: "udp", Key: "expose[2]"},
	}, n.Ports)

	for _, bad := range []string{"0", "70000", "20-10", "80/icmp", "http"} {
		_, err := exposed(bad)
		require.Error(t, err, bad)
	}
}

func TestBadNamesAreErrors(t *testing.T) {
	errs := problems(t, map[string]string{ComponentPrefix + "app": `
image: busybox
container_name: "-bad"
links: ["db:not valid"]
networks: {front: {aliases: ["a..b"]}}
extra_hosts: ["ok.name:not-an-ip", "bad_:10.0.0.1x"]
`, ComponentPrefix + "db": "image: busybox"})
	require.Contains(t, findErr(t, errs, "container_name").Msg, `"-bad" is not a valid host name`)
	require.Contains(t, findErr(t, errs, "links[0]").Msg, `"not valid" is not a valid host name`)
	require.Contains(t, findErr(t, errs, "networks.front.aliases[0]").Msg, `"a..b" is not a valid host name`)
	var hostErrs []string
	for _, e := range errs {
		if e.Key == "extra_hosts" {
			hostErrs = append(hostErrs, e.Msg)
		}
	}
	require.Len(t, hostErrs, 2, "%v", errs)
	require.Contains(t, hostErrs[0], `bad_=10.0.0.1x: "10.0.0.1x" is not an IP address`)
	require.Contains(t, hostErrs[1], `ok.name=not-an-ip: "not-an-ip" is not an IP address`)
	require.Len(t, errs, 5, "%v", errs)
}

func TestNameClashes(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "compose.yaml")
	require.NoError(t, os.WriteFile(file, []byte(`
services:
  web:
    image: busybox
    links: ["api:backend", "nothere:x"]
    networks: {front: {aliases: [api, www]}}
    extra_hosts: ["reg:10.0.0.1", "other:10.0.0.9"]
  api:
    image: busybox
    networks: {front: {aliases: [www]}}
    extra_hosts: ["reg:10.0.0.2", "other=10.0.0.9", "backend:10.0.0.3", "localhost:10.0.0.4", "web:10.0.0.5"]
`), 0o644))
	_, err := FromComposeFile(file, nil)
	require.Error(t, err)
	errs := flatten(err)
	var msgs []string
	for _, e := range errs {
		msgs = append(msgs, e.Error())
	}
	// An alias that is another component's name, or that two components
	// give, means 127.0.0.1 either way: no clash. The same extra_hosts
	// entry in two components is none either.
	require.ElementsMatch(t, []string{
		file + ` (line 3): services.web.depends_on.nothere: no component is named "nothere": the pod has api, web`,
		file + ` (line 11): services.api.extra_hosts: backend=10.0.0.3: backend is an alias of component web (links[0]), which resolves to 127.0.0.1 in every component of the pod (they share one /etc/hosts): remove the entry, or rename one of them`,
		file + ` (line 11): services.api.extra_hosts: localhost=10.0.0.4: localhost is Docker's own name for the loopback address, which resolves to 127.0.0.1 in every component of the pod (they share one /etc/hosts): remove the entry, or rename one of them`,
		file + ` (line 11): services.api.extra_hosts: web=10.0.0.5: web is the name of component web, which resolves to 127.0.0.1 in every component of the pod (they share one /etc/hosts): remove the entry, or rename one of them`,
		file + ` (line 7): services.web.extra_hosts: reg=10.0.0.1: component api gives reg=10.0.0.2; the components of a pod share one /etc/hosts, so a name has the same addresses in all of them: give the same addresses, or rename one`,
	}, msgs)
}
