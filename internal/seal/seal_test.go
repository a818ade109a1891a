package seal

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// build builds testdata/dumpable, static, with the given linker flags.
func build(t *testing.T, ldflags string) string {
	bin := filepath.Join(t.TempDir(), "dumpable")
	cmd := exec.Command("go", "build", "-ldflags", ldflags, "-o", bin, "./testdata/dumpable")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "go build: %s", out)
	return bin
}

func TestEntrySealsBeforeTheRuntimeStarts(t *testing.T) {
	if runtime.GOARCH != "amd64" && runtime.GOARCH != "arm64" {
		t.Skipf("no Entry on %s", runtime.GOARCH)
	}
	for _, tc := range []struct {
		ldflags, want string
	}{
		{"", "true"},
		{"-E " + "github.com/podinit/podinit/internal/seal.Entry", "false"},
	} {
		cmd := exec.Command(build(t, tc.ldflags), "a", "b c")
		cmd.Env = append(os.Environ(), "SEAL_TEST=env-ok")
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, string(out))
		// Arguments and environment reach the runtime intact.
		require.Equal(t, tc.want+" 3 b c env-ok", strings.TrimSpace(string(out)), "ldflags %q", tc.ldflags)
	}
}

func TestNowSeals(t *testing.T) {
	// The test binary is a process of its own: seal it and look.
	require.NoError(t, Now())
	d, err := Dumpable()
	require.NoError(t, err)
	require.False(t, d)
}
