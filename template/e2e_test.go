package template

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/podinit/podinit/internal/testenv"
)

const e2eStack = `version: "3.8"
services:
  web:
    image: podinit-test/busybox:latest
    command: sh -c 'echo hello-from-app > /tmp/index.html && exec httpd -f -p {{PORT}} -h /tmp'
    stop_grace_period: 5s
    x-podinit:
      templates:
        - inline: |
            fetcher:
              image: podinit-test/busybox:latest
              environment:
                PORT: "{{ .Args.Port }}"
              # $$ survives both interpolations (stack deploy, then podinit):
              # the shell sees ${PORT}.
              command: sh -c 'while true; do wget -qO /tmp/got http://localhost:$${PORT}/; sleep 1; done'
      args:
        Port: {{PORT}}
`

// TestSwarmEndToEnd renders a stack through scripts/podtemplate (with this
// test binary as the podinit binary), deploys it on the swarm, and checks
// that the app and its templated sidecar run as one pod sharing localhost,
// then that `docker stack rm` leaves no container behind.
func TestSwarmEndToEnd(t *testing.T) {
	testenv.RequireRoot(t)
	testenv.RequireImage(t, DefaultImage)
	testenv.RequireImage(t, "podinit-test/busybox:latest")
	if out, _ := exec.Command("docker", "info", "--format", "{{.Swarm.LocalNodeState}}").Output(); strings.TrimSpace(string(out)) != "active" {
		testenv.Unavailable(t, "needs an active swarm (scripts/docker-up.sh)")
	}
	exe, err := os.Executable()
	require.NoError(t, err)
	script := filepath.Join(testenv.RepoRoot(), "scripts", "podtemplate")

	name := fmt.Sprintf("pt%d%d", os.Getpid(), time.Now().UnixNano()%100000)
	port := "8080"
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "stack.yml"), []byte(strings.ReplaceAll(e2eStack, "{{PORT}}", port)), 0o644))
	env := append(os.Environ(), "PODINIT_BIN="+exe, cliEnv+"=1")

	// render prints the stack.
	render := exec.Command(script, "render", "stack.yml")
	render.Dir, render.Env = dir, env
	out, err := render.CombinedOutput()
	require.NoError(t, err, "%s", out)
	require.Contains(t, string(out), "pod.component.fetcher")

	t.Cleanup(func() { removeStack(t, name, name+"_web.1") })
	deploy := exec.Command(script, "deploy", "-c", "stack.yml", name)
	deploy.Dir, deploy.Env = dir, env
	out, err = deploy.CombinedOutput()
	require.NoError(t, err, "%s", out)

	pod := name + "_web.1"
	app := waitComponent(t, pod, "app", 90*time.Second)
	fetcher := waitComponent(t, pod, "fetcher", 30*time.Second)

	// From the sidecar, the app answers on localhost.
	var got string
	require.Eventually(t, func() bool {
		o, err := exec.Command("docker", "exec", fetcher, "wget", "-qO-", "http://localhost:"+port+"/").CombinedOutput()
		got = string(o)
		return err == nil && strings.Contains(got, "hello-from-app")
	}, 20*time.Second, 300*time.Millisecond, "sidecar cannot reach the app over localhost: %s", got)
	// And the sidecar's own loop, whose ${PORT} went through both
	// interpolations, fetched it too.
	require.Eventually(t, func() bool {
		o, err := exec.Command("docker", "exec", fetcher, "cat", "/tmp/got").CombinedOutput()
		got = string(o)
		return err == nil && strings.Contains(got, "hello-from-app")
	}, 20*time.Second, 300*time.Millisecond, "the sidecar's command did not fetch the app: %s", got)
	require.NotEmpty(t, app)

	removeStack(t, name, pod)
	require.Empty(t, containers(t, "label=podinit.pod="+pod), "components left behind")
}

// waitComponent waits until the pod's component runs and returns its ID.
func waitComponent(t *testing.T, pod, component string, timeout time.Duration) string {
	t.Helper()
	var id string
	require.Eventually(t, func() bool {
		ids := containers(t, "label=podinit.pod="+pod, "label=podinit.component="+component, "status=running")
		if len(ids) == 1 {
			id = ids[0]
			return true
		}
		return false
	}, timeout, 500*time.Millisecond, "component %s of pod %s never ran", component, pod)
	return id
}

func containers(t *testing.T, filters ...string) []string {
	t.Helper()
	args := []string{"ps", "-aq", "--no-trunc"}
	for _, f := range filters {
		args = append(args, "--filter", f)
	}
	out, err := exec.Command("docker", args...).CombinedOutput()
	require.NoError(t, err, "%s", out)
	return strings.Fields(string(out))
}

// removeStack removes the stack and waits until none of its containers
// (the controllers, and the components of the pod they own) remain.
func removeStack(t *testing.T, name, pod string) {
	t.Helper()
	exec.Command("docker", "stack", "rm", name).Run()
	deadline := time.Now().Add(90 * time.Second)
	for time.Now().Before(deadline) {
		if len(containers(t, "label=com.docker.stack.namespace="+name)) == 0 &&
			len(containers(t, "label=podinit.pod="+pod)) == 0 {
			return
		}
		time.Sleep(500 * time.Millisecond)
	}
	t.Errorf("stack %s: containers remain 90s after docker stack rm: %v", name,
		append(containers(t, "label=com.docker.stack.namespace="+name), containers(t, "label=podinit.pod="+pod)...))
}
