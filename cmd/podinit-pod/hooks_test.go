package main

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/podinit/podinit/internal/testenv"
)

// Lifecycle hooks as a user sees them, on the real engine: what a
// post_start hook does is there before the component's dependents start,
// made with the hook's user, environment and working directory; a pre_stop
// hook runs before the stop signal, within the budget; a failing post_start
// fails the start.

// openVolume makes a named volume that any user may write to, mounted on
// the controller too (components may mount the controller's volumes).
func openVolume(t *testing.T) string {
	vol := volume(t)
	testenv.MustDocker(t, "run", "--rm", "-v", vol+":/v", bbox, "chmod", "777", "/v")
	return vol
}

func TestPostStartHookRunsBeforeDependentsStart(t *testing.T) {
	t.Parallel()
	vol := openVolume(t)
	p := runPod(t, map[string]string{
		// web serves /shared, where its post_start hook (a second late,
		// as uid 1000, in /tmp, with GREETING) writes the page.
		"pod.component.web": `
image: ` + bbox + `
volumes: ["` + vol + `:/shared"]
command: ["httpd", "-f", "-p", "8080", "-h", "/shared"]
post_start:
  - command: ["sh", "-c", "sleep 1; echo \"$$GREETING uid=$$(id -u) pwd=$$(pwd)\" > /shared/index.html"]
    user: "1000"
    working_dir: /tmp
    environment: {GREETING: hello}`,
		// client looks for the page once, the moment it starts.
		"pod.component.client": `
image: ` + bbox + `
volumes: ["` + vol + `:/shared"]
command: ["sh", "-c", "cat /shared/index.html > /shared/seen 2>&1 || echo missing > /shared/seen; exec sleep 3600"]
depends_on: [web]`,
	}, ownVolume(vol))
	p.running("web", "client")
	want := "hello uid=1000 pwd=/tmp"
	testenv.WaitFor(t, 20*time.Second, func() bool { return readVolume(t, vol, "seen") != "" }, "client to look")
	require.Equal(t, want, readVolume(t, vol, "seen"), "the page was there when client started")
	var body string
	testenv.WaitFor(t, 20*time.Second, func() bool {
		body, _ = testenv.Docker("exec", p.name+".client", "wget", "-qO-", "http://web:8080/index.html")
		return body == want
	}, "web to serve the page (last: %q)", body)
	logs := p.logs()
	require.Contains(t, logs, `web: post_start[0] [sh -c "sleep 1; echo \"$GREETING uid=$(id -u) pwd=$(pwd)\" > /shared/index.html"] done in`)
	startedInOrder(t, logs, "web", "client")
	require.Less(t, strings.Index(logs, "web: post_start[0]"), strings.Index(logs, "client: creating -> starting"))
	testenv.MustDocker(t, "stop", p.name)
	require.Equal(t, 0, p.exitCode(30*time.Second))
	p.noneLeft()
}

func TestPreStopHookRunsBeforeTheStopSignal(t *testing.T) {
	t.Parallel()
	vol := openVolume(t)
	// app's TERM trap records whether the pre_stop hook's marker was
	// there when the signal came; the hook takes a second.
	p := runPod(t, map[string]string{
		"pod.component.app": `
image: ` + bbox + `
volumes: ["` + vol + `:/shared"]
stop_grace_period: 8s
command: ["sh", "-c", "trap 'if test -f /shared/drained; then echo TERM after pre_stop; else echo TERM before pre_stop; fi >> /shared/log; exit 0' TERM; echo trap set >> /shared/log; while true; do sleep 0.1; done"]
pre_stop:
  - command: ["sh", "-c", "sleep 1; echo drained by $$WHO > /shared/drained"]
    environment: [WHO=pre_stop]`,
	}, append(ownVolume(vol), "--stop-timeout", "20"))
	p.running("app")
	testenv.WaitFor(t, 30*time.Second, func() bool { return strings.Contains(readVolume(t, vol, "log"), "trap set") }, "the trap to be set")
	began := time.Now()
	testenv.MustDocker(t, "stop", p.name)
	took := time.Since(began)
	require.Equal(t, 0, p.exitCode(30*time.Second))
	require.Less(t, took, 20*time.Second, "within the stop budget")
	require.Equal(t, "trap set\nTERM after pre_stop", readVolume(t, vol, "log"))
	require.Equal(t, "drained by pre_stop", readVolume(t, vol, "drained"))
	logs := p.logs()
	require.Contains(t, logs, `app: pre_stop[0] [sh -c "sleep 1; echo drained by $WHO > /shared/drained"] done in`)
	require.NotContains(t, logs, "app: SIGKILL")
	p.noneLeft()
}

// A pre_stop hook that does not end is cut; the component still gets its
// stop signal, and the pod ends within its budget.
func TestHangingPreStopHookEndsWithinTheBudget(t *testing.T) {
	t.Parallel()
	p := runPod(t, map[string]string{
		"pod.component.app": `
image: ` + bbox + `
command: ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 0.1; done"]
pre_stop:
  - command: ["sleep", "3600"]`,
	}, []string{"--stop-timeout", "6"})
	p.running("app")
	time.Sleep(time.Second) // the trap
	began := time.Now()
	testenv.MustDocker(t, "stop", p.name)
	took := time.Since(began)
	require.Equal(t, 0, p.exitCode(30*time.Second))
	require.Less(t, took, 6*time.Second, "within the 6s stop budget")
	logs := p.logs()
	// The deadline is 5s after the stop (6s less the 1s margin); the hook
	// gets that less the 2s reserve: about 3s.
	require.Contains(t, logs, "warning: app: pre_stop[0] [sleep 3600] cut after ")
	require.Contains(t, logs, "app stopped in")
	p.noneLeft()
}

func TestFailingPostStartFailsTheStart(t *testing.T) {
	t.Parallel()
	p := runPod(t, map[string]string{
		"pod.component.app": `
image: ` + bbox + `
command: ["sleep", "3600"]
post_start:
  - command: ["sh", "-c", "echo not ready; exit 5"]`,
		"pod.component.after": `
image: ` + bbox + `
command: ["sleep", "3600"]
depends_on: [app]`,
	}, nil)
	require.Equal(t, 3, p.exitCode(60*time.Second), "podinit could not run the pod (exit 3)")
	logs := p.logs()
	require.Contains(t, logs, `app: post_start[0] [sh -c "echo not ready; exit 5"] exited with 5: its start failed: stopping it with SIGTERM; with restart "no" it is not started again`)
	require.NotContains(t, logs, "after: waiting -> creating", "its dependent never started")
	p.noneLeft()
}

// validate shows post_start hooks in the start listing and pre_stop hooks
// on the stop order; a privileged hook is under the ceiling.
func TestValidateShowsHooks(t *testing.T) {
	t.Parallel()
	compose := `services:
  web:
    image: nginx
    stop_grace_period: 5s
    post_start:
      - command: ["sh", "-c", "echo ready > /tmp/ready"]
        user: www-data
    pre_stop:
      - command: nginx -s quit
        working_dir: /etc/nginx
        privileged: true
`
	stdout, stderr, code := validateFile(t, compose)
	require.Equal(t, 2, code, stderr)
	require.Contains(t, stderr, "compose.yml (line 8): services.web.pre_stop[0].privileged: true runs the hook with every capability of the host; the controller's -allow privileged would permit it")
	require.Empty(t, stdout)

	stdout, stderr, code = validateFile(t, compose, "-allow", "privileged")
	require.Equal(t, 0, code, stderr)
	require.Contains(t, stdout, `web [main] image nginx, then post_start [sh -c "echo ready > /tmp/ready"] (user www-data)`)
	require.Contains(t, stdout, "     web: pre_stop [nginx -s quit] (in /etc/nginx, privileged) within its stop time, then SIGTERM (or its image's STOPSIGNAL), then SIGKILL by 5s (its stop_grace_period 5s)\n")
}
