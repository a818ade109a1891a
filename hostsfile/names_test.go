package hostsfile

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestValidName(t *testing.T) {
	for _, ok := range []string{"db", "my_db", "api-1", "a.b.c", "Web", "x1", "1x"} {
		require.True(t, ValidName(ok), ok)
	}
	long := ""
	for range 64 {
		long += "a"
	}
	for _, bad := range []string{"", "-a", "a-", "a..b", ".a", "a.", "a b", "a#b", "10.0.0.1", "::1", long} {
		require.False(t, ValidName(bad), bad)
	}
}
