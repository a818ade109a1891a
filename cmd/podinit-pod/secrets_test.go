package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/podinit/podinit/internal/testenv"
)

// TestSecretsAndConfigsReachAComponent: a Swarm service of the controller
// is given a secret and a config; its component declares them with a
// target, a mode and an owner, and finds each there with its content.
func TestSecretsAndConfigsReachAComponent(t *testing.T) {
	t.Parallel()
	requireSwarm(t)
	svc := uniqueName(t, "svc")
	secret, config := uniqueName(t, "secret"), uniqueName(t, "config")
	dir := t.TempDir()
	for name, content := range map[string]string{secret: "s3cret-pw", config: "listen 8080"} {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600))
	}
	t.Cleanup(func() {
		testenv.Docker("service", "rm", svc)
		ids, _ := testenv.Docker("ps", "-aq", "--filter", "label=podinit.swarm.service.name="+svc)
		for _, id := range strings.Fields(ids) {
			testenv.Docker("rm", "-f", id)
		}
		// Removable once no task uses them.
		testenv.WaitFor(t, 60*time.Second, func() bool {
			testenv.Docker("secret", "rm", secret)
			testenv.Docker("config", "rm", config)
			s, _ := testenv.Docker("secret", "ls", "-q", "--filter", "name="+secret)
			c, _ := testenv.Docker("config", "ls", "-q", "--filter", "name="+config)
			return s == "" && c == ""
		}, "the test's secret and config to be removed")
	})
	testenv.MustDocker(t, "secret", "create", secret, filepath.Join(dir, secret))
	testenv.MustDocker(t, "config", "create", config, filepath.Join(dir, config))
	testenv.MustDocker(t, "service", "create", "-d", "--name", svc,
		"--restart-condition", "none",
		"--mount", "type=bind,src=/var/run/docker.sock,dst=/var/run/docker.sock",
		// Swarm's default targets: /run/secrets/<secret> and /<config>.
		"--secret", secret, "--config", config,
		"--container-label", "pod.component.app=image: "+bbox+`
command: sleep 3600
secrets:
  - {source: `+secret+`, target: /etc/app/password, mode: 0400, uid: "1000", gid: "1000"}
configs:
  - {source: `+config+`, target: /etc/app/app.conf, mode: 0440, uid: "1000"}
  - `+config,
		podImage)

	pod := svc + ".1"
	var app string
	testenv.WaitFor(t, 90*time.Second, func() bool {
		app, _ = testenv.Docker("ps", "-q", "--filter", "label=podinit.pod="+pod, "--filter", "label=podinit.component=app")
		return app != ""
	}, "the pod's component to run")

	require.Equal(t, "s3cret-pw", testenv.MustDocker(t, "exec", app, "cat", "/etc/app/password"))
	require.Equal(t, "400 1000 1000", testenv.MustDocker(t, "exec", app, "stat", "-c", "%a %u %g", "/etc/app/password"))
	require.Equal(t, "listen 8080", testenv.MustDocker(t, "exec", app, "cat", "/etc/app/app.conf"))
	require.Equal(t, "440 1000 0", testenv.MustDocker(t, "exec", app, "stat", "-c", "%a %u %g", "/etc/app/app.conf"))
	// The short form: Compose's default target, mode and owner.
	require.Equal(t, "listen 8080", testenv.MustDocker(t, "exec", app, "cat", "/"+config))
	require.Equal(t, "444 0 0", testenv.MustDocker(t, "exec", app, "stat", "-c", "%a %u %g", "/"+config))
	// The component does not see the controller's own mount.
	_, err := testenv.Docker("exec", app, "ls", "/run/secrets/"+secret)
	require.Error(t, err, "only the declared target is in the component")

	testenv.MustDocker(t, "service", "rm", svc)
	testenv.WaitFor(t, 60*time.Second, func() bool {
		out, _ := testenv.Docker("ps", "-aq", "--filter", "label=podinit.pod="+pod)
		return out == ""
	}, "no component of %s left", pod)
}

// TestMissingSecretFailsThePod: a secret the controller was not given
// fails the pod at start (exit 2), names it and says where it belongs, and
// nothing is created.
func TestMissingSecretFailsThePod(t *testing.T) {
	t.Parallel()
	p := runPod(t, map[string]string{
		"pod.component.app": "image: " + bbox + "\ncommand: sleep 3600\nsecrets: [db_password]",
		"pod.component.web": "image: " + bbox + "\ncommand: sleep 3600\nconfigs: [{source: web.conf, target: /etc/web.conf}]",
	}, nil)
	require.Equal(t, 2, p.exitCode(30*time.Second))
	logs := p.logs()
	require.Contains(t, logs, "label pod.component.app (line 3): secrets[0]: secret db_password: the controller has no /run/secrets/db_password: give the secret to the controller's service (docker service create --secret db_password, or secrets: [db_password] on the service in the stack)")
	require.Contains(t, logs, "label pod.component.web (line 3): configs[0]: config web.conf: the controller has no /web.conf: give the config to the controller's service (docker service create --config web.conf, or configs: [web.conf] on the service in the stack)")
	require.Empty(t, p.components())
}

// TestValidateFileCannotCheckSecrets: outside a controller, validate -file
// accepts a pod's secrets and configs and says, in one line, that the
// controller checks them at start; the stack's file: is warned about.
func TestValidateFileCannotCheckSecrets(t *testing.T) {
	t.Parallel()
	stdout, stderr, code := validateFile(t, `services:
  db:
    image: postgres
    secrets: [{source: db_password, target: /etc/pw, mode: 0400, uid: "999"}]
    configs: [initdb]
secrets:
  db_password:
    file: ./db_password.txt
`)
	require.Equal(t, 0, code, stderr)
	require.Empty(t, stderr)
	require.True(t, strings.HasSuffix(stdout, `warning: compose.yml (line 8): secrets.db_password.file: ./db_password.txt is the stack's, not the pod's: the stack makes the secret from it and gives it to the controller's service (template -pod moves it there); the pod copies the secret from the controller
warning: secrets and configs are not checked here, as podinit does not run in the controller: the controller checks at start that it has secret db_password (/run/secrets/db_password), config initdb (/initdb)
`), stdout)
}
