package labels

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/podinit/podinit/podspec"
)

// Error is one problem in the pod's declaration. FromLabels and
// FromComposeFile return every Error they find, joined with errors.Join; use
// errors.As on each to read the fields.
type Error = podspec.Problem

// where is the place a service was declared; it makes Errors for it.
type where struct {
	source  string // label name or file path
	service string // service name, for Compose files only
	// lines maps the service's top-level keys to their lines.
	lines map[string]int
	// line is where the service is named in a larger text (a Compose
	// file), for problems with no key line; 0 for a label of its own.
	line int
}

func (w where) errf(key, format string, args ...any) *Error {
	e := &Error{Source: w.source, File: w.service != "", Service: w.service, Key: key, Msg: fmt.Sprintf(format, args...)}
	top := key
	if i := strings.IndexAny(key, ".["); i >= 0 {
		top = key[:i]
	}
	e.Line = w.lines[top]
	if e.Line == 0 {
		e.Line = w.line
	}
	return e
}

// componentSource is the podspec.Component Source for a component declared here.
func (w where) componentSource() string {
	if w.service != "" {
		return w.source + ": services." + w.service
	}
	return w.source
}

var yamlLine = regexp.MustCompile(`\bline (\d+)`)

// yamlErr turns a YAML parser error into an Error that carries the line
// separately (the parser counts from 1 in the text it was given).
func yamlErr(source string, file bool, err error) *Error {
	msg := err.Error()
	e := &Error{Source: source, File: file}
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		e.Line, _ = strconv.Atoi(m[1])
	}
	e.Msg = "invalid YAML: " + strings.TrimPrefix(msg, "yaml: ")
	return e
}

// Problems returns the Errors inside an error of FromLabels or
// FromComposeFile, in order.
func Problems(err error) []*podspec.Problem { return flatten(err) }

// flatten returns the Errors inside err (joined or single) in order.
func flatten(err error) []*Error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []*Error
		for _, e := range j.Unwrap() {
			out = append(out, flatten(e)...)
		}
		return out
	}
	var e *Error
	if errors.As(err, &e) {
		return []*Error{e}
	}
	return []*Error{{Msg: err.Error()}}
}

func join(errs []*Error) error {
	if len(errs) == 0 {
		return nil
	}
	out := make([]error, len(errs))
	for i, e := range errs {
		out[i] = e
	}
	return errors.Join(out...)
}
