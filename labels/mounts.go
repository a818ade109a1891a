package labels

import (
	"fmt"
	"os"
	"path"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/moby/moby/api/types/mount"
)

// volume converts one volume to a mount. Named volumes keep the name the user
// wrote; the plan maps it to the controller's volume (see VolumeRef).
func volume(v types.ServiceVolumeConfig) (mount.Mount, error) {
	m := mount.Mount{
		Type:        mount.Type(v.Type),
		Source:      v.Source,
		Target:      v.Target,
		ReadOnly:    v.ReadOnly,
		Consistency: mount.Consistency(v.Consistency),
	}
	if !path.IsAbs(v.Target) {
		return m, fmt.Errorf("target %q must be an absolute path inside the component", v.Target)
	}
	switch v.Type {
	case types.VolumeTypeBind:
		if strings.HasPrefix(v.Source, "~") {
			return m, fmt.Errorf("bind source %q: `~` is not expanded: the home of which user, on which host? give an absolute host path", v.Source)
		}
		if !path.IsAbs(v.Source) {
			return m, fmt.Errorf("bind source %q is relative: podinit's working directory is inside the controller, not on the host; use an absolute host path or a named volume", v.Source)
		}
		opts := &mount.BindOptions{CreateMountpoint: true}
		if b := v.Bind; b != nil {
			if b.SELinux != "" {
				return m, fmt.Errorf("bind %q: SELinux relabelling (:z/:Z) is not supported by the engine's mount API that podinit uses; relabel the host path yourself (chcon)", v.Source)
			}
			opts.Propagation = mount.Propagation(b.Propagation)
			opts.CreateMountpoint = bool(b.CreateHostPath)
			switch b.Recursive {
			case "", "enabled":
			case "disabled":
				opts.NonRecursive = true
			case "writable":
				opts.ReadOnlyNonRecursive = true
			case "readonly":
				opts.ReadOnlyForceRecursive = true
			default:
				return m, fmt.Errorf("bind.recursive %q: use enabled, disabled, writable or readonly", b.Recursive)
			}
		}
		m.BindOptions = opts
	case types.VolumeTypeVolume:
		if o := v.Volume; o != nil && (o.NoCopy || o.Subpath != "" || len(o.Labels) > 0) {
			m.VolumeOptions = &mount.VolumeOptions{NoCopy: o.NoCopy, Subpath: o.Subpath, Labels: map[string]string(o.Labels)}
		}
	case types.VolumeTypeTmpfs:
		if o := v.Tmpfs; o != nil {
			m.TmpfsOptions = &mount.TmpfsOptions{SizeBytes: int64(o.Size), Mode: os.FileMode(o.Mode)}
		}
	case "image":
		if o := v.Image; o != nil && o.SubPath != "" {
			m.ImageOptions = &mount.ImageOptions{Subpath: o.SubPath}
		}
	default:
		return m, fmt.Errorf("type %q cannot be mounted into a pod's component: use bind, volume, tmpfs or image", v.Type)
	}
	return m, nil
}
