package cgroup

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestOwnParentFromProcSelfCgroup(t *testing.T) {
	const id = "3679c106c50eeaf31cb935ee83b3310c2e29b54430bd7ceec9dd59cdc7f14aba"
	for name, tc := range map[string]struct{ file, want string }{
		"daemon --cgroup-parent": {"12:pids:/podinit-lab-n3/" + id + "\n4:memory:/podinit-lab-n3/" + id + "\n0::/\n", "/podinit-lab-n3"},
		"engine default":         {"4:memory:/docker/" + id + "\n", "/docker"},
		"nested parent":          {"1:name=systemd:/a/b/" + id + "\n", "/a/b"},
		"private cgroupns":       {"4:memory:/\n0::/\n", ""},
		"cgroup v2 only":         {"0::/system.slice/docker-" + id + ".scope\n", ""},
		"another container":      {"4:memory:/docker/abc\n", ""},
		"at the root":            {"4:memory:/" + id + "\n", ""},
	} {
		t.Run(name, func(t *testing.T) {
			require.Equal(t, tc.want, ownParent(strings.NewReader(tc.file), id))
		})
	}
	require.Empty(t, ownParent(strings.NewReader("4:memory:/docker/\n"), ""))
}
