package main

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// requireSwarm makes sure the engine is a swarm manager (`make test` makes
// it one).
func requireSwarm(t *testing.T) {
	t.Helper()
	requirePodEnv(t)
	state, _ := docker(t, "info", "--format", "{{.Swarm.LocalNodeState}}")
	if state != "active" {
		t.Fatalf("the engine is not a swarm (state %q): run `make test`, which runs `docker swarm init`", state)
	}
}

func TestPodAsASwarmService(t *testing.T) {
	t.Parallel()
	requireSwarm(t)
	svc := uniqueName(t, "svc")
	t.Cleanup(func() {
		docker(t, "service", "rm", svc)
		ids, _ := docker(t, "ps", "-aq", "--filter", "label=podinit.swarm.service.name="+svc)
		for _, id := range strings.Fields(ids) {
			docker(t, "rm", "-f", id)
		}
	})
	mustDocker(t, "service", "create", "-d", "--name", svc,
		"--restart-condition", "none",
		"--mount", "type=bind,src=/var/run/docker.sock,dst=/var/run/docker.sock",
		"--container-label", "pod.component.web=image: "+bbox+"\ncommand: [\"sh\", \"-c\", \"mkdir -p /www && echo swarm-pod > /www/index.html && exec httpd -f -p 8080 -h /www\"]",
		"--container-label", "pod.component.client=image: "+bbox+"\ncommand: sleep 3600\ndepends_on: [web]",
		podImage)

	// The pod is "<service>.<slot>"; its components carry the task's labels.
	pod := svc + ".1"
	find := func(component string) string {
		out, _ := docker(t, "ps", "-q", "--filter", "label=podinit.pod="+pod, "--filter", "label=podinit.component="+component)
		return out
	}
	waitFor(t, 90*time.Second, func() bool { return find("web") != "" && find("client") != "" }, "the pod's components to run")
	client := find("client")
	require.Equal(t, svc, mustDocker(t, "inspect", "-f", `{{index .Config.Labels "podinit.swarm.service.name"}}`, client))

	var body string
	waitFor(t, 20*time.Second, func() bool {
		body, _ = docker(t, "exec", client, "wget", "-qO-", "http://localhost:8080/")
		return body == "swarm-pod"
	}, "client to reach web over localhost (last %q)", body)

	mustDocker(t, "service", "rm", svc)
	waitFor(t, 60*time.Second, func() bool {
		out, _ := docker(t, "ps", "-aq", "--filter", "label=podinit.pod="+pod)
		return out == ""
	}, "no component of %s left", pod)
}
