package pod

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/mount"

	"github.com/podinit/podinit/cgroup"
	"github.com/podinit/podinit/plan"
)

// Discover finds the controller's own container: the first candidate ID
// (best first, from package selfid) that the engine knows and that runs.
// volumeRef names each of the controller's volumes as components refer to
// it (package labels' VolumeRef).
func Discover(ctx context.Context, eng Engine, candidates []string, volumeRef func(name string, labels map[string]string) string) (plan.Controller, error) {
	if len(candidates) == 0 {
		return plan.Controller{}, errors.New("cannot tell which container podinit runs in: /proc/self/mountinfo, /proc/self/cgroup and $HOSTNAME name none; is podinit running as a container's entrypoint?")
	}
	var tried []string
	for _, id := range candidates {
		info, err := eng.ContainerInspect(ctx, id)
		if err != nil {
			tried = append(tried, fmt.Sprintf("%s (%v)", id, err))
			continue
		}
		return fromInspect(ctx, eng, info, volumeRef), nil
	}
	return plan.Controller{}, fmt.Errorf("none of the container IDs podinit found for itself is known to the engine: %s; is the Docker socket the one of the engine that runs this container?", strings.Join(tried, "; "))
}

// DefaultEngineHost is where the engine client looks without DOCKER_HOST.
const DefaultEngineHost = "unix:///var/run/docker.sock"

func fromInspect(ctx context.Context, eng Engine, info container.InspectResponse, volumeRef func(string, map[string]string) string) plan.Controller {
	c := plan.Controller{
		ID:     info.ID,
		Name:   strings.TrimPrefix(info.Name, "/"),
		Image:  info.Image,
		Mounts: info.Mounts,
	}
	c.EngineHost = DefaultEngineHost
	c.Command = append([]string{info.Path}, info.Args...)
	if info.Config != nil {
		c.Labels = info.Config.Labels
		c.StopTimeout = info.Config.StopTimeout
		for _, e := range info.Config.Env {
			if h, ok := strings.CutPrefix(e, "DOCKER_HOST="); ok && h != "" {
				c.EngineHost = h
			}
		}
	}
	// What a root process of the container holds; the controller itself
	// replaces it with its own CapEff.
	c.Caps = plan.Caps{Set: plan.CapsOf(info.HostConfig), From: "its engine configuration"}
	if info.HostConfig != nil {
		c.IpcMode = info.HostConfig.IpcMode
		c.PidMode = info.HostConfig.PidMode
		c.OwnCgroupParent = info.HostConfig.CgroupParent
		c.Configured = cgroup.Configured(info.HostConfig.Resources)
	}
	c.VolumeRefs = map[string]string{}
	c.VolumeDevices = map[string]string{}
	for _, m := range info.Mounts {
		if m.Type != mount.TypeVolume || m.Name == "" {
			continue
		}
		ref := m.Name
		if vol, err := eng.VolumeInspect(ctx, m.Name); err == nil {
			if volumeRef != nil {
				ref = volumeRef(m.Name, vol.Labels)
			}
			if dev := boundDevice(vol.Driver, vol.Options); dev != "" {
				c.VolumeDevices[m.Name] = dev
			}
		}
		c.VolumeRefs[ref] = m.Name
	}
	return c
}

// boundDevice is the host path a local volume binds (driver_opts o=bind,
// device=PATH), "" for any other volume.
func boundDevice(driver string, opts map[string]string) string {
	if driver != "local" || opts["device"] == "" {
		return ""
	}
	for _, o := range strings.Split(opts["o"], ",") {
		if o == "bind" || o == "rbind" {
			return opts["device"]
		}
	}
	return ""
}
