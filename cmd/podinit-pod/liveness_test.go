package main

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/podinit/podinit/healthprobe"
	"github.com/podinit/podinit/internal/testenv"
)

// Restart on unhealthy as a user sees it: a sidecar that wedges (its
// healthcheck fails once /tmp/wedged exists in its container) is restarted
// in place, while the main component serves on and the controller's
// HEALTHCHECK stays healthy.

const (
	servingApp     = "image: " + bbox + "\ncommand: [\"sh\", \"-c\", \"mkdir -p /www && echo up > /www/index.html && exec httpd -f -p 8080 -h /www\"]"
	wedgingShipper = "image: " + bbox + `
command: sleep 3600
restart: always
healthcheck: {test: ["CMD", "sh", "-c", "! test -f /tmp/wedged"], interval: 1s, timeout: 2s, retries: 1}
x-podinit: {role: sidecar, on-unhealthy: restart}`
)

func inspect(t *testing.T, format, container string) string {
	t.Helper()
	return testenv.MustDocker(t, "inspect", "-f", format, container)
}

func TestUnhealthySidecarIsRestartedInPlace(t *testing.T) {
	t.Parallel()
	p := runPod(t, map[string]string{
		"pod.component.app":     servingApp,
		"pod.component.shipper": wedgingShipper,
	}, []string{"--health-interval", "1s", "--health-retries", "1"})
	p.running("app", "shipper")
	healthcheck := func() (string, error) { return testenv.Docker("exec", p.name, "/podinit", "healthcheck") }
	testenv.WaitFor(t, 60*time.Second, func() bool { out, err := healthcheck(); return err == nil && out == "healthy" }, "the pod to be healthy")
	testenv.WaitFor(t, 30*time.Second, func() bool { return inspect(t, "{{.State.Health.Status}}", p.name) == "healthy" }, "Docker's HEALTHCHECK of the controller to say healthy")
	app := inspect(t, "{{.Id}} {{.State.Pid}}", p.name+".app")
	shipper := inspect(t, "{{.Id}}", p.name+".shipper")

	testenv.MustDocker(t, "exec", p.name+".shipper", "touch", "/tmp/wedged")
	sawNote := false
	testenv.WaitFor(t, 60*time.Second, func() bool {
		// Every look on the way: the app serves, the pod is healthy.
		body, err := testenv.Docker("exec", p.name+".app", "wget", "-qO-", "http://127.0.0.1:8080/")
		require.NoError(t, err, "app stopped serving: %s", body)
		require.Equal(t, "up", body)
		out, err := healthcheck()
		require.NoError(t, err, "podinit healthcheck failed during the restart in place: %s", out)
		sawNote = sawNote || strings.Contains(out, "shipper: ")
		c := component(status(t, p), "shipper")
		return c.Restarts == 1 && c.Health == healthprobe.Healthy
	}, "shipper to be restarted and healthy again")

	require.NotEqual(t, shipper, inspect(t, "{{.Id}}", p.name+".shipper"), "a new container")
	require.Equal(t, app, inspect(t, "{{.Id}} {{.State.Pid}}", p.name+".app"), "app ran on in the same container and process")
	st := status(t, p)
	c := component(st, "shipper")
	require.Equal(t, "unhealthy", c.LastReason)
	require.True(t, c.Liveness)
	require.Equal(t, healthprobe.Healthy, st.Health)
	// Docker's own HEALTHCHECK of the controller never failed.
	require.Equal(t, "healthy 0", inspect(t, "{{.State.Health.Status}} {{.State.Health.FailingStreak}}", p.name))
	logs := p.logs()
	require.Contains(t, logs, "shipper is unhealthy: stopping it with SIGTERM (on-unhealthy: restart); to restart it")
	require.Contains(t, logs, "shipper stopped as unhealthy (exit 143); restarting in 1s (restart: always)")
	t.Logf("a note of the restart in place was seen in podinit healthcheck: %v", sawNote)

	testenv.MustDocker(t, "stop", p.name)
	require.Equal(t, 0, p.exitCode(20*time.Second))
	p.noneLeft()
}

// With its restarts used up, a main component that turns unhealthy is
// stopped and not started again: the pod ends with its exit code.
func TestUnhealthyMainWithoutRestartsLeftEndsThePod(t *testing.T) {
	t.Parallel()
	p := runPod(t, map[string]string{
		"pod.component.app": "image: " + bbox + `
command: sleep 3600
restart: "no"
healthcheck: {test: ["CMD", "sh", "-c", "! test -f /tmp/wedged"], interval: 1s, timeout: 2s, retries: 1}
x-podinit: {on-unhealthy: restart}`,
	}, nil)
	p.running("app")
	testenv.WaitFor(t, 30*time.Second, func() bool { return inspect(t, "{{.State.Health.Status}}", p.name+".app") == "healthy" }, "app to be healthy")
	testenv.MustDocker(t, "exec", p.name+".app", "touch", "/tmp/wedged")
	require.Equal(t, 143, p.exitCode(60*time.Second), "app's code after its stop signal")
	logs := p.logs()
	require.Contains(t, logs, `on-unhealthy restart with restart "no": once unhealthy it is stopped and not started again`)
	require.Contains(t, logs, `app is unhealthy: stopping it with SIGTERM (on-unhealthy: restart); with restart "no" it is not started again`)
	p.noneLeft()
}

// On Swarm: the task of a pod whose sidecar wedges is not replaced; the
// sidecar is restarted inside it.
func TestSwarmKeepsTheTaskOfAPodThatRestartsItsSidecar(t *testing.T) {
	t.Parallel()
	requireSwarm(t)
	svc := uniqueName(t, "live")
	t.Cleanup(func() {
		testenv.Docker("service", "rm", svc)
		ids, _ := testenv.Docker("ps", "-aq", "--filter", "label=podinit.swarm.service.name="+svc)
		for _, id := range strings.Fields(ids) {
			testenv.Docker("rm", "-f", id)
		}
	})
	testenv.MustDocker(t, "service", "create", "-d", "--name", svc,
		"--health-interval", "1s", "--health-retries", "2", "--health-start-period", "30s",
		"--mount", "type=bind,src=/var/run/docker.sock,dst=/var/run/docker.sock",
		"--container-label", "pod.component.app="+servingApp,
		"--container-label", "pod.component.shipper="+wedgingShipper,
		podImage)
	tasks := func() string {
		out, _ := testenv.Docker("service", "ps", "-q", svc)
		return out
	}
	pod := svc + ".1"
	find := func(component string) string {
		out, _ := testenv.Docker("ps", "-q", "--filter", "label=podinit.pod="+pod, "--filter", "label=podinit.component="+component)
		return out
	}
	var controller string
	testenv.WaitFor(t, 90*time.Second, func() bool {
		out, _ := testenv.Docker("ps", "-q", "--filter", "label=com.docker.swarm.service.name="+svc, "--filter", "health=healthy")
		controller = out
		return controller != "" && find("shipper") != ""
	}, "the pod's task to be healthy")
	task := tasks()
	require.Len(t, strings.Fields(task), 1)

	testenv.MustDocker(t, "exec", find("shipper"), "touch", "/tmp/wedged")
	testenv.WaitFor(t, 60*time.Second, func() bool {
		out, _ := testenv.Docker("exec", controller, "/podinit", "status")
		return strings.Contains(out, `"lastReason": "unhealthy"`) && strings.Contains(out, `"restarts": 1`)
	}, "the sidecar's restart in place")
	testenv.WaitFor(t, 30*time.Second, func() bool {
		id := find("shipper") // none while it waits for its restart
		health, err := testenv.Docker("inspect", "-f", "{{.State.Health.Status}}", id)
		return id != "" && err == nil && health == "healthy"
	}, "the new sidecar to be healthy")
	require.Equal(t, task, tasks(), "Swarm kept the task: no new one")
	require.Equal(t, "healthy 0", inspect(t, "{{.State.Health.Status}} {{.State.Health.FailingStreak}}", controller))
}

// A component that the kernel kills for memory shows OOM-killed as the
// reason its last run ended, from the engine's oom event.
func TestOOMKilledComponentShowsWhy(t *testing.T) {
	t.Parallel()
	vol := volume(t)
	p := runPod(t, map[string]string{
		"pod.component.hog": "image: " + bbox + "\nmem_limit: 16m\nrestart: always\nvolumes: [\"" + vol + ":/shared\"]\n" +
			`command: ["sh", "-c", "if [ -f /shared/once ]; then exec sleep 3600; fi; touch /shared/once; x=$(head -c 256m /dev/zero | tr '\\0' a); echo survived"]`,
	}, ownVolume(vol))
	var c healthprobe.Component
	testenv.WaitFor(t, 60*time.Second, func() bool {
		out, err := testenv.Docker("exec", p.name, "/podinit", "status")
		if err != nil {
			return false
		}
		var st healthprobe.Status
		require.NoError(t, json.Unmarshal([]byte(out), &st), out)
		c = component(st, "hog")
		return c.Restarts == 1 && c.State == healthprobe.StateRunning
	}, "hog to be killed for memory and restarted")
	require.Equal(t, "OOM-killed", c.LastReason, "%+v", c)
	require.Equal(t, 137, *c.LastExit)
	require.Contains(t, p.logs(), "hog exited with 137; restarting in 1s")
}
