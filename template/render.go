package template

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"text/template"

	yaml "go.yaml.in/yaml/v4"

	"github.com/podinit/podinit/yamltree"
)

// Data is what a template sees.
type Data struct {
	// Service is the service's definition as written in the stack (after
	// merging every stack file), its Compose keys as map keys
	// (.Service.image, .Service.ports), plus Name, the service's name.
	Service map[string]any
	// Project is the stack being rendered.
	Project Project
	// Args are the user's arguments: service-level over top-level
	// per-service over global.
	Args map[string]any
}

// Project describes the stack being rendered.
type Project struct {
	Name  string   // the stack's name: Options.Project, else the first stack file's folder name
	Dir   string   // absolute folder of the first stack file (the working directory for stdin)
	File  string   // the first stack file as given ("-" for stdin)
	Files []string // every stack file as given
}

// Funcs are the functions templates may call besides text/template's
// built-ins; podlike's set, with the same argument order.
var Funcs = template.FuncMap{
	"yaml":       yamlFunc,
	"indent":     indent,
	"empty":      empty,
	"notEmpty":   func(v any) bool { return !empty(v) },
	"contains":   func(sub, s string) bool { return strings.Contains(s, sub) },
	"startsWith": func(prefix, s string) bool { return strings.HasPrefix(s, prefix) },
	"replace":    replace,
	// text/template's own printf, bounded: a width such as %0999999999d
	// would allocate its padding before anything is written.
	"printf": printf,
}

// maxWidth bounds a printf width or precision, and indent's spaces.
const maxWidth = 1000

// replace is strings.Replace with podlike's argument order, refusing a
// result past MaxRenderedSize: replacing "" inserts new between every byte,
// and chained replaces multiply.
func replace(old, new string, n int, s string) (string, error) {
	count := strings.Count(s, old)
	if n >= 0 && n < count {
		count = n
	}
	if size := len(s) + count*(len(new)-len(old)); size > MaxRenderedSize {
		return "", &limitError{Msg: fmt.Sprintf("replace would make %d bytes, more than %d", size, MaxRenderedSize)}
	}
	return strings.Replace(s, old, new, n), nil
}

// printf is fmt.Sprintf refusing widths and precisions over maxWidth and
// widths taken from arguments (*).
func printf(format string, args ...any) (string, error) {
	for i := 0; i < len(format); i++ {
		if format[i] != '%' {
			continue
		}
		num := 0
		for i++; i < len(format); i++ {
			c := format[i]
			switch {
			case c >= '0' && c <= '9':
				if num = num*10 + int(c-'0'); num > maxWidth {
					return "", &limitError{Msg: fmt.Sprintf("printf %q: a width or precision over %d", format, maxWidth)}
				}
				continue
			case c == '*':
				return "", fmt.Errorf("printf %q: widths from arguments (*) are not supported: write the width", format)
			case c == '.':
				num = 0
				continue
			case c == '+' || c == '-' || c == '#' || c == ' ' || c == '[' || c == ']':
				continue
			}
			break
		}
	}
	return fmt.Sprintf(format, args...), nil
}

// yamlFunc marshals v to YAML, without the final newline so that it can be
// piped into indent.
func yamlFunc(v any) (string, error) {
	b, err := marshalYAML(v)
	if err != nil {
		return "", err
	}
	return strings.TrimSuffix(string(b), "\n"), nil
}

// indent puts n spaces before every non-empty line of s.
func indent(n int, s string) (string, error) {
	if n < 0 || n > maxWidth {
		return "", fmt.Errorf("indent %d: give 0 to %d spaces", n, maxWidth)
	}
	if size := len(s) + n*(strings.Count(s, "\n")+1); size > MaxRenderedSize {
		return "", &limitError{Msg: fmt.Sprintf("indent would make %d bytes, more than %d", size, MaxRenderedSize)}
	}
	pad := strings.Repeat(" ", n)
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		if l != "" {
			lines[i] = pad + l
		}
	}
	return strings.Join(lines, "\n"), nil
}

// empty is true for nil and for an empty string, list or map.
func empty(v any) bool {
	if v == nil {
		return true
	}
	r := reflect.ValueOf(v)
	switch r.Kind() {
	case reflect.Array, reflect.Slice, reflect.Map, reflect.String:
		return r.Len() == 0
	case reflect.Pointer, reflect.Interface:
		return r.IsNil()
	}
	return false
}

// noValue is what text/template prints for a missing map key.
const noValue = "<no value>"

var (
	parseErrRE = regexp.MustCompile(`^template: t:(\d+): (.*)$`)
	execErrRE  = regexp.MustCompile(`^template: t:(\d+):\d+: (.*)$`)
	// innerLineRE finds the template's own line references in a message
	// ("unclosed action started at t:2").
	innerLineRE = regexp.MustCompile(`\bt:\d+`)
)

// render executes one template over data and reads its output as a YAML
// mapping. Errors name the template's source and line.
func render(ctx context.Context, text string, src source, data *Data) (map[string]any, *yaml.Node, error) {
	t, err := template.New("t").Funcs(Funcs).Parse(text)
	if err != nil {
		return nil, nil, templateErr(src, err, parseErrRE, "invalid template syntax")
	}
	if err := checkRecursion(t); err != nil {
		return nil, nil, &Error{File: src.name, Line: lineOf(src), Msg: fmt.Sprintf("%s: %v", src.label(), err)}
	}
	rendered, err := execute(ctx, t, data)
	if err != nil {
		var le *limitError
		if errors.As(err, &le) || ctx.Err() != nil {
			return nil, nil, &Error{File: src.name, Line: lineOf(src), Msg: fmt.Sprintf("%s: %v", src.label(), err)}
		}
		return nil, nil, templateErr(src, err, execErrRE, "rendering failed")
	}
	if i := bytes.Index(rendered, []byte(noValue)); i >= 0 {
		line := bytes.Count(rendered[:i], []byte("\n")) + 1
		return nil, nil, &Error{File: src.name, Line: 0, Msg: fmt.Sprintf(
			"%s renders %s at line %d of its output (%q): a .Args or .Service key it reads is missing; give the argument, or guard it with {{ if }} or {{ with }}",
			src.label(), noValue, line, outputLine(rendered, line))}
	}
	node, err := yamltree.ParseFlat(rendered)
	if err != nil {
		return nil, nil, yamlOutputErr(src, rendered, err)
	}
	if node == nil {
		return map[string]any{}, nil, nil
	}
	if node.Kind != yaml.MappingNode {
		return nil, nil, &Error{File: src.name, Msg: fmt.Sprintf("%s renders %s; it must render a mapping of component names to their definitions", src.label(), yamltree.KindName(node))}
	}
	v, err := yamltree.Decode(node)
	if err != nil {
		return nil, nil, yamlOutputErr(src, rendered, err)
	}
	return v.(map[string]any), node, nil
}

// templateErr turns a text/template error into one that names the
// template's file (or the stack file, for inline text) and line.
func templateErr(src source, err error, re *regexp.Regexp, what string) error {
	msg := err.Error()
	line := 0
	if m := re.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = m[2]
	}
	msg = strings.ReplaceAll(msg, `executing "t" at `, "at ")
	msg = innerLineRE.ReplaceAllStringFunc(msg, func(ref string) string {
		n, _ := strconv.Atoi(strings.TrimPrefix(ref, "t:"))
		f, l := src.place(n)
		return fmt.Sprintf("%s:%d", f, l)
	})
	file, fline := src.place(line)
	e := &Error{File: file, Line: fline, Msg: what + ": " + msg}
	if src.lineBase < 0 && line > 0 {
		e.Msg = fmt.Sprintf("%s (line %d of %s)", e.Msg, line, src.label())
	}
	return e
}

// yamlLineRE splits the YAML library's errors ("yaml: line 3: ...") and
// this package's own about a document's structure ("line 3: ...").
var yamlLineRE = regexp.MustCompile(`^(?:yaml: )?(?:line (\d+): )?(.*)$`)

// yamlOutputErr reports a rendered text that is not YAML, quoting the
// offending output line: a template's output lines need not be its own.
func yamlOutputErr(src source, rendered []byte, err error) error {
	msg := err.Error()
	line := 0
	if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = m[2]
	}
	e := &Error{File: src.name, Msg: fmt.Sprintf("%s does not render valid YAML: %s", src.label(), msg)}
	if line > 0 {
		e.Msg += fmt.Sprintf(" at line %d of its output (%q)", line, outputLine(rendered, line))
	}
	if src.decl != nil && src.name == src.decl.File {
		e.Line = src.decl.Line
	}
	return e
}

func outputLine(b []byte, line int) string {
	lines := strings.Split(string(b), "\n")
	if line >= 1 && line <= len(lines) {
		return strings.TrimSpace(lines[line-1])
	}
	return ""
}
