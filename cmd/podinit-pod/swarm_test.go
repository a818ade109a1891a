package main

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/podinit/podinit/internal/testenv"
)

// requireSwarm makes sure the engine is a swarm manager (`make test` makes
// it one).
func requireSwarm(t *testing.T) {
	t.Helper()
	requirePodEnv(t)
	state, _ := testenv.Docker("info", "--format", "{{.Swarm.LocalNodeState}}")
	if state != "active" {
		t.Fatalf("the engine is not a swarm (state %q): run `make test`, which runs `docker swarm init`", state)
	}
}

func TestPodAsASwarmService(t *testing.T) {
	t.Parallel()
	requireSwarm(t)
	svc := uniqueName(t, "svc")
	t.Cleanup(func() {
		testenv.Docker("service", "rm", svc)
		ids, _ := testenv.Docker("ps", "-aq", "--filter", "label=podinit.swarm.service.name="+svc)
		for _, id := range strings.Fields(ids) {
			testenv.Docker("rm", "-f", id)
		}
	})
	testenv.MustDocker(t, "service", "create", "-d", "--name", svc,
		"--restart-condition", "none",
		"--mount", "type=bind,src=/var/run/docker.sock,dst=/var/run/docker.sock",
		"--container-label", "pod.component.web=image: "+bbox+"\ncommand: [\"sh\", \"-c\", \"mkdir -p /www && echo swarm-pod > /www/index.html && exec httpd -f -p 8080 -h /www\"]",
		"--container-label", "pod.component.client=image: "+bbox+"\ncommand: sleep 3600\ndepends_on: [web]",
		podImage)

	// The pod is "<service>.<slot>"; its components carry the task's labels.
	pod := svc + ".1"
	find := func(component string) string {
		out, _ := testenv.Docker("ps", "-q", "--filter", "label=podinit.pod="+pod, "--filter", "label=podinit.component="+component)
		return out
	}
	testenv.WaitFor(t, 90*time.Second, func() bool { return find("web") != "" && find("client") != "" }, "the pod's components to run")
	client := find("client")
	require.Equal(t, svc, testenv.MustDocker(t, "inspect", "-f", `{{index .Config.Labels "podinit.swarm.service.name"}}`, client))

	var body string
	testenv.WaitFor(t, 20*time.Second, func() bool {
		body, _ = testenv.Docker("exec", client, "wget", "-qO-", "http://localhost:8080/")
		return body == "swarm-pod"
	}, "client to reach web over localhost (last %q)", body)

	testenv.MustDocker(t, "service", "rm", svc)
	testenv.WaitFor(t, 60*time.Second, func() bool {
		out, _ := testenv.Docker("ps", "-aq", "--filter", "label=podinit.pod="+pod)
		return out == ""
	}, "no component of %s left", pod)
}
