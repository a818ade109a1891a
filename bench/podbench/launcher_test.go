package main

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/moby/moby/api/types/container"
)

// The CLI floor is only the floor if `docker run -d` makes the same
// container as the API path: every field the benchmark sets must reach the
// arguments.
func TestRunArgsCarryEveryField(t *testing.T) {
	pause := pauseConfig()
	holder := container.HostConfig{AutoRemove: true, IpcMode: "shareable", NetworkMode: "container:P", PidMode: "container:P"}
	holder.CgroupParent = "/docker/P" // in the embedded Resources
	for _, tc := range []struct {
		what string
		cfg  container.Config
		host container.HostConfig
		want []string
	}{
		{"pause container", pause, container.HostConfig{AutoRemove: true, Binds: []string{"/var/run/docker.sock:/var/run/docker.sock"}},
			[]string{"run", "-d", "--name", "p", "--rm", "-v", "/var/run/docker.sock:/var/run/docker.sock", "--entrypoint", "/podinit", "--no-healthcheck", podImage, "pause"}},
		{"IPC holder", pause, holder,
			[]string{"run", "-d", "--name", "p", "--rm", "--network", "container:P", "--pid", "container:P", "--ipc", "shareable", "--cgroup-parent", "/docker/P", "--entrypoint", "/podinit", "--no-healthcheck", podImage, "pause"}},
		{"floor component",
			container.Config{Image: bbox, Cmd: componentCmd, Labels: map[string]string{"podbench.floor": "f", "podbench.component": "c01"}},
			container.HostConfig{AutoRemove: true, NetworkMode: "container:P", PidMode: "container:P", IpcMode: "container:H"},
			[]string{"run", "-d", "--name", "p", "--rm", "--label", "podbench.component=c01", "--label", "podbench.floor=f", "--network", "container:P", "--pid", "container:P", "--ipc", "container:H", bbox, "sleep", "86400"}},
		{"controller with a HEALTHCHECK schedule (-health) and a YAML label",
			container.Config{Image: podImage, Labels: map[string]string{"pod.component.c01": componentYAML("")},
				Healthcheck: &container.HealthConfig{Interval: 10 * time.Second, StartInterval: time.Second, Timeout: 15 * time.Second, StartPeriod: time.Minute, Retries: 3}},
			container.HostConfig{AutoRemove: true, Binds: []string{"/tmp/x/docker.sock:/var/run/docker.sock"}, IpcMode: "shareable"},
			[]string{"run", "-d", "--name", "p", "--rm", "--label", "pod.component.c01=" + componentYAML(""), "--ipc", "shareable", "-v", "/tmp/x/docker.sock:/var/run/docker.sock",
				"--health-interval", "10s", "--health-timeout", "15s", "--health-start-period", "1m0s", "--health-start-interval", "1s", "--health-retries", "3", podImage}},
		{"controller with flags", container.Config{Image: podImage, Cmd: []string{"-ipc=false"}}, container.HostConfig{},
			[]string{"run", "-d", "--name", "p", podImage, "-ipc=false"}},
	} {
		got, err := runArgs("p", tc.cfg, tc.host)
		if err != nil {
			t.Errorf("%s: %v", tc.what, err)
			continue
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s:\n got %q\nwant %q", tc.what, got, tc.want)
		}
	}
}

// A field the translation does not know must stop the run, not make a
// different container on one side.
func TestRunArgsRefuseWhatTheyCannotSay(t *testing.T) {
	for _, tc := range []struct {
		what string
		cfg  container.Config
		host container.HostConfig
		want string
	}{
		{"exec-form probe", container.Config{Image: bbox, Healthcheck: &container.HealthConfig{Test: []string{"CMD", "/podinit", "healthcheck"}}}, container.HostConfig{}, "healthcheck test"},
		{"two-word entrypoint", container.Config{Image: bbox, Entrypoint: []string{"/bin/sh", "-c"}}, container.HostConfig{}, "entrypoint"},
		{"environment", container.Config{Image: bbox, Env: []string{"A=1"}}, container.HostConfig{}, "container config"},
		{"privileged", container.Config{Image: bbox}, container.HostConfig{Privileged: true}, "host config"},
		{"no image", container.Config{}, container.HostConfig{}, "no image"},
	} {
		if _, err := runArgs("p", tc.cfg, tc.host); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one about %q", tc.what, err, tc.want)
		}
	}
}
