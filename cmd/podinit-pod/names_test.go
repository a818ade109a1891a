package main

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/podinit/podinit/internal/testenv"
)

// resolves returns the address a name resolves to inside a component, as
// busybox ping prints it ("PING api (127.0.0.1): 56 data bytes"), or "" when
// it does not resolve. (busybox-static's nslookup asks DNS only, and its
// wget crashes looking a name up through glibc's static NSS; its ping reads
// /etc/hosts.) The ping itself may fail: only the lookup counts.
func resolves(t *testing.T, p *testPod, component, name string) string {
	t.Helper()
	out, _ := testenv.Docker("exec", p.name+"."+component, "ping", "-c1", "-W1", name)
	_, rest, ok := strings.Cut(out, "PING "+name+" (")
	if !ok {
		return ""
	}
	addr, _, _ := strings.Cut(rest, ")")
	return addr
}

func TestComponentsResolveEachOtherByName(t *testing.T) {
	t.Parallel()
	p := runPod(t, map[string]string{
		"pod.component.db": `
image: ` + bbox + `
command: ["sh", "-c", "mkdir -p /w && echo db > /w/index.html && exec httpd -f -p 5432 -h /w"]`,
		"pod.component.api": `
image: ` + bbox + `
command: ["sh", "-c", "mkdir -p /w && echo api > /w/index.html && exec httpd -f -p 8080 -h /w"]
links: ["db:database"]
networks: {front: {aliases: [backend]}}`,
		"pod.component.web": `
image: ` + bbox + `
command: sleep 3600
depends_on: [api]
extra_hosts: ["reg.local:10.9.8.7"]`,
	}, nil)
	p.running("web", "api", "db")

	check := func() {
		t.Helper()
		for _, name := range []string{"web", "api", "db", "database", "backend"} {
			require.Equal(t, "127.0.0.1", resolves(t, p, "web", name), "%s from web", name)
		}
		require.Equal(t, "127.0.0.1", resolves(t, p, "db", "api"), "api from db")
		require.Equal(t, "10.9.8.7", resolves(t, p, "api", "reg.local"), "web's extra_hosts from api")
		require.Empty(t, resolves(t, p, "web", "nothere"), "a name nobody gave")

		// Docker's lines stay, and the block is there once.
		hosts := testenv.MustDocker(t, "exec", p.name+".web", "cat", "/etc/hosts")
		require.Contains(t, hosts, "127.0.0.1\tlocalhost\n")
		hostname := testenv.MustDocker(t, "inspect", "-f", "{{.Config.Hostname}}", p.name)
		require.Contains(t, hosts, "\t"+hostname+"\n", "Docker's line for the controller's own name")
		require.Equal(t, 1, strings.Count(hosts, "# BEGIN podinit"), hosts)
		require.Contains(t, hosts, "127.0.0.1\tapi\n127.0.0.1\tbackend\n127.0.0.1\tdatabase\n127.0.0.1\tdb\n127.0.0.1\tweb\n10.9.8.7\treg.local\n# END podinit")
	}
	check()
	require.Contains(t, p.logs(), "names in the pod (/etc/hosts): api, backend, database, db, web, reg.local")

	// The controller starts again in the same container, with the same
	// /etc/hosts: the block is not added twice.
	testenv.MustDocker(t, "restart", p.name)
	testenv.WaitFor(t, 60*time.Second, func() bool {
		return strings.Count(p.logs(), "names in the pod") == 2
	}, "the controller to start the pod again")
	p.running("web", "api", "db")
	check()

	testenv.MustDocker(t, "stop", p.name)
	require.Equal(t, 0, p.exitCode(30*time.Second))
	p.noneLeft()
}

// On a read-only root file system Docker mounts /etc/hosts read-only too:
// the pod runs, and the controller says which names will not resolve.
func TestReadOnlyControllerWarnsThatNamesDoNotResolve(t *testing.T) {
	t.Parallel()
	p := runPod(t, map[string]string{
		"pod.component.app": spy("links: [db]"),
		"pod.component.db":  spy(""),
	}, []string{"--read-only", "--tmpfs", "/run"})
	p.running("app", "db")
	logs := p.logs()
	require.Contains(t, logs, "warning: cannot write the pod's names into /etc/hosts (open /etc/hosts: read-only file system): the controller's root file system is read-only (read_only: true)")
	require.Contains(t, logs, "; app, db will not resolve in the components")
	require.Empty(t, resolves(t, p, "app", "db"))
	testenv.MustDocker(t, "stop", p.name)
	require.Equal(t, 0, p.exitCode(30*time.Second))
	p.noneLeft()
}
