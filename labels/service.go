package labels

import (
	"context"
	"errors"
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
}

// read turns the service into a component, or returns every problem found.
// Keys that cannot work in a pod are reported and left out, so that the rest
// of the service is still checked and all problems come out at once.
func (s service) read(env types.Mapping) (podspec.Component, []*Error) {
	c := podspec.Component{Name: s.name, Source: s.at.componentSource()}
	if s.node == nil || s.node.Kind != yaml.MappingNode {
		got := "nothing"
		if s.node != nil {
			got = kindName(s.node)
		}
		return c, []*Error{s.at.errf("", "a component must be a YAML mapping of Compose service keys (for example `image: nginx:1.27`), got %s", got)}
	}
	s.at.lines = keyLines(s.node)
	raw, err := decodeMap(s.node)
	if err != nil {
		return c, []*Error{s.at.errf("", "%v", err)}
	}
	errs := checkKeys(raw, s.at)
	if _, ok := raw["image"]; !ok {
		errs = append(errs, s.at.errf("image", "missing: every component needs an image (podinit builds nothing)"))
	}

	// compose-go stops at its first error. To report every problem at
	// once, leave out each key it complains about and load again.
	var svc *types.ServiceConfig
	for range 20 {
		var loadErrs []*Error
		svc, loadErrs = s.load(deepCopy(raw).(map[string]any), env)
		errs = append(errs, loadErrs...)
		if svc != nil || !dropKeys(raw, loadErrs) {
			break
		}
	}
	if svc == nil {
		return c, errs
	}
	var netErrs []*Error
	c.Network, netErrs = readNetwork(svc, s.at, raw) // before convert: see linkDependencies
	errs = append(errs, netErrs...)
	convErrs := convert(svc, s.at, raw, &c)
	errs = append(errs, convErrs...)
	c.Role = podspec.RoleMain
	x, xErrs := readExtension(svc.Extensions[Extension], s.at, s.role == podspec.RoleInit)
	errs = append(errs, xErrs...)
	if s.role == podspec.RoleInit {
		c.Role = podspec.RoleInit
		if len(svc.DependsOn) > 0 {
			errs = append(errs, s.at.errf("depends_on", "init components run one after another in the order of %s: remove depends_on", InitComponents))
		}
	} else if x.role != "" {
		c.Role = x.role
	}
	c.Signals = x.signals
	return c, errs
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
// deletes them from raw so that loading can check everything else.
func checkKeys(raw map[string]any, at where) []*Error {
	var errs []*Error
	for _, key := range slices.Sorted(maps.Keys(raw)) {
		switch {
		case strings.HasPrefix(key, "x-"):
		case key == "deploy":
			errs = append(errs, checkDeploy(raw, at)...)
		case namesKeys[key]: // read by readNetwork (hostnames.go)
		case Unsupported[key] != "":
			errs = append(errs, at.errf(key, "not supported in a pod: %s", Unsupported[key]))
			delete(raw, key)
		case !slices.Contains(Supported, key):
			msg := "unknown key"
			if near := closest(key, Supported); near != "" {
				msg += ", did you mean " + near + "?"
			}
			errs = append(errs, at.errf(key, "%s (not a Compose service key; podinit's own settings go under %s)", msg, Extension))
			delete(raw, key)
		}
	}
	return errs
}

// checkDeploy keeps deploy.resources and rejects the rest of deploy.
func checkDeploy(raw map[string]any, at where) []*Error {
	deploy, ok := raw["deploy"].(map[string]any)
	if !ok {
		return nil // compose-go's schema reports the wrong type
	}
	var errs []*Error
	for _, k := range slices.Sorted(maps.Keys(deploy)) {
		if k == "resources" || strings.HasPrefix(k, "x-") {
			continue
		}
		reason := UnsupportedDeploy["deploy."+k]
		if reason == "" {
			continue // unknown: compose-go's schema names it
		}
		errs = append(errs, at.errf("deploy."+k, "not supported in a pod: %s", reason))
		delete(deploy, k)
	}
	res, _ := deploy["resources"].(map[string]any)
	for _, part := range []string{"limits", "reservations"} {
		m, _ := res[part].(map[string]any)
		for _, k := range slices.Sorted(maps.Keys(m)) {
			key := "deploy.resources." + part + "." + k
			if reason := UnsupportedDeploy[key]; reason != "" {
				errs = append(errs, at.errf(key, "not supported in a pod: %s", reason))
				delete(m, k)
			}
		}
	}
	return errs
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

func deepCopy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = deepCopy(e)
		}
		return m
	case []any:
		l := make([]any, len(x))
		for i, e := range x {
			l[i] = deepCopy(e)
		}
		return l
	}
	return v
}
