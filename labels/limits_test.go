package labels

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// within fails the test when f takes longer than d: a read that never ends
// is the bug these tests look for.
func within(t *testing.T, d time.Duration, what string, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() { defer close(done); f() }()
	select {
	case <-done:
	case <-time.After(d):
		t.Fatalf("%s did not end within %s", what, d)
	}
}

func fifo(t *testing.T) string {
	p := filepath.Join(t.TempDir(), "fifo")
	require.NoError(t, syscall.Mkfifo(p, 0o644))
	return p
}

// TestComposeFileMustBeARegularFile: /dev/zero read without end, a FIFO
// blocked the controller forever.
func TestComposeFileMustBeARegularFile(t *testing.T) {
	big := filepath.Join(t.TempDir(), "big.yml")
	require.NoError(t, os.WriteFile(big, []byte("services: {}\n"+strings.Repeat("#\n", MaxComposeFileSize)), 0o644))
	for path, want := range map[string]string{
		"/dev/zero": "/dev/zero: a character device, not a regular file",
		fifo(t):     "fifo: a FIFO, not a regular file",
		t.TempDir(): ": a directory, not a regular file",
		big:         "big.yml: too large: 524301 bytes, more than the 262144 allowed",
	} {
		within(t, 5*time.Second, "reading "+path, func() {
			errs := problems(t, map[string]string{ComposeFile: path})
			require.Len(t, errs, 1)
			require.Equal(t, ComposeFile, errs[0].Source)
			require.Contains(t, errs[0].Msg, want)
		})
	}
}

func TestEnvAndLabelFilesMustBeRegularFiles(t *testing.T) {
	big := filepath.Join(t.TempDir(), "big.env")
	require.NoError(t, os.WriteFile(big, []byte(strings.Repeat("A=1\n", MaxDataFileSize/4+1)), 0o644))
	for _, key := range []string{"env_file", "label_file"} {
		for path, want := range map[string]string{
			"/dev/zero": "/dev/zero: a character device, not a regular file",
			fifo(t):     "fifo: a FIFO, not a regular file",
			big:         "big.env: too large: 1048580 bytes, more than the 1048576 allowed",
		} {
			within(t, 5*time.Second, key+" "+path, func() {
				errs := problems(t, map[string]string{ComponentPrefix + "app": "image: busybox\n" + key + ": " + path})
				e := findErr(t, errs, key)
				require.Equal(t, ComponentPrefix+"app", e.Source)
				require.Contains(t, e.Msg, want)
			})
			// The same from a Compose file.
			f := filepath.Join(t.TempDir(), "pod.yml")
			require.NoError(t, os.WriteFile(f, []byte("services:\n  app:\n    image: busybox\n    "+key+": "+path+"\n"), 0o644))
			within(t, 5*time.Second, key+" "+path+" in a Compose file", func() {
				e := findErr(t, problems(t, map[string]string{ComposeFile: f}), key)
				require.Equal(t, "app", e.Service)
				require.Contains(t, e.Msg, want)
			})
		}
	}
}

func TestLabelsAreBounded(t *testing.T) {
	l := map[string]string{
		ComponentPrefix + "app":  "image: busybox\nentrypoint: [sh, -c, '" + strings.Repeat("x", MaxLabelsSize) + "']",
		ComponentPrefix + "side": "image: busybox",
		"other.label":            strings.Repeat("y", 2*MaxLabelsSize), // not ours: not counted
	}
	errs := problems(t, l)
	require.Len(t, errs, 1)
	require.Equal(t, ComponentPrefix+"app", errs[0].Source)
	require.Contains(t, errs[0].Msg, "more than the 262144 a pod may declare")
}

// TestAliasBombsAreRefused: the YAML library's own alias guard refuses a
// billion laughs in a label or a Compose file, within a few megabytes.
func TestAliasBombsAreRefused(t *testing.T) {
	bomb, err := os.ReadFile(filepath.Join("testdata", "limits", "billion-laughs.yml"))
	require.NoError(t, err)
	f := filepath.Join(t.TempDir(), "pod.yml")
	require.NoError(t, os.WriteFile(f, bomb, 0o644))
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	errs := problems(t, map[string]string{ComposeFile: f})
	require.Contains(t, errs[0].Error(), "excessive aliasing")
	require.Equal(t, "web", errs[0].Service)
	// The same service as a label: anchors inside the label's value.
	label := "x-a: &a [" + strings.Repeat("lol,", 8) + "lol]\nimage: busybox\n"
	prev := "a"
	for _, n := range []string{"b", "c", "d", "e", "f", "g", "h", "i"} {
		label += "x-" + n + ": &" + n + " [" + strings.Repeat("*"+prev+",", 8) + "*" + prev + "]\n"
		prev = n
	}
	errs = problems(t, map[string]string{ComponentPrefix + "app": label})
	require.Equal(t, ComponentPrefix+"app", errs[0].Source)
	require.Contains(t, errs[0].Msg, "excessive aliasing")
	runtime.ReadMemStats(&after)
	require.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(64<<20))
}

// TestRestartWithoutAPolicyIsAnError is a fuzzing finding
// (testdata/fuzz/FuzzSignalAndRestart): ":" and ":5" were read as no
// restart policy at all.
func TestRestartWithoutAPolicyIsAnError(t *testing.T) {
	for _, v := range []string{":", ":5"} {
		e := findErr(t, problems(t, map[string]string{ComponentPrefix + "app": "image: x\nrestart: '" + v + "'"}), "restart")
		require.Contains(t, e.Msg, "is not a restart policy")
	}
}

// TestComposeFileCycleNamesTheFile is a fuzzing finding
// (testdata/fuzz/FuzzComposeFile): a cycle or a repeated name in a Compose
// file was reported as "label <file>: services.b: ...".
func TestComposeFileCycleNamesTheFile(t *testing.T) {
	f := filepath.Join(t.TempDir(), "pod.yml")
	require.NoError(t, os.WriteFile(f, []byte("services:\n  b:\n    image: x\n    depends_on: [b]\n"), 0o644))
	e := findErr(t, problems(t, map[string]string{ComposeFile: f}), "depends_on")
	require.Equal(t, f, e.Source)
	require.Equal(t, "b", e.Service)
	require.Equal(t, f+" (line 4): services.b.depends_on: dependency cycle b -> b: no component in it could ever start; remove one of these depends_on entries", e.Error())
}
