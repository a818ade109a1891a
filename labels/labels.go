// Package labels reads a pod's declaration — the controller's labels, or a
// Compose file — into a podspec.Spec.
//
// A component is one Compose service, read by compose-go, the Compose
// specification's own parser, so that its YAML means what it means to
// Compose: durations, byte sizes, the list and map forms, short and long
// volume syntax, env_file, and ${VAR:-default} interpolation from the
// environment given (normally podinit's own). What cannot work in a pod —
// keys listed in Unsupported — and anything unknown is rejected with an Error
// that names the label (or file and service), the key and what would work.
// Every problem is reported at once: the result is errors.Join of *Error.
//
// Nothing here talks to the engine or reads the running controller; the plan
// adds those.
package labels

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
	yaml "go.yaml.in/yaml/v4"

	"github.com/podinit/podinit/podspec"
	"github.com/podinit/podinit/regularfile"
	"github.com/podinit/podinit/yamltree"
)

// FromLabels reads the pod declared by the controller's labels l. env
// (KEY=VALUE entries, normally os.Environ()) is used for interpolation and for
// environment entries given without a value. Labels not starting with "pod."
// are ignored; unknown "pod." labels are errors. Relative env_file and
// label_file paths in component labels are read from podinit's working
// directory inside the controller.
func FromLabels(l map[string]string, env []string) (podspec.Spec, error) {
	environ := mapping(env)
	wd, _ := os.Getwd()
	var (
		p      podReading
		spec   = &p.spec
		errs   []*Error
		copies = map[string][]podspec.Copy{}
		// copyAt remembers each pod.copy label, to report unknown targets.
		copyAt  = map[string]string{}
		hasFile bool
	)
	if e := labelsTooLarge(l); e != nil {
		return *spec, e
	}
	for _, key := range slices.Sorted(maps.Keys(l)) {
		value := l[key]
		switch {
		case !strings.HasPrefix(key, PodPrefix):
		case strings.HasPrefix(key, ComponentPrefix):
			name := strings.TrimPrefix(key, ComponentPrefix)
			at := where{source: key}
			if !ValidName(name) {
				errs = append(errs, at.errf("", "%q is not a valid component name: use letters, digits, '_', '.' and '-', starting with a letter or digit", name))
				continue
			}
			node, err := yamltree.Parse([]byte(value))
			if err != nil {
				errs = append(errs, yamlErr(key, false, err))
				continue
			}
			for _, d := range dropDuplicateKeys(node) {
				errs = append(errs, &Error{Source: key, Line: d.line, Msg: d.msg()})
			}
			r := service{name: name, at: at, node: node, baseDir: wd}.read(environ)
			p.add(r)
		case key == ComposeFile:
			hasFile = true
			file, err := composeFile(value, env, true)
			errs = append(errs, flatten(err)...)
			spec.Components = append(spec.Components, file.Components...)
			spec.Warnings = append(spec.Warnings, file.Warnings...)
			spec.Volumes = file.Volumes
		case key == InitComponents:
			errs = append(errs, readInit(value, environ, wd, &p)...)
		case strings.HasPrefix(key, CopyPrefix):
			name := strings.TrimPrefix(key, CopyPrefix)
			cs, err := parseCopies(value)
			if err != nil {
				errs = append(errs, &Error{Source: key, Msg: err.Error()})
				continue
			}
			copies[name] = cs
			copyAt[name] = key
		default:
			msg := "unknown pod label"
			if near := closest(key, []string{ComposeFile, InitComponents}); near != "" {
				msg += ", did you mean " + near + "?"
			} else if i := strings.LastIndex(key, "."); i > 0 {
				if near := closest(key[:i+1], []string{ComponentPrefix, CopyPrefix}); near != "" {
					msg += ", did you mean " + near + key[i+1:] + "?"
				}
			}
			errs = append(errs, &Error{Source: key, Msg: msg + fmt.Sprintf(" (podinit reads %s<name>, %s, %s and %s<name>)", ComponentPrefix, ComposeFile, InitComponents, CopyPrefix)})
		}
	}
	if hasFile {
		for _, c := range spec.Components {
			if strings.HasPrefix(c.Source, ComponentPrefix) {
				errs = append(errs, &Error{Source: c.Source, Msg: fmt.Sprintf("cannot be combined with %s: declare every component in the Compose file, or every one in a label", ComposeFile)})
			}
		}
	}
	if len(spec.Components) == 0 && len(spec.Init) == 0 && len(errs) == 0 {
		errs = append(errs, &Error{Source: ComponentPrefix + "<name>", Msg: fmt.Sprintf("the controller declares no components: add a label %s<name> with a Compose service (e.g. `image: nginx:1.27`), or %s with the path of a Compose file", ComponentPrefix, ComposeFile)})
	}
	errs = append(errs, p.check()...)
	errs = append(errs, p.errs...)
	for _, name := range slices.Sorted(maps.Keys(copies)) {
		c := find(spec, name)
		if c == nil {
			errs = append(errs, &Error{Source: copyAt[name], Msg: fmt.Sprintf("no component is named %q: name one of %s", name, strings.Join(names(spec), ", "))})
			continue
		}
		// After the component's secrets and configs: a pod.copy entry to
		// the same target is copied last, and wins.
		c.Copies = append(c.Copies, copies[name]...)
	}
	return *spec, join(errs)
}

// FromComposeFile reads the pod whose components are the services of the
// Compose file at path (inside the controller). Relative env_file and
// label_file paths start at the file's directory, as in Compose. Top-level
// volumes are the pod's declared volumes (Spec.Volumes: their `name:`, else
// the key, as the real name); networks declarations are ignored: the
// controller's own networks are the pod's. Top-level secrets and configs
// say where the controller has them (declaredObjects).
func FromComposeFile(path string, env []string) (podspec.Spec, error) {
	return composeFile(path, env, false)
}

// composeFile reads a Compose file; inController says that a label named
// it, so that the path is one inside the controller.
func composeFile(path string, env []string, inController bool) (podspec.Spec, error) {
	var p podReading
	spec := &p.spec
	text, err := regularfile.Read(path, MaxComposeFileSize)
	if err != nil {
		if inController {
			return *spec, &Error{Source: ComposeFile, Msg: fmt.Sprintf("%s: %v: the path is read inside the controller; mount the file there (a Swarm config works)", path, unwrapPathError(err))}
		}
		abs, _ := filepath.Abs(path)
		if errors.Is(err, fs.ErrNotExist) {
			return *spec, &Error{Source: path, File: true, Msg: fmt.Sprintf("the file does not exist (looked for %s)", abs)}
		}
		return *spec, &Error{Source: path, File: true, Msg: fmt.Sprintf("cannot read the file %s: %v", abs, unwrapPathError(err))}
	}
	node, err := yamltree.Parse(text)
	if err != nil {
		return *spec, yamlErr(path, true, err)
	}
	fileErr := func(line int, format string, args ...any) *Error {
		return &Error{Source: path, File: true, Line: line, Msg: fmt.Sprintf(format, args...)}
	}
	if node == nil || node.Kind != yaml.MappingNode {
		return *spec, fileErr(0, "a Compose file must be a mapping with services:")
	}
	var errs []*Error
	for _, d := range dropDuplicateKeys(node) {
		errs = append(errs, fileErr(d.line, "%s", d.msg()))
	}
	lines := yamltree.KeyLines(node)
	for _, k := range slices.Sorted(maps.Keys(lines)) {
		switch {
		case strings.HasPrefix(k, "x-"), k == "services", k == "version", k == "name",
			k == "volumes", k == "networks", k == "configs", k == "secrets":
		case k == "include":
			errs = append(errs, fileErr(lines[k], "include: not supported: podinit reads one file; put every component in it"))
		default:
			errs = append(errs, fileErr(lines[k], "unknown top-level key %q: a pod's Compose file has services: (and x-* extension fields)", k))
		}
	}
	spec.Volumes = p.declaredVolumes(path, yamltree.Value(node, "volumes"))
	objectPaths := map[string]map[string]string{
		secretKind.kind: p.declaredObjects(path, secretKind, yamltree.Value(node, secretKind.key)),
		configKind.kind: p.declaredObjects(path, configKind, yamltree.Value(node, configKind.key)),
	}
	services := yamltree.Value(node, "services")
	if services == nil || services.Kind != yaml.MappingNode || len(services.Content) == 0 {
		errs = append(errs, fileErr(lines["services"], "no services: each service of the file is a component of the pod"))
		return *spec, join(errs)
	}
	environ := mapping(env)
	dir := filepath.Dir(path)
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	for i := 0; i+1 < len(services.Content); i += 2 {
		name := services.Content[i].Value
		at := where{source: path, service: name, line: services.Content[i].Line}
		if !ValidName(name) {
			errs = append(errs, fileErr(services.Content[i].Line, "services.%s: not a valid component name: use letters, digits, '_', '.' and '-', starting with a letter or digit", name))
			continue
		}
		p.add(service{name: name, at: at, node: services.Content[i+1], baseDir: dir, objectPaths: objectPaths}.read(environ))
	}
	sort.Slice(spec.Components, func(i, j int) bool { return spec.Components[i].Name < spec.Components[j].Name })
	errs = append(errs, p.check()...)
	errs = append(errs, p.errs...)
	return *spec, join(errs)
}

// declaredVolumes reads a Compose file's top-level volumes: their keys, each
// with its `name:` when it has one. What podinit does not apply to them
// (driver, driver_opts, external) is warned about.
func (p *podReading) declaredVolumes(path string, n *yaml.Node) map[string]string {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	out := map[string]string{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		key, decl := n.Content[i].Value, n.Content[i+1]
		out[key] = key
		if name := yamltree.Value(decl, "name"); name != nil && name.Kind == yaml.ScalarNode && name.Value != "" {
			out[key] = name.Value
		}
		if decl.Kind != yaml.MappingNode {
			continue
		}
		for j := 0; j+1 < len(decl.Content); j += 2 {
			k := decl.Content[j].Value
			rule, ok := Keys["volumes.<name>."+k]
			if !ok || rule.Treatment != Warned {
				continue
			}
			v, _ := yamltree.Decode(decl.Content[j+1])
			p.spec.Warnings = append(p.spec.Warnings, &Error{Source: path, File: true, Line: decl.Content[j].Line,
				Msg: fmt.Sprintf("volumes.%s.%s: %s %s", key, k, compact(v), rule.Why)})
		}
	}
	return out
}

// readInit reads pod.init.components: a list of services, named init-1,
// init-2, … unless x-podinit.name names one.
func readInit(value string, env types.Mapping, wd string, p *podReading) []*Error {
	node, err := yamltree.Parse([]byte(value))
	if err != nil {
		return []*Error{yamlErr(InitComponents, false, err)}
	}
	if node == nil || node.Kind != yaml.SequenceNode {
		got := "nothing"
		if node != nil {
			got = yamltree.KindName(node)
		}
		return []*Error{{Source: InitComponents, Msg: fmt.Sprintf("must be a YAML list of Compose services (- image: busybox), got %s", got)}}
	}
	var errs []*Error
	for _, d := range dropDuplicateKeys(node) {
		errs = append(errs, &Error{Source: InitComponents, Line: d.line, Msg: d.msg()})
	}
	for i, item := range node.Content {
		source := fmt.Sprintf("%s[%d]", InitComponents, i)
		name := fmt.Sprintf("init-%d", i+1)
		r := service{name: name, at: where{source: source, line: item.Line}, node: item, role: podspec.RoleInit, baseDir: wd}.read(env)
		if x, ok := initName(item); ok {
			r.c.Name = x
		}
		p.add(r)
	}
	return errs
}

// initName returns x-podinit.name of an init item when it is a valid name
// (readExtension reports it otherwise).
func initName(item *yaml.Node) (string, bool) {
	n := yamltree.Value(yamltree.Value(item, Extension), "name")
	if n == nil || n.Kind != yaml.ScalarNode || !ValidName(n.Value) {
		return "", false
	}
	return n.Value, true
}

var nameRe = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9_.-]*$`)

// ValidName reports whether name can be a component's name: it becomes part
// of a container name (<controller>.<name>). Package template renders
// components by the same rule.
func ValidName(name string) bool { return nameRe.MatchString(name) }

func mapping(env []string) types.Mapping {
	m := types.Mapping{}
	for _, e := range env {
		k, v, _ := strings.Cut(e, "=")
		m[k] = v
	}
	return m
}

func find(spec *podspec.Spec, name string) *podspec.Component {
	for i := range spec.Init {
		if spec.Init[i].Name == name {
			return &spec.Init[i]
		}
	}
	for i := range spec.Components {
		if spec.Components[i].Name == name {
			return &spec.Components[i]
		}
	}
	return nil
}

func names(spec *podspec.Spec) []string {
	var out []string
	for _, c := range spec.Init {
		out = append(out, c.Name)
	}
	for _, c := range spec.Components {
		out = append(out, c.Name)
	}
	return out
}
