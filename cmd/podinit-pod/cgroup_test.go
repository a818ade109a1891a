package main

import (
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/podinit/podinit/cgroup"
	"github.com/podinit/podinit/internal/testenv"
)

// TestCgroupPlacement checks, on the engine that answers, where a
// component's cgroup goes and which limits bind it. On cgroup v1 with the
// cgroupfs driver it nests under the controller's cgroup, wherever the
// engine put that (a daemon-level --cgroup-parent included), so the pod's
// memory limit binds it as an ancestor's; anywhere else (cgroup v2, the
// systemd driver) it is not nested and gets the pod's limits itself. Either
// way podinit logs which, and the pod's end leaves no cgroup behind.
//
// When the engine runs with --cgroup-parent, PODINIT_TEST_DAEMON_CGROUP_PARENT
// names it, so that the test proves it ran in that set-up.
func TestCgroupPlacement(t *testing.T) {
	t.Parallel()
	p := runPod(t, map[string]string{
		"pod.component.app": "image: " + bbox + "\ncommand: sleep 3600",
	}, []string{"--memory", "64m", "--pids-limit", "100"})
	p.running("app")

	version, driver, _ := strings.Cut(testenv.MustDocker(t, "info", "--format", "{{.CgroupVersion}} {{.CgroupDriver}}"), " ")
	if version == "" {
		version = "1" // engines before API 1.40 did not say
	}
	ctrlID := testenv.MustDocker(t, "inspect", "-f", "{{.Id}}", p.name)
	appID := testenv.MustDocker(t, "inspect", "-f", "{{.Id}}", p.name+".app")
	ctrlCgroup := cgroupOf(t, p.name)
	appCgroup := cgroupOf(t, p.name+".app")
	t.Logf("cgroup v%s, %s driver: controller in %s, app in %s", version, driver, ctrlCgroup, appCgroup)
	if want := os.Getenv("PODINIT_TEST_DAEMON_CGROUP_PARENT"); want != "" {
		// A relative parent is under the engine's own cgroup.
		require.True(t, strings.HasSuffix(path.Dir(ctrlCgroup), "/"+strings.Trim(want, "/")),
			"the engine runs with --cgroup-parent %s, but the controller is in %s", want, ctrlCgroup)
	}
	logs := p.logs()

	var dirs []string // the pod's cgroup directories, and where a wrong parent would have put one
	if version == "1" && driver == "cgroupfs" {
		require.Equal(t, ctrlCgroup+"/"+appID, appCgroup, "the component nests under the controller's cgroup")
		require.Contains(t, logs, "components nest under the controller's cgroup "+ctrlCgroup)
		// The controller's memory limit binds the component as an ancestor's.
		stat, err := os.ReadFile(filepath.Join("/sys/fs/cgroup/memory", appCgroup, "memory.stat"))
		require.NoError(t, err)
		require.Contains(t, string(stat), "\nhierarchical_memory_limit "+strconv.Itoa(64<<20)+"\n")
		dirs = []string{
			filepath.Join("/sys/fs/cgroup/memory", ctrlCgroup),
			filepath.Join("/sys/fs/cgroup/memory/docker", ctrlID),
		}
	} else {
		require.False(t, strings.HasPrefix(appCgroup, ctrlCgroup+"/"), "the component is nested in %s, but the engine cannot nest it", appCgroup)
		require.Contains(t, logs, "components are not nested and get the pod's limits instead")
		require.Contains(t, logs, "app inherits the pod's")
		require.Equal(t, strconv.Itoa(64<<20)+" 100", testenv.MustDocker(t, "inspect", "-f", "{{.HostConfig.Memory}} {{.HostConfig.PidsLimit}}", p.name+".app"))
		if version == "2" {
			dirs = []string{filepath.Join("/sys/fs/cgroup", ctrlCgroup)}
		}
	}

	testenv.MustDocker(t, "rm", "-f", p.name)
	p.noneLeft()
	testenv.WaitFor(t, 20*time.Second, func() bool {
		for _, d := range dirs {
			if _, err := os.Stat(d); err == nil {
				return false
			}
		}
		return true
	}, "none of the pod's cgroups %v left", dirs)
}

// cgroupOf is a running container's cgroup as the host's kernel reports it.
func cgroupOf(t *testing.T, container string) string {
	t.Helper()
	pid := testenv.MustDocker(t, "inspect", "-f", "{{.State.Pid}}", container)
	f, err := os.Open(filepath.Join("/proc", pid, "cgroup"))
	require.NoError(t, err)
	defer f.Close()
	path := cgroup.OwnPath(f)
	require.NotEmpty(t, path, "no cgroup path in /proc/%s/cgroup", pid)
	return path
}
