package plan

import (
	"fmt"
	"path"
	"strings"

	"github.com/docker/docker/api/types/mount"
)

// What of the engine and the controller no component reaches, whatever the
// flags: the engine's socket, data and run directories on the host, the
// controller's health socket, and an engine reached over the network.

// engineHostPaths are host paths of the engine and its runtime that no
// component gets, whatever -allow says: with any of them (or a directory
// holding one) a component controls the engine, every container and the
// host. NewPlan adds the engine's own to Controller.EngineDirs (its data
// root, the source of the controller's socket mount).
var engineHostPaths = []string{
	"/var/run/docker.sock", "/run/docker.sock",
	"/var/run/docker", "/run/docker",
	"/var/lib/docker",
	"/var/run/containerd", "/run/containerd", "/var/lib/containerd",
}

// privatePaths are the controller's paths no component may get a mount of:
// the engine's unix socket (DOCKER_HOST's, else the default) and the health
// socket.
func privatePaths(ctrl Controller, opts Options) []string {
	out := []string{"/var/run/docker.sock", "/run/docker.sock"}
	if p, ok := strings.CutPrefix(ctrl.EngineHost, "unix://"); ok && path.IsAbs(p) {
		out = append(out, path.Clean(p))
	}
	if path.IsAbs(opts.HealthSocket) {
		out = append(out, path.Clean(opts.HealthSocket))
	}
	return out
}

// engineDirs are the host paths of the engine no component gets: the usual
// ones, those the caller found (the engine's data root), and the host source
// of the controller's mount of the engine's socket.
func engineDirs(ctrl Controller) []string {
	out := append(append([]string{}, engineHostPaths...), ctrl.EngineDirs...)
	sock := strings.TrimPrefix(ctrl.EngineHost, "unix://")
	for _, cm := range ctrl.Mounts {
		if cm.Type == mount.TypeBind && path.IsAbs(sock) && within(path.Clean(sock), path.Clean(cm.Destination)) {
			out = append(out, cm.Source)
		}
	}
	return out
}

// engineReach warns when the controller reaches the engine over the
// network: every component shares the controller's network namespace, so
// it reaches the same API with the same rights.
func engineReach(host string) string {
	scheme, _, _ := strings.Cut(host, "://")
	switch scheme {
	case "tcp", "http", "https":
		return fmt.Sprintf("the controller reaches the engine at %s over the network namespace that every component shares: any component can call the same API. Use a unix socket only the controller mounts (a socket proxy's socket on a volume of the controller's own)", host)
	}
	return ""
}

// touchesAny reports the first of paths that p is, lies under, or holds.
func touchesAny(p string, paths []string) (string, bool) {
	for _, q := range paths {
		if q == "" {
			continue
		}
		q = path.Clean(q)
		if within(p, q) || within(q, p) {
			return q, true
		}
	}
	return "", false
}

// within reports whether p is dir or lies under it (both clean and
// absolute).
func within(p, dir string) bool {
	return p == dir || dir == "/" || strings.HasPrefix(p, dir+"/")
}
