package template

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	yaml "go.yaml.in/yaml/v4"

	"github.com/podinit/podinit/labels"
)

// TestGolden renders every testdata/*.yml and compares it with its
// .golden.yml (go test -update rewrites them). Each controller's labels must
// also be a pod podinit's labels package accepts, and rendering twice must
// give the same bytes.
func TestGolden(t *testing.T) {
	inputs, err := filepath.Glob("testdata/*.yml")
	require.NoError(t, err)
	n := 0
	for _, in := range inputs {
		if strings.HasSuffix(in, ".golden.yml") {
			continue
		}
		n++
		t.Run(filepath.Base(in), func(t *testing.T) {
			wd, err := filepath.Abs("testdata")
			require.NoError(t, err)
			opts := Options{WorkDir: wd, Project: "golden"}
			out, err := Render(context.Background(), []string{filepath.Base(in)}, opts)
			require.NoError(t, err)
			again, err := Render(context.Background(), []string{filepath.Base(in)}, opts)
			require.NoError(t, err)
			require.Equal(t, string(out), string(again), "rendering is not deterministic")
			// Absolute paths in the output depend on the checkout's location.
			got := strings.ReplaceAll(string(out), wd, "/TESTDATA")
			golden := strings.TrimSuffix(in, ".yml") + ".golden.yml"
			if *update {
				require.NoError(t, os.WriteFile(golden, []byte(got), 0o644))
			}
			want, err := os.ReadFile(golden)
			require.NoError(t, err, "no golden file: run go test ./template -run TestGolden -update")
			require.Equal(t, string(want), got)
			checkPods(t, out)
		})
	}
	require.NotZero(t, n)
}

// checkPods reads each controller's labels the way the controller will.
func checkPods(t *testing.T, out []byte) {
	var doc struct {
		Services map[string]struct {
			Labels map[string]string `yaml:"labels"`
		} `yaml:"services"`
	}
	require.NoError(t, yaml.Unmarshal(out, &doc))
	for name, svc := range doc.Services {
		pod := map[string]string{}
		for k, v := range svc.Labels {
			if strings.HasPrefix(k, "pod.") {
				// docker stack deploy interpolates labels once: $$ becomes $.
				pod[k] = strings.ReplaceAll(v, "$$", "$")
			}
		}
		if len(pod) == 0 {
			continue
		}
		_, err := labels.FromLabels(pod, []string{"TAG=1"})
		require.NoError(t, err, "service %s: the pod's labels do not read", name)
	}
}
