package engine

import (
	"context"
	"fmt"
	"io"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/events"
	"github.com/moby/moby/api/types/image"
	"github.com/moby/moby/api/types/system"
	"github.com/moby/moby/api/types/volume"
	"github.com/moby/moby/client"
)

// Moby is the Engine over the Engine API client (github.com/moby/moby/client):
// the one place that knows the client's options and result structs.
type Moby struct {
	cli *client.Client
}

var _ Engine = (*Moby)(nil)

// NewMoby is a client of the engine the environment names (DOCKER_HOST,
// DOCKER_API_VERSION, DOCKER_TLS_VERIFY, DOCKER_CERT_PATH). It does not
// reach the engine yet: Negotiate does.
func NewMoby() (*Moby, error) {
	cli, err := client.New(client.FromEnv)
	if err != nil {
		return nil, err
	}
	return &Moby{cli: cli}, nil
}

// Negotiate settles the API version now, with one ping on ctx (the client
// would otherwise settle it at its first call): the lower of the engine's
// and the client's highest (client.MaxAPIVersion), unless
// DOCKER_API_VERSION fixes it. The plan needs it before the first create
// (plan/apiversion.go). An engine below client.MinAPIVersion (1.40: Docker
// 19.03) is refused with an invalid-argument error that names both versions.
func (m *Moby) Negotiate(ctx context.Context) error {
	_, err := m.cli.Ping(ctx, client.PingOptions{NegotiateAPIVersion: true})
	return err
}

// MinAPIVersion is the lowest Engine API version the client speaks.
const MinAPIVersion = client.MinAPIVersion

// APIVersion is the Engine API version the client and the engine agreed on.
func (m *Moby) APIVersion() string { return m.cli.ClientVersion() }

// Host is the engine's address, for messages.
func (m *Moby) Host() string { return m.cli.DaemonHost() }

// Close releases the client's connections.
func (m *Moby) Close() error { return m.cli.Close() }

func (m *Moby) Info(ctx context.Context) (system.Info, error) {
	r, err := m.cli.Info(ctx, client.InfoOptions{})
	return r.Info, err
}

func (m *Moby) Ping(ctx context.Context) error {
	_, err := m.cli.Ping(ctx, client.PingOptions{})
	return err
}

func (m *Moby) ContainerInspect(ctx context.Context, id string) (container.InspectResponse, error) {
	r, err := m.cli.ContainerInspect(ctx, id, client.ContainerInspectOptions{})
	return r.Container, err
}

func (m *Moby) ContainerList(ctx context.Context, filters Filters) ([]container.Summary, error) {
	r, err := m.cli.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: clientFilters(filters)})
	return r.Items, err
}

func (m *Moby) ContainerCreate(ctx context.Context, name string, cfg *container.Config, host *container.HostConfig) (container.CreateResponse, error) {
	r, err := m.cli.ContainerCreate(ctx, client.ContainerCreateOptions{Name: name, Config: cfg, HostConfig: host})
	return container.CreateResponse{ID: r.ID, Warnings: r.Warnings}, err
}

func (m *Moby) ContainerAttach(ctx context.Context, id string) (Stream, error) {
	r, err := m.cli.ContainerAttach(ctx, id, client.ContainerAttachOptions{Stream: true, Stdout: true, Stderr: true})
	if err != nil {
		return Stream{}, err
	}
	return Stream{Reader: r.Reader, Conn: r.Conn}, nil
}

func (m *Moby) ContainerStart(ctx context.Context, id string) error {
	_, err := m.cli.ContainerStart(ctx, id, client.ContainerStartOptions{})
	return err
}

func (m *Moby) ContainerWait(ctx context.Context, id string, condition container.WaitCondition) (<-chan container.WaitResponse, <-chan error) {
	r := m.cli.ContainerWait(ctx, id, client.ContainerWaitOptions{Condition: condition})
	return r.Result, r.Error
}

func (m *Moby) ContainerKill(ctx context.Context, id, signal string) error {
	_, err := m.cli.ContainerKill(ctx, id, client.ContainerKillOptions{Signal: signal})
	return err
}

func (m *Moby) ContainerRemove(ctx context.Context, id string) error {
	_, err := m.cli.ContainerRemove(ctx, id, client.ContainerRemoveOptions{Force: true})
	return err
}

func (m *Moby) CopyToContainer(ctx context.Context, id, dstPath string, content io.Reader) error {
	_, err := m.cli.CopyToContainer(ctx, id, client.CopyToContainerOptions{DestinationPath: dstPath, Content: content})
	return err
}

func (m *Moby) Events(ctx context.Context, since string, filters Filters) (<-chan events.Message, <-chan error) {
	r := m.cli.Events(ctx, client.EventsListOptions{Since: since, Filters: clientFilters(filters)})
	return r.Messages, r.Err
}

func (m *Moby) ImageInspect(ctx context.Context, ref string) (image.InspectResponse, error) {
	r, err := m.cli.ImageInspect(ctx, ref)
	return r.InspectResponse, err
}

func (m *Moby) ImagePull(ctx context.Context, ref, registryAuth string) (io.ReadCloser, error) {
	return m.cli.ImagePull(ctx, ref, client.ImagePullOptions{RegistryAuth: registryAuth})
}

func (m *Moby) VolumeInspect(ctx context.Context, name string) (volume.Volume, error) {
	r, err := m.cli.VolumeInspect(ctx, name, client.VolumeInspectOptions{})
	return r.Volume, err
}

func (m *Moby) ContainerExecCreate(ctx context.Context, id string, exec container.ExecCreateRequest) (string, error) {
	if exec.Tty || exec.AttachStdin || exec.AttachStdout || exec.AttachStderr {
		// Hooks run detached; nothing reads an exec's streams.
		return "", fmt.Errorf("an exec in %s: only detached execs without a tty are supported", id[:min(len(id), 12)])
	}
	r, err := m.cli.ExecCreate(ctx, id, client.ExecCreateOptions{
		Cmd: exec.Cmd, User: exec.User, Privileged: exec.Privileged, Env: exec.Env, WorkingDir: exec.WorkingDir,
	})
	return r.ID, err
}

func (m *Moby) ContainerExecStart(ctx context.Context, execID string) error {
	_, err := m.cli.ExecStart(ctx, execID, client.ExecStartOptions{Detach: true})
	return err
}

func (m *Moby) ContainerExecInspect(ctx context.Context, execID string) (ExecState, error) {
	r, err := m.cli.ExecInspect(ctx, execID, client.ExecInspectOptions{})
	return ExecState{Running: r.Running, ExitCode: r.ExitCode}, err
}

// clientFilters is filters in the client's form.
func clientFilters(filters Filters) client.Filters {
	f := client.Filters{}
	for k, vs := range filters {
		f.Add(k, vs...)
	}
	return f
}
