package pod

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/podinit/podinit/healthprobe"
	"github.com/podinit/podinit/podspec"
)

// The status speaks of roles in podspec's words (Status fills them in with
// string(m.Role)); healthprobe keeps its own copy so that podinit links no
// engine types.
func TestStatusRolesArePodspecs(t *testing.T) {
	require.Equal(t, string(podspec.RoleMain), healthprobe.RoleMain)
	require.Equal(t, string(podspec.RoleSidecar), healthprobe.RoleSidecar)
	require.Equal(t, string(podspec.RoleInit), healthprobe.RoleInit)
}
