package cgroup

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/podinit/podinit/internal/testenv"
)

// TestReadInContainers runs a static build of testdata/readlimits inside
// containers on the engine, with and without limits and in both cgroup
// namespaces, and checks that Read sees exactly the limits docker run set.
func TestReadInContainers(t *testing.T) {
	testenv.RequireRoot(t)
	const image = "podinit-test/busybox:latest"
	testenv.RequireImage(t, image)

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "docker", "info", "--format", "{{.CgroupVersion}} {{.CgroupDriver}}").Output()
	require.NoError(t, err)
	versionText, driver, _ := strings.Cut(strings.TrimSpace(string(out)), " ")
	version, err := strconv.Atoi(versionText)
	require.NoError(t, err, "docker info CgroupVersion %q", out)
	// With the systemd driver a container without --pids-limit is a scope
	// under systemd's DefaultTasksMax, a real pids limit that Read reports.
	var defaultPids int64
	if driver == "systemd" {
		out, err := exec.CommandContext(ctx, "systemctl", "show", "--property", "DefaultTasksMax", "--value").Output()
		require.NoError(t, err, "systemctl show DefaultTasksMax")
		if v := strings.TrimSpace(string(out)); v != "infinity" {
			defaultPids, err = strconv.ParseInt(v, 10, 64)
			require.NoError(t, err, "DefaultTasksMax %q", v)
		}
	}

	// Where there is no Go toolchain (the cgroup v2 VM of scripts/v2lab.sh),
	// a static readlimits is built beforehand.
	bin := os.Getenv("PODINIT_TEST_READLIMITS")
	if bin == "" {
		bin = filepath.Join(t.TempDir(), "readlimits")
		build := exec.CommandContext(ctx, "go", "build", "-o", bin, "./testdata/readlimits")
		build.Env = append(build.Environ(), "CGO_ENABLED=0")
		out, err = build.CombinedOutput()
		require.NoError(t, err, "building readlimits: %s", out)
	}

	limited := []string{"--memory", "256m", "--cpus", "1.5", "--pids-limit", "100"}
	for i, tc := range []struct {
		name  string
		flags []string
		want  Limits
	}{
		{"limited, private cgroupns", append([]string{"--cgroupns", "private"}, limited...), Limits{Memory: 256 << 20, CPUQuota: 150000, CPUPeriod: 100000, Pids: 100}},
		{"limited, host cgroupns", append([]string{"--cgroupns", "host"}, limited...), Limits{Memory: 256 << 20, CPUQuota: 150000, CPUPeriod: 100000, Pids: 100}},
		{"cpu quota and period", []string{"--cpu-quota", "50000", "--cpu-period", "200000"}, Limits{CPUQuota: 50000, CPUPeriod: 200000}},
		{"no limits", nil, Limits{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			// Only against a hang: in the emulated cgroup v2 VM
			// (scripts/v2lab.sh) a docker run alone can take a minute.
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			defer cancel()
			name := "podinit-test-cgroup-" + strconv.FormatInt(time.Now().UnixNano(), 36) + "-" + strconv.Itoa(i)
			args := append([]string{"run", "--name", name, "-v", bin + ":/readlimits:ro"}, tc.flags...)
			args = append(args, image, "/readlimits")
			t.Cleanup(func() { _ = exec.Command("docker", "rm", "-f", name).Run() })
			// readlimits prints its JSON on stdout; the CLI's warnings go to
			// stderr (on cgroup v2 with the cgroupfs driver: "Your kernel does
			// not support swap limit capabilities").
			run := exec.CommandContext(ctx, "docker", args...)
			var stderr strings.Builder
			run.Stderr = &stderr
			out, err := run.Output()
			require.NoError(t, err, "docker %s: %s%s", strings.Join(args, " "), out, stderr.String())

			var got Limits
			require.NoError(t, json.Unmarshal(out, &got), "readlimits printed %q", out)
			tc.want.Version = version
			if tc.want.Pids == 0 {
				tc.want.Pids = defaultPids
			}
			assert.Equal(t, tc.want, got)
		})
	}
}
