package labels

import (
	"fmt"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
	yaml "go.yaml.in/yaml/v4"

	"github.com/podinit/podinit/podspec"
	"github.com/podinit/podinit/yamltree"
)

// A component's secrets: and configs: are Swarm objects that Swarm mounts on
// the controller, the pod's one service: the pod copies each from there into
// the component, where Compose would mount it. The pod never makes a secret
// or config itself (from a file, the environment or content): that is the
// stack's job.

// swarmKind is what differs between secrets and configs.
type swarmKind struct {
	kind string // "secret" or "config"
	key  string // the service's key, and the top-level one
	// dir is where Swarm mounts the object on the controller by default,
	// as <dir><name>, and where Compose puts it in a container when the
	// target is not absolute (<dir><target>).
	dir string
}

var (
	secretKind = swarmKind{kind: "secret", key: "secrets", dir: "/run/secrets/"}
	configKind = swarmKind{kind: "config", key: "configs", dir: "/"}
)

// DefaultObjectMode is the mode of a secret or config whose mode is not
// given, as in Compose and Swarm.
const DefaultObjectMode = 0o444

// objectName is a Compose name of a secret or config (the schema's pattern
// for top-level keys), and never "." or "..": it becomes a path.
var objectName = regexp.MustCompile(`^[a-zA-Z0-9._-]+$`)

// ControllerPath is where the controller has the object name: where Swarm
// mounts it by default (a secret at /run/secrets/<name>, a config at
// /<name>), unless the Compose file's top-level declaration says otherwise
// (paths, by name, from x-podinit.path).
func (k swarmKind) controllerPath(name string, paths map[string]string) string {
	if p, ok := paths[name]; ok {
		return p
	}
	return k.dir + name
}

// swarmObjects turns the service's secrets and configs into copies from the
// controller. paths are the controller paths that the Compose file's
// top-level declarations give, by kind and name.
func swarmObjects(svc *types.ServiceConfig, at where, paths map[string]map[string]string) ([]podspec.Copy, []*Error) {
	var out []podspec.Copy
	var errs []*Error
	refs := func(k swarmKind, list []types.FileReferenceConfig) {
		for i, r := range list {
			key := fmt.Sprintf("%s[%d]", k.key, i)
			c, e := k.copyOf(r, key, at, paths[k.kind])
			errs = append(errs, e...)
			if len(e) == 0 {
				out = append(out, c)
			}
		}
	}
	secrets := make([]types.FileReferenceConfig, len(svc.Secrets))
	for i, s := range svc.Secrets {
		secrets[i] = types.FileReferenceConfig(s)
	}
	configs := make([]types.FileReferenceConfig, len(svc.Configs))
	for i, c := range svc.Configs {
		configs[i] = types.FileReferenceConfig(c)
	}
	refs(secretKind, secrets)
	refs(configKind, configs)
	return out, errs
}

// copyOf reads one reference, in its short (a name) or long form.
func (k swarmKind) copyOf(r types.FileReferenceConfig, key string, at where, paths map[string]string) (podspec.Copy, []*Error) {
	var errs []*Error
	fail := func(format string, args ...any) { errs = append(errs, at.errf(key, format, args...)) }
	if !objectName.MatchString(r.Source) || r.Source == "." || r.Source == ".." {
		fail("source %q: give the name of a %s the controller's service has (letters, digits, '.', '_' and '-')", r.Source, k.kind)
	}
	dst := r.Target
	switch {
	case dst == "":
		dst = k.dir + r.Source
	case !path.IsAbs(dst):
		dst = k.dir + dst
	}
	dst = path.Clean(dst)
	if dst == "/" {
		fail("target %q: give a file's path in the component", r.Target)
	}
	mode := uint32(DefaultObjectMode)
	if r.Mode != nil {
		if *r.Mode < 0 || *r.Mode > 0o777 {
			fail("mode %s: give permission bits, 0000 to 0777 (0400: read by its owner only)", r.Mode.String())
		}
		mode = uint32(*r.Mode)
	}
	id := func(field, v string) *int {
		n := 0
		if v != "" {
			var err error
			if n, err = strconv.Atoi(v); err != nil || n < 0 {
				fail("%s %q: give a numeric %s (the component's user names are not known to the pod)", field, v, field)
			}
		}
		return &n
	}
	c := podspec.Copy{
		Src:    k.controllerPath(r.Source, paths),
		Dst:    dst,
		Mode:   &mode,
		UID:    id("uid", r.UID),
		GID:    id("gid", r.GID),
		Object: &podspec.SwarmObject{Kind: k.kind, Name: r.Source, Key: key},
	}
	return c, errs
}

// declaredObjects reads a Compose file's top-level secrets: or configs:
// declarations. The pod copies what the controller has: how the stack
// makes the object (file, environment, content, driver…) is warned about,
// name and external need nothing of the pod, and x-podinit.path says where
// the controller's service mounts it when not at Swarm's default. It
// returns those paths by name.
func (p *podReading) declaredObjects(file string, k swarmKind, n *yaml.Node) map[string]string {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	paths := map[string]string{}
	fileErr := func(line int, format string, args ...any) *Error {
		return &Error{Source: file, File: true, Line: line, Msg: fmt.Sprintf(format, args...)}
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		name, decl := n.Content[i].Value, n.Content[i+1]
		if decl.Kind != yaml.MappingNode {
			continue // compose-go's schema: checked where it loads the file
		}
		for j := 0; j+1 < len(decl.Content); j += 2 {
			kn, vn := decl.Content[j], decl.Content[j+1]
			field := fmt.Sprintf("%s.%s.%s", k.key, name, kn.Value)
			rule, known := Keys[k.key+".<name>."+kn.Value]
			switch {
			case kn.Value == "name" || kn.Value == "external":
			case kn.Value == Extension:
				at, err := objectPath(vn)
				if err != "" {
					p.errs = append(p.errs, fileErr(kn.Line, "%s: %s", field, err))
					continue
				}
				paths[name] = at
			case strings.HasPrefix(kn.Value, "x-"):
			case known && rule.Treatment == Warned:
				v, _ := yamltree.Decode(vn)
				p.spec.Warnings = append(p.spec.Warnings, fileErr(kn.Line, "%s: %s %s", field, compact(v), rule.Why))
			default:
				var fields []string
				for key := range Keys {
					if f, ok := strings.CutPrefix(key, k.key+".<name>."); ok {
						fields = append(fields, f)
					}
				}
				fields = append(fields, "name", "external")
				slices.Sort(fields)
				p.errs = append(p.errs, fileErr(kn.Line, "%s: unknown key of a %s declaration (it has %s)", field, k.kind, strings.Join(fields, ", ")))
			}
		}
	}
	return paths
}

// objectPath reads a top-level declaration's x-podinit: {path: /abs}.
func objectPath(n *yaml.Node) (string, string) {
	if n.Kind != yaml.MappingNode {
		return "", "give a mapping, path: /where/the/controller/has/it"
	}
	var p string
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i].Value, n.Content[i+1]
		if k != "path" {
			return "", fmt.Sprintf("unknown setting %q (x-podinit of a secret or config has path)", k)
		}
		if v.Kind != yaml.ScalarNode || !path.IsAbs(v.Value) || path.Clean(v.Value) == "/" {
			return "", fmt.Sprintf("path %q: give the absolute path of the file inside the controller", v.Value)
		}
		p = path.Clean(v.Value)
	}
	if p == "" {
		return "", "give path: /where/the/controller/has/it"
	}
	return p, ""
}
