package template

import (
	"context"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	yaml "go.yaml.in/yaml/v4"
)

// renderFiles writes files (name → content) into a temporary folder and
// renders stack.yml from there.
func renderFiles(t *testing.T, files map[string]string, opts Options) (map[string]any, string, error) {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, name)
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
	}
	opts.WorkDir = dir
	out, err := Render(context.Background(), []string{"stack.yml"}, opts)
	if err != nil {
		return nil, "", err
	}
	var doc map[string]any
	require.NoError(t, yaml.Unmarshal(out, &doc), "output is not YAML:\n%s", out)
	return doc, string(out), nil
}

// service returns a rendered service's definition.
func service(t *testing.T, doc map[string]any, name string) map[string]any {
	t.Helper()
	s, ok := doc["services"].(map[string]any)[name].(map[string]any)
	require.True(t, ok, "no service %s in %v", name, doc)
	return s
}

// label returns a controller label, decoded from YAML.
func label(t *testing.T, svc map[string]any, key string) any {
	t.Helper()
	v, ok := svc["labels"].(map[string]any)[key]
	require.True(t, ok, "no label %s in %v", key, svc["labels"])
	var out any
	require.NoError(t, yaml.Unmarshal([]byte(v.(string)), &out))
	return out
}

func stack(svc string) string {
	return "version: '3.8'\nservices:\n  web:\n    image: example/app:1\n" + svc
}

func TestItemForms(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/side.yml":
			w.Write([]byte("side:\n  image: from/http:{{ .Args.Tag }}\n"))
		case "/500":
			http.Error(w, "boom", 500)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	tls := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("side:\n  image: from/tls\n"))
	}))
	tls.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake is expected
	tls.StartTLS()
	defer tls.Close()
	closed := httptest.NewServer(http.NotFoundHandler())
	deadURL := closed.URL + "/side.yml"
	closed.Close()

	for _, tc := range []struct {
		name, templates, want string
	}{
		{"string path", "side.yml", "from/file:v1"},
		{"string URL", srv.URL + "/side.yml", "from/http:v1"},
		{"file short", "{file: side.yml}", "from/file:v1"},
		{"file long", "{file: {path: side.yml}}", "from/file:v1"},
		{"file missing, fallback inline", "{file: {path: nope.yml, fallback: {inline: 'side: {image: from/fallback}'}}}", "from/fallback"},
		{"inline string", "{inline: 'side: {image: \"inline/{{ .Service.Name }}\"}'}", "inline/web"},
		{"inline mapping with template strings", "{inline: {side: {image: 'inline/{{ .Args.Tag }}'}}}", "inline/v1"},
		{"http short", "{http: " + srv.URL + "/side.yml}", "from/http:v1"},
		{"http long", "{http: {url: " + srv.URL + "/side.yml}}", "from/http:v1"},
		{"http 404, fallback file", "{http: {url: " + srv.URL + "/missing, fallback: {file: side.yml}}}", "from/file:v1"},
		{"http 500, fallback chain", "{http: {url: " + srv.URL + "/500, fallback: {file: {path: nope.yml, fallback: {inline: 'side: {image: chained}'}}}}}", "chained"},
		{"http unreachable, fallback", "{http: {url: " + deadURL + ", fallback: side.yml}}", "from/file:v1"},
		{"https self-signed, insecure", "{http: {url: " + tls.URL + "/x, insecure: true}}", "from/tls"},
		{"https self-signed, fallback when verified", "{http: {url: " + tls.URL + "/x, fallback: side.yml}}", "from/file:v1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc, _, err := renderFiles(t, map[string]string{
				"stack.yml": stack("    x-podinit:\n      templates: " + tc.templates + "\n      args: {Tag: v1}\n"),
				"side.yml":  "side:\n  image: from/file:{{ .Args.Tag }}\n",
			}, Options{})
			require.NoError(t, err)
			side := label(t, service(t, doc, "web"), "pod.component.side")
			require.Equal(t, tc.want, side.(map[string]any)["image"])
		})
	}
}

func TestErrorsNameFileAndLine(t *testing.T) {
	for _, tc := range []struct {
		name  string
		files map[string]string
		want  []string
	}{
		{"unknown config key", map[string]string{"stack.yml": stack("    x-podinit:\n      templtes: a.yml\n")},
			[]string{"stack.yml:6:", "services.web.x-podinit", `unknown key "templtes"`, "pod, transformer, templates, init, copy, args"}},
		{"item with two forms", map[string]string{"stack.yml": stack("    x-podinit:\n      templates:\n        - {file: a.yml, inline: 'x: {}'}\n")},
			[]string{"stack.yml:7:", "templates[0]", "exactly one of file, inline or http"}},
		{"http without URL", map[string]string{"stack.yml": stack("    x-podinit:\n      pod: {http: {insecure: true}}\n")},
			[]string{"stack.yml:6:", "url is required"}},
		{"missing file, no fallback", map[string]string{"stack.yml": stack("    x-podinit:\n      templates: nope.yml\n")},
			[]string{"stack.yml:6:", "nope.yml", "no such file", "give a fallback"}},
		{"inline syntax error at its line", map[string]string{"stack.yml": stack("    x-podinit:\n      templates:\n        - inline: |\n            side:\n              image: {{ .Args.X \n")},
			[]string{"stack.yml:", "invalid template syntax", "unclosed action started at stack.yml:9"}},
		{"file syntax error at its line", map[string]string{"stack.yml": stack("    x-podinit:\n      templates: side.yml\n"), "side.yml": "side:\n  image: x\n  command: {{ if }}\n"},
			[]string{"side.yml:3:", "invalid template syntax", "missing value for if"}},
		{"unknown function", map[string]string{"stack.yml": stack("    x-podinit:\n      templates: side.yml\n"), "side.yml": "side:\n  image: {{ upper .Service.Name }}\n"},
			[]string{"side.yml:2:", `function "upper" not defined`}},
		{"execution error", map[string]string{"stack.yml": stack("    x-podinit:\n      templates: side.yml\n"), "side.yml": "side:\n\n  image: {{ .Service.image.tag }}\n"},
			[]string{"side.yml:3:", "rendering failed"}},
		{"missing arg", map[string]string{"stack.yml": stack("    x-podinit:\n      templates: side.yml\n"), "side.yml": "side:\n  image: x:{{ .Args.Tag }}\n"},
			[]string{"side.yml", "<no value>", "line 2 of its output", "x:<no value>"}},
		{"output not YAML", map[string]string{"stack.yml": stack("    x-podinit:\n      templates: side.yml\n"), "side.yml": "side:\n  image: x\n bad: [\n"},
			[]string{"side.yml", "does not render valid YAML"}},
		{"transformer with two roots", map[string]string{"stack.yml": stack("    x-podinit:\n      transformer: {inline: {a: {}, b: {}}}\n")},
			[]string{"stack.yml:6:", "2 root keys (a, b)", "exactly one"}},
		{"sidecar named like the app", map[string]string{"stack.yml": stack("    x-podinit:\n      templates: {inline: {app: {image: x}}}\n")},
			[]string{"stack.yml:6:", `"app", the name of the main component`}},
		{"top-level entry for no service", map[string]string{"stack.yml": "version: '3.8'\nx-podinit:\n  wbe: {}\nservices:\n  web: {image: x}\n"},
			[]string{"stack.yml:3:", `no service "wbe"`}},
		{"copy to unknown component", map[string]string{"stack.yml": stack("    x-podinit:\n      copy: {inline: {proxy: '/a:/b'}}\n")},
			[]string{"stack.yml:6:", `copies into "proxy"`, "(app)"}},
		{"duplicate init names", map[string]string{"stack.yml": stack("    x-podinit:\n      init:\n        - inline: {setup: {image: a}}\n        - inline: {setup: {image: b}}\n")},
			[]string{"stack.yml:8:", `init component "setup"`}},
		{"stack not YAML", map[string]string{"stack.yml": "services:\n  web: [\n"},
			[]string{"stack.yml", "not valid YAML"}},
		{"bad stop_grace_period", map[string]string{"stack.yml": stack("    stop_grace_period: soon\n    x-podinit: {}\n")},
			[]string{"stack.yml:3:", "services.web", `"soon" is not a duration`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := renderFiles(t, tc.files, Options{})
			require.Error(t, err)
			for _, w := range tc.want {
				require.Contains(t, err.Error(), w)
			}
		})
	}
}

func TestFuncs(t *testing.T) {
	tmpl := `side:
  image: x
  labels:
{{ .Args.Labels | yaml | indent 4 }}
    empty: "{{ empty .Args.None }} {{ empty .Args.Labels }} {{ notEmpty .Args.Labels }}"
    contains: "{{ .Service.image | contains "app" }} {{ .Service.image | contains "nope" }}"
    starts: "{{ .Service.image | startsWith "example/" }}"
    replaced: "{{ .Service.image | replace "example/" "mirror/" -1 }}"
    project: "{{ .Project.Name }} {{ .Project.File }}"
`
	doc, _, err := renderFiles(t, map[string]string{
		"stack.yml": stack("    x-podinit:\n      templates: side.yml\n      args: {Labels: {a: b}, None: []}\n"),
		"side.yml":  tmpl,
	}, Options{Project: "shop"})
	require.NoError(t, err)
	labels := label(t, service(t, doc, "web"), "pod.component.side").(map[string]any)["labels"]
	require.Equal(t, map[string]any{
		"a": "b", "empty": "true false true", "contains": "true false", "starts": "true",
		"replaced": "mirror/app:1", "project": "shop stack.yml",
	}, labels)
}

func TestArgsPrecedenceAndBothRegistrations(t *testing.T) {
	// podlike dropped init templates and args given at the service when the
	// top-level field also named the service.
	doc, _, err := renderFiles(t, map[string]string{"stack.yml": `version: '3.8'
x-podinit:
  args: {A: global, B: global, C: global}
  web:
    args: {A: top, B: top}
    init: {inline: {second: {image: "init/{{ .Args.A }}-{{ .Args.B }}-{{ .Args.C }}"}}}
    templates: {inline: {side: {image: top, environment: [FROM=top]}}}
services:
  web:
    image: example/app:1
    x-podlike:
      args: {A: service}
      init: {inline: {first: {image: "init/{{ .Args.A }}"}}}
      templates: {inline: {side: {image: service, environment: [ALSO=service]}}}
`}, Options{})
	require.NoError(t, err)
	web := service(t, doc, "web")
	require.Equal(t, []any{
		map[string]any{"image": "init/service", "x-podinit": map[string]any{"name": "first"}},
		map[string]any{"image": "init/service-top-global", "x-podinit": map[string]any{"name": "second"}},
	}, label(t, web, "pod.init.components"))
	side := label(t, web, "pod.component.side").(map[string]any)
	require.Equal(t, "service", side["image"], "service-level templates come first")
	require.Equal(t, []any{"ALSO=service", "FROM=top"}, side["environment"])
}

func TestControllerAndApp(t *testing.T) {
	doc, _, err := renderFiles(t, map[string]string{
		"stack.yml": stack(`    entrypoint: [/app]
    command: serve
    environment: {MODE: prod}
    env_file: app.env
    healthcheck: {test: [CMD, /app, check]}
    user: "1000"
    working_dir: /srv
    depends_on: [db]
    init: true
    labels: [team=web]
    ports: ["8080:80"]
    deploy: {replicas: 2}
    stop_grace_period: 1m30s
    volumes: [data:/data, ./conf:/conf, /var/run/docker.sock:/var/run/docker.sock:ro]
    x-podinit: {}
  db:
    image: db
volumes:
  data:
    name: "data-{{.Task.Slot}}"
`),
		"app.env": "# comment\nMODE=file\nFROM_FILE=1\n",
	}, Options{Image: "my/podinit:1"})
	require.NoError(t, err)
	web := service(t, doc, "web")
	for _, k := range []string{"entrypoint", "environment", "env_file", "healthcheck", "user", "working_dir", "depends_on", "init"} {
		require.NotContains(t, web, k, "the controller must not carry the app's %s", k)
	}
	require.Equal(t, "my/podinit:1", web["image"])
	require.Equal(t, []any{"-logs", "-stop-budget=1m30s"}, web["command"])
	require.Equal(t, []any{"data:/pod-volumes/data", "/var/run/docker.sock:/var/run/docker.sock:ro"}, web["volumes"], "named volumes held, socket not doubled")
	require.Equal(t, "web", web["labels"].(map[string]any)["team"])
	app := label(t, web, "pod.component.app").(map[string]any)
	require.Equal(t, "example/app:1", app["image"])
	require.Equal(t, map[string]any{"MODE": "prod", "FROM_FILE": "1"}, app["environment"], "environment wins over env_file")
	require.NotContains(t, app, "ports")
	require.NotContains(t, app, "deploy")
	require.NotContains(t, app, "init")
	dir := doc["services"].(map[string]any)["web"].(map[string]any)
	_ = dir
	require.Contains(t, app["volumes"].([]any)[1], "/conf:/conf")
	require.True(t, filepath.IsAbs(strings.Split(app["volumes"].([]any)[1].(string), ":")[0]))
	vol := doc["volumes"].(map[string]any)["data"].(map[string]any)
	require.Equal(t, map[string]any{"podinit.volume-ref": "data"}, vol["labels"])
}

func TestDollarsSurviveTwoInterpolations(t *testing.T) {
	doc, _, err := renderFiles(t, map[string]string{
		"stack.yml": stack("    command: sh -c 'echo $$HOME ${TAG}'\n    x-podinit: {}\n"),
	}, Options{})
	require.NoError(t, err)
	raw := service(t, doc, "web")["labels"].(map[string]any)["pod.component.app"].(string)
	require.Contains(t, raw, "echo $$$$HOME ${TAG}")
}

func TestStdinAndCLI(t *testing.T) {
	var out, errb strings.Builder
	code := Main([]string{"-image", "x/y:1", "-"}, strings.NewReader(stack("    x-podinit: {}\n")), &out, &errb)
	require.Equal(t, 0, code, errb.String())
	require.Contains(t, out.String(), "image: x/y:1")
	out.Reset()
	errb.Reset()
	require.Equal(t, 2, Main(nil, strings.NewReader(""), &out, &errb))
	require.Contains(t, errb.String(), "no stack file")
	require.Equal(t, 1, Main([]string{"/nonexistent/stack.yml"}, strings.NewReader(""), &out, &errb))
	require.Contains(t, errb.String(), "/nonexistent/stack.yml: cannot read the stack file")
}

func TestAnchorsAndMergeKeys(t *testing.T) {
	doc, _, err := renderFiles(t, map[string]string{"stack.yml": `version: '3.8'
x-shared:
  - &pod-defaults
    pod: {inline: {pod: {image: forked/podinit}}}
  - &sidecar
    inline: {side: {image: "side-for-{{ .Service.Name }}"}}
services:
  one:
    image: a
    x-podlike:
      <<: *pod-defaults
      templates: [*sidecar]
  two:
    image: b
    x-podlike:
      <<: *pod-defaults
      templates:
        - <<: *sidecar
`}, Options{})
	require.NoError(t, err)
	for _, n := range []string{"one", "two"} {
		s := service(t, doc, n)
		require.Equal(t, "forked/podinit", s["image"])
		require.Equal(t, "side-for-"+n, label(t, s, "pod.component.side").(map[string]any)["image"])
	}
}
