package podspec

import "strings"

// Labels read on the controller's volumes (see VolumeRef), most specific first.
const (
	VolumeRefLabel        = "podinit.volume-ref"
	PodlikeVolumeRefLabel = "com.github.rycus86.podlike.volume-ref"
	StackNamespaceLabel   = "com.docker.stack.namespace"
	ComposeVolumeLabel    = "com.docker.compose.volume"
)

// VolumeRef returns the name components use for a volume mounted on the
// controller, from the volume's own labels: podinit.volume-ref, else
// podlike's com.github.rycus86.podlike.volume-ref, else the name without the
// stack's "<namespace>_" prefix when com.docker.stack.namespace is set (and
// the name has that prefix), else com.docker.compose.volume, else the
// volume's name itself.
func VolumeRef(volumeName string, volumeLabels map[string]string) string {
	if ref := volumeLabels[VolumeRefLabel]; ref != "" {
		return ref
	}
	if ref := volumeLabels[PodlikeVolumeRefLabel]; ref != "" {
		return ref
	}
	if ns := volumeLabels[StackNamespaceLabel]; ns != "" {
		if ref, ok := strings.CutPrefix(volumeName, ns+"_"); ok && ref != "" {
			return ref
		}
	}
	if ref := volumeLabels[ComposeVolumeLabel]; ref != "" {
		return ref
	}
	return volumeName
}
