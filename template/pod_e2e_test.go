package template

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/podinit/podinit/internal/testenv"
)

// podE2EProject is web + api + db as docker compose would run them: web
// fetches api by name, api fetches db by name, and only web publishes a port.
// The port is published in host mode: the test engines run without iptables
// (scripts/engine.sh), so Swarm's routing mesh, which the ingress mode needs,
// does not forward there; the stack's ports reach Swarm as written either way.
const podE2EProject = `services:
  web:
    image: podinit-test/busybox:latest
    command: ["sh", "-c", "mkdir -p /www && (while :; do wget -qO /www/next http://api:9000/ && mv /www/next /www/index.html; sleep 1; done) & exec httpd -f -p 8080 -h /www"]
    ports:
      - {target: 8080, published: {{PORT}}, mode: host}
    depends_on: [api]
    stop_grace_period: 2s
  api:
    image: podinit-test/busybox:latest
    command: ["sh", "-c", "mkdir -p /www && (while :; do wget -qO /www/db http://db:5432/ && (echo api-saw; cat /www/db) > /www/index.html; sleep 1; done) & exec httpd -f -p 9000 -h /www"]
    depends_on:
      db: {condition: service_started}
    stop_grace_period: 2s
  db:
    image: podinit-test/busybox:latest
    command: ["sh", "-c", "mkdir -p /data && cat /conf/greeting > /data/index.html && exec httpd -f -p 5432 -h /data"]
    volumes: ["dbdata:/data", "./dbconf:/conf:ro"]
volumes:
  dbdata: {}
`

// TestPodSwarmEndToEnd renders a three-service project with -pod, deploys
// it unchanged with docker stack deploy -c -, and checks that its published
// port answers on the host with what web got from api and api from db (the
// components reach each other by service name), then that docker stack rm
// leaves no service, container or network behind.
func TestPodSwarmEndToEnd(t *testing.T) {
	testenv.RequireRoot(t)
	testenv.RequireImage(t, DefaultImage)
	testenv.RequireImage(t, "podinit-test/busybox:latest")
	if out, _ := exec.Command("docker", "info", "--format", "{{.Swarm.LocalNodeState}}").Output(); strings.TrimSpace(string(out)) != "active" {
		testenv.Unavailable(t, "needs an active swarm (SWARM=1 scripts/engine.sh 28 -- ...)")
	}
	name := fmt.Sprintf("pp%d%d", os.Getpid(), time.Now().UnixNano()%100000)
	// A free port, not a fixed one: a stack that a killed earlier run left
	// on the engine would still hold a fixed one, and the task would pend.
	l, err := net.Listen("tcp", ":0")
	require.NoError(t, err)
	port := strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
	require.NoError(t, l.Close())
	dir := filepath.Join(t.TempDir(), "shop")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "compose.yaml"), []byte(strings.ReplaceAll(podE2EProject, "{{PORT}}", port)), 0o644))
	// A relative bind, as docker compose up takes it: made absolute, and
	// the pod's controller allows host mounts.
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "dbconf"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "dbconf", "greeting"), []byte("db-ok\n"), 0o644))

	stack, notes, err := RenderPod(context.Background(), []string{"compose.yaml"}, Options{WorkDir: dir}, PodOptions{Name: name})
	require.NoError(t, err)
	require.Contains(t, strings.Join(notes, "\n"), "stop_grace_period is 5s: web 2s + api 2s along the stop order")
	require.Contains(t, strings.Join(notes, "\n"), "the pod's controller runs with -allow host-mounts, for the binds of db")

	pod := name + "_" + name + ".1"
	// Like docker compose down without -v, docker stack rm keeps the
	// stack's volumes: the test removes its own.
	t.Cleanup(func() { exec.Command("docker", "volume", "rm", name+"_dbdata").Run() })
	t.Cleanup(func() { removeStack(t, name, pod) })
	t.Cleanup(func() {
		if t.Failed() {
			for _, args := range [][]string{
				{"service", "ps", "--no-trunc", name + "_" + name},
				{"service", "logs", "--raw", name + "_" + name},
			} {
				o, _ := exec.Command("docker", args...).CombinedOutput()
				t.Logf("docker %s:\n%s", strings.Join(args, " "), o)
			}
		}
	})
	deploy := exec.Command("docker", "stack", "deploy", "-c", "-", name)
	deploy.Stdin = bytes.NewReader(stack)
	out, err := deploy.CombinedOutput()
	require.NoError(t, err, "%s\n%s", out, stack)

	for _, c := range []string{"db", "api", "web"} {
		waitComponent(t, pod, c, 120*time.Second)
	}
	// The port is published by the pod's service, and reached from the
	// host.
	var got string
	client := http.Client{Timeout: 2 * time.Second}
	require.Eventually(t, func() bool {
		resp, err := client.Get("http://127.0.0.1:" + port + "/")
		if err != nil {
			got = err.Error()
			return false
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		got = string(b)
		return resp.StatusCode == 200 && strings.Contains(got, "api-saw") && strings.Contains(got, "db-ok")
	}, 60*time.Second, 500*time.Millisecond, "the published port never gave web's page with what api got from db: %s", got)

	removeStack(t, name, pod)
	require.Empty(t, containers(t, "label=podinit.pod="+pod), "components left behind")
	svcs, err := exec.Command("docker", "service", "ls", "-q", "--filter", "label=com.docker.stack.namespace="+name).CombinedOutput()
	require.NoError(t, err, "%s", svcs)
	require.Empty(t, strings.TrimSpace(string(svcs)), "services left behind")
	var nets string
	require.Eventually(t, func() bool {
		o, _ := exec.Command("docker", "network", "ls", "-q", "--filter", "label=com.docker.stack.namespace="+name).CombinedOutput()
		nets = strings.TrimSpace(string(o))
		return nets == ""
	}, 30*time.Second, 500*time.Millisecond, "the stack's networks remain: %s", nets)
}
