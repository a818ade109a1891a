package labels

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"
	yaml "go.yaml.in/yaml/v4"

	"github.com/podinit/podinit/podspec"
	"github.com/podinit/podinit/regularfile"
	"github.com/podinit/podinit/yamltree"
)

// service is one Compose service to read into a component.
type service struct {
	name string
	at   where
	node *yaml.Node   // the service's mapping
	role podspec.Role // RoleInit for init components; otherwise from x-podinit
	// baseDir is where relative env_file and label_file paths start: the
	// Compose file's directory, or podinit's working directory for labels.
	baseDir string
	// objectPaths are where the controller has the secrets and configs
	// that the Compose file's top-level declarations place (x-podinit.path),
	// by kind and name.
	objectPaths map[string]map[string]string
}

// reading is what reading one service found.
type reading struct {
	c     podspec.Component
	errs  []*Error
	warns []*Error
	// refs are the components that network_mode, ipc and pid name as
	// service:<name>, for the pod to check that they are components.
	refs []serviceRef
	// leftOut holds the service's profiles when none of them is enabled:
	// the service is not a component then.
	leftOut []string
}

type serviceRef struct {
	at   *Error // the key, placed; Msg is filled when the name is unknown
	name string
}

// read turns the service into a component, and finds every problem in it.
// Keys that cannot work in a pod are reported and left out, so that the rest
// of the service is still checked and all problems come out at once.
func (s service) read(env types.Mapping) reading {
	r := reading{c: podspec.Component{Name: s.name, Source: s.at.componentSource(), Line: s.at.line}}
	if s.role == podspec.RoleInit {
		r.c.Role = podspec.RoleInit
	}
	if s.node == nil || s.node.Kind != yaml.MappingNode {
		got := "nothing"
		if s.node != nil {
			got = yamltree.KindName(s.node)
		}
		r.errs = []*Error{s.at.errf("", "a component must be a YAML mapping of Compose service keys (for example `image: nginx:1.27`), got %s", got)}
		return r
	}
	s.at.lines = yamltree.KeyLines(s.node)
	if len(s.at.lines) > 0 {
		r.c.Lines = s.at.lines
	}
	decoded, err := yamltree.Decode(s.node)
	raw, _ := decoded.(map[string]any)
	if err != nil {
		r.errs = []*Error{s.at.errf("", "%v", err)}
		return r
	}
	r.errs, r.warns = checkKeys(raw, s.at)
	_, hasImage := raw["image"]
	_, building := raw["build"]
	if !hasImage && !building {
		r.errs = append(r.errs, s.at.errf("image", "missing: every component needs an image (podinit builds nothing)"))
	}
	delete(raw, "build")

	// compose-go stops at its first error. To report every problem at
	// once, leave out each key it complains about and load again.
	var svc *types.ServiceConfig
	catchComposeLog(func(msg string) { r.warns = append(r.warns, s.composeWarning(raw, msg)) }, func() {
		for range 20 {
			var loadErrs []*Error
			svc, loadErrs = s.load(yamltree.DeepCopy(raw).(map[string]any), env)
			r.errs = append(r.errs, loadErrs...)
			if svc != nil || !dropKeys(raw, loadErrs) {
				break
			}
		}
	})
	if svc == nil {
		return r
	}
	if !ProfileEnabled(svc.Profiles, env) {
		r.leftOut = svc.Profiles
		return r
	}
	if hasImage && svc.Image == "" {
		// image: "", or a tagged empty scalar (image: !x) that compose-go
		// reads as "" (found by FuzzComposeFile).
		r.errs = append(r.errs, s.at.errf("image", "is empty: every component needs an image (podinit builds nothing); name one, as image: NAME[:TAG]"))
	}
	s.own(svc, raw, &r)
	var netErrs []*Error
	r.c.Network, netErrs = readNetwork(svc, s.at, raw) // before convert: see linkDependencies
	r.errs = append(r.errs, netErrs...)
	r.errs = append(r.errs, convert(svc, s.at, raw, &r.c, &r.warns)...)
	r.errs = append(r.errs, hooks(svc, s.at, &r.c)...)
	copies, objErrs := swarmObjects(svc, s.at, s.objectPaths)
	r.c.Copies = copies
	r.errs = append(r.errs, objErrs...)
	r.c.Role = podspec.RoleMain
	x, xErrs := readExtension(svc.Extensions[Extension], s.at, s.role == podspec.RoleInit)
	r.errs = append(r.errs, xErrs...)
	if s.role == podspec.RoleInit {
		r.c.Role = podspec.RoleInit
		if len(svc.DependsOn) > 0 {
			// podlike ignored it too; its templates write it.
			r.warns = append(r.warns, s.at.errf("depends_on", "%s is ignored: init components run one after another, in the order of %s, before every other component starts", strings.Join(slices.Sorted(maps.Keys(svc.DependsOn)), ", "), InitComponents))
			r.c.DependsOn = nil
		}
	} else if x.role != "" {
		r.c.Role = x.role
	}
	x.applyTo(&r.c)
	return r
}

// own reads the keys with a behaviour of their own (Keys' Own) that the
// loaded service holds: build is read before loading and
// deploy.restart_policy by convert.
func (s service) own(svc *types.ServiceConfig, raw map[string]any, r *reading) {
	for _, ns := range []struct{ key, value, why string }{
		{"network_mode", svc.NetworkMode, "every component joins the controller's network namespace"},
		{"ipc", svc.Ipc, "the pod decides the IPC namespace: one for every component, unless the controller runs with -ipc=false"},
		{"pid", svc.Pid, "the pod decides the PID namespace: the controller's, unless it runs with -pids=false"},
	} {
		if ns.value == "" {
			continue
		}
		name, ok := strings.CutPrefix(ns.value, "service:")
		if !ok {
			r.errs = append(r.errs, s.at.errf(ns.key, "%s: not supported in a pod: %s (service:<a component of the pod> is accepted, with a warning)", ns.value, ns.why))
			continue
		}
		r.warns = append(r.warns, s.at.errf(ns.key, "%s %s%s", ns.value, unused, ns.why))
		r.refs = append(r.refs, serviceRef{at: s.at.errf(ns.key, ""), name: name})
		// compose-go adds a dependency, with restart, on the service whose
		// namespace this one joins. The pod's namespaces are the
		// controller's, there from the start: no order is needed.
		if deps, _ := raw["depends_on"]; !mentions(deps, name) {
			delete(svc.DependsOn, name)
		}
	}
	one := func(key string, n *int) {
		switch {
		case n == nil:
		case *n == 1:
			r.warns = append(r.warns, s.at.errf(key, "1 %sa pod runs one container per component", unused))
		default:
			r.errs = append(r.errs, s.at.errf(key, "%d: a pod runs one container per component: scale the controller's service instead", *n))
		}
	}
	one("scale", svc.Scale)
	if svc.Deploy != nil {
		one("deploy.replicas", svc.Deploy.Replicas)
	}
}

// mentions reports whether depends_on as written (a list or a mapping)
// names name.
func mentions(deps any, name string) bool {
	switch d := deps.(type) {
	case []any:
		return slices.Contains(d, any(name))
	case map[string]any:
		_, ok := d[name]
		return ok
	}
	return false
}

// ProfileEnabled reports whether a service with these profiles runs:
// Compose runs a service without profiles, or with one that
// COMPOSE_PROFILES enables ("*" enables every one).
func ProfileEnabled(profiles []string, env types.Mapping) bool {
	if len(profiles) == 0 {
		return true
	}
	for _, p := range strings.Split(env["COMPOSE_PROFILES"], ",") {
		if p = strings.TrimSpace(p); p == "*" || slices.Contains(profiles, p) {
			return true
		}
	}
	return false
}

var unsetVariable = regexp.MustCompile(`^The "([^"]+)" variable is not set`)

// composeWarning places one of compose-go's log lines about this service:
// at the first key whose value uses the variable it names, if it names one.
func (s service) composeWarning(raw map[string]any, msg string) *Error {
	key := ""
	if m := unsetVariable.FindStringSubmatch(msg); m != nil {
		re := regexp.MustCompile(`\$\{?` + regexp.QuoteMeta(m[1]) + `\b`)
		for _, k := range slices.Sorted(maps.Keys(raw)) {
			if re.MatchString(compact(raw[k])) {
				key = k
				break
			}
		}
	}
	if m := unsetVariable.FindStringSubmatch(msg); m != nil {
		return s.at.errf(key, "${%s} is not set: it becomes a blank string, as in Compose; set %s in podinit's environment (the controller's), or give a default (${%s:-value})", m[1], m[1], m[1])
	}
	return s.at.errf(key, "%s", strings.TrimSuffix(msg, "."))
}

// load runs compose-go's loader over the service alone, as the one service of
// an in-memory Compose file: schema validation (unknown keys), variable
// interpolation, short-form expansion and typing all behave as in Compose.
func (s service) load(raw map[string]any, env types.Mapping) (*types.ServiceConfig, []*Error) {
	details := types.ConfigDetails{
		WorkingDir:  s.baseDir,
		Environment: env,
		ConfigFiles: []types.ConfigFile{{
			Filename: s.at.source,
			Config:   map[string]any{"services": map[string]any{s.name: raw}},
		}},
	}
	project, err := loader.LoadWithContext(context.Background(), details, func(o *loader.Options) {
		o.SetProjectName("pod", true)
		// Every service is loaded; read leaves out those whose profiles
		// are not enabled, after checking them.
		o.Profiles = []string{"*"}
		// Relative bind sources must stay relative so that they can be
		// rejected: the controller's directories are not on the host.
		o.ResolvePaths = false
		// Volumes and networks are not declared at top level here, and
		// depends_on is checked across the whole pod later.
		o.SkipConsistencyCheck = true
		o.SkipExtends = true
		o.SkipInclude = true
		// env_file and label_file are read below, once their relative
		// paths are anchored at baseDir rather than podinit's directory.
		o.SkipResolveEnvironment = true
		o.SkipResolveLabels = true
	})
	if err != nil {
		return nil, s.composeErrors(err)
	}
	svc, ok := project.Services[s.name]
	if !ok {
		return nil, []*Error{s.at.errf("", "compose-go returned no service %q", s.name)}
	}
	for i, f := range svc.EnvFiles {
		svc.EnvFiles[i].Path = s.abs(f.Path)
	}
	for i, f := range svc.LabelFiles {
		svc.LabelFiles[i] = s.abs(f)
	}
	// compose-go reads these itself: check first that reading ends. A
	// missing file is left to it (required: false allows one).
	for _, f := range svc.EnvFiles {
		if err := regularfile.Check(f.Path, MaxDataFileSize); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, []*Error{s.at.errf("env_file", "%s: %v: env files are read from the controller's file system", f.Path, unwrapPathError(err))}
		}
	}
	for _, f := range svc.LabelFiles {
		if err := regularfile.Check(f, MaxDataFileSize); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, []*Error{s.at.errf("label_file", "%s: %v: label files are read from the controller's file system", f, unwrapPathError(err))}
		}
	}
	project.Services[s.name] = svc
	if project, err = project.WithServicesEnvironmentResolved(false); err != nil {
		return nil, []*Error{s.at.errf("env_file", "%v: env files are read from the controller's file system", err)}
	}
	if project, err = project.WithServicesLabelsResolved(false); err != nil {
		return nil, []*Error{s.at.errf("label_file", "%v: label files are read from the controller's file system", err)}
	}
	svc = project.Services[s.name]
	return &svc, nil
}

func (s service) abs(p string) string {
	if filepath.IsAbs(p) || s.baseDir == "" {
		return p
	}
	return filepath.Join(s.baseDir, p)
}

// composeErrors rewrites compose-go's messages, which name the in-memory file
// and `services.<name>`, into Errors that name the label (or file) and key.
func (s service) composeErrors(err error) []*Error {
	msg := err.Error()
	msg = strings.TrimPrefix(msg, "validating "+s.at.source+": ")
	msg = strings.TrimPrefix(msg, "decoding failed due to the following error(s):")
	keyRe := regexp.MustCompile(`'?services(?:\.|\[)` + regexp.QuoteMeta(s.name) + `\]?\.([A-Za-z0-9_.\-\[\]]*[A-Za-z0-9_\]])\.?'?:?`)
	var out []*Error
	var rest []string
	for _, line := range strings.Split(msg, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		m := keyRe.FindStringSubmatchIndex(line)
		if m == nil {
			rest = append(rest, line)
			continue
		}
		key := strings.TrimSuffix(line[m[2]:m[3]], ".[]")
		before := strings.TrimSpace(line[:m[0]])
		text := strings.TrimSpace(line[m[1]:])
		switch before {
		case "", "error while interpolating":
		case "invalid interpolation format for":
			text = strings.TrimSpace("invalid interpolation format " + text)
		default:
			text = before + " " + text
		}
		if text == "" {
			text = "invalid"
		}
		out = append(out, s.at.errf(key, "%s", text))
	}
	if len(rest) > 0 {
		if len(out) > 0 {
			// Continuation lines (hints like "escape any $ with another
			// $") belong to the last keyed message.
			last := out[len(out)-1]
			last.Msg += ": " + strings.Join(rest, " ")
		} else {
			out = append(out, s.at.errf("", "%s", strings.Join(rest, " ")))
		}
	}
	return out
}

// checkKeys reports keys that are unknown or cannot work in a pod, and
// keys accepted with a warning, and deletes both from raw so that loading
// reads only what the component gets.
func checkKeys(raw map[string]any, at where) (errs, warns []*Error) {
	for _, key := range slices.Sorted(maps.Keys(raw)) {
		k, known := Keys[key]
		switch {
		case strings.HasPrefix(key, "x-"):
		case key == "deploy":
			e, w := checkDeploy(raw, at)
			errs, warns = append(errs, e...), append(warns, w...)
		case key == "build":
			if image, ok := raw["image"]; ok {
				warns = append(warns, at.errf(key, "%s is not built: the image %v is used; podinit builds nothing", compact(raw[key]), image))
			} else {
				errs = append(errs, at.errf(key, "podinit builds nothing: build the image, push it to a registry the nodes pull from, and name it in image"))
			}
		case k.Treatment == Warned && namesKeys[key]:
			// Read all the same, for the pod's names and ports (readNetwork).
			warns = append(warns, at.errf(key, "%s %s", compact(raw[key]), k.Why))
		case k.Treatment == Warned:
			warns = append(warns, at.errf(key, "%s %s", compact(raw[key]), k.Why))
			delete(raw, key)
		case k.Treatment == Refused:
			errs = append(errs, at.errf(key, "not supported in a pod: %s", k.Why))
			delete(raw, key)
		case !known:
			msg := "unknown key"
			if near := closest(key, serviceKeys); near != "" {
				msg += ", did you mean " + near + "?"
			}
			errs = append(errs, at.errf(key, "%s (not a Compose service key; podinit's own settings go under %s)", msg, Extension))
			delete(raw, key)
		}
	}
	return errs, warns
}

// checkDeploy warns about deploy's keys that belong to the Swarm service
// and deletes them; resources, replicas and restart_policy are read.
func checkDeploy(raw map[string]any, at where) (errs, warns []*Error) {
	deploy, ok := raw["deploy"].(map[string]any)
	if !ok {
		return nil, nil // compose-go's schema reports the wrong type
	}
	for _, k := range slices.Sorted(maps.Keys(deploy)) {
		key := "deploy." + k
		if Keys[key].Treatment == Warned {
			warns = append(warns, at.errf(key, "%s %s", compact(deploy[k]), Keys[key].Why))
			delete(deploy, k)
		}
	}
	res, _ := deploy["resources"].(map[string]any)
	for _, part := range []string{"limits", "reservations"} {
		m, _ := res[part].(map[string]any)
		for _, k := range slices.Sorted(maps.Keys(m)) {
			key := "deploy.resources." + part + "." + k
			if Keys[key].Treatment == Warned {
				warns = append(warns, at.errf(key, "%s %s", compact(m[k]), Keys[key].Why))
				delete(m, k)
			}
		}
	}
	return errs, warns
}

// compact writes a key's value on one line for a message: a list as its
// items, a mapping as key: value pairs, cut short when long.
func compact(v any) string {
	var b strings.Builder
	var write func(v any, nested bool)
	write = func(v any, nested bool) {
		switch x := v.(type) {
		case []any:
			if nested {
				b.WriteString("[")
			}
			for i, e := range x {
				if i > 0 {
					b.WriteString(", ")
				}
				write(e, true)
			}
			if nested {
				b.WriteString("]")
			}
		case map[string]any:
			if nested {
				b.WriteString("{")
			}
			for i, k := range slices.Sorted(maps.Keys(x)) {
				if i > 0 {
					b.WriteString(", ")
				}
				b.WriteString(k)
				if x[k] != nil {
					b.WriteString(": ")
					write(x[k], true)
				}
			}
			if nested {
				b.WriteString("}")
			}
		case nil:
			b.WriteString("null")
		default:
			fmt.Fprint(&b, x)
		}
	}
	write(v, false)
	const max = 120
	if r := []rune(b.String()); len(r) > max {
		return string(r[:max]) + "…"
	}
	return b.String()
}

// closest returns the candidate nearest to s when it is a likely typo.
func closest(s string, candidates []string) string {
	best, bestD := "", 3
	for _, c := range candidates {
		if d := editDistance(s, c); d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// dropKeys deletes from raw the top-level keys that errs name, and reports
// whether it deleted any.
func dropKeys(raw map[string]any, errs []*Error) bool {
	dropped := false
	for _, e := range errs {
		top, _, _ := strings.Cut(e.Key, ".")
		if _, ok := raw[top]; ok && top != "" {
			delete(raw, top)
			dropped = true
		}
	}
	return dropped
}
