package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

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

// TestControllerHealthcheckSchedule: the image's HEALTHCHECK probes every
// 45 s with 2 retries, and every 2 s until the pod is first healthy
// where the engine has a start interval (API 1.44; docs/lifecycle.md). On
// such an engine the probe that first passes begins about 2 s after the
// one before it ended (or after the controller's start): well under the
// 45 s it would wait without the start interval, whatever the machine's
// load does to the probe itself. On an older engine, whose builder refuses
// the flag, the image has no start interval and probes every 10 s with 3
// retries (scripts/image-dockerfile.sh).
func TestControllerHealthcheckSchedule(t *testing.T) {
	t.Parallel()
	requirePodEnv(t)
	api := testenv.MustDocker(t, "version", "--format", "{{.Server.APIVersion}}")
	hc := testenv.MustDocker(t, "image", "inspect", "-f", "{{.Config.Healthcheck.Interval}} {{.Config.Healthcheck.StartInterval}} {{.Config.Healthcheck.Retries}} {{.Config.Healthcheck.StartPeriod}}", podImage)
	if versions.LessThan(api, "1.44") {
		require.Equal(t, "10s 0s 3 1m0s", hc)
		return
	}
	require.Equal(t, "45s 2s 2 1m0s", hc)
	p := runPod(t, map[string]string{
		"pod.component.app":  "image: " + bbox + "\ncommand: sleep 3600",
		"pod.component.side": "image: " + bbox + "\ncommand: sleep 3600",
	}, nil)
	testenv.WaitFor(t, 60*time.Second, func() bool { return inspect(t, "{{.State.Health.Status}}", p.name) == "healthy" }, "the controller to be healthy")
	var st struct {
		StartedAt time.Time
		Health    struct {
			Log []struct {
				Start, End time.Time
				ExitCode   int
			}
		}
	}
	out := inspect(t, "{{json .State}}", p.name)
	require.NoError(t, json.Unmarshal([]byte(out), &st), out)
	prevEnd := st.StartedAt
	for _, probe := range st.Health.Log {
		if probe.Start.After(prevEnd) && probe.ExitCode == 0 {
			require.Less(t, probe.Start.Sub(prevEnd), 5*time.Second, "the first passing probe waited the steady interval, not the start interval: %s", out)
			return
		}
		prevEnd = probe.End
	}
	t.Fatalf("no passing probe in the controller's health log: %s", out)
}
