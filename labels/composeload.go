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

	"github.com/podinit/podinit/regularfile"
)

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
