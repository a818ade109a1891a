package corpus

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/podinit/podinit/internal/testenv"
)

var update = flag.Bool("update", false, "rewrite the corpus' validate.golden and template.golden files with what podinit prints now")

var (
	binOnce sync.Once
	binDir  string
	binOut  []byte
	binErr  error
)

// podinit builds podinit and the binaries it hands its modes to
// (podinit-pod for validate, podinit-spec, podinit-template for template)
// into one folder, once per test process, and returns podinit's path: the
// tests run the command line a user runs.
func podinit(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		binDir, binErr = os.MkdirTemp("", "podinit-corpus-bin-")
		if binErr != nil {
			return
		}
		cmd := exec.Command("go", "build", "-o", binDir+"/", "./cmd/podinit", "./cmd/podinit-pod", "./cmd/podinit-spec", "./cmd/podinit-template")
		cmd.Dir = testenv.RepoRoot()
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		binOut, binErr = cmd.CombinedOutput()
	})
	if binErr != nil {
		t.Fatalf("building podinit: %v\n%s", binErr, binOut)
	}
	return filepath.Join(binDir, "podinit")
}

func TestMain(m *testing.M) {
	flag.Parse()
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// projects lists the corpus' projects: the folders that hold a
// compose.yaml.
func projects(t *testing.T) []string {
	t.Helper()
	entries, err := os.ReadDir(".")
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		if _, err := os.Stat(filepath.Join(e.Name(), "compose.yaml")); e.IsDir() && err == nil {
			names = append(names, e.Name())
		}
	}
	require.GreaterOrEqual(t, len(names), 12, "the corpus holds at least 12 projects")
	return names
}

// dotenv reads a project's .env (KEY=VALUE lines, # comments, values
// optionally in double quotes), which docker compose reads by itself. podinit
// and docker stack deploy read none: the README tells users to export it
// (`set -a; . ./.env; set +a`), and the tests do the same.
func dotenv(t *testing.T, dir string) []string {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, ".env"))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	require.NoError(t, err)
	defer f.Close()
	var env []string
	s := bufio.NewScanner(f)
	for s.Scan() {
		line := strings.TrimSpace(s.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		require.True(t, ok, "%s/.env: %q is not KEY=VALUE", dir, line)
		if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
			v = v[1 : len(v)-1]
		}
		env = append(env, k+"="+v)
	}
	require.NoError(t, s.Err())
	return env
}

// userEnv is the environment podinit runs in for the goldens: only PATH,
// HOME and the project's .env, so that what the developer's shell holds
// (DOCKER_HOST, COMPOSE_PROFILES, TAG, ...) cannot change them.
func userEnv(t *testing.T, dir string) []string {
	return append([]string{"PATH=" + binDir + ":" + os.Getenv("PATH"), "HOME=/home/user"}, dotenv(t, dir)...)
}

// run runs podinit in the project's folder and returns its transcript:
// the command, its exit code, its standard output and standard error, with
// the project's absolute path written as $PROJECT (template -pod makes
// relative paths absolute) so that the goldens hold wherever the checkout
// is.
func run(t *testing.T, dir string, args ...string) (transcript string, stdout []byte, code int) {
	t.Helper()
	cmd := exec.Command(podinit(t), args...)
	cmd.Dir = dir
	cmd.Env = userEnv(t, dir)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else {
		require.NoError(t, err)
	}
	abs, err := filepath.Abs(dir)
	require.NoError(t, err)
	clean := func(b []byte) string { return strings.ReplaceAll(string(b), abs, "$PROJECT") }
	transcript = fmt.Sprintf("$ podinit %s\nexit status %d\n--- stdout\n%s--- stderr\n%s", strings.Join(args, " "), code, clean(out.Bytes()), clean(errb.Bytes()))
	return transcript, out.Bytes(), code
}

// golden compares got with the project's golden file, or rewrites it with
// -update.
func golden(t *testing.T, dir, name, got string) {
	t.Helper()
	path := filepath.Join(dir, name)
	if *update {
		require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "no golden file: go test ./corpus -update writes it")
	require.Equal(t, string(want), got, "%s differs from what podinit prints now (go test ./corpus -update rewrites it; check the difference first)", path)
}

// TestValidate: `podinit validate -file compose.yaml` in each project's
// folder gives the verdict and the warnings of its validate.golden.
func TestValidate(t *testing.T) {
	for _, p := range projects(t) {
		t.Run(p, func(t *testing.T) {
			t.Parallel()
			got, _, _ := run(t, p, "validate", "-file", "compose.yaml")
			golden(t, p, "validate.golden", got)
		})
	}
}

// TestTemplate: `podinit template -pod <project> compose.yaml` renders the
// stack of its template.golden, and docker stack config accepts that stack.
func TestTemplate(t *testing.T) {
	for _, p := range projects(t) {
		t.Run(p, func(t *testing.T) {
			t.Parallel()
			got, stack, code := run(t, p, "template", "-pod", p, "compose.yaml")
			golden(t, p, "template.golden", got)
			if code == 0 {
				stackConfig(t, p, stack)
			}
		})
	}
}

var (
	stackConfigOnce sync.Once
	stackConfigErr  string
)

// stackConfig checks that `docker stack config`, the docker CLI's own
// reading of a stack file (client side: no engine is asked), accepts the
// rendered stack, with the project's .env exported as the README says.
func stackConfig(t *testing.T, dir string, stack []byte) {
	t.Helper()
	stackConfigOnce.Do(func() {
		if _, err := exec.LookPath("docker"); err != nil {
			stackConfigErr = "no docker CLI on PATH"
			return
		}
		// A CLI without the command (20.10's) prints docker stack's usage
		// for it, and exits 0.
		out, err := exec.Command("docker", "stack", "config", "--help").CombinedOutput()
		if err != nil || !bytes.Contains(out, []byte("docker stack config")) {
			v, _ := exec.Command("docker", "version", "--format", "{{.Client.Version}}").Output()
			stackConfigErr = fmt.Sprintf("this docker CLI (%s) has no `docker stack config`, which came with 23.0", bytes.TrimSpace(v))
		}
	})
	if stackConfigErr != "" {
		testenv.Unavailable(t, "checking the rendered stack with docker stack config: %s", stackConfigErr)
	}
	file := filepath.Join(t.TempDir(), "stack.yml")
	require.NoError(t, os.WriteFile(file, stack, 0o644))
	cmd := exec.Command("docker", "stack", "config", "-c", file)
	cmd.Env = append(os.Environ(), dotenv(t, dir)...)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "docker stack config refuses the rendered stack of %s:\n%s\n--- stack\n%s", dir, out, stack)
}
