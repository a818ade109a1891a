package labels

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/podinit/podinit/internal/testenv"
	"github.com/podinit/podinit/podspec"
)

func warnings(t *testing.T, err error, ws []*Error) []string {
	t.Helper()
	require.NoError(t, err)
	var out []string
	for _, w := range ws {
		out = append(out, w.Error())
	}
	return out
}

// TestOwnKeysWarn: the keys with a behaviour of their own that are accepted
// give one warning each, exactly.
func TestOwnKeysWarn(t *testing.T) {
	spec, err := FromLabels(map[string]string{
		ComponentPrefix + "app": "image: my/app:1\nbuild: {context: ., dockerfile: Dockerfile}\nscale: 1\nnetwork_mode: service:db\nipc: service:db\npid: service:db",
		ComponentPrefix + "db":  "image: y",
	}, nil)
	at := "label pod.component.app "
	assert.Equal(t, []string{
		at + "(line 2): build: context: ., dockerfile: Dockerfile is not built: the image my/app:1 is used; podinit builds nothing",
		at + "(line 4): network_mode: service:db is not used in a pod: every component joins the controller's network namespace",
		at + "(line 5): ipc: service:db is not used in a pod: the pod decides the IPC namespace: one for every component, unless the controller runs with -ipc=false",
		at + "(line 6): pid: service:db is not used in a pod: the pod decides the PID namespace: the controller's, unless it runs with -pids=false",
		at + "(line 3): scale: 1 is not used in a pod: a pod runs one container per component",
	}, warnings(t, err, spec.Warnings))
	app := spec.Components[0]
	assert.Empty(t, app.DependsOn, "compose-go's implicit dependency on the namespace's service is dropped")
	assert.Empty(t, app.Host.NetworkMode)

	// A dependency written out stays.
	spec, err = FromLabels(map[string]string{
		ComponentPrefix + "app": "image: x\nnetwork_mode: service:db\ndepends_on: {db: {condition: service_healthy}}",
		ComponentPrefix + "db":  "image: y",
	}, nil)
	require.NoError(t, err)
	assert.Contains(t, spec.Components[0].DependsOn, "db")
}

// TestComposeWarningsOnceEach: compose-go's log lines become warnings of
// the service, placed at the key that uses the variable, once each although
// a refused value makes compose-go load the service again.
func TestComposeWarningsOnceEach(t *testing.T) {
	var (
		spec podspec.Spec
		err  error
	)
	stderr := testenv.CaptureStderr(t, func() {
		spec, err = FromLabels(map[string]string{
			ComponentPrefix + "app": "image: x\nenvironment: [A=$NOPE, \"B=${NOPE}\"]\nmem_limit: lots\ncpus: many",
		}, nil)
	})
	require.Error(t, err)
	assert.Empty(t, stderr, "compose-go's log lines do not reach stderr in logrus's format")
	var got []string
	for _, w := range spec.Warnings {
		got = append(got, w.Error())
	}
	assert.Equal(t, []string{
		"label pod.component.app (line 2): environment: ${NOPE} is not set: it becomes a blank string, as in Compose; set NOPE in podinit's environment (the controller's), or give a default (${NOPE:-value})",
	}, got)
}

// TestDuplicateKeys: a key written twice is reported as a duplicate at its
// line, in a file and in a label, not as a name clash.
func TestDuplicateKeys(t *testing.T) {
	f := filepath.Join(t.TempDir(), "pod.yml")
	require.NoError(t, os.WriteFile(f, []byte("services:\n  app:\n    image: x\n    image: y\n  app:\n    image: z\n"), 0o644))
	_, err := FromComposeFile(f, nil)
	assert.EqualError(t, err, f+" (line 4): duplicate key \"image\" (first at line 3): a key may appear once in a mapping; remove one, or merge them\n"+
		f+" (line 5): duplicate key \"app\" (first at line 2): a key may appear once in a mapping; remove one, or merge them")
	assert.NotContains(t, err.Error(), "also used")

	_, err = FromLabels(map[string]string{ComponentPrefix + "app": "image: x\ncommand: [a]\ncommand: [b]"}, nil)
	assert.EqualError(t, err, "label pod.component.app (line 3): duplicate key \"command\" (first at line 2): a key may appear once in a mapping; remove one, or merge them")
}

// TestTopLevelVolumeWarnings: what podinit does not apply to a declared
// volume is warned about, not dropped silently.
func TestTopLevelVolumeWarnings(t *testing.T) {
	f := filepath.Join(t.TempDir(), "pod.yml")
	require.NoError(t, os.WriteFile(f, []byte(`services:
  app: {image: x, volumes: [data:/d, ext:/e]}
volumes:
  data:
    driver: local
    driver_opts: {type: nfs, o: "addr=10.0.0.1"}
  ext:
    external: true
    name: real-ext
`), 0o644))
	spec, err := FromComposeFile(f, nil)
	assert.Equal(t, []string{
		f + " (line 5): volumes.data.driver: local " + Keys["volumes.<name>.driver"].Why,
		f + " (line 6): volumes.data.driver_opts: o: addr=10.0.0.1, type: nfs " + Keys["volumes.<name>.driver_opts"].Why,
		f + " (line 8): volumes.ext.external: true " + Keys["volumes.<name>.external"].Why,
	}, warnings(t, err, spec.Warnings))
	assert.Equal(t, map[string]string{"data": "data", "ext": "real-ext"}, spec.Volumes)
}

func TestCompactValues(t *testing.T) {
	assert.Equal(t, "8080:80, 443:443", compact([]any{"8080:80", "443:443"}))
	assert.Equal(t, "back: {aliases: [api]}, front", compact(map[string]any{"front": nil, "back": map[string]any{"aliases": []any{"api"}}}))
	long := compact(strings.Repeat("é", 200))
	assert.Equal(t, strings.Repeat("é", 120)+"…", long, "cut on a character, not a byte")
}

// TestDependsOnRestartWarns: depends_on's restart: true is a Compose
// operation's (up, restart), not a pod's: a warning, and the dependency
// stays.
func TestDependsOnRestartWarns(t *testing.T) {
	spec, err := FromLabels(map[string]string{
		ComponentPrefix + "api": "image: x\ndepends_on: {db: {condition: service_healthy, restart: true}}",
		ComponentPrefix + "db":  "image: y",
	}, nil)
	assert.Equal(t, []string{
		"label pod.component.api (line 2): depends_on.db.restart: true is not used in a pod: Compose restarts api when it updates db; a pod's components are updated together, when Swarm updates the pod's service",
	}, warnings(t, err, spec.Warnings))
	require.Equal(t, podspec.Dependency{Condition: podspec.ConditionHealthy, Required: true}, spec.Components[0].DependsOn["db"])
}
