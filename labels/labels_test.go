package labels

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/moby/moby/api/types/mount"
	"github.com/moby/moby/api/types/strslice"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/podinit/podinit/podspec"
)

func TestEnvFile(t *testing.T) {
	dir := t.TempDir()
	a := filepath.Join(dir, "a.env")
	b := filepath.Join(dir, "b.env")
	require.NoError(t, os.WriteFile(a, []byte("# comment\nA=1\nSHARED=from-a\nQ=\"quoted value\"\n"), 0o644))
	require.NoError(t, os.WriteFile(b, []byte("B=2\nSHARED=from-b\n"), 0o644))
	tests := []struct {
		name, yml string
		want      []string
	}{
		{"string form", "image: x\nenv_file: " + a, []string{"A=1", "Q=quoted value", "SHARED=from-a"}},
		{"list form, later file wins", "image: x\nenv_file: [" + a + ", " + b + "]", []string{"A=1", "B=2", "Q=quoted value", "SHARED=from-b"}},
		{"environment wins over env_file", "image: x\nenv_file: " + a + "\nenvironment: {SHARED: mine}", []string{"A=1", "Q=quoted value", "SHARED=mine"}},
		{"optional missing file", "image: x\nenv_file: [{path: /nonexistent.env, required: false}, " + b + "]", []string{"B=2", "SHARED=from-b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, component(t, tt.yml).Config.Env)
		})
	}
}

func TestComposeFile(t *testing.T) {
	path := filepath.Join("testdata", "pod.yml")
	spec, err := FromComposeFile(path, []string{"NAME=pod"})
	require.NoError(t, err)
	require.Len(t, spec.Components, 2)
	app, proxy := spec.Components[0], spec.Components[1]

	assert.Equal(t, "app", app.Name)
	assert.Equal(t, path+": services.app", app.Source)
	assert.Equal(t, "busybox:1.36", app.Config.Image, "merge key from an x- anchor")
	assert.Equal(t, strslice.StrSlice{"sh", "-c", "echo $GREETING"}, app.Config.Cmd)
	assert.Equal(t, []string{"FROM_FILE=pod", "GREETING=hello"}, app.Config.Env, "env_file relative to the Compose file")
	assert.Equal(t, podspec.Restart{Mode: podspec.RestartOnFailure, MaxRetries: 2}, app.Restart)
	assert.Equal(t, map[string]podspec.Dependency{"proxy": {Condition: podspec.ConditionHealthy, Required: true}}, app.DependsOn)
	assert.Equal(t, []mount.Mount{{Type: mount.TypeVolume, Source: "data", Target: "/data"}}, app.Host.Mounts)
	assert.Equal(t, podspec.RoleMain, app.Role)

	assert.Equal(t, podspec.RoleSidecar, proxy.Role)
	assert.Equal(t, []syscall.Signal{syscall.SIGHUP}, proxy.Signals)
	assert.Equal(t, []string{"CMD-SHELL", "wget -qO- http://localhost/"}, proxy.Config.Healthcheck.Test)

	// The same file through the label.
	abs, err := filepath.Abs(path)
	require.NoError(t, err)
	fromLabel, err := FromLabels(map[string]string{ComposeFile: abs, "com.example.other": "ignored"}, []string{"NAME=pod"})
	require.NoError(t, err)
	assert.Len(t, fromLabel.Components, 2)
}

func TestComposeFileErrors(t *testing.T) {
	path := filepath.Join("testdata", "bad.yml")
	spec, err := FromComposeFile(path, nil)
	errs := flatten(err)
	require.Len(t, errs, 3, "%v", err)
	assert.Equal(t, 6, findErr(t, errs, "image").Line, "a missing key points at its service")
	uts := findErr(t, errs, "uts")
	assert.Equal(t, "web", uts.Service)
	assert.Equal(t, path+" (line 8): services.web.uts: not supported in a pod: "+Keys["uts"].Why, uts.Error())
	dep := findErr(t, errs, "depends_on.db")
	assert.Equal(t, path+" (line 9): services.web.depends_on.db: no component is named \"db\": the pod has app, web", dep.Error())
	var warns []string
	for _, w := range spec.Warnings {
		warns = append(warns, w.Error())
	}
	assert.Equal(t, []string{
		path + " (line 4): services.app.ports: 80:80 " + Keys["ports"].Why,
		path + " (line 7): services.web.hostname: web " + Keys["hostname"].Why,
	}, warns)

	missing := filepath.Join("testdata", "missing.yml")
	_, err = FromComposeFile(missing, nil)
	abs, _ := filepath.Abs(missing)
	require.EqualError(t, err, missing+": the file does not exist (looked for "+abs+")", "outside a controller, the file is not said to be inside one")
	_, err = FromLabels(map[string]string{ComposeFile: "/missing.yml"}, nil)
	require.EqualError(t, err, "label pod.compose.file: /missing.yml: no such file or directory: the path is read inside the controller; mount the file there (a Swarm config works)")

	dir := t.TempDir()
	for name, text := range map[string]string{
		"top.yml":   "services: {a: {image: x}}\ninclude: [other.yml]\nvolums: {}\n",
		"empty.yml": "volumes: {}\n",
	} {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(text), 0o644))
		_, err := FromComposeFile(p, nil)
		require.Error(t, err)
		if name == "top.yml" {
			assert.Contains(t, err.Error(), p+" (line 2): include: not supported")
			assert.Contains(t, err.Error(), p+" (line 3): unknown top-level key \"volums\"")
		} else {
			assert.Contains(t, err.Error(), "no services")
		}
	}
}

func TestComposeFileWithComponentLabel(t *testing.T) {
	abs, _ := filepath.Abs(filepath.Join("testdata", "pod.yml"))
	errs := problems(t, map[string]string{ComposeFile: abs, ComponentPrefix + "extra": "image: x"})
	require.Len(t, errs, 1)
	assert.Equal(t, ComponentPrefix+"extra", errs[0].Source)
	assert.Contains(t, errs[0].Msg, "cannot be combined with pod.compose.file")
}

func TestNoComponents(t *testing.T) {
	errs := problems(t, map[string]string{"com.example": "x"})
	require.Len(t, errs, 1)
	assert.Contains(t, errs[0].Error(), "add a label pod.component.<name>")
}

func TestUnknownPodLabel(t *testing.T) {
	errs := problems(t, map[string]string{"pod.componet.app": "image: x", "pod.component.ok": "image: x"})
	require.Len(t, errs, 1)
	assert.Contains(t, errs[0].Error(), "label pod.componet.app: unknown pod label, did you mean pod.component.app?")
}

func TestBadComponentName(t *testing.T) {
	errs := problems(t, map[string]string{"pod.component.-bad": "image: x"})
	assert.Contains(t, errs[0].Error(), `"-bad" is not a valid component name`)
}

func TestInitComponents(t *testing.T) {
	spec, err := FromLabels(map[string]string{
		InitComponents:          "- image: migrate\n  x-podinit: {name: migrate}\n- image: seed\n  command: [seed]",
		ComponentPrefix + "app": "image: app",
		CopyPrefix + "migrate":  "/etc/m.sql:/m.sql",
	}, nil)
	require.NoError(t, err)
	require.Len(t, spec.Init, 2)
	assert.Equal(t, "migrate", spec.Init[0].Name)
	assert.Equal(t, "init-2", spec.Init[1].Name)
	for i, c := range spec.Init {
		assert.Equal(t, podspec.RoleInit, c.Role)
		assert.Equal(t, InitComponents+"["+string(rune('0'+i))+"]", c.Source)
	}
	assert.Equal(t, []podspec.Copy{{Src: "/etc/m.sql", Dst: "/m.sql"}}, spec.Init[0].Copies)

	// Init components alone are a pod.
	spec, err = FromLabels(map[string]string{InitComponents: "- image: once"}, nil)
	require.NoError(t, err)
	assert.Len(t, spec.Init, 1)

	// podlike ignored depends_on on an init component, with a warning; its
	// templates write one.
	spec, err = FromLabels(map[string]string{InitComponents: "- image: a\n  depends_on: [app]", ComponentPrefix + "app": "image: app"}, nil)
	require.NoError(t, err)
	assert.Empty(t, spec.Init[0].DependsOn)
	require.Len(t, spec.Warnings, 1)
	assert.Equal(t, "label pod.init.components[0] (line 2): depends_on: app is ignored: init components run one after another, in the order of pod.init.components, before every other component starts", spec.Warnings[0].Error())

	tests := []struct{ name, init, key, want string }{
		{"role", "- image: a\n  x-podinit: {role: sidecar}", "x-podinit.role", "role init"},
		{"on-unhealthy", "- image: a\n  x-podinit: {on-unhealthy: restart}", "x-podinit.on-unhealthy", "run to completion"},
		{"not a list", "image: a", "", "must be a YAML list"},
		{"duplicate name", "- image: a\n  x-podinit: {name: app}", "", `"app" is also used`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			errs := problems(t, map[string]string{InitComponents: tt.init, ComponentPrefix + "app": "image: app"})
			var e *Error
			for _, x := range errs {
				if x.Key == tt.key {
					e = x
				}
			}
			require.NotNil(t, e, "%v", errs)
			assert.Contains(t, e.Error(), tt.want)
			assert.Contains(t, e.Error(), "pod.")
		})
	}
}

func TestDependsOnGraph(t *testing.T) {
	t.Run("unknown name", func(t *testing.T) {
		errs := problems(t, map[string]string{ComponentPrefix + "app": "image: x\ndepends_on: [dbb]", ComponentPrefix + "db": "image: x"})
		e := findErr(t, errs, "depends_on.dbb")
		assert.Equal(t, `label pod.component.app (line 2): depends_on.dbb: no component is named "dbb": the pod has app, db`, e.Error())
	})
	t.Run("init component", func(t *testing.T) {
		errs := problems(t, map[string]string{ComponentPrefix + "app": "image: x\ndepends_on: [init-1]", InitComponents: "- image: x"})
		assert.Contains(t, findErr(t, errs, "depends_on.init-1").Msg, "init components always finish")
	})
	t.Run("a sidecar on a main component", func(t *testing.T) {
		errs := problems(t, map[string]string{
			ComponentPrefix + "proxy": "image: x\nx-podinit: {role: sidecar}\ndepends_on: [app, cache]",
			ComponentPrefix + "app":   "image: x",
			ComponentPrefix + "cache": "image: x\nx-podinit: {role: sidecar}",
		})
		require.Len(t, errs, 1, "a sidecar may depend on a sidecar")
		assert.Equal(t, `label pod.component.proxy (line 3): depends_on.app: "app" is a main component, and sidecars start before main components: make "app" a sidecar (x-podinit: {role: sidecar}) or remove the dependency`, errs[0].Error())
	})
	t.Run("self", func(t *testing.T) {
		errs := problems(t, map[string]string{ComponentPrefix + "app": "image: x\ndepends_on: [app]"})
		assert.Contains(t, findErr(t, errs, "depends_on").Msg, "dependency cycle app -> app")
	})
	t.Run("cycles spelled out once each", func(t *testing.T) {
		errs := problems(t, map[string]string{
			ComponentPrefix + "a": "image: x\ndepends_on: [b]",
			ComponentPrefix + "b": "image: x\ndepends_on: [c]",
			ComponentPrefix + "c": "image: x\ndepends_on: {a: {condition: service_healthy}}",
			ComponentPrefix + "d": "image: x\ndepends_on: [e, a]",
			ComponentPrefix + "e": "image: x\ndepends_on: [d]",
		})
		var cycles []string
		for _, e := range errs {
			cycles = append(cycles, e.Error())
		}
		assert.ElementsMatch(t, []string{
			"label pod.component.a (line 2): depends_on: dependency cycle a -> b -> c -> a: no component in it could ever start; remove one of these depends_on entries",
			"label pod.component.d (line 2): depends_on: dependency cycle d -> e -> d: no component in it could ever start; remove one of these depends_on entries",
		}, cycles)
	})
	t.Run("diamond is fine", func(t *testing.T) {
		_, err := FromLabels(map[string]string{
			ComponentPrefix + "a": "image: x\ndepends_on: [b, c]",
			ComponentPrefix + "b": "image: x\ndepends_on: [d]",
			ComponentPrefix + "c": "image: x\ndepends_on: [d]",
			ComponentPrefix + "d": "image: x",
		}, nil)
		assert.NoError(t, err)
	})
}

func TestCopyLabel(t *testing.T) {
	tests := []struct {
		name, value string
		want        []podspec.Copy
		err         string
	}{
		{"string", "/run/secrets/cfg:/etc/app/cfg", []podspec.Copy{{Src: "/run/secrets/cfg", Dst: "/etc/app/cfg"}}, ""},
		{"list", "- /a:/b\n- /c:/d", []podspec.Copy{{Src: "/a", Dst: "/b"}, {Src: "/c", Dst: "/d"}}, ""},
		{"map keeps order", "/z: /y\n/a: /b", []podspec.Copy{{Src: "/z", Dst: "/y"}, {Src: "/a", Dst: "/b"}}, ""},
		{"map allows colons", "\"/a:1\": \"/b:2\"", []podspec.Copy{{Src: "/a:1", Dst: "/b:2"}}, ""},
		{"flow list", "[/a:/b]", []podspec.Copy{{Src: "/a", Dst: "/b"}}, ""},
		{"no colon", "/a", nil, "exactly one ':'"},
		{"two colons", "/a:/b:/c", nil, "exactly one ':'"},
		{"relative", "a:/b", nil, "must be absolute"},
		{"empty", "", nil, "empty"},
		{"list item not a string", "- {a: b}", nil, "line 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := map[string]string{ComponentPrefix + "app": "image: x", CopyPrefix + "app": tt.value}
			spec, err := FromLabels(l, nil)
			if tt.err != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), "label pod.copy.app: ")
				assert.Contains(t, err.Error(), tt.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, spec.Components[0].Copies)
		})
	}
	errs := problems(t, map[string]string{ComponentPrefix + "app": "image: x", CopyPrefix + "ap": "/a:/b"})
	assert.Equal(t, `label pod.copy.ap: no component is named "ap": name one of app`, errs[0].Error())
}
