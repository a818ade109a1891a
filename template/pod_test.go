package template

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	yaml "go.yaml.in/yaml/v4"

	"github.com/podinit/podinit/internal/testenv"
)

// podProjects are the Compose projects of testdata/pod, each a folder with
// a compose.yaml; the pod is named after the folder.
func podProjects(t *testing.T) []string {
	dirs, err := filepath.Glob("testdata/pod/*/compose.yaml")
	require.NoError(t, err)
	require.NotEmpty(t, dirs)
	var out []string
	for _, d := range dirs {
		out = append(out, filepath.Base(filepath.Dir(d)))
	}
	return out
}

func renderPod(t *testing.T, project string, po PodOptions) ([]byte, []string, string) {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join("testdata", "pod", project))
	require.NoError(t, err)
	if po.Name == "" {
		po.Name = project
	}
	out, notes, err := RenderPod(context.Background(), []string{"compose.yaml"}, Options{WorkDir: dir}, po)
	require.NoError(t, err)
	return out, notes, dir
}

// TestPodGolden renders every testdata/pod project with -pod and compares
// the stack and the notes with <project>.golden.yml and <project>.notes
// (go test -update rewrites them). Rendering twice gives the same bytes.
func TestPodGolden(t *testing.T) {
	for _, project := range podProjects(t) {
		t.Run(project, func(t *testing.T) {
			out, notes, dir := renderPod(t, project, PodOptions{})
			again, _, _ := renderPod(t, project, PodOptions{})
			require.Equal(t, string(out), string(again), "rendering is not deterministic")
			base := filepath.Dir(dir)
			for ext, got := range map[string]string{
				".golden.yml": string(out),
				".notes":      strings.Join(notes, "\n") + "\n",
			} {
				got = strings.ReplaceAll(got, base, "/TESTDATA")
				golden := filepath.Join("testdata", "pod", project+ext)
				if *update {
					require.NoError(t, os.WriteFile(golden, []byte(got), 0o644))
				}
				want, err := os.ReadFile(golden)
				require.NoError(t, err, "no golden file: run go test ./template -run TestPodGolden -update")
				require.Equal(t, string(want), got)
			}
		})
	}
}

// TestPodStackConfig gives every rendered project to `docker stack config`,
// which checks it as `docker stack deploy` would read it.
func TestPodStackConfig(t *testing.T) {
	testenv.RequireDocker(t)
	for _, project := range podProjects(t) {
		t.Run(project, func(t *testing.T) {
			out, _, _ := renderPod(t, project, PodOptions{})
			f := filepath.Join(t.TempDir(), "stack.yml")
			require.NoError(t, os.WriteFile(f, out, 0o644))
			cfg, err := exec.Command("docker", "stack", "config", "-c", f).CombinedOutput()
			require.NoError(t, err, "docker stack config refuses the %s stack:\n%s\n%s", project, cfg, out)
			require.Contains(t, string(cfg), "pod.component.")
		})
	}
}

func writeProject(t *testing.T, text string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "proj")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "compose.yaml"), []byte(text), 0o644))
	return dir
}

func TestPodErrors(t *testing.T) {
	for name, tc := range map[string]struct{ compose, want string }{
		"same host port": {`
services:
  a: {image: x, ports: ["8080:80"]}
  b: {image: x, ports: ["8080:8080"]}
`, `services.b.ports: 8080:8080 publishes host port 8080/tcp, which services.a publishes too`},
		"update_config differs": {`
services:
  a: {image: x, deploy: {update_config: {parallelism: 1}}}
  b: {image: x, deploy: {update_config: {parallelism: 2}}}
`, `services.b.deploy.update_config differs from services.a's`},
		"hostname differs": {`
services:
  a: {image: x, hostname: one}
  b: {image: x, hostname: two}
`, `services.b.hostname: two, but another service gives one`},
		"bad reservation": {`
services:
  a: {image: x, deploy: {resources: {reservations: {cpus: lots}}}}
`, `services.a.deploy.resources.reservations.cpus: "lots" is not a positive number`},
		"templates": {`
x-podinit: {a: {templates: [t.yml]}}
services:
  a: {image: x}
`, `the top-level x-podinit field holds templates, which -pod does not use`},
		"a refused key": {`
services:
  a: {image: x, umask: "022"}
`, `the pod would not start`},
		"a cycle": {`
services:
  a: {image: x, depends_on: [b]}
  b: {image: x, depends_on: [a]}
`, `cycle`},
	} {
		t.Run(name, func(t *testing.T) {
			dir := writeProject(t, tc.compose)
			_, _, err := RenderPod(context.Background(), []string{"compose.yaml"}, Options{WorkDir: dir}, PodOptions{Name: "p"})
			require.ErrorContains(t, err, tc.want)
		})
	}
	_, _, err := RenderPod(context.Background(), []string{"compose.yaml"}, Options{WorkDir: writeProject(t, "services: {a: {image: x}}")}, PodOptions{Name: "-bad"})
	require.ErrorContains(t, err, `-pod "-bad"`)
}

// The limits given by flags win over the sum, build with image keeps the
// image, and a project without name: takes its folder's.
func TestPodChoices(t *testing.T) {
	dir := writeProject(t, `
services:
  a:
    image: reg/a:1
    build: .
    ports: ["${PORT:-80}:80"]
    deploy: {resources: {limits: {cpus: "0.5", memory: 100M}}}
  b:
    build: .
    deploy: {resources: {limits: {cpus: "0.5"}}}
`)
	out, notes, err := RenderPod(context.Background(), []string{"compose.yaml"}, Options{WorkDir: dir}, PodOptions{Name: "p"})
	require.NoError(t, err)
	require.Contains(t, string(out), "image: reg/a:1")
	require.Contains(t, string(out), "image: proj-b", "build only: <folder>-<service>, as docker compose build names it")
	require.NotContains(t, string(out), "build:")
	require.Contains(t, string(out), `cpus: "1"`)
	require.Contains(t, string(out), "- ${PORT:-80}:80", "an interpolated port is left to docker stack deploy")
	var doc struct {
		Services map[string]struct {
			Deploy struct {
				Resources struct{ Limits map[string]any }
			}
		}
	}
	require.NoError(t, yaml.Unmarshal(out, &doc))
	require.Equal(t, map[string]any{"cpus": "1"}, doc.Services["p"].Deploy.Resources.Limits, "b sets no memory limit: the pod gets none")
	require.Contains(t, strings.Join(notes, "\n"), "the pod's service gets no memory limit: b set none")

	out, _, err = RenderPod(context.Background(), []string{"compose.yaml"}, Options{WorkDir: dir}, PodOptions{Name: "p", CPUs: "2", Memory: "1G"})
	require.NoError(t, err)
	require.Contains(t, string(out), "cpus: \"2\"")
	require.Contains(t, string(out), "memory: 1G")
}

// The CLI prints the stack on standard output and the notes on standard
// error; -cpus and -memory belong to -pod.
func TestPodCLI(t *testing.T) {
	dir, err := filepath.Abs(filepath.Join("testdata", "pod", "shop"))
	require.NoError(t, err)
	var out, errb strings.Builder
	code := Main([]string{"-pod", "shop", filepath.Join(dir, "compose.yaml")}, strings.NewReader(""), &out, &errb)
	require.Equal(t, 0, code, errb.String())
	require.True(t, strings.HasPrefix(out.String(), "networks:"), out.String())
	require.NotContains(t, out.String(), "note:")
	require.Contains(t, errb.String(), "podinit template: note: api: build and push its image")

	out.Reset()
	errb.Reset()
	require.Equal(t, 2, Main([]string{"-cpus", "1", filepath.Join(dir, "compose.yaml")}, strings.NewReader(""), &out, &errb))
	require.Contains(t, errb.String(), "-cpus and -memory are the limits of a -pod NAME")
	require.Empty(t, out.String())
}

// A service none of whose profiles is enabled is left out, as docker compose
// up leaves it out; an enabled one loses its profiles, decided here.
func TestPodProfiles(t *testing.T) {
	dir := writeProject(t, `
services:
  app: {image: x}
  debug: {image: x, profiles: [debug], ports: ["9999:9999"]}
  tools: {image: x, profiles: [tools, ops]}
`)
	out, notes, err := RenderPod(context.Background(), []string{"compose.yaml"}, Options{WorkDir: dir}, PodOptions{Name: "p", Profiles: "ops"})
	require.NoError(t, err)
	require.Contains(t, string(out), "pod.component.tools")
	require.NotContains(t, string(out), "profiles")
	require.NotContains(t, string(out), "debug")
	require.Contains(t, notes, "debug is left out, as docker compose up leaves it out: none of its profiles (debug) is enabled in COMPOSE_PROFILES")

	_, _, err = RenderPod(context.Background(), []string{"compose.yaml"}, Options{WorkDir: writeProject(t, "services: {a: {image: x, profiles: [x]}}")}, PodOptions{Name: "p"})
	require.ErrorContains(t, err, "every service is left out for its profiles")
}

// A port bound to a host address, in either form, keeps its place on the
// pod's service with a note: Swarm publishes on every address.
func TestPodPortOnAHostAddress(t *testing.T) {
	dir := writeProject(t, `
services:
  a:
    image: x
    ports: ["127.0.0.1:8081:80"]
  b:
    image: y
    ports: [{target: 90, published: 8090, host_ip: 10.0.0.1}]
`)
	out, notes, err := RenderPod(context.Background(), []string{"compose.yaml"}, Options{WorkDir: dir}, PodOptions{Name: "p"})
	require.NoError(t, err)
	require.Contains(t, string(out), "127.0.0.1:8081:80")
	all := strings.Join(notes, "\n")
	require.Contains(t, all, "a: port 127.0.0.1:8081:80/tcp binds the host address 127.0.0.1, which a Swarm service cannot")
	require.Contains(t, all, "b: port 10.0.0.1:8090:90/tcp binds the host address 10.0.0.1, which a Swarm service cannot")
}
