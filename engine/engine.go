package engine

import (
	"context"
	"io"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/events"
	"github.com/moby/moby/api/types/image"
	"github.com/moby/moby/api/types/system"
	"github.com/moby/moby/api/types/volume"
)

// Engine is the part of the Docker Engine API the pod uses, in plain
// arguments and the Engine API's own types (github.com/moby/moby/api), so
// that the planner, the supervisor and the fake engine of the tests never
// see the client module's call style. *Moby (moby.go) is the one
// implementation over the real client; tests of pure ordering logic may use
// a fake, every behaviour a user sees is tested against the real engine.
type Engine interface {
	Info(ctx context.Context) (system.Info, error)
	// Ping asks whether the engine answers.
	Ping(ctx context.Context) error
	ContainerInspect(ctx context.Context, id string) (container.InspectResponse, error)
	// ContainerList lists every container that matches filters, stopped
	// ones too (the sweep of leftovers wants those most).
	ContainerList(ctx context.Context, filters Filters) ([]container.Summary, error)
	// ContainerCreate creates container name from cfg and host, on the
	// engine's default network settings (components join the controller's
	// network namespace through host).
	ContainerCreate(ctx context.Context, name string, cfg *container.Config, host *container.HostConfig) (container.CreateResponse, error)
	// ContainerAttach attaches to a container's stdout and stderr, streamed.
	ContainerAttach(ctx context.Context, id string) (Stream, error)
	ContainerStart(ctx context.Context, id string) error
	ContainerWait(ctx context.Context, id string, condition container.WaitCondition) (<-chan container.WaitResponse, <-chan error)
	ContainerKill(ctx context.Context, id, signal string) error
	// ContainerRemove removes a container by force: it may still run.
	ContainerRemove(ctx context.Context, id string) error
	// CopyToContainer extracts the tar stream content at dstPath.
	CopyToContainer(ctx context.Context, id, dstPath string, content io.Reader) error
	// Events streams the engine's events that match filters; since, when
	// not "", replays those from then on (seconds.nanoseconds since the
	// epoch, as the engine takes it).
	Events(ctx context.Context, since string, filters Filters) (<-chan events.Message, <-chan error)
	ImageInspect(ctx context.Context, ref string) (image.InspectResponse, error)
	// ImagePull pulls ref with registryAuth (base64 of the JSON auth
	// config, "" for none) and returns the engine's progress stream.
	ImagePull(ctx context.Context, ref, registryAuth string) (io.ReadCloser, error)
	VolumeInspect(ctx context.Context, name string) (volume.Volume, error)
	// Lifecycle hooks (pod/hooks.go): an exec, started detached and asked
	// until it ends (the Engine API has no wait for an exec).
	ContainerExecCreate(ctx context.Context, id string, exec container.ExecCreateRequest) (execID string, err error)
	ContainerExecStart(ctx context.Context, execID string) error
	ContainerExecInspect(ctx context.Context, execID string) (ExecState, error)
}

// Filters selects what a list or an event stream returns, as the Engine
// API's filters parameter: each key ("label", "type", "event",
// "container") to the values any of which may match.
type Filters map[string][]string

// Stream is an attached container's output: multiplexed stdout and stderr
// (stdcopy), or the one stream of a container with a tty. Conn ends it.
type Stream struct {
	Reader io.Reader
	Conn   io.Closer
}

// Close ends the stream.
func (s Stream) Close() {
	if s.Conn != nil {
		s.Conn.Close()
	}
}

// ExecState is what the engine says of an exec: whether it runs, and
// once it ended, its exit code.
type ExecState struct {
	Running  bool
	ExitCode int
}
