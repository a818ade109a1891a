package template

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/compose-spec/compose-go/v2/override"
	yaml "go.yaml.in/yaml/v4"

	"github.com/podinit/podinit/yamltree"
)

// DefaultImage is the controller's image when no pod template gives one.
const DefaultImage = "podinit:dev"

// Options tune Render. The zero value works: the default image, the first
// stack file's folder name as the project name, os.Stdin for "-".
type Options struct {
	// Image is the controllers' image when their pod templates give none.
	Image string
	// Project is .Project.Name (podtemplate deploy passes the stack name).
	Project string
	// Stdin is read for the file name "-".
	Stdin io.Reader
	// WorkDir is where relative stack file names and standard input's
	// relative template paths start; the process's working directory when
	// empty.
	WorkDir string
	// HTTPTimeout bounds each template fetch; 10s when zero.
	HTTPTimeout time.Duration
	// transport replaces the network for http(s) templates in tests.
	transport http.RoundTripper
}

// stackFile is one input file, read.
type stackFile struct {
	name string // as given
	dir  string // absolute folder relative paths in it start from
	data map[string]any
	// configs found in the file, in file order.
	global    map[string]any
	topLevel  map[string]*config // per service, from the top-level field
	svcLevel  map[string]*config // per service, from the service's own field
	topAt     map[string]*Error  // where each top-level entry is
	topArgs   map[string]map[string]any
	svcArgs   map[string]map[string]any
	serviceAt map[string]*Error
	svcOrder  []string
	topOrder  []string
}

// Render reads the stack files (Compose files as `docker stack deploy -c`
// takes them; "-" is standard input), merges them as Compose does, turns
// every service with an x-podinit or x-podlike field (there, or under the
// top-level field of the same name) into a pod controller, and returns the
// whole stack as YAML with sorted keys. The same input gives the same bytes.
func Render(ctx context.Context, files []string, opts Options) ([]byte, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	stacks, merged, project, err := readStacks(ctx, files, opts, true)
	if err != nil {
		return nil, err
	}
	r := &renderer{opts: opts, project: project, loader: newLoader(opts.HTTPTimeout, opts.transport), stack: merged}
	pods, err := collectPods(stacks, merged)
	if err != nil {
		return nil, err
	}
	for _, p := range pods {
		if err := r.transform(ctx, p); err != nil {
			return nil, err
		}
	}
	return marshalYAML(merged)
}

// withDefaults fills in the options left zero.
func (opts Options) withDefaults() (Options, error) {
	if opts.Image == "" {
		opts.Image = DefaultImage
	}
	if opts.Stdin == nil {
		opts.Stdin = os.Stdin
	}
	if opts.WorkDir == "" {
		wd, err := os.Getwd()
		if err != nil {
			return opts, err
		}
		opts.WorkDir = wd
	}
	if opts.HTTPTimeout == 0 {
		opts.HTTPTimeout = 10 * time.Second
	}
	return opts, nil
}

// readStacks reads the stack files and merges them as Compose does. With
// templates, the x-podinit and x-podlike fields are taken out of them (see
// readStack).
func readStacks(ctx context.Context, files []string, opts Options, templates bool) (stacks []*stackFile, merged map[string]any, project Project, err error) {
	if len(files) == 0 {
		return nil, nil, Project{}, fmt.Errorf("no stack file: give one or more STACK.yml, or - for standard input")
	}
	stdinUsed := false
	for _, f := range files {
		var (
			data []byte
			err  error
			dir  = opts.WorkDir
		)
		if f == "-" {
			if stdinUsed {
				return nil, nil, Project{}, fmt.Errorf("-: standard input can be given only once")
			}
			stdinUsed = true
			data, err = cancellable(ctx, func() ([]byte, error) { return readBounded(opts.Stdin, MaxStackSize) })
		} else {
			p := f
			if !filepath.IsAbs(p) {
				p = filepath.Join(opts.WorkDir, p)
			}
			dir = filepath.Dir(p)
			data, err = readStackFile(ctx, p)
		}
		if err != nil {
			return nil, nil, Project{}, fmt.Errorf("%s: cannot read the stack file: %w", f, err)
		}
		s, err := readStack(f, dir, data, templates)
		if err != nil {
			return nil, nil, Project{}, err
		}
		stacks = append(stacks, s)
	}
	merged = stacks[0].data
	for _, s := range stacks[1:] {
		m, err := override.Merge(merged, s.data)
		if err != nil {
			return nil, nil, Project{}, fmt.Errorf("%s: merging it over %s: %w", s.name, stacks[0].name, err)
		}
		merged = m
	}
	project = Project{Dir: stacks[0].dir, File: files[0], Files: files, Name: opts.Project}
	if project.Name == "" {
		project.Name = filepath.Base(project.Dir)
	}
	return stacks, merged, project, nil
}

// readStack parses one stack file and, with templates, takes its extension
// fields out of it.
func readStack(name, dir string, data []byte, templates bool) (*stackFile, error) {
	s := &stackFile{
		name: name, dir: dir,
		topLevel: map[string]*config{}, svcLevel: map[string]*config{},
		topAt: map[string]*Error{}, topArgs: map[string]map[string]any{},
		svcArgs: map[string]map[string]any{}, serviceAt: map[string]*Error{},
	}
	root, err := yamltree.ParseFlat(data)
	if err != nil {
		what := "not valid YAML: "
		if errors.As(err, new(*limitError)) {
			what = "refused: "
		}
		return nil, &Error{File: name, Line: yamlErrLine(err), Msg: what + yamlErrText(err)}
	}
	if root == nil || root.Kind != yaml.MappingNode {
		line := 0
		if root != nil {
			line = root.Line
		}
		return nil, &Error{File: name, Line: line, Msg: "a stack file is a mapping with services: (a Compose file as docker stack deploy takes)"}
	}
	v, err := yamltree.Decode(root)
	if err != nil {
		return nil, &Error{File: name, Msg: err.Error()}
	}
	s.data = v.(map[string]any)
	absFiles(s.data, dir)
	var exts []string
	if templates {
		exts = []string{Extension, PodlikeExtension}
	}
	// Without templates, a service's x-podinit is its component's own (see
	// RenderPod), and top-level fields are left for the caller.
	for _, ext := range exts {
		k, n := yamltree.Lookup(root, ext)
		if k == nil {
			continue
		}
		delete(s.data, ext)
		if yamltree.IsNull(n) {
			continue
		}
		a := at{file: name, path: ext}
		if n.Kind != yaml.MappingNode {
			return nil, a.errf(n, "must be a mapping of service names (and args) to their templates, got %s", yamltree.KindName(n))
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			sk, sv := n.Content[i], n.Content[i+1]
			sa := a.key(sk.Value)
			if sk.Value == "args" {
				if yamltree.IsNull(sv) {
					continue
				}
				if sv.Kind != yaml.MappingNode {
					return nil, sa.errf(sv, "must be a mapping of argument names to values, got %s", yamltree.KindName(sv))
				}
				val, err := yamltree.Decode(sv)
				if err != nil {
					return nil, sa.errf(sv, "%v", err)
				}
				if s.global == nil {
					s.global = map[string]any{}
				}
				merge(s.global, val.(map[string]any))
				continue
			}
			c, err := parseConfig(sv, sa, dir)
			if err != nil {
				return nil, err
			}
			if prev := s.topLevel[sk.Value]; prev != nil {
				prev.add(c)
				mergeArgs(s.topArgs, sk.Value, c.args)
				continue
			}
			s.topLevel[sk.Value] = c
			s.topAt[sk.Value] = sa.errf(sk, "")
			s.topOrder = append(s.topOrder, sk.Value)
			mergeArgs(s.topArgs, sk.Value, c.args)
		}
	}
	_, services := yamltree.Lookup(root, "services")
	if services != nil && services.Kind == yaml.MappingNode {
		svcData, _ := s.data["services"].(map[string]any)
		for i := 0; i+1 < len(services.Content); i += 2 {
			sk, sv := services.Content[i], services.Content[i+1]
			s.serviceAt[sk.Value] = (&at{file: name, path: "services." + sk.Value}).errf(sk, "")
			for _, ext := range exts {
				k, n := yamltree.Lookup(sv, ext)
				if k == nil {
					continue
				}
				if m, ok := svcData[sk.Value].(map[string]any); ok {
					delete(m, ext)
				}
				c, err := parseConfig(n, at{file: name, path: "services." + sk.Value + "." + ext}, dir)
				if err != nil {
					return nil, err
				}
				if prev := s.svcLevel[sk.Value]; prev != nil {
					prev.add(c)
				} else {
					s.svcLevel[sk.Value] = c
					s.svcOrder = append(s.svcOrder, sk.Value)
				}
				mergeArgs(s.svcArgs, sk.Value, c.args)
			}
		}
	}
	return s, nil
}

// absFiles makes the relative file: paths of top-level configs and secrets
// absolute: the rendered stack is read from standard input, where docker
// stack deploy would resolve them against its own working directory.
func absFiles(data map[string]any, dir string) {
	for _, section := range []string{"configs", "secrets"} {
		defs, _ := data[section].(map[string]any)
		for _, d := range defs {
			def, _ := d.(map[string]any)
			if f, ok := def["file"].(string); ok && f != "" && !filepath.IsAbs(f) {
				def["file"] = absPath(f, dir)
			}
		}
	}
}
