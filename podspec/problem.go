package podspec

import (
	"fmt"
	"strings"
)

// Problem is one thing wrong with (or, as a warning, worth knowing about)
// a pod's declaration, placed where the user wrote it. Package labels and
// the plan both report Problems, so that `podinit validate` and the
// controller print every one in the same form, in one report.
type Problem struct {
	// Source is where the component was declared: a label name
	// ("pod.component.app", "pod.init.components") or a Compose file path.
	// Empty for a problem of the pod as a whole.
	Source string `json:",omitempty"`
	// File says that Source is a Compose file's path, not a label.
	File bool `json:",omitempty"`
	// Service is the service's name when Source is a Compose file.
	Service string `json:",omitempty"`
	// Key is the dotted key inside the service ("ports",
	// "healthcheck.test"); empty when the problem is the whole value.
	Key string `json:",omitempty"`
	// Line is the YAML line, counted in the label's value or the file; 0
	// when unknown.
	Line int `json:",omitempty"`
	// Msg says what is wrong, with the value, and what would work.
	Msg string
}

func (e *Problem) Error() string {
	var b strings.Builder
	if e.Source != "" {
		if !e.File && e.Service == "" {
			b.WriteString("label ")
		}
		b.WriteString(e.Source)
		if e.Line > 0 {
			fmt.Fprintf(&b, " (line %d)", e.Line)
		}
		b.WriteString(": ")
	}
	path := e.Key
	if e.Service != "" {
		path = "services." + e.Service
		if e.Key != "" {
			path += "." + e.Key
		}
	}
	if path != "" {
		b.WriteString(path + ": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}
