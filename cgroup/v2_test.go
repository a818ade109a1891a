package cgroup

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// v2Group is a cgroup v2 directory as the kernel shows it, for a container
// run with --memory 256m --cpus 1.5 --pids-limit 100.
func v2Group() map[string]string {
	return map[string]string{
		"cgroup.controllers":     "cpuset cpu io memory hugetlb pids rdma misc\n",
		"cgroup.subtree_control": "\n",
		"cgroup.procs":           "1\n",
		"cgroup.type":            "domain\n",
		"memory.max":             "268435456\n",
		"memory.current":         "1400832\n",
		"memory.stat":            "anon 155648\nfile 0\nkernel_stack 16384\n",
		"memory.swap.max":        "268435456\n",
		"cpu.max":                "150000 100000\n",
		"cpu.weight":             "100\n",
		"cpu.stat":               "usage_usec 1000\nuser_usec 500\nsystem_usec 500\n",
		"pids.max":               "100\n",
		"pids.current":           "1\n",
	}
}

func under(dir string, files map[string]string) map[string]string {
	out := make(map[string]string, len(files))
	for k, v := range files {
		out[filepath.Join(dir, k)] = v
	}
	return out
}

// TestReadV2PrivateNamespace: with Docker's default private cgroup namespace
// the mount's root is the container's cgroup.
func TestReadV2PrivateNamespace(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change map[string]string
		want   Limits
	}{
		{"all limited", nil, Limits{Version: 2, Memory: 256 << 20, CPUQuota: 150000, CPUPeriod: 100000, Pids: 100}},
		{"no limits", map[string]string{"memory.max": "max\n", "cpu.max": "max 100000\n", "pids.max": "max\n"}, Limits{Version: 2}},
		{"other period", map[string]string{"cpu.max": "50000 200000\n"}, Limits{Version: 2, Memory: 256 << 20, CPUQuota: 50000, CPUPeriod: 200000, Pids: 100}},
		// Controllers not enabled for the group: their files are missing.
		{"cpu and pids controllers off", map[string]string{"cpu.max": "", "pids.max": "", "pids.current": ""}, Limits{Version: 2, Memory: 256 << 20}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mnt := t.TempDir()
			writeTree(t, mnt, v2Group())
			for name, content := range tc.change {
				if content == "" {
					require.NoError(t, os.Remove(filepath.Join(mnt, name)))
					continue
				}
				writeTree(t, mnt, map[string]string{name: content})
			}
			got, err := ReadV2(mnt, "/")
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}

// TestReadV2HostNamespace: with --cgroupns host on a systemd host the whole
// hierarchy may be visible; the container's group and every ancestor bind.
func TestReadV2HostNamespace(t *testing.T) {
	mnt := t.TempDir()
	const scope = "system.slice/docker-c5d81f0a2b3e4f5061728394a5b6c7d8e9f0a1b2c3d4e5f60718293a4b5c6d7e.scope"
	own := v2Group()
	own["memory.max"] = "max\n"
	own["cpu.max"] = "200000 100000\n"
	writeTree(t, mnt, under(scope, own))
	// system.slice caps memory at 128MiB and CPU at 1 core; the root has no
	// limit files at all, as on a real host.
	slice := v2Group()
	slice["memory.max"] = "134217728\n"
	slice["cpu.max"] = "100000 100000\n"
	slice["pids.max"] = "max\n"
	writeTree(t, mnt, under("system.slice", slice))
	writeTree(t, mnt, map[string]string{"cgroup.controllers": "cpuset cpu io memory pids\n", "cgroup.procs": "1\n"})

	got, err := ReadV2(mnt, "/"+scope)
	require.NoError(t, err)
	assert.Equal(t, Limits{Version: 2, Memory: 128 << 20, CPUQuota: 100000, CPUPeriod: 100000, Pids: 100}, got)

	t.Run("own group found from /proc/self/cgroup", func(t *testing.T) {
		procCgroup := filepath.Join(t.TempDir(), "cgroup")
		require.NoError(t, os.WriteFile(procCgroup, []byte("0::/"+scope+"\n"), 0o644))
		assert.Equal(t, "/"+scope, ownV2Group(procCgroup, mnt))
	})
	t.Run("group not under the mount falls back to its root", func(t *testing.T) {
		procCgroup := filepath.Join(t.TempDir(), "cgroup")
		require.NoError(t, os.WriteFile(procCgroup, []byte("0::/system.slice/docker-0000.scope\n"), 0o644))
		assert.Equal(t, "/", ownV2Group(procCgroup, mnt))
	})
	t.Run("private namespace", func(t *testing.T) {
		procCgroup := filepath.Join(t.TempDir(), "cgroup")
		require.NoError(t, os.WriteFile(procCgroup, []byte("0::/\n"), 0o644))
		assert.Equal(t, "/", ownV2Group(procCgroup, mnt))
	})
}

func TestReadV2BadCPUMax(t *testing.T) {
	for _, content := range []string{"150000\n", "lots 100000\n", "0 100000\n", "150000 0\n"} {
		mnt := t.TempDir()
		writeTree(t, mnt, v2Group())
		writeTree(t, mnt, map[string]string{"cpu.max": content})
		_, err := ReadV2(mnt, "/")
		require.Error(t, err, "cpu.max %q", content)
		assert.Contains(t, err.Error(), filepath.Join(mnt, "cpu.max"))
	}
}

// TestOwnV2GroupIsAlwaysAPath is a fuzzing finding
// (testdata/fuzz/FuzzReadV2): a "0::." line gave the group ".".
func TestOwnV2GroupIsAlwaysAPath(t *testing.T) {
	mnt := t.TempDir()
	writeTree(t, mnt, map[string]string{"cgroup.procs": "1\n", "a/cgroup.procs": "1\n"})
	for content, want := range map[string]string{"0::.\n": "/", "0::a\n": "/", "0::/a/\n": "/a", "0::/../a\n": "/", "0::/a/../a\n": "/a"} {
		f := filepath.Join(t.TempDir(), "cgroup")
		require.NoError(t, os.WriteFile(f, []byte(content), 0o644))
		assert.Equal(t, want, ownV2Group(f, mnt), content)
	}
}
