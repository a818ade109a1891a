package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/moby/moby/client/pkg/versions"
	"github.com/stretchr/testify/require"

	"github.com/podinit/podinit/internal/testenv"
)

// TestStartIntervalFollowsTheEnginesAPI: a healthcheck's start_interval
// reaches the component on an engine whose API has it (1.44, Docker 25),
// and is left out with a warning on an older one (Debian's 20.10 speaks
// 1.41, which would drop the field without a word: the client sends it
// whatever the version): the pod runs either way.
func TestStartIntervalFollowsTheEnginesAPI(t *testing.T) {
	t.Parallel()
	p := runPod(t, map[string]string{
		"pod.component.app": "image: " + bbox + "\ncommand: sleep 3600\nhealthcheck: {test: [\"CMD\", \"true\"], interval: 30s, start_period: 1m, start_interval: 1s}",
	}, nil)
	p.running("app")
	api := testenv.MustDocker(t, "version", "--format", "{{.Server.APIVersion}}")
	health := testenv.MustDocker(t, "inspect", "-f", "{{json .Config.Healthcheck}}", p.name+".app")
	if versions.LessThan(api, "1.44") {
		require.NotContains(t, health, `"StartInterval":1000000000`)
		require.Contains(t, p.logs(), "warning: app: healthcheck start_interval 1s needs Engine API 1.44 (Docker 25); this engine speaks "+api+": left out")
	} else {
		require.Contains(t, health, `"StartInterval":1000000000`)
		require.NotContains(t, p.logs(), "start_interval")
	}
}

// TestAnEngineBelowTheClientsLowestAPIIsRefused: an engine below API 1.40
// (Docker 19.03) is refused at the connect, saying what podinit needs; the
// controller then exits 3 (ExitCannotRun).
func TestAnEngineBelowTheClientsLowestAPIIsRefused(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Api-Version", "1.39")
		w.Write([]byte("OK"))
	}))
	defer srv.Close()
	t.Setenv("DOCKER_HOST", "tcp://"+srv.Listener.Addr().String())
	t.Setenv("DOCKER_API_VERSION", "")
	_, err := connect(context.Background())
	require.ErrorContains(t, err, "API version 1.39 is not supported")
	require.ErrorContains(t, err, "podinit needs Engine API 1.40 or later")
}
