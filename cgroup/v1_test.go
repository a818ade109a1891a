package cgroup

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// writeTree writes files (path relative to root → content) under root.
func writeTree(t *testing.T, root string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(root, name)
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
	}
}

// v1Tree is what Docker mounts at /sys/fs/cgroup in a v1 container started
// with --memory 256m --cpus 1.5 --pids-limit 100 (values as read on this
// project's engine); tests override single files.
func v1Tree() map[string]string {
	return map[string]string{
		"memory/memory.limit_in_bytes":     "268435456\n",
		"memory/memory.usage_in_bytes":     "1130496\n",
		"memory/memory.max_usage_in_bytes": "2301952\n",
		"memory/memory.failcnt":            "0\n",
		"memory/memory.stat":               "cache 0\nrss 155648\nhierarchical_memory_limit 268435456\nhierarchical_memsw_limit 536870912\ntotal_rss 155648\n",
		"memory/memory.oom_control":        "oom_kill_disable 0\nunder_oom 0\noom_kill 0\n",
		"cpu/cpu.cfs_quota_us":             "150000\n",
		"cpu/cpu.cfs_period_us":            "100000\n",
		"cpu/cpu.shares":                   "1024\n",
		"cpu/cpu.stat":                     "nr_periods 0\nnr_throttled 0\nthrottled_time 0\n",
		"pids/pids.max":                    "100\n",
		"pids/pids.current":                "1\n",
	}
}

func TestReadV1(t *testing.T) {
	const unlimited = "9223372036854771712\n"
	for _, tc := range []struct {
		name   string
		change map[string]string // files to overwrite; "" removes the file
		want   Limits
	}{
		{"all limited", nil, Limits{Version: 1, Memory: 256 << 20, CPUQuota: 150000, CPUPeriod: 100000, Pids: 100}},
		{"no limits", map[string]string{
			"memory/memory.limit_in_bytes": unlimited,
			"memory/memory.stat":           "cache 0\nhierarchical_memory_limit " + unlimited,
			"cpu/cpu.cfs_quota_us":         "-1\n",
			"pids/pids.max":                "max\n",
		}, Limits{Version: 1}},
		// An ancestor (e.g. a --cgroup-parent with a limit) binds tighter.
		{"ancestor's memory limit is lower", map[string]string{
			"memory/memory.stat": "cache 0\nhierarchical_memory_limit 134217728\n",
		}, Limits{Version: 1, Memory: 128 << 20, CPUQuota: 150000, CPUPeriod: 100000, Pids: 100}},
		{"only an ancestor limits memory", map[string]string{
			"memory/memory.limit_in_bytes": unlimited,
			"memory/memory.stat":           "cache 0\nhierarchical_memory_limit 134217728\n",
		}, Limits{Version: 1, Memory: 128 << 20, CPUQuota: 150000, CPUPeriod: 100000, Pids: 100}},
		// Kernels without swap accounting have no memsw files; this tree
		// never had them, and a kernel without CFS bandwidth has no quota file.
		{"no CFS bandwidth control", map[string]string{
			"cpu/cpu.cfs_quota_us": "", "cpu/cpu.cfs_period_us": "",
		}, Limits{Version: 1, Memory: 256 << 20, Pids: 100}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			writeTree(t, root, v1Tree())
			for name, content := range tc.change {
				if content == "" {
					require.NoError(t, os.Remove(filepath.Join(root, name)))
					continue
				}
				writeTree(t, root, map[string]string{name: content})
			}
			got, err := ReadV1(root)
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestReadV1MissingControllers(t *testing.T) {
	t.Run("pids not mounted: no pids limit", func(t *testing.T) {
		root := t.TempDir()
		tree := v1Tree()
		delete(tree, "pids/pids.max")
		delete(tree, "pids/pids.current")
		writeTree(t, root, tree)
		got, err := ReadV1(root)
		require.NoError(t, err)
		assert.Equal(t, Limits{Version: 1, Memory: 256 << 20, CPUQuota: 150000, CPUPeriod: 100000}, got)
	})
	t.Run("nothing mounted", func(t *testing.T) {
		root := t.TempDir()
		_, err := ReadV1(root)
		require.Error(t, err)
		assert.Contains(t, err.Error(), root)
	})
	t.Run("garbage quota", func(t *testing.T) {
		root := t.TempDir()
		writeTree(t, root, v1Tree())
		writeTree(t, root, map[string]string{"cpu/cpu.cfs_quota_us": "lots\n"})
		_, err := ReadV1(root)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "cpu.cfs_quota_us")
	})
}

// TestReadV1ZeroPeriod is a fuzzing finding (testdata/fuzz/FuzzReadV1): a
// quota with a period of 0 was read as a CPU limit without a period.
func TestReadV1ZeroPeriod(t *testing.T) {
	root := t.TempDir()
	tree := v1Tree()
	tree["cpu/cpu.cfs_period_us"] = "0\n"
	writeTree(t, root, tree)
	_, err := ReadV1(root)
	require.ErrorContains(t, err, "cpu.cfs_period_us holds 0: want a positive period")
}
