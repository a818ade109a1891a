package template

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/podinit/podinit/yamltree"
)

func has(m map[string]any, k string) bool {
	_, ok := m[k]
	return ok
}

// volumeParts reads a service volume in short (src:dst[:mode]) or long
// ({type, source, target}) syntax; named is true for a named volume.
func volumeParts(v any) (src, dst string, named bool) {
	switch t := v.(type) {
	case string:
		parts := strings.Split(t, ":")
		if len(parts) == 1 {
			return "", parts[0], false
		}
		src, dst = parts[0], parts[1]
		return src, dst, isVolumeName(src)
	case map[string]any:
		src, _ = t["source"].(string)
		dst, _ = t["target"].(string)
		typ, _ := t["type"].(string)
		return src, dst, typ == "volume" && src != ""
	}
	return "", "", false
}

func isVolumeName(s string) bool {
	return s != "" && !strings.HasPrefix(s, "/") && !strings.HasPrefix(s, ".") && !strings.HasPrefix(s, "~")
}

// namedVolumes lists the named volumes among a service's volumes, once each.
func namedVolumes(v any) []string {
	list, _ := v.([]any)
	var out []string
	seen := map[string]bool{}
	for _, e := range list {
		if src, _, named := volumeParts(e); named && !seen[src] {
			seen[src] = true
			out = append(out, src)
		}
	}
	return out
}

// appVolumes copies the service's volumes for the main component with
// relative and ~ bind sources made absolute, as docker stack deploy would
// (a component's bind source must be an absolute host path).
func appVolumes(v any, dir string) ([]any, error) {
	list, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("volumes must be a list, got %v", v)
	}
	out := make([]any, 0, len(list))
	for _, e := range list {
		if _, dst, _ := volumeParts(e); dst == DockerSocket {
			continue
		}
		switch t := e.(type) {
		case string:
			src, rest, found := strings.Cut(t, ":")
			if found && (strings.HasPrefix(src, ".") || strings.HasPrefix(src, "~")) {
				t = absPath(src, dir) + ":" + rest
			}
			out = append(out, t)
		case map[string]any:
			c := yamltree.DeepCopy(t).(map[string]any)
			if s, ok := c["source"].(string); ok && c["type"] == "bind" && !filepath.IsAbs(s) {
				c["source"] = absPath(s, dir)
			}
			out = append(out, c)
		default:
			out = append(out, e)
		}
	}
	return out, nil
}

func absPath(p, dir string) string {
	if p == "~" || strings.HasPrefix(p, "~/") {
		if home, err := os.UserHomeDir(); err == nil {
			return filepath.Join(home, strings.TrimPrefix(p, "~"))
		}
		return p
	}
	return filepath.Join(dir, p)
}

// splitSysctls returns the net.* sysctls (which belong to the controller's
// network namespace) when net is true, else the others, as a map.
func splitSysctls(v any, net bool) map[string]any {
	m, err := asMap(v, "sysctls")
	if err != nil {
		return nil
	}
	out := map[string]any{}
	for k, val := range m {
		if strings.HasPrefix(k, "net.") == net {
			out[k] = val
		}
	}
	return out
}

// inlineEnvFiles adds the variables of the service's env_file(s) to the
// app's environment, under the ones it already has (environment wins over
// env_file in Compose). Lines are KEY=VALUE; blank lines and # comments are
// skipped.
func inlineEnvFiles(app map[string]any, v any, dir string) error {
	var files []string
	switch t := v.(type) {
	case string:
		files = []string{t}
	case []any:
		for _, e := range t {
			switch f := e.(type) {
			case string:
				files = append(files, f)
			case map[string]any:
				p, _ := f["path"].(string)
				if req, ok := f["required"].(bool); ok && !req {
					if _, err := os.Stat(absPath(p, dir)); err != nil {
						continue
					}
				}
				files = append(files, p)
			}
		}
	default:
		return fmt.Errorf("env_file must be a path or a list of them, got %v", v)
	}
	env := map[string]any{}
	for _, f := range files {
		p := f
		if !filepath.IsAbs(p) {
			p = absPath(p, dir)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return fmt.Errorf("env_file %s: %w (relative paths start at the stack file's folder)", f, unwrapPathError(err))
		}
		for i, line := range strings.Split(string(b), "\n") {
			line = strings.TrimSpace(line)
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			k, val, ok := strings.Cut(line, "=")
			if !ok || k == "" {
				return fmt.Errorf("env_file %s:%d: %q is not KEY=VALUE", f, i+1, line)
			}
			env[k] = val // a later file wins, as in Compose
		}
	}
	if len(env) > 0 {
		addServiceKey(app, "environment", env)
	}
	return nil
}

// socketMounts lists the service's mounts of the Docker socket.
func socketMounts(v any) []any {
	list, _ := v.([]any)
	var out []any
	for _, e := range list {
		if _, dst, _ := volumeParts(e); dst == DockerSocket {
			out = append(out, yamltree.DeepCopy(e))
		}
	}
	return out
}
