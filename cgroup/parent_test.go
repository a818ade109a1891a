package cgroup

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParent(t *testing.T) {
	const id = "b11a1d6ad4cdaa817d23ef24b42557599dc83d9eb326ff2c1f3f71d00136c54d"
	for _, tc := range []struct {
		name, driver, version, own, ctrlParent, id string
		parent                                     string
		nested                                     bool
		why                                        string // a word the reason must contain
	}{
		{"v1 cgroupfs, as the kernel reports it", "cgroupfs", "1", "/docker/" + id, "", id, "/docker/" + id, true, "count against"},
		// An engine started with --cgroup-parent lab-n1 puts the controller
		// in /lab-n1/<id>; neither its HostConfig nor the engine's info says so.
		{"v1 cgroupfs, daemon-level cgroup parent", "cgroupfs", "1", "/lab-n1/" + id, "", id, "/lab-n1/" + id, true, "/lab-n1/" + id},
		{"v1 cgroupfs, controller's own parent", "cgroupfs", "1", "/pods/" + id, "/pods/", id, "/pods/" + id, true, "/pods/" + id},
		{"v1 cgroupfs, hidden: default parent", "cgroupfs", "1", "", "", id, "/docker/" + id, true, "--cgroupns host"},
		{"v1 cgroupfs, hidden: controller's own parent", "cgroupfs", "1", "", "/pods/", id, "/pods/" + id, true, "/pods/" + id},
		{"v1 cgroupfs, hidden: relative parent", "cgroupfs", "1", "", "pods", id, "pods/" + id, true, "pods/" + id},
		{"old engine without a version", "cgroupfs", "", "/docker/" + id, "", id, "/docker/" + id, true, "v1"},
		{"v1 systemd", "systemd", "1", "/system.slice/docker-" + id + ".scope", "system.slice", id, "", false, "*.slice"},
		{"v2 systemd", "systemd", "2", "", "", id, "", false, "*.slice"},
		{"v2 cgroupfs", "cgroupfs", "2", "/docker/" + id, "", id, "", false, "no-internal-processes"},
		{"no cgroups", "none", "1", "", "", id, "", false, "none"},
		{"unknown controller ID", "cgroupfs", "1", "/docker/x", "", "", "", false, "ID"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			parent, nested, why := Parent(tc.driver, tc.version, tc.own, tc.ctrlParent, tc.id)
			assert.Equal(t, tc.parent, parent)
			assert.Equal(t, tc.nested, nested)
			assert.Contains(t, why, tc.why)
			assert.NotContains(t, why, "\n")
			if !nested {
				assert.Contains(t, why, "pod's limits instead")
			}
		})
	}
}

func TestOwnPath(t *testing.T) {
	const id = "b11a1d6ad4cdaa817d23ef24b42557599dc83d9eb326ff2c1f3f71d00136c54d"
	for _, tc := range []struct{ name, file, want string }{
		{"v1, host cgroupns", "9:name=systemd:/docker/" + id + "\n4:memory:/lab-n1/" + id + "\n1:cpu,cpuacct:/lab-n1/" + id + "\n", "/lab-n1/" + id},
		{"hybrid: the v1 memory line, not systemd's v2 one", "4:memory:/docker/" + id + "\n0::/init.scope\n", "/docker/" + id},
		{"hybrid, private cgroupns", "4:memory:/\n0::/\n", ""},
		{"v2, host cgroupns", "0::/system.slice/docker-" + id + ".scope\n", "/system.slice/docker-" + id + ".scope"},
		{"v2, private cgroupns", "0::/\n", ""},
		{"v1 without memory", "8:pids:/docker/" + id + "\n", ""},
		{"empty", "", ""},
		{"garbage", "not a cgroup file\n", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, OwnPath(strings.NewReader(tc.file)))
		})
	}
}

// TestOwnInThisProcess reads the test's own /proc/self/cgroup, the file
// podinit reads.
func TestOwnInThisProcess(t *testing.T) {
	data, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		t.Skipf("no /proc/self/cgroup: %v", err)
	}
	own := Own()
	require.Equal(t, OwnPath(strings.NewReader(string(data))), own)
	if own != "" {
		assert.True(t, strings.HasPrefix(own, "/"), "%q is not a path", own)
		assert.Contains(t, string(data), ":"+own+"\n")
	}
}
