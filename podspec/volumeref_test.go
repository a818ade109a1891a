package podspec

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestVolumeRef(t *testing.T) {
	tests := []struct {
		name, volume string
		labels       map[string]string
		want         string
	}{
		{"podinit label first", "stack_data", map[string]string{VolumeRefLabel: "mine", PodlikeVolumeRefLabel: "theirs", StackNamespaceLabel: "stack", ComposeVolumeLabel: "c"}, "mine"},
		{"podlike label next", "stack_data", map[string]string{PodlikeVolumeRefLabel: "theirs", StackNamespaceLabel: "stack", ComposeVolumeLabel: "c"}, "theirs"},
		{"stack prefix stripped", "stack_data", map[string]string{StackNamespaceLabel: "stack", ComposeVolumeLabel: "c"}, "data"},
		{"stack label without the prefix falls through", "other", map[string]string{StackNamespaceLabel: "stack", ComposeVolumeLabel: "c"}, "c"},
		{"compose label", "proj_data", map[string]string{ComposeVolumeLabel: "data"}, "data"},
		{"name itself", "pids_1234", nil, "pids_1234"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, VolumeRef(tt.volume, tt.labels))
		})
	}
}
