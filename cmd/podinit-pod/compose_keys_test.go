package main

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/podinit/podinit/internal/testenv"
)

// serviceLevelPod is a pod whose components carry keys of the Swarm
// service, as a Compose project has them.
func serviceLevelPod() map[string]string {
	return map[string]string{
		"pod.component.web":   "image: " + bbox + "\ncommand: [sh, -c, 'echo hello > /tmp/index.html && httpd -f -p 8080 -h /tmp']\nports: ['8080:8080']\ncontainer_name: web\nnetworks: [front]",
		"pod.component.check": "image: " + bbox + "\ncommand: [sh, -c, 'until wget -qO- http://localhost:8080/index.html; do sleep 0.2; done; sleep 3600']\ncontainer_name: checker",
	}
}

// TestServiceLevelKeysWarnAndRun: a pod whose components have ports,
// container_name and networks starts, logs one warning per key as it
// starts, and runs: its components share localhost.
func TestServiceLevelKeysWarnAndRun(t *testing.T) {
	t.Parallel()
	p := runPod(t, serviceLevelPod(), nil, "-logs")
	p.running("web", "check")
	testenv.WaitFor(t, 30*time.Second, func() bool { return strings.Contains(p.logs(), "check | hello") },
		"the checker reaches web on localhost")
	logs := p.logs()
	for _, w := range []string{
		"warning: label pod.component.check (line 3): container_name: checker is not used in a pod: the pod names the component's container <controller name>.<component> (the name resolves to localhost in the pod)\n",
		"warning: label pod.component.web (line 3): ports: 8080:8080 is the Swarm service's, not a component's: publish it on the controller's service\n",
		"warning: label pod.component.web (line 4): container_name: web is not used in a pod: the pod names the component's container <controller name>.<component> (the name resolves to localhost in the pod)\n",
		"warning: label pod.component.web (line 5): networks: front is the Swarm service's, not a component's: attach the networks to the controller's service, whose network namespace the components share (a network's aliases resolve to localhost in the pod)\n",
	} {
		require.Equal(t, 1, strings.Count(logs, w), "once in the controller's log: %s", w)
	}
	require.Less(t, strings.Index(logs, "warning: label pod.component.web (line 3): ports"), strings.Index(logs, ": 0 init, 2 components"), "the warnings come as the pod starts")
	require.Subset(t, p.components(), []string{"check", "web"})
	for _, name := range []string{"web", "checker"} {
		out, _ := testenv.Docker("ps", "-aq", "--filter", "name=^/"+name+"$")
		require.Empty(t, out, "container_name does not name a container %s", name)
	}
}

// TestStrictComposeRefusesServiceLevelKeys: with -strict-compose the same
// pod is invalid: exit 2, every key in one report, nothing created.
func TestStrictComposeRefusesServiceLevelKeys(t *testing.T) {
	t.Parallel()
	p := runPod(t, serviceLevelPod(), nil, "-strict-compose")
	require.Equal(t, 2, p.exitCode(60*time.Second))
	logs := p.logs()
	require.Contains(t, logs, "the pod is invalid (4 problems):\n"+
		"  label pod.component.check (line 3): container_name: checker is not used in a pod: the pod names the component's container <controller name>.<component> (the name resolves to localhost in the pod) (-strict-compose refuses it)\n"+
		"  label pod.component.web (line 3): ports: 8080:8080 is the Swarm service's, not a component's: publish it on the controller's service (-strict-compose refuses it)\n"+
		"  label pod.component.web (line 4): container_name: web is not used in a pod: the pod names the component's container <controller name>.<component> (the name resolves to localhost in the pod) (-strict-compose refuses it)\n"+
		"  label pod.component.web (line 5): networks: front is the Swarm service's, not a component's: attach the networks to the controller's service, whose network namespace the components share (a network's aliases resolve to localhost in the pod) (-strict-compose refuses it)")
	require.NotContains(t, logs, "warning: label")
	p.noneLeft()
}
