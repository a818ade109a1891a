package selfid

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/podinit/podinit/internal/testenv"
)

const (
	idV1cgroupfs   = "b11a1d6ad4cdaa817d23ef24b42557599dc83d9eb326ff2c1f3f71d00136c54d"
	idV1systemd    = "3f9c2e8d1b7a4c6e5f0d9b8a7c6e5d4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d"
	idV2private    = "8e2b7c1d4f6a9e3b5c7d1f2a4b6c8d0e9f1a3b5c7d9e1f2a4b6c8d0e2f4a6b8c"
	idV2hostSystem = "c5d81f0a2b3e4f5061728394a5b6c7d8e9f0a1b2c3d4e5f60718293a4b5c6d7e"
	idDataRoot     = "0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9"
	idDataRootFS   = "d41d8cd98f00b204e9800998ecf8427ed41d8cd98f00b204e9800998ecf8427e"
)

// TestCandidatesFixtures reads mountinfo and cgroup files as a container sees
// them on each kind of host (v1-cgroupfs was captured on this project's
// engine; the others follow real hosts of that kind).
func TestCandidatesFixtures(t *testing.T) {
	for _, tc := range []struct {
		dir, hostname string
		want          []string
	}{
		// The short-ID hostname is a prefix of the full ID: not repeated.
		{"v1-cgroupfs", "b11a1d6ad4cd", []string{idV1cgroupfs}},
		{"v1-systemd", "3f9c2e8d1b7a", []string{idV1systemd}},
		// 0::/ gives nothing; mountinfo alone finds it.
		{"v2-private", "8e2b7c1d4f6a", []string{idV2private}},
		// A Swarm hostname template ("{{.Service.Name}}.{{.Task.Slot}}") is no ID.
		{"v2-host-systemd", "web.1", []string{idV2hostSystem}},
		{"data-root-path", "0a1b2c3d4e5f", []string{idDataRoot}},
		{"data-root-own-fs", "d41d8cd98f00", []string{idDataRootFS}},
	} {
		t.Run(tc.dir, func(t *testing.T) {
			mi, err := os.ReadFile(filepath.Join("testdata", tc.dir, "mountinfo"))
			require.NoError(t, err)
			cg, err := os.ReadFile(filepath.Join("testdata", tc.dir, "cgroup"))
			require.NoError(t, err)
			got := Candidates(bytes.NewReader(mi), bytes.NewReader(cg), tc.hostname)
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestCandidatesOrderAndSources(t *testing.T) {
	const (
		a = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		b = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
	)
	mount := func(id, file string) string {
		return "93 75 254:0 /var/lib/docker/containers/" + id + "/" + file + " /etc/" + file + " rw,relatime - ext4 /dev/vda rw\n"
	}
	for _, tc := range []struct {
		name      string
		mountinfo string
		cgroup    string
		hostname  string
		want      []string
	}{
		{"nothing", "", "", "", nil},
		{"hostname only", "", "0::/\n", "0123456789ab", []string{"0123456789ab"}},
		{"hostname that is not hex", "", "0::/\n", "web-1", nil},
		{"hostname too short to be an ID", "", "", "abc123", nil},
		{"cgroup v1 then an unrelated hostname", "", "4:memory:/docker/" + a + "\n", "0123456789ab", []string{a, "0123456789ab"}},
		// Under `--network container:<b>` the /etc files are b's while the
		// cgroup is our own: both are offered, mountinfo first.
		{"mountinfo before cgroup", mount(b, "hostname"), "4:memory:/docker/" + a + "\n", "", []string{b, a}},
		{"hostname file before resolv.conf", mount(a, "resolv.conf") + mount(b, "hostname"), "", "", []string{b, a}},
		{"docker in docker: innermost", "", "4:memory:/docker/" + a + "/docker/" + b + "\n", "", []string{b}},
		{"systemd scope", "", "0::/system.slice/docker-" + a + ".scope\n", "", []string{a}},
		{"systemd scope under a custom slice", "", "1:name=systemd:/pods.slice/docker-" + b + ".scope\n", "", []string{b}},
		{"other files in the container dir are not ID sources", "93 75 254:0 /var/lib/docker/containers/" + a + "/mounts/secrets /run/secrets rw - ext4 /dev/vda rw\n", "", "", nil},
		{"a mounted containers dir is no ID", "624 612 8:1 /var/lib/docker/containers /var/lib/docker/containers ro,relatime - ext4 /dev/sda1 rw\n", "", "", nil},
		{"upper-case hex is not Docker's", "", "4:memory:/docker/" + strings.ToUpper(a) + "\n", "", nil},
		{"garbage lines are skipped", "short line\n\n" + mount(a, "hosts"), "nonsense\n::\n", "", []string{a}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Candidates(strings.NewReader(tc.mountinfo), strings.NewReader(tc.cgroup), tc.hostname)
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestCandidatesNilReaders(t *testing.T) {
	assert.Equal(t, []string{"0123456789ab"}, Candidates(nil, nil, "0123456789ab"))
}

// TestFindInThisProcess: outside a container Find must not invent an ID;
// inside one (CI may run in a container) its first candidate is 64 hex.
func TestFindInThisProcess(t *testing.T) {
	for _, id := range Find() {
		assert.Regexp(t, `^[0-9a-f]{12,64}$`, id)
	}
}

// TestCandidatesInRealContainers runs containers on the engine, with the
// cgroup namespace private (v2's default) and host (v1's default), and checks
// that the container's own ID comes first.
func TestCandidatesInRealContainers(t *testing.T) {
	testenv.RequireRoot(t)
	const image = "podinit-test/busybox:latest"
	testenv.RequireImage(t, image)
	const sep = "@@podinit-selfid@@"
	script := "cat /proc/self/mountinfo; echo " + sep + "; cat /proc/self/cgroup; echo " + sep + "; echo $HOSTNAME"

	for _, ns := range []string{"private", "host"} {
		t.Run("cgroupns="+ns, func(t *testing.T) {
			// Only against a hang: in the emulated cgroup v2 VM
			// (scripts/v2lab.sh) a docker run alone can take a minute.
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			defer cancel()
			name := "podinit-test-selfid-" + ns + "-" + time.Now().Format("150405.000000000")
			out, err := exec.CommandContext(ctx, "docker", "create", "--name", name, "--cgroupns", ns, image, "sh", "-c", script).CombinedOutput()
			require.NoError(t, err, "docker create: %s", out)
			t.Cleanup(func() { _ = exec.Command("docker", "rm", "-f", name).Run() })

			out, err = exec.CommandContext(ctx, "docker", "start", "-a", name).Output()
			require.NoError(t, err, "docker start: %s", out)
			parts := strings.Split(string(out), sep+"\n")
			require.Len(t, parts, 3, "container output:\n%s", out)

			inspected, err := exec.CommandContext(ctx, "docker", "inspect", "--format", "{{.Id}}", name).Output()
			require.NoError(t, err)
			want := strings.TrimSpace(string(inspected))

			got := Candidates(strings.NewReader(parts[0]), strings.NewReader(parts[1]), strings.TrimSpace(parts[2]))
			require.NotEmpty(t, got, "no candidate from:\n%s", out)
			assert.Equal(t, want, got[0], "candidates %v", got)
			// Every candidate names this container: nothing else to confuse.
			for _, id := range got {
				assert.True(t, strings.HasPrefix(want, id), "candidate %s is not %s", id, want)
			}
		})
	}
}
