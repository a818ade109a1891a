package labels

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/schema"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/podinit/podinit/internal/testenv"
	"github.com/podinit/podinit/podspec"
)

// TestRefusedKeys: every key that cannot work in a pod is rejected with a
// message naming the label, the key and the reason.
func TestRefusedKeys(t *testing.T) {
	for key, k := range Keys {
		if k.Treatment != Refused {
			continue
		}
		t.Run(key, func(t *testing.T) {
			errs := problems(t, map[string]string{ComponentPrefix + "app": "image: x\n" + key + ": whatever"})
			e := findErr(t, errs, key)
			assert.Equal(t, ComponentPrefix+"app", e.Source)
			assert.Equal(t, 2, e.Line)
			assert.Equal(t, "label pod.component.app (line 2): "+key+": not supported in a pod: "+k.Why, e.Error())
		})
	}
}

// TestWarnedKeys: every key that belongs to the Swarm service (or whose job
// podinit does) is accepted, with one warning that gives its value and
// where it belongs, and is not applied.
func TestWarnedKeys(t *testing.T) {
	for key, k := range Keys {
		if k.Treatment != Warned || strings.Contains(key, ".") {
			continue
		}
		t.Run(key, func(t *testing.T) {
			// Keys read for the pod's names and ports go through compose-go's
			// schema: they take a value of their own type.
			value := map[string]string{"ports": "['80:80']", "expose": "['80']", "networks": "[front]"}[key]
			if value == "" {
				value = "whatever"
			}
			spec, err := FromLabels(map[string]string{ComponentPrefix + "app": "image: x\n" + key + ": " + value}, nil)
			require.NoError(t, err)
			require.Len(t, spec.Warnings, 1)
			shown := strings.NewReplacer("'", "", "[", "", "]", "").Replace(value)
			assert.Equal(t, "label pod.component.app (line 2): "+key+": "+shown+" "+k.Why, spec.Warnings[0].Error())
		})
	}
}

func TestDeployKeys(t *testing.T) {
	yml := `image: x
deploy:
  replicas: 1
  mode: replicated
  labels: {a: b}
  restart_policy: {condition: on-failure, max_attempts: 3, delay: 5s}
  placement: {constraints: [node.role==manager]}
  update_config: {parallelism: 1}
  resources:
    limits: {memory: 1g}
    reservations: {cpus: '1', generic_resources: [{discrete_resource_spec: {kind: ssd, value: 1}}]}`
	spec, err := FromLabels(map[string]string{ComponentPrefix + "app": yml}, nil)
	require.NoError(t, err)
	var got []string
	for _, w := range spec.Warnings {
		got = append(got, w.Error())
	}
	at := "label pod.component.app (line 2): "
	assert.Equal(t, []string{
		at + "deploy.labels: a: b " + Keys["deploy.labels"].Why,
		at + "deploy.mode: replicated " + Keys["deploy.mode"].Why,
		at + "deploy.placement: constraints: [node.role==manager] " + Keys["deploy.placement"].Why,
		at + "deploy.update_config: parallelism: 1 " + Keys["deploy.update_config"].Why,
		at + "deploy.resources.reservations.cpus: 1 " + Keys["deploy.resources.reservations.cpus"].Why,
		at + "deploy.resources.reservations.generic_resources: {discrete_resource_spec: {kind: ssd, value: 1}} " + Keys["deploy.resources.reservations.generic_resources"].Why,
		at + "deploy.replicas: 1 is not used in a pod: a pod runs one container per component",
		at + "deploy.restart_policy: delay 5s is not used in a pod: the pod restarts a component with its own backoff",
	}, got)
	c := spec.Components[0]
	assert.Equal(t, podspec.Restart{Mode: podspec.RestartOnFailure, MaxRetries: 3}, c.Restart)
	assert.Equal(t, int64(1<<30), c.Host.Memory)

	for yml, want := range map[string]string{
		"image: x\ndeploy: {replicas: 2}":                         "(line 2): deploy.replicas: 2: a pod runs one container per component: scale the controller's service instead",
		"image: x\nscale: 3":                                      "(line 2): scale: 3: a pod runs one container per component: scale the controller's service instead",
		"image: x\nrestart: always\ndeploy: {restart_policy: {}}": "(line 3): deploy.restart_policy: cannot be combined with restart: set one of them",
		"image: x\nnetwork_mode: host":                            "(line 2): network_mode: host: not supported in a pod: every component joins the controller's network namespace (service:<a component of the pod> is accepted, with a warning)",
		"image: x\npid: host":                                     "(line 2): pid: host: not supported in a pod: the pod decides the PID namespace: the controller's, unless it runs with -pids=false (service:<a component of the pod> is accepted, with a warning)",
		"image: x\nipc: service:nope":                             `(line 2): ipc: service:nope: no component is named "nope": the pod has app, db`,
		"build: .":                                                "(line 1): build: podinit builds nothing: build the image, push it to a registry the nodes pull from, and name it in image",
		"image: x\ndepends_on: [db]\nprofiles: [debug]\n":         "", // left out: nothing depends on it
		"image: x\ndepends_on: [dbg]":                             `(line 2): depends_on.dbg: "dbg" is left out: none of its profiles (debug) is enabled; enable one in COMPOSE_PROFILES`,
		"image: x\nvolumes: ['~/data:/data']":                     "(line 2): volumes[0]: bind source \"~/data\": `~` is not expanded: the home of which user, on which host? give an absolute host path",
	} {
		l := map[string]string{ComponentPrefix + "app": yml, ComponentPrefix + "db": "image: y", ComponentPrefix + "dbg": "image: y\nprofiles: [debug]"}
		_, err := FromLabels(l, nil)
		if want == "" {
			assert.NoError(t, err, yml)
			continue
		}
		require.Error(t, err, yml)
		assert.Equal(t, "label pod.component.app "+want, err.Error(), yml)
	}
}

// TestProfiles: a component none of whose profiles COMPOSE_PROFILES enables
// is left out, as Compose does; `*` enables every one.
func TestProfiles(t *testing.T) {
	l := map[string]string{ComponentPrefix + "app": "image: x", ComponentPrefix + "dbg": "image: y\nprofiles: [debug, tools]"}
	for env, want := range map[string][]string{
		"":                         {"app"},
		"COMPOSE_PROFILES=other":   {"app"},
		"COMPOSE_PROFILES=a,tools": {"app", "dbg"},
		"COMPOSE_PROFILES=*":       {"app", "dbg"},
	} {
		spec, err := FromLabels(l, []string{env})
		require.NoError(t, err)
		var got []string
		for _, c := range spec.Components {
			got = append(got, c.Name)
		}
		assert.Equal(t, want, got, env)
	}
	// A left-out component is still checked.
	l[ComponentPrefix+"dbg"] = "image: y\nprofiles: [debug]\nuts: host"
	_, err := FromLabels(l, nil)
	assert.ErrorContains(t, err, "label pod.component.dbg (line 3): uts: not supported in a pod")
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
		{"unknown x-podinit key", "image: x\nx-podinit: {rol: sidecar}", "x-podinit.rol", []string{"unknown key", "name, on-unhealthy, restart-on-exit-codes, role, signals"}},
		{"bad role", "image: x\nx-podinit: {role: boss}", "x-podinit.role", []string{"boss", "main or sidecar"}},
		{"signal KILL", "image: x\nx-podinit: {signals: [KILL]}", "x-podinit.signals", []string{"KILL cannot be forwarded"}},
		{"signal STOP", "image: x\nx-podinit: {signals: [SIGSTOP]}", "x-podinit.signals", []string{"SIGSTOP cannot be forwarded"}},
		{"signal CHLD", "image: x\nx-podinit: {signals: [17]}", "x-podinit.signals", []string{"17 cannot be forwarded"}},
		{"signal unknown", "image: x\nx-podinit: {signals: [HUPP]}", "x-podinit.signals", []string{`"HUPP" is not a signal`}},
		{"signal number out of range", "image: x\nx-podinit: {signals: [99]}", "x-podinit.signals", []string{"1 to 64"}},
		{"bad on-unhealthy", "image: x\nx-podinit: {on-unhealthy: reboot}", "x-podinit.on-unhealthy", []string{"reboot is not a choice", "restart or none"}},
		{"exit codes not a list", "image: x\nx-podinit: {restart-on-exit-codes: 42}", "x-podinit.restart-on-exit-codes", []string{"list of exit codes such as [42]", "{not-in: [0, 3]}"}},
		{"exit code out of range", "image: x\nx-podinit: {restart-on-exit-codes: [256]}", "x-podinit.restart-on-exit-codes", []string{"256 is not an exit code", "0 to 255"}},
		{"exit code not a number", "image: x\nx-podinit: {restart-on-exit-codes: [oops]}", "x-podinit.restart-on-exit-codes", []string{"oops is not an exit code"}},
		{"empty exit codes", "image: x\nx-podinit: {restart-on-exit-codes: []}", "x-podinit.restart-on-exit-codes", []string{"list of exit codes"}},
		{"exit codes, other map key", "image: x\nx-podinit: {restart-on-exit-codes: {in: [1]}}", "x-podinit.restart-on-exit-codes", []string{"{not-in: [0, 3]}"}},
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
		{"home-relative bind", "image: x\nvolumes: ['~/data:/data']", "volumes[0]", []string{"`~` is not expanded", "absolute host path"}},
		{"selinux relabel", "image: x\nvolumes: ['/srv:/srv:z']", "volumes[0]", []string{"SELinux"}},
		{"npipe", "image: x\nvolumes: [{type: npipe, source: x, target: /x}]", "volumes[0]", []string{`"npipe"`}},
		{"network sysctl", "image: x\nsysctls: {net.core.somaxconn: 1024}", "sysctls", []string{"net.core.somaxconn", "controller"}},
		{"cpus with quota", "image: x\ncpus: 1\ncpu_quota: 5000", "cpus", []string{"cpu_quota"}},
		{"mem_limit conflicts with deploy", "image: x\nmem_limit: 1g\ndeploy: {resources: {limits: {memory: 2g}}}", "deploy.resources.limits.memory", []string{"conflicts with mem_limit"}},
		{"empty image", "image: \"\"", "image", []string{"is empty", "needs an image"}},
		{"tagged empty image", "image: !00000000000", "image", []string{"is empty", "needs an image"}},
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
		ComponentPrefix + "a": "image: x\nuts: host\nhealthcheck: {tset: x}\nstop_grace_period: soon\nrestart: sometimes\nx-podinit: {role: boss}",
		ComponentPrefix + "b": "command: [x]",
	})
	var got []string
	for _, e := range errs {
		got = append(got, e.Source+" "+e.Key)
	}
	assert.ElementsMatch(t, []string{
		"pod.component.a uts", "pod.component.a healthcheck", "pod.component.a stop_grace_period",
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

// TestEveryComposeKeyClassified: each service key of compose-go's schema
// has its treatment in Keys, so a new Compose key cannot slip through
// unexamined when compose-go is upgraded.
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
	for k := range s.Defs["deployment"].Properties {
		keys["deploy."+k] = true
	}
	for k := range keys {
		assert.Contains(t, Keys, k, "Compose key %q has no treatment in Keys", k)
	}
	for k, v := range Keys {
		if v.Treatment == Read && k != "deploy.resources" {
			assert.True(t, keys[k], "Keys has %q, which is not in the Compose schema", k)
		}
	}
}

// TestREADMEListsKeys: docs/compose.md's tables of keys accepted with a warning,
// keys with a behaviour of their own, and refused keys are the code's.
func TestREADMEListsKeys(t *testing.T) {
	block := testenv.DocBlock(t, "docs/compose.md", "labels")
	for header, treatment := range map[string]Treatment{
		"| key accepted with a warning | the warning after the key's value: where the key belongs |": Warned,
		"| key | what podinit does |":                   Own,
		"| refused key | why, and what to do instead |": Refused,
	} {
		_, table, ok := strings.Cut(block, header)
		require.True(t, ok, "docs/compose.md's labels block has the table %s", header)
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
		for k, v := range Keys {
			if v.Treatment == treatment {
				want[k] = v.Why
			}
		}
		assert.Equal(t, want, got, header)
	}
}
