package corpus

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/podinit/podinit/internal/testenv"
)

// The end-to-end tests deploy a project as a user would, from its folder:
//
//	podinit template -pod NAME compose.yaml | docker stack deploy -c - STACK
//
// under a unique stack name, with the project's .env exported, and check
// what Compose promised the project's services from outside: a published
// port from the host, docker exec into a component. Each ends with docker
// stack rm and checks that no service, container or network of the stack
// remains.
//
// Published ports are in host mode in these projects: the test engines run
// without iptables (scripts/engine.sh), so Swarm's routing mesh, which the
// ingress mode needs, does not forward there. Each test publishes a free
// port picked when it starts, through the project's own variable
// (WEB_PORT, PROXY_PORT): a stack that a killed earlier run left on the
// engine would still hold a fixed one.

var stackSeq atomic.Int64

// staleStack names the stacks an earlier, killed run of these tests left
// on the engine (the 20.10 stage's engine keeps its data root between
// runs). One test process of this package runs per engine at a time, so
// none of them is in use.
var staleStack = regexp.MustCompile(`^corpus\d+-\d+$`)

var staleOnce sync.Once

func requireSwarm(t *testing.T) {
	t.Helper()
	testenv.RequireRoot(t)
	testenv.RequireImage(t, testenv.PodImage)
	testenv.RequireImage(t, testenv.Busybox)
	state, _ := testenv.Docker("info", "--format", "{{.Swarm.LocalNodeState}} {{.Swarm.ControlAvailable}}")
	if state != "active true" {
		testenv.Unavailable(t, "needs a swarm manager (SWARM=1 scripts/engine.sh 28 -- ...), node state %q", state)
	}
	staleOnce.Do(func() {
		names, _ := testenv.Docker("stack", "ls", "--format", "{{.Name}}")
		for _, name := range strings.Fields(names) {
			if staleStack.MatchString(name) {
				testenv.Docker("stack", "rm", name)
			}
		}
	})
}

// freePort is a TCP port nothing listens on now.
func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", ":0")
	require.NoError(t, err)
	defer l.Close()
	return strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
}

// deployment is one project deployed as a stack.
type deployment struct {
	t       *testing.T
	project string
	stack   string
	gone    bool // removed by the test itself
}

// service is the Swarm name of the pod's service.
func (d *deployment) service() string { return d.stack + "_" + d.project }

// deploy renders the project with template -pod (the controller image is
// the one under test) and deploys the stack; env adds to the project's .env.
func deploy(t *testing.T, project string, env ...string) *deployment {
	t.Helper()
	requireSwarm(t)
	d := &deployment{t: t, project: project, stack: fmt.Sprintf("corpus%d-%d", os.Getpid()%100000, stackSeq.Add(1))}
	env = append(dotenv(t, project), env...)

	render := exec.Command(podinit(t), "template", "-pod", project, "-image", testenv.PodImage, "compose.yaml")
	render.Dir = project
	render.Env = append(os.Environ(), env...)
	var notes bytes.Buffer
	render.Stderr = &notes
	stack, err := render.Output()
	require.NoError(t, err, "podinit template -pod %s: %s", project, notes.String())

	t.Cleanup(d.cleanup)
	cmd := exec.Command("docker", "stack", "deploy", "-c", "-", d.stack)
	cmd.Stdin = bytes.NewReader(stack)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "docker stack deploy %s: %s\n--- stack\n%s", d.stack, out, stack)
	return d
}

func (d *deployment) cleanup() {
	if d.t.Failed() {
		for _, args := range [][]string{
			{"service", "ps", "--no-trunc", d.service()},
			{"service", "logs", "--raw", d.service()},
		} {
			out, _ := testenv.Docker(args...)
			d.t.Logf("docker %s:\n%s", strings.Join(args, " "), out)
		}
	}
	if !d.gone {
		testenv.Docker("stack", "rm", d.stack)
		d.waitNoContainers(90 * time.Second)
		testenv.Docker("stack", "rm", d.stack) // a network still in use the first time
	}
	// Like docker compose down without -v, docker stack rm keeps the
	// stack's volumes: the test removes its own.
	vols, _ := testenv.Docker("volume", "ls", "-q", "--filter", "label=com.docker.stack.namespace="+d.stack)
	for _, v := range strings.Fields(vols) {
		if out, err := testenv.Docker("volume", "rm", v); err != nil {
			d.t.Logf("removing volume %s: %s", v, out)
		}
	}
}

// containers lists the stack's containers in any state, as "name state":
// its controller (Swarm's labels) and the components of its pod
// (podinit's).
func (d *deployment) containers() []string {
	var all []string
	for _, label := range []string{"com.docker.stack.namespace=" + d.stack, "podinit.swarm.service.name=" + d.service()} {
		out, _ := testenv.Docker("ps", "-a", "--filter", "label="+label, "--format", "{{.Names}} {{.State}}")
		for _, line := range strings.Split(out, "\n") {
			if line != "" {
				all = append(all, line)
			}
		}
	}
	return all
}

func (d *deployment) waitNoContainers(timeout time.Duration) {
	d.t.Helper()
	var left []string
	testenv.WaitFor(d.t, timeout, func() bool {
		left = d.containers()
		return len(left) == 0
	}, "no container of stack %s left (left: %v)", d.stack, &left)
}

// rm runs docker stack rm, as a user would, and checks that no service,
// container or network of the stack remains.
func (d *deployment) rm() {
	d.t.Helper()
	out, err := testenv.Docker("stack", "rm", d.stack)
	d.gone = true
	d.waitNoContainers(60 * time.Second)
	if err != nil {
		// Swarm removes the stack's network without waiting for its tasks
		// to shut down ("network … is in use by task"); once they are
		// gone, a second rm removes what is left, as a user would.
		require.Contains(d.t, out, "is in use by task", "docker stack rm %s: %s", d.stack, out)
		testenv.MustDocker(d.t, "stack", "rm", d.stack)
	}
	svcs := testenv.MustDocker(d.t, "service", "ls", "-q", "--filter", "label=com.docker.stack.namespace="+d.stack)
	require.Empty(d.t, svcs, "services of stack %s left behind", d.stack)
	var nets string
	testenv.WaitFor(d.t, 30*time.Second, func() bool {
		nets, _ = testenv.Docker("network", "ls", "-q", "--filter", "label=com.docker.stack.namespace="+d.stack)
		return nets == ""
	}, "no network of stack %s left (left: %s)", d.stack, &nets)
}

// component returns the ID of the running container of the pod's
// component (the project's service) name, waiting for it.
func (d *deployment) component(name string) string {
	d.t.Helper()
	var id string
	testenv.WaitFor(d.t, 60*time.Second, func() bool {
		out, _ := testenv.Docker("ps", "-q", "--filter", "label=podinit.swarm.service.name="+d.service(),
			"--filter", "label=podinit.component="+name, "--filter", "status=running")
		ids := strings.Fields(out)
		if len(ids) == 1 {
			id = ids[0]
		}
		return len(ids) == 1
	}, "component %s of %s running", name, d.service())
	return id
}

// waitExec waits until a command run in the component prints what want
// matches, and returns that output.
func (d *deployment) waitExec(component string, want *regexp.Regexp, cmd ...string) string {
	d.t.Helper()
	id := d.component(component)
	var out string
	testenv.WaitFor(d.t, 30*time.Second, func() bool {
		out, _ = testenv.Docker(append([]string{"exec", id}, cmd...)...)
		return want.MatchString(out)
	}, "%v in %s to print %s (last: %q)", cmd, component, want, &out)
	return out
}

// waitLogs waits until the pod's service logs match every pattern.
func (d *deployment) waitLogs(patterns ...string) {
	d.t.Helper()
	var missing string
	testenv.WaitFor(d.t, 30*time.Second, func() bool {
		logs, _ := testenv.Docker("service", "logs", "--raw", d.service())
		for _, p := range patterns {
			if !regexp.MustCompile(p).MatchString(logs) {
				missing = p
				return false
			}
		}
		return true
	}, "docker service logs %s to show %q", d.service(), &missing)
}

// waitHTTP waits until the host's port answers 200 with a body that
// matches want.
func waitHTTP(t *testing.T, port string, want *regexp.Regexp) string {
	t.Helper()
	client := http.Client{Timeout: 2 * time.Second}
	var got string
	testenv.WaitFor(t, 60*time.Second, func() bool {
		resp, err := client.Get("http://127.0.0.1:" + port + "/")
		if err != nil {
			got = err.Error()
			return false
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		got = fmt.Sprintf("%d %s", resp.StatusCode, b)
		return resp.StatusCode == 200 && want.Match(b)
	}, "the published port %s to answer %s (last: %q)", port, want, &got)
	return got
}

// web-api-db: the page the host gets from web's published port holds what
// web fetched from http://api:9000 and api from http://db:5432.
func TestWebAPIDB(t *testing.T) {
	t.Parallel()
	port := freePort(t)
	d := deploy(t, "web-api-db", "WEB_PORT="+port)
	for _, c := range []string{"db", "api", "web"} {
		d.component(c)
	}
	waitHTTP(t, port, regexp.MustCompile(`(?s)api: ok.*db: 42 rows`))
	d.rm()
}

// proxy-app: the proxy, the only published service, relays the host's
// request to app:3000; the app's $$APP_NAME reached its shell as $APP_NAME.
func TestProxyApp(t *testing.T) {
	t.Parallel()
	port := freePort(t)
	d := deploy(t, "proxy-app", "PROXY_PORT="+port)
	waitHTTP(t, port, regexp.MustCompile(`^hello from shop behind the proxy\n$`))
	d.rm()
}

// app-cache-worker: the worker's INCRs reach cache:6379 and the app's GETs
// read them back, each by the cache's service name.
func TestAppCacheWorker(t *testing.T) {
	t.Parallel()
	d := deploy(t, "app-cache-worker")
	d.waitExec("app", regexp.MustCompile(`^jobs done: ([2-9]|\d\d+)$`), "wget", "-qO-", "http://localhost:8080/")
	d.rm()
}

// secrets-configs: each secret and the config arrive in the component at
// the target it asked for, with their content, mode and owner.
func TestSecretsConfigs(t *testing.T) {
	t.Parallel()
	d := deploy(t, "secrets-configs")
	d.waitExec("app", regexp.MustCompile(`greeting = hello from the config`), "wget", "-qO-", "http://localhost:8080/")
	for file, want := range map[string]string{
		"/run/secrets/db_password": "400 0:0 correct horse battery staple",
		"/run/secrets/app/api-key": "440 65534:65534 api-key-0123456789",
		"/etc/app/app.ini":         "444 0:0 [server]",
	} {
		out := testenv.MustDocker(t, "exec", d.component("app"), "sh", "-c", `echo "$(stat -c '%a %u:%g' "$1") $(head -n1 "$1")"`, "sh", file)
		require.Equal(t, want, out, "%s in the app: mode, owner and first line", file)
	}
	d.rm()
}

// init-migrate: the app starts only once migrate has exited 0, and serves
// the schema migrate wrote into the shared volume (the app exits 1
// without it).
func TestInitMigrate(t *testing.T) {
	t.Parallel()
	d := deploy(t, "init-migrate")
	d.waitExec("app", regexp.MustCompile(`^schema: v2 \(migrated\)$`), "wget", "-qO-", "http://localhost:8080/")
	d.waitLogs(`(?s)migrate exited with 0.*app started`)
	d.rm()
}

// healthcheck-gated: the api starts only once the database's healthcheck
// passes, and reaches it as db: the api exits 1, failing the pod, when the
// database does not answer its first request, and the database takes 2 s to
// start answering.
func TestHealthcheckGated(t *testing.T) {
	t.Parallel()
	d := deploy(t, "healthcheck-gated")
	d.waitExec("api", regexp.MustCompile(`^api: started after\ndb: ready$`), "wget", "-qO-", "http://localhost:8080/")
	d.rm()
}

// monitoring: prometheus reaches every target its config (a Swarm config,
// copied to its target in the component) names, by service name, and the
// pod's service has the sum of the services' deploy.resources.limits.
func TestMonitoring(t *testing.T) {
	t.Parallel()
	d := deploy(t, "monitoring")
	for _, c := range []string{"node-exporter", "cadvisor", "alertmanager", "grafana"} {
		d.component(c)
	}
	scrape := `for t in $(sed -n 's/.*targets: \["\(.*\)"\].*/\1/p' /etc/prometheus/prometheus.yml); do
		echo | nc "${t%:*}" "${t#*:}" >/dev/null && echo "$t up"
	done`
	d.waitExec("prometheus", regexp.MustCompile(`^node-exporter:9100 up\ncadvisor:8081 up\nalertmanager:9093 up$`), "sh", "-c", scrape)
	limits := testenv.MustDocker(t, "service", "inspect", "--format", "{{.Spec.TaskTemplate.Resources.Limits.NanoCPUs}} {{.Spec.TaskTemplate.Resources.Limits.MemoryBytes}}", d.service())
	require.Equal(t, fmt.Sprintf("%d %d", 1150000000, 512<<20), limits, "the pod's limits: cpus 0.5+0.1+0.2+0.1+0.25, memory 256M+32M+64M+32M+128M")
	d.rm()
}

// static-site: web serves the project's ./site through a relative bind,
// which template -pod made absolute and allowed on the pod's controller.
func TestStaticSite(t *testing.T) {
	t.Parallel()
	port := freePort(t)
	d := deploy(t, "static-site", "WEB_PORT="+port)
	waitHTTP(t, port, regexp.MustCompile(`^served from a relative bind\n$`))
	d.rm()
}

// pre-stop-drain: as the pod stops (its service scaled to 0), the worker's
// pre_stop hook runs before its stop signal (the worker's TERM trap finds
// the file the hook made), and the worker ends on that signal, within its
// stop time: no SIGKILL.
func TestPreStopDrain(t *testing.T) {
	t.Parallel()
	d := deploy(t, "pre-stop-drain")
	d.component("worker")
	// The controller's output is followed from before the scale-down to its
	// end: Swarm removes a scaled-down task, and with it what docker
	// service logs could show, as soon as it has shut down.
	ctrl := strings.Fields(testenv.MustDocker(t, "ps", "-q", "--filter", "label=com.docker.swarm.service.name="+d.service()))
	require.Len(t, ctrl, 1, "the pod's controller")
	var out bytes.Buffer
	follow := exec.Command("docker", "logs", "-f", ctrl[0])
	follow.Stdout, follow.Stderr = &out, &out
	require.NoError(t, follow.Start())
	testenv.MustDocker(t, "service", "scale", "--detach", d.service()+"=0")
	ended := make(chan error, 1)
	go func() { ended <- follow.Wait() }()
	select {
	case <-ended:
	case <-time.After(60 * time.Second):
		follow.Process.Kill()
		t.Fatalf("the controller has not ended 60s after the scale-down; its output:\n%s", out.String())
	}
	logs := out.String()
	require.Regexp(t, `worker: stopped after the drain`, logs)
	require.Regexp(t, `ended: .*exit 0`, logs)
	require.NotContains(t, logs, "without the drain")
	require.NotContains(t, logs, "SIGKILL")
	d.rm()
}
