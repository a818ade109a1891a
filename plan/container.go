package plan

import (
	"fmt"
	"path"
	"strings"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/mount"

	"github.com/podinit/podinit/cgroup"
)

// finish gives a member the configuration only the pod can decide:
// namespaces, name, ownership, cgroup parent, volumes.
func (p *Plan) finish(m *Member, holder bool) {
	ctrl := p.Controller
	m.ContainerName = ctrl.Name + "." + m.Name

	cfg := m.Component.Config
	cfg.Labels = map[string]string{}
	for k, v := range m.Component.Config.Labels {
		cfg.Labels[k] = v
	}
	cfg.Labels[LabelController] = ctrl.ID
	cfg.Labels[LabelPod] = p.Pod
	cfg.Labels[LabelComponent] = m.Name
	for k, v := range ctrl.Labels {
		if rest, ok := strings.CutPrefix(k, "com.docker.swarm."); ok {
			cfg.Labels[LabelSwarmPrefix+rest] = v
		} else if k == "com.docker.stack.namespace" {
			cfg.Labels[LabelSwarmPrefix+"stack.namespace"] = v
		}
	}
	if m.StopSignal != "" {
		cfg.StopSignal = m.StopSignal
	}
	// Components share the controller's network namespace, so its hostname
	// and domain; setting one would conflict with container: network mode.
	cfg.Hostname, cfg.Domainname = "", ""
	m.Config = cfg

	host := m.Component.Host
	host.NetworkMode = container.NetworkMode("container:" + ctrl.ID)
	if p.Options.SharePID {
		host.PidMode = container.PidMode("container:" + ctrl.ID)
	}
	switch {
	case holder:
		host.IpcMode = "shareable"
	case p.Options.ShareIPC && p.Holder == nil:
		host.IpcMode = container.IpcMode("container:" + ctrl.ID)
	}
	// With a holder, the holder's ID is known only once it runs; the
	// supervisor fills IpcMode in then.
	host.AutoRemove = !ctrl.RemoveOwn
	host.RestartPolicy = container.RestartPolicy{}
	// On cgroup v1 a nested component's devices cgroup cannot allow more
	// than the controller's: a privileged component or one given devices
	// (past the ceiling, with -allow) would fail to start there.
	nest := ctrl.CgroupParent != "" && !wantsDevices(host)
	if nest {
		host.CgroupParent = ctrl.CgroupParent
	}
	host.Mounts = p.mounts(m, holder)
	if !nest && !holder {
		// Not nested under the controller's cgroup: bound the component by
		// the pod's limits itself.
		why := "the engine cannot nest it under the controller's cgroup"
		if ctrl.CgroupParent != "" {
			why = "nested under the controller's cgroup, its devices could not exceed the controller's"
		}
		if set := cgroup.Inherit(ctrl.Limits, &host.Resources); len(set) > 0 {
			p.Warnings = append(p.Warnings, fmt.Sprintf("%s inherits the pod's %s (%s)", m.Name, strings.Join(set, ", "), why))
		}
	}
	m.Host = host
}

// wantsDevices reports whether a component asks for devices beyond a
// default container's.
func wantsDevices(h container.HostConfig) bool {
	return h.Privileged || len(h.Devices) > 0 || len(h.DeviceCgroupRules) > 0 || len(h.DeviceRequests) > 0
}

// mounts maps the component's named volumes to the controller's real
// volumes and, with ShareVolumes, adds the controller's own mounts, except
// those that hold the engine's socket, the health socket or engine
// directories (checkCeiling has refused such mounts of the component's own).
func (p *Plan) mounts(m *Member, holder bool) []mount.Mount {
	var out []mount.Mount
	taken := map[string]bool{}
	for _, mt := range m.Component.Host.Mounts {
		if mt.Type == mount.TypeVolume {
			if real, ok := p.Controller.VolumeRefs[mt.Source]; ok {
				mt.Source = real
			} else if real, ok := p.Spec.Volumes[mt.Source]; ok && real != "" {
				mt.Source = real
			}
		}
		taken[mt.Target] = true
		out = append(out, mt)
	}
	if !p.Options.ShareVolumes || holder {
		return out
	}
	for _, cm := range p.Controller.Mounts {
		if taken[cm.Destination] || isDockerSocket(cm) {
			continue
		}
		if _, private := touchesAny(path.Clean(cm.Destination), p.Controller.Private); private {
			continue
		}
		mt := mount.Mount{Target: cm.Destination, ReadOnly: !cm.RW}
		switch cm.Type {
		case mount.TypeVolume:
			if _, engine := touchesAny(path.Clean(p.Controller.VolumeDevices[cm.Name]), p.Controller.EngineDirs); engine {
				continue
			}
			mt.Type, mt.Source = mount.TypeVolume, cm.Name
		case mount.TypeBind:
			if _, engine := touchesAny(path.Clean(cm.Source), p.Controller.EngineDirs); engine {
				continue
			}
			mt.Type, mt.Source = mount.TypeBind, cm.Source
		default:
			continue // tmpfs and others are private to the controller
		}
		out = append(out, mt)
	}
	return out
}

// isDockerSocket spots the engine's socket among the controller's mounts: it
// is root on the host, and components never get it through -volumes.
func isDockerSocket(m container.MountPoint) bool {
	return strings.HasSuffix(m.Destination, "docker.sock") || strings.HasSuffix(m.Source, "docker.sock")
}
