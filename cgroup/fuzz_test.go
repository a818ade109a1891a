package cgroup

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/podinit/podinit/internal/fuzzbudget"
)

// The cgroup files a controller reads are the kernel's, but a cgroup mount
// can be anything (a bind mount, a fake tree): whatever they hold, reading
// them gives sane limits or an error naming the cgroup version, within 1s
// and 64 MiB.

func checkLimits(t *testing.T, l Limits, err error, version string) {
	t.Helper()
	if err != nil {
		if !strings.Contains(err.Error(), version) {
			t.Fatalf("error does not say which cgroup files: %v", err)
		}
		return
	}
	if l.Memory < 0 || l.Pids < 0 || l.CPUQuota < 0 || l.CPUPeriod < 0 {
		t.Fatalf("negative limits: %+v", l)
	}
	if (l.CPUQuota > 0) != (l.CPUPeriod > 0) {
		t.Fatalf("a CPU quota without a period, or the reverse: %+v", l)
	}
}

func writeFiles(t *testing.T, root string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func FuzzReadV1(f *testing.F) {
	tree := v1Tree()
	f.Add(tree["memory/memory.limit_in_bytes"], tree["memory/memory.stat"], tree["cpu/cpu.cfs_quota_us"], tree["cpu/cpu.cfs_period_us"], tree["pids/pids.max"])
	f.Add("9223372036854771712\n", "hierarchical_memory_limit 1\n", "-1\n", "0\n", "max\n")
	root := f.TempDir() // rewritten by every input
	f.Fuzz(func(t *testing.T, limit, stat, quota, period, pids string) {
		files := v1Tree()
		files["memory/memory.limit_in_bytes"] = limit
		files["memory/memory.stat"] = stat
		files["cpu/cpu.cfs_quota_us"] = quota
		files["cpu/cpu.cfs_period_us"] = period
		files["pids/pids.max"] = pids
		writeFiles(t, root, files)
		var l Limits
		var err error
		fuzzbudget.Check(t, time.Second, 64<<20, func() { l, err = ReadV1(root) })
		checkLimits(t, l, err, "cgroup v1")
	})
}

func FuzzReadV2(f *testing.F) {
	g := v2Group()
	f.Add(g["memory.max"], g["cpu.max"], g["pids.max"], g["memory.stat"], "0::/\n")
	f.Add("max\n", "max 100000\n", "max\n", "", "0::/system.slice/docker-0000.scope\n")
	mnt, procDir := f.TempDir(), f.TempDir() // rewritten by every input
	f.Fuzz(func(t *testing.T, memMax, cpuMax, pidsMax, memStat, procCgroup string) {
		files := v2Group()
		files["memory.max"] = memMax
		files["cpu.max"] = cpuMax
		files["pids.max"] = pidsMax
		files["memory.stat"] = memStat
		writeFiles(t, mnt, files)
		procFile := filepath.Join(procDir, "cgroup")
		writeFiles(t, procDir, map[string]string{"cgroup": procCgroup})
		var l Limits
		var err error
		fuzzbudget.Check(t, time.Second, 64<<20, func() {
			group := ownV2Group(procFile, mnt)
			if !strings.HasPrefix(group, "/") {
				t.Fatalf("group %q is not a path", group)
			}
			l, err = ReadV2(mnt, group)
		})
		checkLimits(t, l, err, "cgroup v2")
	})
}
