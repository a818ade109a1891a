package pod

import (
	"context"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/events"
	"github.com/moby/moby/api/types/image"
	"github.com/moby/moby/api/types/system"
	"github.com/moby/moby/api/types/volume"
	"github.com/stretchr/testify/require"

	"github.com/podinit/podinit/engine"
	"github.com/podinit/podinit/healthprobe"
	"github.com/podinit/podinit/internal/testenv"
	"github.com/podinit/podinit/plan"
)

// The Engine API contract check, for the engines the tests cannot run.
// testdata/api/<engine>/ holds the answers of the engines here (Docker
// 20.10, API 1.41; 28.5, API 1.51; 28.5 with the containerd image store)
// to the calls podinit makes, as the engine sent them
// (scripts/record-api.sh regenerates them on a private engine). The check:
// each answer decodes into the type podinit reads it as, and has every
// field podinit reads; a fake engine answering as API 1.52 and later do,
// with the fields 1.52 removed absent, runs a pod as any other engine; and
// no code of podinit names a field that newer engines drop.

// apiRecorded are the engines whose answers must be there: the ones
// `make test` runs.
var apiRecorded = []string{"20.10", "28", "28-containerd"}

// contractReads is, per recorded answer, the Go type podinit decodes it
// into and the JSON fields podinit reads of it ("[]" steps into every
// element of a list, which must not be empty). Where a field is read is
// said beside it.
var contractReads = []struct {
	file  string
	into  func() any
	paths []string
}{
	// connect (cmd/podinit-pod): version negotiation reads the header.
	{"ping", nil, []string{"Api-Version"}},
	// engineView (cmd/podinit-pod): cgroup placement, live-restore, the
	// engine's own directory.
	{"info", func() any { return new(system.Info) }, []string{"CgroupDriver", "CgroupVersion", "LiveRestoreEnabled", "ServerVersion", "DockerRootDir"}},
	// engineCalls.create.
	{"container-create", func() any { return new(container.CreateResponse) }, []string{"Id", "Warnings"}},
	// fromInspect (the controller), runner.running (a started component),
	// inspectController (the sweep), the wait's and events' fallbacks.
	{"container-inspect-running", func() any { return new(container.InspectResponse) }, []string{
		"Id", "Name", "Image", "Path", "Args",
		"Mounts[].Type", "Mounts[].Source", "Mounts[].Destination", "Mounts[].RW",
		"Config.Labels", "Config.Env", "Config.StopSignal", "Config.StopTimeout", "Config.Healthcheck.Test",
		"HostConfig.IpcMode", "HostConfig.PidMode", "HostConfig.CgroupParent", "HostConfig.Privileged",
		"HostConfig.CapAdd", "HostConfig.CapDrop", "HostConfig.Memory", "HostConfig.NanoCpus",
		"HostConfig.CpuQuota", "HostConfig.CpuPeriod", "HostConfig.PidsLimit",
		"State.Status", "State.Running", "State.Pid", "State.ExitCode", "State.Health.Status",
	}},
	{"container-inspect-exited", func() any { return new(container.InspectResponse) }, []string{"Id", "State.Status", "State.Running", "State.ExitCode"}},
	// sweep (leftovers.go).
	{"container-list", func() any { return new([]container.Summary) }, []string{"[].Id", "[].Names", "[].Labels"}},
	// engineWatch.followExit.
	{"container-wait", func() any { return new(container.WaitResponse) }, []string{"StatusCode"}},
	// Lifecycle hooks (hooks.go).
	{"exec-create", func() any { return new(container.ExecCreateResponse) }, []string{"Id"}},
	{"exec-inspect", func() any { return new(engine.ExecState) }, []string{"ExitCode", "Running"}},
	// fromInspect: a volume's labels (its Compose name) and bind device.
	{"volume-inspect", func() any { return new(volume.Volume) }, []string{"Driver", "Labels", "Options"}},
	// ensureImage reads only whether the image is there; the IPC holder's
	// image is the controller's, by ID.
	{"image-inspect-by-name", func() any { return new(image.InspectResponse) }, []string{"Id"}},
	{"image-inspect-by-id", func() any { return new(image.InspectResponse) }, []string{"Id"}},
	// engineWatch and SweepAfterReturn (the events are checked below).
	{"events", func() any { return new([]events.Message) }, []string{"[].Type", "[].Action", "[].Actor.ID"}},
}

func readRecorded(t *testing.T, engine, file string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "api", engine, file+".json"))
	require.NoError(t, err, "no recorded answer: run ./scripts/engine.sh %s -- ./scripts/record-api.sh %s", engine, engine)
	return b
}

// lookup gives the values at path in v (a decoded JSON value), and the
// first step that is missing.
func lookup(v any, path string) ([]any, string) {
	vals := []any{v}
	for _, step := range strings.Split(strings.ReplaceAll(path, "[]", ".[]"), ".") {
		if step == "" {
			continue
		}
		var next []any
		for _, v := range vals {
			if step == "[]" {
				l, ok := v.([]any)
				if !ok || len(l) == 0 {
					return nil, step
				}
				next = append(next, l...)
				continue
			}
			m, ok := v.(map[string]any)
			if !ok {
				return nil, step
			}
			x, ok := m[step]
			if !ok {
				return nil, step
			}
			next = append(next, x)
		}
		vals = next
	}
	return vals, ""
}

func TestRecordedAnswersHaveWhatPodinitReads(t *testing.T) {
	for _, engine := range apiRecorded {
		t.Run(engine, func(t *testing.T) {
			for _, c := range contractReads {
				b := readRecorded(t, engine, c.file)
				var raw any
				require.NoError(t, json.Unmarshal(b, &raw), "%s/%s", engine, c.file)
				for _, p := range c.paths {
					_, missing := lookup(raw, p)
					require.Empty(t, missing, "%s/%s.json has no %s (missing at %q): podinit reads it", engine, c.file, p, missing)
				}
				if c.into != nil {
					require.NoError(t, json.Unmarshal(b, c.into()), "%s/%s.json does not decode into the type podinit reads it as", engine, c.file)
				}
			}

			// The decoded values are the ones the recorder set (the JSON
			// names reach the Go fields podinit reads).
			var ping map[string]string
			require.NoError(t, json.Unmarshal(readRecorded(t, engine, "ping"), &ping))
			var version struct{ ApiVersion string }
			require.NoError(t, json.Unmarshal(readRecorded(t, engine, "version"), &version))
			require.Equal(t, version.ApiVersion, ping["Api-Version"])

			var run container.InspectResponse
			require.NoError(t, json.Unmarshal(readRecorded(t, engine, "container-inspect-running"), &run))
			require.True(t, run.State.Running)
			require.Positive(t, run.State.Pid)
			require.Equal(t, container.Healthy, run.State.Health.Status)
			require.Equal(t, "SIGTERM", run.Config.StopSignal)
			require.Equal(t, 7, *run.Config.StopTimeout)
			require.Equal(t, "app", run.Config.Labels[plan.LabelComponent])
			require.Equal(t, []string{"CMD", "true"}, run.Config.Healthcheck.Test)
			require.Equal(t, int64(500000000), run.HostConfig.NanoCPUs)
			require.Equal(t, int64(100), *run.HostConfig.PidsLimit)
			require.Equal(t, []string{"SYS_PTRACE"}, []string(run.HostConfig.CapAdd))
			require.True(t, strings.HasPrefix(run.Image, "sha256:"), "a container's Image is its image's ID: %s", run.Image)
			var byID image.InspectResponse
			require.NoError(t, json.Unmarshal(readRecorded(t, engine, "image-inspect-by-id"), &byID))
			require.Equal(t, run.Image, byID.ID, "the image found by the ID its container reports")

			var ended container.InspectResponse
			require.NoError(t, json.Unmarshal(readRecorded(t, engine, "container-inspect-exited"), &ended))
			require.Equal(t, container.StateExited, ended.State.Status)
			require.Equal(t, 3, ended.State.ExitCode)
			var wait container.WaitResponse
			require.NoError(t, json.Unmarshal(readRecorded(t, engine, "container-wait"), &wait))
			require.Equal(t, int64(3), wait.StatusCode)

			// The events podinit follows: the die, with its exit code, and
			// the health status.
			var evs []events.Message
			require.NoError(t, json.Unmarshal(readRecorded(t, engine, "events"), &evs))
			var die, health bool
			for _, e := range evs {
				require.Equal(t, events.ContainerEventType, e.Type)
				require.Equal(t, run.ID, e.Actor.ID)
				switch {
				case e.Action == events.ActionDie:
					die = true
					require.Equal(t, "3", e.Actor.Attributes["exitCode"])
				case strings.HasPrefix(string(e.Action), "health_status:"):
					health = true
				}
			}
			require.True(t, die, "a die event")
			require.True(t, health, "a health_status event")

			// A missing image is a 404, which ensureImage takes for "pull it".
			var missing struct{ Status int }
			require.NoError(t, json.Unmarshal(readRecorded(t, engine, "image-inspect-missing"), &missing))
			require.Equal(t, 404, missing.Status)
		})
	}
}

// removedIn152 are the fields of the answers podinit gets that API 1.52
// no longer sends (the Engine API version history; some were deprecated
// long before): container inspect's Config.MacAddress and the top-level
// NetworkSettings fields of the default network (each network's own are in
// NetworkSettings.Networks), HostConfig.KernelMemoryTCP; the events'
// status, id and from; image inspect's fields of the legacy builder.
var removedIn152 = map[string][]string{
	"ContainerInspect": {
		"Config.MacAddress",
		"NetworkSettings.IPAddress", "NetworkSettings.IPPrefixLen", "NetworkSettings.Gateway",
		"NetworkSettings.GlobalIPv6Address", "NetworkSettings.GlobalIPv6PrefixLen", "NetworkSettings.IPv6Gateway",
		"NetworkSettings.MacAddress", "NetworkSettings.EndpointID", "NetworkSettings.Bridge",
		"NetworkSettings.HairpinMode", "NetworkSettings.LinkLocalIPv6Address", "NetworkSettings.LinkLocalIPv6PrefixLen",
		"NetworkSettings.SecondaryIPAddresses", "NetworkSettings.SecondaryIPv6Addresses",
		"HostConfig.KernelMemoryTCP",
	},
	"Events":       {"status", "id", "from"},
	"ImageInspect": {"Parent", "DockerVersion", "Container", "ContainerConfig", "VirtualSize"},
}

// api152 reshapes the fake engine's answers into what an engine of API
// 1.52 or later sends: a container's inspect is a recorded 28.5 answer
// (every field a real engine fills: networks, mounts, host config) with
// the fake's own top-level parts (Id, State, Config…) in place of the
// recorded ones, and then without the fields 1.52 removed.
type api152 struct {
	base map[string]any // the recorded container inspect

	mu      sync.Mutex
	removed map[string]int // field → how often it was taken out
	calls   map[string]int
}

func newAPI152(t *testing.T) *api152 {
	var base map[string]any
	require.NoError(t, json.Unmarshal(readRecorded(t, "28", "container-inspect-running"), &base))
	return &api152{base: base, removed: map[string]int{}, calls: map[string]int{}}
}

func (a *api152) reshape(method string, answer any) {
	b, err := json.Marshal(answer)
	if err != nil {
		panic(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		panic(err)
	}
	if method == "ContainerInspect" {
		merged := map[string]any{}
		for k, v := range a.base {
			merged[k] = v
		}
		for k, v := range m {
			if v != nil {
				merged[k] = v
			}
		}
		// The recorded answer's parts, copied, so that removing a field
		// does not change the base.
		c, _ := json.Marshal(merged)
		m = nil
		if err := json.Unmarshal(c, &m); err != nil {
			panic(err)
		}
	}
	a.mu.Lock()
	a.calls[method]++
	for _, field := range removedIn152[method] {
		parent, key := m, field
		if dir, k, ok := strings.Cut(field, "."); ok {
			p, _ := m[dir].(map[string]any)
			parent, key = p, k
		}
		if _, ok := parent[key]; ok {
			delete(parent, key)
			a.removed[field]++
		}
	}
	a.mu.Unlock()
	out, err := json.Marshal(m)
	if err != nil {
		panic(err)
	}
	// A fresh value: what the client would decode from the engine's bytes.
	switch v := answer.(type) {
	case *container.InspectResponse:
		*v = container.InspectResponse{}
	case *events.Message:
		*v = events.Message{}
	case *container.CreateResponse:
		*v = container.CreateResponse{}
	case *container.WaitResponse:
		*v = container.WaitResponse{}
	default:
		panic(fmt.Sprintf("api152: no reshaping for %T", answer))
	}
	if err := json.Unmarshal(out, answer); err != nil {
		panic(err)
	}
}

// TestAnEngineOfAPI152RunsThePod: the fault matrix's default pod (a
// sidecar with a healthcheck, a main component waiting for it) on a fake
// engine answering as API 1.52 does starts, turns healthy and stops in
// order, as on any other engine.
func TestAnEngineOfAPI152RunsThePod(t *testing.T) {
	shape := newAPI152(t)
	cell(t, func(t *testing.T) {
		h := newHarness(t, defaultPod(t), testBudget)
		h.eng.reshape = shape.reshape
		h.start()
		h.waitFor(30*time.Second, func() bool {
			return h.runs("app", "side") && h.component("side").Health == healthprobe.Healthy
		}, "app and a healthy side")
		h.stillRunning()
		res := h.stop()
		require.Equal(t, 0, res.Code)
		require.Equal(t, []string{"app SIGTERM", "side SIGTERM"}, stopOrder(h.eng.trail))
	})
	// Not vacuous: the inspects went through the reshaping, and had the
	// removed fields to lose.
	require.Positive(t, shape.calls["ContainerInspect"])
	require.Positive(t, shape.calls["Events"])
	for _, f := range []string{"NetworkSettings.IPAddress", "NetworkSettings.Gateway", "NetworkSettings.MacAddress"} {
		require.Positive(t, shape.removed[f], "%s taken out of the inspects", f)
	}
}

// stopOrder is the trail's stop signals, in order.
func stopOrder(trail []string) []string {
	var out []string
	for _, e := range trail {
		if strings.HasSuffix(e, " SIGTERM") {
			out = append(out, e)
		}
	}
	return out
}

// inspectOnly answers ContainerInspect with one recorded answer; the rest
// is the fake's.
type inspectOnly struct {
	*fakeEngine
	info container.InspectResponse
}

func (e inspectOnly) ContainerInspect(context.Context, string) (container.InspectResponse, error) {
	return e.info, nil
}

// TestTheControllerReadsTheSameFromAnAPI152Answer: what podinit takes from
// its own container's inspect is the same with the fields 1.52 removed
// as without.
func TestTheControllerReadsTheSameFromAnAPI152Answer(t *testing.T) {
	for _, engine := range []string{"28", "20.10"} {
		t.Run(engine, func(t *testing.T) {
			// Both from the engine's bytes: as recorded, and without the
			// fields 1.52 removed (some the client's types still declare).
			b := readRecorded(t, engine, "container-inspect-running")
			var full, cut container.InspectResponse
			require.NoError(t, json.Unmarshal(b, &full))
			var raw map[string]any
			require.NoError(t, json.Unmarshal(b, &raw))
			removed := 0
			for _, field := range removedIn152["ContainerInspect"] {
				dir, key, _ := strings.Cut(field, ".")
				if parent, ok := raw[dir].(map[string]any); ok {
					if _, ok := parent[key]; ok {
						delete(parent, key)
						removed++
					}
				}
			}
			require.Positive(t, removed, "the recorded answer has fields 1.52 removed")
			trimmed, err := json.Marshal(raw)
			require.NoError(t, err)
			require.NoError(t, json.Unmarshal(trimmed, &cut))
			ref := func(name string, _ map[string]string) string { return name }
			a, err := Discover(context.Background(), inspectOnly{newFakeEngine(), full}, []string{full.ID}, ref)
			require.NoError(t, err)
			c, err := Discover(context.Background(), inspectOnly{newFakeEngine(), cut}, []string{full.ID}, ref)
			require.NoError(t, err)
			require.Equal(t, a, c)
			require.NotEmpty(t, a.Image)
			require.NotEmpty(t, a.Mounts)
		})
	}
}

// TestPodinitNamesNoFieldNewerEnginesDrop: no code of podinit (but its
// tests) selects a field that API 1.52 removed or that the API's version
// history deprecates for removal, whatever the client library still
// declares. A match by name: such names are not podinit's own.
func TestPodinitNamesNoFieldNewerEnginesDrop(t *testing.T) {
	dropped := []string{
		"MacAddress", "IPAddress", "IPPrefixLen", "Gateway", "GlobalIPv6Address", "GlobalIPv6PrefixLen",
		"IPv6Gateway", "EndpointID", "Bridge", "HairpinMode", "LinkLocalIPv6Address", "LinkLocalIPv6PrefixLen",
		"SecondaryIPAddresses", "SecondaryIPv6Addresses", "NetworkSettings", "DefaultNetworkSettings",
		"KernelMemory", "KernelMemoryTCP", "ContainerConfig", "VirtualSize", "DockerVersion",
	}
	root := testenv.RepoRoot()
	var found []string
	// Every package of the module, so that a new one is never left out.
	err := filepath.WalkDir(root, func(f string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(f, ".go") || strings.HasSuffix(f, "_test.go") {
			return nil
		}
		fset := token.NewFileSet()
		file, err := parser.ParseFile(fset, f, nil, 0)
		require.NoError(t, err)
		ast.Inspect(file, func(n ast.Node) bool {
			if sel, ok := n.(*ast.SelectorExpr); ok && slices.Contains(dropped, sel.Sel.Name) {
				found = append(found, fmt.Sprintf("%s: .%s", fset.Position(sel.Pos()), sel.Sel.Name))
			}
			return true
		})
		return nil
	})
	require.NoError(t, err)
	require.Empty(t, found, "podinit reads fields that API 1.52 removed or that are deprecated for removal; read them from NetworkSettings.Networks or the endpoint settings instead")
}
