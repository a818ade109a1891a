package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/podinit/podinit/internal/testenv"
)

// validateFile runs `podinit validate -file compose.yml` as a process, in a
// directory that holds the file, with a known environment, and returns its
// stdout, stderr and exit code.
func validateFile(t *testing.T, compose string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	bin := testenv.Binary(t)
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "compose.yml"), []byte(compose), 0o644))
	cmd := exec.Command(bin, append([]string{"validate", "-file", "compose.yml"}, args...)...)
	cmd.Dir = dir
	cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
	return runCommand(t, cmd)
}

// runCommand runs cmd and returns its stdout, stderr and exit code.
func runCommand(t *testing.T, cmd *exec.Cmd) (stdout, stderr string, code int) {
	t.Helper()
	var out, errOut strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else {
		require.NoError(t, err)
	}
	return out.String(), errOut.String(), code
}

// TestValidateReportsEveryProblemInOnePass: issue 19's repro. ports is a
// warning; privileged and the host bind are the privilege ceiling's
// refusals, in the same run, with their lines.
func TestValidateReportsEveryProblemInOnePass(t *testing.T) {
	t.Parallel()
	stdout, stderr, code := validateFile(t, `services:
  web:
    image: nginx
    ports: ["80:80"]
    privileged: true
    volumes: ["/etc:/host-etc"]
`)
	require.Equal(t, 2, code, stderr)
	require.Empty(t, stdout)
	require.Equal(t, `podinit validate: warning: compose.yml (line 4): services.web.ports: 80:80 is the Swarm service's, not a component's: publish it on the controller's service
podinit validate: the pod is invalid (2 problems):
  compose.yml (line 5): services.web.privileged: true gives the component every capability and device of the host; the controller's -allow privileged would permit it
  compose.yml (line 6): services.web.volumes[0]: /etc:/host-etc mounts a host path; the controller's -allow host-mounts would permit it
`, stderr)
}

// TestValidateReportsEverythingOnce: refused keys, a duplicate key, a ~
// bind, the ceiling, dependencies and limits in one report; compose-go's
// warnings as podinit's own lines, once each, though compose-go loads the
// service again after each key it refuses.
func TestValidateReportsEverythingOnce(t *testing.T) {
	t.Parallel()
	stdout, stderr, code := validateFile(t, `services:
  web:
    image: nginx
    container_name: web
    networks: [front]
    environment: ["A=${UNSET}"]
    mem_limit: lots
    cpus: many
    uts: host
    volumes: ["~/x:/x"]
  web:
    image: other
  db:
    image: postgres
    cap_add: [SYS_ADMIN]
    depends_on: [nope]
volumes:
  data: {driver: local-persist}
`)
	require.Equal(t, 2, code, stderr)
	require.Empty(t, stdout)
	require.Equal(t, `podinit validate: warning: compose.yml (line 4): services.web.container_name: web is not used in a pod: the pod names the component's container <controller name>.<component> (the name resolves to localhost in the pod)
podinit validate: warning: compose.yml (line 5): services.web.networks: front is the Swarm service's, not a component's: attach the networks to the controller's service, whose network namespace the components share (a network's aliases resolve to localhost in the pod)
podinit validate: warning: compose.yml (line 6): services.web.environment: ${UNSET} is not set: it becomes a blank string, as in Compose; set UNSET in podinit's environment (the controller's), or give a default (${UNSET:-value})
podinit validate: warning: compose.yml (line 18): volumes.data.driver: local-persist is not applied: the engine creates the volume with its default driver when a component first mounts it; declare the volume with its driver on the controller's service and mount it on the controller (the pod then uses that volume)
podinit validate: the pod is invalid (7 problems):
  compose.yml (line 7): services.web.mem_limit: invalid size: 'lots'
  compose.yml (line 8): services.web.cpus: failed to cast to expected type: strconv.ParseFloat: parsing "many": invalid syntax
  compose.yml (line 9): services.web.uts: not supported in a pod: the component shares the controller's UTS settings (the engine requires it with a container: network mode)
  compose.yml (line 10): services.web.volumes[0]: bind source "~/x": `+"`~`"+` is not expanded: the home of which user, on which host? give an absolute host path
  compose.yml (line 11): duplicate key "web" (first at line 2): a key may appear once in a mapping; remove one, or merge them
  compose.yml (line 15): services.db.cap_add: SYS_ADMIN is more than the controller's own effective capabilities (CHOWN DAC_OVERRIDE FOWNER FSETID KILL SETGID SETUID SETPCAP NET_BIND_SERVICE NET_RAW SYS_CHROOT MKNOD AUDIT_WRITE SETFCAP; from Docker's default set, as -file has no controller; it lacks SYS_ADMIN); the controller's -allow capabilities would permit it
  compose.yml (line 16): services.db.depends_on.nope: no component is named "nope": the pod has db, web
`, stderr)
}

// TestValidateWarnsAndStrictRefuses: a pod whose only findings are
// warnings is valid, and its plan ends with them; -strict-compose makes
// them problems.
func TestValidateWarnsAndStrictRefuses(t *testing.T) {
	t.Parallel()
	compose := `services:
  web:
    image: nginx
    ports: ["8080:80"]
    expose: [80]
  init:
    image: busybox
    init: true
`
	stdout, stderr, code := validateFile(t, compose)
	require.Equal(t, 0, code, stderr)
	require.Empty(t, stderr)
	require.Contains(t, stdout, "start order:\n  1. init [main] image busybox\n     web [main] image nginx\n")
	require.True(t, strings.HasSuffix(stdout, `warning: compose.yml (line 4): services.web.ports: 8080:80 is the Swarm service's, not a component's: publish it on the controller's service
warning: compose.yml (line 5): services.web.expose: 80 is the Swarm service's, not a component's: components reach the port on localhost, other containers through the controller's service
warning: compose.yml (line 8): services.init.init: true is not used in a pod: podinit is the pod's init and reaps every orphan of the pod
`), stdout)

	stdout, stderr, code = validateFile(t, compose, "-strict-compose")
	require.Equal(t, 2, code, stderr)
	require.Empty(t, stdout)
	require.Equal(t, `podinit validate: the pod is invalid (3 problems):
  compose.yml (line 4): services.web.ports: 8080:80 is the Swarm service's, not a component's: publish it on the controller's service (-strict-compose refuses it)
  compose.yml (line 5): services.web.expose: 80 is the Swarm service's, not a component's: components reach the port on localhost, other containers through the controller's service (-strict-compose refuses it)
  compose.yml (line 8): services.init.init: true is not used in a pod: podinit is the pod's init and reaps every orphan of the pod (-strict-compose refuses it)
`, stderr)
}

// TestValidateMissingFile: outside a controller, a missing -file is not
// said to be inside one.
func TestValidateMissingFile(t *testing.T) {
	t.Parallel()
	bin := testenv.Binary(t)
	out, err := exec.Command(bin, "validate", "-file", "/missing.yml").CombinedOutput()
	require.Error(t, err)
	require.Equal(t, 2, err.(*exec.ExitError).ExitCode())
	require.Equal(t, "podinit validate: the pod is invalid (1 problem):\n  /missing.yml: the file does not exist (looked for /missing.yml)\n", string(out))
}
