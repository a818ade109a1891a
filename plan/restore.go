package plan

import (
	"strconv"
	"strings"
)

// RestoreKillsAutoRemove reports whether an engine of this version (Docker's
// ServerVersion), when it restarts with live-restore, kills and removes
// every auto-remove container, running or not: Docker before 24.0.8
// (moby/moby#46308, fixed by moby/moby#46857 in 24.0.8 and 25.0). There a
// pod's components would die at every engine restart, live-restore's point
// lost, so podinit removes them itself (Controller.RemoveOwn). A version it
// cannot read (a development build) is taken for a fixed one.
func RestoreKillsAutoRemove(version string) bool {
	core, _, _ := strings.Cut(version, "+")
	core, _, _ = strings.Cut(core, "-")
	var v [3]int
	parts := strings.Split(core, ".")
	if len(parts) != 3 {
		return false
	}
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil {
			return false
		}
		v[i] = n
	}
	return v[0] < 24 || v[0] == 24 && v[1] == 0 && v[2] < 8
}
