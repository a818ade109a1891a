package main

import (
	"bytes"
	"fmt"
	"os/exec"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"
)

// A launcher is how the driver starts and stops the containers it measures:
// straight through the API (the stricter floor, no CLI start-up in it) or
// by the docker CLI, a `docker run -d` or `docker stop` process per
// container, the way issue 21 defines its floors. Both make the same
// container from the same configuration; only the launch differs, and the
// figures stay timed from engine events.
type launcher interface {
	// start creates and starts one container and returns its ID.
	start(name string, cfg container.Config, host container.HostConfig) (string, error)
	// stop stops one container as `docker stop` does (SIGTERM, SIGKILL
	// after the container's stop timeout) and returns when the stop call
	// does; errors are not reported (an auto-removed container may be gone
	// already), the caller waits for engine events.
	stop(ref string)
	// String names it in tables and progress lines: "api" or "cli".
	String() string
}

// apiLauncher calls ContainerCreate and ContainerStart, as `docker run -d`
// does without the CLI process.
type apiLauncher struct{ b *bench }

func (l apiLauncher) String() string { return "api" }

func (l apiLauncher) start(name string, cfg container.Config, host container.HostConfig) (string, error) {
	resp, err := l.b.cli.ContainerCreate(l.b.ctx, client.ContainerCreateOptions{Name: name, Config: &cfg, HostConfig: &host})
	if err != nil {
		return "", fmt.Errorf("creating %s: %w", name, err)
	}
	if _, err := l.b.cli.ContainerStart(l.b.ctx, resp.ID, client.ContainerStartOptions{}); err != nil {
		return "", fmt.Errorf("starting %s: %w", name, err)
	}
	return resp.ID, nil
}

func (l apiLauncher) stop(ref string) {
	l.b.cli.ContainerStop(l.b.ctx, ref, client.ContainerStopOptions{})
}

// cliLauncher runs `docker run -d …` and `docker stop NAME`: the docker
// binary on PATH, talking to the engine the environment names (DOCKER_HOST,
// or the default socket, which is the private engine's under
// scripts/engine.sh), the same engine as the driver's API client.
type cliLauncher struct{ b *bench }

func (l cliLauncher) String() string { return "cli" }

func (l cliLauncher) start(name string, cfg container.Config, host container.HostConfig) (string, error) {
	args, err := runArgs(name, cfg, host)
	if err != nil {
		return "", err
	}
	var out, errOut bytes.Buffer
	cmd := exec.CommandContext(l.b.ctx, "docker", args...)
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("docker %s: %v: %s", strings.Join(args[:4], " "), err, strings.TrimSpace(errOut.String()))
	}
	// `docker run -d` prints the new container's ID as its last line.
	lines := strings.Fields(out.String())
	if len(lines) == 0 {
		return "", fmt.Errorf("docker run -d --name %s printed no container ID (stderr: %s)", name, strings.TrimSpace(errOut.String()))
	}
	return lines[len(lines)-1], nil
}

func (l cliLauncher) stop(ref string) {
	exec.CommandContext(l.b.ctx, "docker", "stop", ref).Run()
}

// launcherNamed is the launcher called s ("api" or "cli").
func (b *bench) launcherNamed(s string) (launcher, error) {
	switch s {
	case "api":
		return apiLauncher{b}, nil
	case "cli":
		return cliLauncher{b}, nil
	}
	return nil, fmt.Errorf("launcher %q: want api or cli", s)
}

// runArgs translates a container's configuration into `docker run -d`
// arguments that make the same container: every field the benchmark sets.
// A field it does not translate is an error, not a silent difference
// between the two floors. The CLI cannot say an exec-form (CMD) HEALTHCHECK
// (--health-cmd is always CMD-SHELL): a Healthcheck with only a schedule and
// no Test keeps the image's probe, on either path (the engine merges it).
func runArgs(name string, cfg container.Config, host container.HostConfig) ([]string, error) {
	args := []string{"run", "-d", "--name", name}
	if host.AutoRemove {
		args = append(args, "--rm")
	}
	keys := make([]string, 0, len(cfg.Labels))
	for k := range cfg.Labels {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		args = append(args, "--label", k+"="+cfg.Labels[k])
	}
	if host.NetworkMode != "" {
		args = append(args, "--network", string(host.NetworkMode))
	}
	if host.PidMode != "" {
		args = append(args, "--pid", string(host.PidMode))
	}
	if host.IpcMode != "" {
		args = append(args, "--ipc", string(host.IpcMode))
	}
	if host.CgroupParent != "" {
		args = append(args, "--cgroup-parent", host.CgroupParent)
	}
	for _, v := range host.Binds {
		args = append(args, "-v", v)
	}
	switch len(cfg.Entrypoint) {
	case 0:
	case 1:
		args = append(args, "--entrypoint", cfg.Entrypoint[0])
	default:
		return nil, fmt.Errorf("%s: entrypoint %q: docker run --entrypoint takes one word", name, cfg.Entrypoint)
	}
	if h := cfg.Healthcheck; h != nil {
		switch {
		case len(h.Test) == 1 && h.Test[0] == "NONE":
			args = append(args, "--no-healthcheck")
		case len(h.Test) == 2 && h.Test[0] == "CMD-SHELL":
			args = append(args, "--health-cmd", h.Test[1])
		case len(h.Test) != 0:
			return nil, fmt.Errorf("%s: healthcheck test %q: docker run says only CMD-SHELL or NONE (leave Test empty to keep the image's)", name, h.Test)
		}
		for _, d := range []struct {
			flag string
			v    time.Duration
		}{{"--health-interval", h.Interval}, {"--health-timeout", h.Timeout}, {"--health-start-period", h.StartPeriod}, {"--health-start-interval", h.StartInterval}} {
			if d.v != 0 {
				args = append(args, d.flag, d.v.String()) // exact: time.ParseDuration reads it back
			}
		}
		if h.Retries != 0 {
			args = append(args, "--health-retries", strconv.Itoa(h.Retries))
		}
	}
	if cfg.Image == "" {
		return nil, fmt.Errorf("%s: no image", name)
	}
	args = append(args, cfg.Image)
	args = append(args, cfg.Cmd...)

	// Everything else must be unset: what this function does not
	// translate would make the CLI's container differ from the API's.
	restCfg, restHost := cfg, host
	restCfg.Image, restCfg.Cmd, restCfg.Entrypoint, restCfg.Labels, restCfg.Healthcheck = "", nil, nil, nil, nil
	restHost.AutoRemove, restHost.NetworkMode, restHost.PidMode, restHost.IpcMode, restHost.CgroupParent, restHost.Binds = false, "", "", "", "", nil
	if !reflect.DeepEqual(restCfg, container.Config{}) {
		return nil, fmt.Errorf("%s: container config %+v has fields docker run arguments are not made for", name, restCfg)
	}
	if !reflect.DeepEqual(restHost, container.HostConfig{}) {
		return nil, fmt.Errorf("%s: host config %+v has fields docker run arguments are not made for", name, restHost)
	}
	return args, nil
}
