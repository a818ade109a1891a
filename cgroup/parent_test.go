package cgroup

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestParent(t *testing.T) {
	const id = "b11a1d6ad4cdaa817d23ef24b42557599dc83d9eb326ff2c1f3f71d00136c54d"
	for _, tc := range []struct {
		name, driver, version, ctrlParent, id string
		parent                                string
		nested                                bool
		why                                   string // a word the reason must contain
	}{
		{"v1 cgroupfs, default parent", "cgroupfs", "1", "", id, "/docker/" + id, true, "count against"},
		{"v1 cgroupfs, controller's own parent", "cgroupfs", "1", "/pods/", id, "/pods/" + id, true, "/pods/" + id},
		{"v1 cgroupfs, relative parent", "cgroupfs", "1", "pods", id, "pods/" + id, true, "pods/" + id},
		{"old engine without a version", "cgroupfs", "", "", id, "/docker/" + id, true, "v1"},
		{"v1 systemd", "systemd", "1", "system.slice", id, "", false, "*.slice"},
		{"v2 systemd", "systemd", "2", "", id, "", false, "*.slice"},
		{"v2 cgroupfs", "cgroupfs", "2", "", id, "", false, "no-internal-processes"},
		{"no cgroups", "none", "1", "", id, "", false, "none"},
		{"unknown controller ID", "cgroupfs", "1", "", "", "", false, "ID"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			parent, nested, why := Parent(tc.driver, tc.version, tc.ctrlParent, tc.id)
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
