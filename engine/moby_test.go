package engine

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/containerd/errdefs"
	"github.com/stretchr/testify/require"
)

// apiServer answers as an engine of the given API version: its pings, and
// records the other requests (method, path and query) with an empty JSON
// answer.
type apiServer struct {
	version string
	mu      sync.Mutex
	got     []string
}

func (s *apiServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Api-Version", s.version)
	if strings.HasSuffix(r.URL.Path, "/_ping") {
		w.Write([]byte("OK"))
		return
	}
	s.mu.Lock()
	s.got = append(s.got, r.Method+" "+r.URL.Path+"?"+r.URL.RawQuery)
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	switch {
	case strings.HasSuffix(r.URL.Path, "/containers/json"):
		w.Write([]byte("[]"))
	case r.Method == http.MethodDelete:
		w.WriteHeader(http.StatusNoContent)
	default:
		w.Write([]byte("{}"))
	}
}

// mobyAt is a Moby client of an engine that speaks version, negotiated.
func mobyAt(t *testing.T, version string) (*Moby, *apiServer, error) {
	s := &apiServer{version: version}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	t.Setenv("DOCKER_HOST", "tcp://"+srv.Listener.Addr().String())
	m, err := NewMoby()
	require.NoError(t, err)
	t.Cleanup(func() { m.Close() })
	return m, s, m.Negotiate(context.Background())
}

// The client agrees on the engine's version down to 1.40, the lowest it
// speaks (Debian's 20.10 speaks 1.41), and caps it at its own highest.
func TestMobyNegotiatesTheEnginesAPIVersion(t *testing.T) {
	t.Setenv("DOCKER_API_VERSION", "")
	for engine, want := range map[string]string{"1.41": "1.41", "1.44": "1.44", "1.51": "1.51", "1.40": "1.40", "9.99": "1.57"} {
		m, _, err := mobyAt(t, engine)
		require.NoError(t, err, engine)
		require.Equal(t, want, m.APIVersion(), "an engine at %s", engine)
	}
}

// An engine below 1.40 is refused, with both versions named; the
// controller exits 3 on it (cmd/podinit-pod connect).
func TestMobyRefusesAnEngineBelowItsLowestVersion(t *testing.T) {
	t.Setenv("DOCKER_API_VERSION", "")
	_, _, err := mobyAt(t, "1.39")
	require.True(t, errdefs.IsInvalidArgument(err), "%v", err)
	require.ErrorContains(t, err, "1.39")
	require.ErrorContains(t, err, MinAPIVersion)
}

// DOCKER_API_VERSION fixes the version: no negotiation.
func TestMobyTakesAFixedVersionFromTheEnvironment(t *testing.T) {
	t.Setenv("DOCKER_API_VERSION", "1.43")
	m, _, err := mobyAt(t, "1.51")
	require.NoError(t, err)
	require.Equal(t, "1.43", m.APIVersion())
}

// What Engine promises beyond its arguments: the list includes stopped
// containers, with the filters given; a removal forces; the event stream
// carries since and the filters; calls go to the negotiated version's path.
func TestMobyAsksWhatEnginePromises(t *testing.T) {
	t.Setenv("DOCKER_API_VERSION", "")
	m, s, err := mobyAt(t, "1.41")
	require.NoError(t, err)
	ctx := context.Background()
	_, err = m.ContainerList(ctx, Filters{"label": {"podinit.controller"}})
	require.NoError(t, err)
	require.NoError(t, m.ContainerRemove(ctx, "abc"))
	ectx, cancel := context.WithCancel(ctx)
	_, errs := m.Events(ectx, "12.000000034", Filters{"type": {"container"}, "event": {"die"}})
	s.waitFor(t, 3)
	cancel()
	<-errs

	s.mu.Lock()
	defer s.mu.Unlock()
	require.Len(t, s.got, 3)
	list, remove, events := query(t, s.got[0]), query(t, s.got[1]), query(t, s.got[2])
	require.Equal(t, "GET /v1.41/containers/json", list.path)
	require.Equal(t, "1", list.q.Get("all"))
	require.Equal(t, map[string]map[string]bool{"label": {"podinit.controller": true}}, list.filters(t))
	require.Equal(t, "DELETE /v1.41/containers/abc", remove.path)
	require.Equal(t, "1", remove.q.Get("force"))
	require.Equal(t, "GET /v1.41/events", events.path)
	require.Equal(t, "12.000000034", events.q.Get("since"))
	require.Equal(t, map[string]map[string]bool{"type": {"container": true}, "event": {"die": true}}, events.filters(t))
}

// waitFor waits until the server has had n requests besides pings.
func (s *apiServer) waitFor(t *testing.T, n int) {
	require.Eventually(t, func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		return len(s.got) >= n
	}, 5*time.Second, 10*time.Millisecond)
}

type request struct {
	path string
	q    url.Values
}

func (r request) filters(t *testing.T) map[string]map[string]bool {
	var f map[string]map[string]bool
	require.NoError(t, json.Unmarshal([]byte(r.q.Get("filters")), &f))
	return f
}

func query(t *testing.T, got string) request {
	path, raw, _ := strings.Cut(got, "?")
	q, err := url.ParseQuery(raw)
	require.NoError(t, err)
	return request{path: path, q: q}
}
