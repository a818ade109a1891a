package labels

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/schema"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestUnsupportedKeys: every key that cannot work in a pod is rejected with a
// message naming the label, the key and the reason.
func TestUnsupportedKeys(t *testing.T) {
	for key, reason := range Unsupported {
		if namesKeys[key] {
			continue // read for the pod's names: TestComponentNamesAreRead
		}
		t.Run(key, func(t *testing.T) {
			errs := problems(t, map[string]string{ComponentPrefix + "app": "image: x\n" + key + ": whatever"})
			e := findErr(t, errs, key)
			assert.Equal(t, ComponentPrefix+"app", e.Source)
			assert.Equal(t, 2, e.Line)
			msg := e.Error()
			assert.Contains(t, msg, "label pod.component.app")
			assert.Contains(t, msg, key+": not supported in a pod: "+reason)
		})
	}
}

func TestUnsupportedDeployKeys(t *testing.T) {
	yml := `image: x
deploy:
  replicas: 2
  restart_policy: {condition: on-failure}
  placement: {constraints: [node.role==manager]}
  resources:
    limits: {memory: 1g}
    reservations: {cpus: '1', generic_resources: [{discrete_resource_spec: {kind: ssd, value: 1}}]}`
	errs := problems(t, map[string]string{ComponentPrefix + "app": yml})
	for _, key := range []string{"deploy.replicas", "deploy.restart_policy", "deploy.placement",
		"deploy.resources.reservations.cpus", "deploy.resources.reservations.generic_resources"} {
		e := findErr(t, errs, key)
		assert.Contains(t, e.Msg, UnsupportedDeploy[key])
		assert.Equal(t, 2, e.Line)
	}
	assert.Len(t, errs, 5, "deploy.resources.limits is accepted: %v", errs)
}

// TestRejections covers every other message: each names the label and key
// and says what would work.
func TestRejections(t *testing.T) {
	tests := []struct {
		name, yml, key string
		want           []string
	}{
		{"unknown key with suggestion", "image: x\nenviroment: [A=1]", "enviroment", []string{"unknown key, did you mean environment?", "x-podinit"}},
		{"unknown nested key", "image: x\nhealthcheck: {tset: x}", "healthcheck", []string{"'tset' not allowed"}},
		{"unknown x-podinit key", "image: x\nx-podinit: {rol: sidecar}", "x-podinit.rol", []string{"unknown key", "name, role, signals"}},
		{"bad role", "image: x\nx-podinit: {role: boss}", "x-podinit.role", []string{"boss", "main or sidecar"}},
		{"signal KILL", "image: x\nx-podinit: {signals: [KILL]}", "x-podinit.signals", []string{"KILL cannot be forwarded"}},
		{"signal STOP", "image: x\nx-podinit: {signals: [SIGSTOP]}", "x-podinit.signals", []string{"SIGSTOP cannot be forwarded"}},
		{"signal CHLD", "image: x\nx-podinit: {signals: [17]}", "x-podinit.signals", []string{"17 cannot be forwarded"}},
		{"signal unknown", "image: x\nx-podinit: {signals: [HUPP]}", "x-podinit.signals", []string{`"HUPP" is not a signal`}},
		{"signal number out of range", "image: x\nx-podinit: {signals: [99]}", "x-podinit.signals", []string{"1 to 64"}},
		{"name on a non-init component", "image: x\nx-podinit: {name: foo}", "x-podinit.name", []string{"only init components"}},
		{"missing image", "command: [x]", "image", []string{"missing", "needs an image"}},
		{"bad duration", "image: x\nstop_grace_period: soon", "stop_grace_period", []string{`"soon"`}},
		{"bad size", "image: x\nmem_limit: lots", "mem_limit", []string{"lots"}},
		{"bad restart", "image: x\nrestart: sometimes", "restart", []string{`"sometimes" is not a restart policy`, "on-failure[:max]"}},
		{"bad restart count", "image: x\nrestart: on-failure:many", "restart", []string{"whole number"}},
		{"count on always", "image: x\nrestart: always:3", "restart", []string{"only on-failure"}},
		{"bad stop signal", "image: x\nstop_signal: SIGNOPE", "stop_signal", []string{"SIGNOPE"}},
		{"healthcheck test verb", "image: x\nhealthcheck: {test: [curl, x]}", "healthcheck.test", []string{`"curl"`, "CMD, CMD-SHELL or NONE"}},
		{"relative bind", "image: x\nvolumes: ['./data:/data']", "volumes[0]", []string{`"./data" is relative`, "absolute host path"}},
		{"home-relative bind", "image: x\nvolumes: ['~/data:/data']", "volumes[0]", []string{`"~/data" is relative`}},
		{"selinux relabel", "image: x\nvolumes: ['/srv:/srv:z']", "volumes[0]", []string{"SELinux"}},
		{"npipe", "image: x\nvolumes: [{type: npipe, source: x, target: /x}]", "volumes[0]", []string{`"npipe"`}},
		{"network sysctl", "image: x\nsysctls: {net.core.somaxconn: 1024}", "sysctls", []string{"net.core.somaxconn", "controller"}},
		{"cpus with quota", "image: x\ncpus: 1\ncpu_quota: 5000", "cpus", []string{"cpu_quota"}},
		{"mem_limit conflicts with deploy", "image: x\nmem_limit: 1g\ndeploy: {resources: {limits: {memory: 2g}}}", "deploy.resources.limits.memory", []string{"conflicts with mem_limit"}},
		{"depends_on restart", "image: x\ndepends_on: {app2: {condition: service_started, restart: true}}", "depends_on.app2.restart", []string{"not supported"}},
		{"bad interpolation", "image: x\nenvironment: ['A=${B']", "environment", []string{"invalid interpolation format", "escape any $"}},
		{"required variable", "image: ${IMAGE:?set IMAGE}", "image", []string{"set IMAGE"}},
		{"missing env_file", "image: x\nenv_file: /nonexistent/app.env", "env_file", []string{"/nonexistent/app.env", "controller's file system"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			errs := problems(t, map[string]string{ComponentPrefix + "app": tt.yml, ComponentPrefix + "app2": "image: y"})
			e := findErr(t, errs, tt.key)
			msg := e.Error()
			assert.True(t, strings.HasPrefix(msg, "label pod.component.app"), msg)
			assert.Contains(t, msg, tt.key+": ")
			for _, w := range tt.want {
				assert.Contains(t, msg, w)
			}
		})
	}
}

// TestAllErrorsAtOnce: one label with several problems, and several labels,
// report everything in one go.
func TestAllErrorsAtOnce(t *testing.T) {
	errs := problems(t, map[string]string{
		ComponentPrefix + "a": "image: x\nports: [80]\nhealthcheck: {tset: x}\nstop_grace_period: soon\nrestart: sometimes\nx-podinit: {role: boss}",
		ComponentPrefix + "b": "command: [x]",
	})
	var got []string
	for _, e := range errs {
		got = append(got, e.Source+" "+e.Key)
	}
	assert.ElementsMatch(t, []string{
		"pod.component.a ports", "pod.component.a healthcheck", "pod.component.a stop_grace_period",
		"pod.component.a restart", "pod.component.a x-podinit.role", "pod.component.b image",
	}, got)
}

func TestYAMLSyntaxLine(t *testing.T) {
	errs := problems(t, map[string]string{ComponentPrefix + "app": "image: x\ncommand: [a,\n  b\nfoo: : :"})
	require.Len(t, errs, 1)
	assert.Equal(t, ComponentPrefix+"app", errs[0].Source)
	assert.Positive(t, errs[0].Line)
	assert.Contains(t, errs[0].Error(), "invalid YAML")

	errs = problems(t, map[string]string{ComponentPrefix + "app": "- image: x"})
	assert.Contains(t, errs[0].Msg, "must be a YAML mapping")
}

// TestEveryComposeKeyClassified: each service key of compose-go's schema is
// either supported or rejected with a reason, so a new Compose key cannot
// slip through unexamined when compose-go is upgraded.
func TestEveryComposeKeyClassified(t *testing.T) {
	var s struct {
		Defs map[string]struct {
			Properties map[string]any `json:"properties"`
		} `json:"$defs"`
	}
	require.NoError(t, json.Unmarshal([]byte(schema.Schema), &s))
	keys := map[string]bool{}
	for _, def := range []string{"service", "container_spec", "workload_spec"} {
		require.Contains(t, s.Defs, def)
		for k := range s.Defs[def].Properties {
			keys[k] = true
		}
	}
	for k := range keys {
		_, rejected := Unsupported[k]
		assert.True(t, rejected || slices.Contains(Supported, k), "Compose key %q is neither Supported nor Unsupported", k)
		assert.False(t, rejected && slices.Contains(Supported, k), "Compose key %q is both", k)
	}
	for _, k := range Supported {
		assert.True(t, keys[k], "Supported key %q is not in the Compose schema", k)
	}
}

// TestREADMEListsUnsupported: the README's table of rejected keys is the
// code's.
func TestREADMEListsUnsupported(t *testing.T) {
	text, err := os.ReadFile(filepath.Join("..", "README.md"))
	require.NoError(t, err)
	_, block, ok := strings.Cut(string(text), "<!-- BEGIN labels -->")
	require.True(t, ok)
	block, _, ok = strings.Cut(block, "<!-- END labels -->")
	require.True(t, ok)
	_, table, ok := strings.Cut(block, "| rejected key | why, and what to do instead |")
	require.True(t, ok, "README block has the rejected-keys table")
	got := map[string]string{}
	for _, line := range strings.Split(table, "\n")[2:] {
		if !strings.HasPrefix(line, "| `") {
			break
		}
		cells := strings.Split(strings.Trim(line, "| "), " | ")
		require.Len(t, cells, 2, line)
		got[strings.Trim(cells[0], "`")] = cells[1]
	}
	want := map[string]string{}
	for k, v := range Unsupported {
		want[k] = v
	}
	for k, v := range UnsupportedDeploy {
		want[k] = v
	}
	assert.Equal(t, want, got)
}
