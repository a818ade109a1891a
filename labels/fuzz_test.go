package labels

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/podinit/podinit/internal/fuzzbudget"
	"github.com/podinit/podinit/internal/fuzzseed"
	"github.com/podinit/podinit/internal/testenv"
	"github.com/podinit/podinit/plan"
	"github.com/podinit/podinit/podspec"
	"github.com/podinit/podinit/yamltree"
)

// Budget per input of every fuzz target here: compose-go loads a service
// in milliseconds; a declaration within MaxLabelsSize parses in well under
// these.
const (
	fuzzTime  = 2 * time.Second
	fuzzAlloc = 256 << 20
)

var fuzzCtrl = plan.Controller{ID: "0123456789ab", Name: "ctrl", Image: "podinit:dev", IpcMode: "private"}

// checkDeclaration asserts the properties every reading of a declaration
// has: rejected, every error is a *Error naming one of sources (a label or
// the file) and saying what is wrong; accepted, every component has a
// name and an image, and the spec plans, or the plan's error names the
// component at fault.
func checkDeclaration(t *testing.T, spec podspec.Spec, err error, sources ...string) {
	t.Helper()
	if err != nil {
		for _, e := range flatten(err) {
			var le *Error
			if !errors.As(e, &le) {
				t.Fatalf("not a *labels.Error: %v", e)
			}
			named := false
			for _, s := range sources {
				named = named || e.Source == s || strings.HasPrefix(e.Source, s+"[")
			}
			if !named && e.Source != ComponentPrefix+"<name>" {
				t.Fatalf("error names %q, none of %q: %v", e.Source, sources, e)
			}
			if strings.TrimSpace(e.Msg) == "" {
				t.Fatalf("error says nothing: %#v", e)
			}
		}
		return
	}
	var all []podspec.Component
	all = append(all, spec.Init...)
	all = append(all, spec.Components...)
	for _, c := range all {
		if !ValidName(c.Name) || c.Config.Image == "" || c.Source == "" {
			t.Fatalf("accepted a component without a valid name, image or source: %+v", c)
		}
	}
	// podinit-spec hands the spec to podinit-pod as JSON (podspec.Response):
	// it must arrive as it was read.
	b, jerr := json.Marshal(spec)
	if jerr != nil {
		t.Fatalf("accepted spec does not encode as JSON: %v", jerr)
	}
	var back podspec.Spec
	if jerr := json.Unmarshal(b, &back); jerr != nil || !reflect.DeepEqual(spec, back) {
		t.Fatalf("accepted spec changes through JSON (%v):\nread: %#v\nback: %#v", jerr, spec, back)
	}
	for _, opts := range []plan.Options{{ShareIPC: true, SharePID: true, StopBudget: 10 * time.Second}, {StopBudget: time.Second}} {
		pl, perr := plan.NewPlan(spec, fuzzCtrl, opts)
		if perr != nil {
			named := false
			for _, c := range all {
				named = named || strings.Contains(perr.Error(), c.Name)
			}
			if !named {
				t.Fatalf("accepted labels whose plan fails without naming a component: %v", perr)
			}
			continue
		}
		if len(pl.Members()) < len(spec.Components) {
			t.Fatalf("plan lost components: %d members for %d components", len(pl.Members()), len(spec.Components))
		}
	}
}

// FuzzFromLabels reads a controller's labels: a component, the init list
// and a copy label.
func FuzzFromLabels(f *testing.F) {
	for _, s := range fuzzseed.TestStrings(".", "image:") {
		f.Add("app", s, "", "")
	}
	for _, l := range fuzzseed.ExampleLabels(testenv.RepoRoot(), PodPrefix) {
		for k, v := range l {
			if name, ok := strings.CutPrefix(k, ComponentPrefix); ok {
				f.Add(name, v, l[InitComponents], l[CopyPrefix+name])
			}
		}
	}
	f.Add("app", "image: x\nx-podinit: {role: sidecar, signals: [HUP, usr1, 12, SIGRTMIN+1]}", "- image: x\n  x-podinit: {name: migrate}", "/a:/b")
	f.Add("app", "image: x\nrestart: on-failure:3\nstop_signal: SIGQUIT", "", "{/a: /b, /c: /d}")
	f.Add("app", "image: x\nsecrets: [db, {source: api, target: t, mode: 0400, uid: \"1000\"}]\nconfigs: [{source: c, target: /etc/c, gid: \"2\"}]", "- image: x\n  secrets: [s]", "/a:/run/secrets/db")
	f.Fuzz(func(t *testing.T, name, component, init, copy string) {
		l := map[string]string{ComponentPrefix + name: component}
		if init != "" {
			l[InitComponents] = init
		}
		if copy != "" {
			l[CopyPrefix+name] = copy
		}
		var spec podspec.Spec
		var err error
		fuzzbudget.Check(t, fuzzTime, fuzzAlloc, func() { spec, err = FromLabels(l, []string{"HOME=/root", "A=1"}) })
		sources := []string{ComponentPrefix + name, InitComponents, CopyPrefix + name}
		checkDeclaration(t, spec, err, sources...)
	})
}

// FuzzComposeFile reads a pod.compose.file.
func FuzzComposeFile(f *testing.F) {
	for _, b := range fuzzseed.Files(filepath.Join("testdata", "*.yml")) {
		f.Add(b)
	}
	for _, b := range fuzzseed.Files(filepath.Join("testdata", "limits", "*.yml")) {
		f.Add(b)
	}
	for _, s := range fuzzseed.TestStrings(".", "services:") {
		f.Add([]byte(s))
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(dir, "pod.yml")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		var spec podspec.Spec
		var err error
		fuzzbudget.Check(t, fuzzTime, fuzzAlloc, func() { spec, err = FromComposeFile(path, nil) })
		checkDeclaration(t, spec, err, path, ComposeFile)
	})
}

// FuzzCopies reads a pod.copy.<name> value: accepted, every path is
// absolute; rejected, the error says why.
func FuzzCopies(f *testing.F) {
	for _, s := range fuzzseed.TestStrings(".", "/", ":") {
		f.Add(s)
	}
	f.Add("[/a:/b, /c:/d]")
	f.Fuzz(func(t *testing.T, value string) {
		var cs []podspec.Copy
		var err error
		fuzzbudget.Check(t, time.Second, 64<<20, func() { cs, err = parseCopies(value) })
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error")
			}
			return
		}
		if len(cs) == 0 {
			t.Fatal("accepted no copies")
		}
		for _, c := range cs {
			if !filepath.IsAbs(c.Src) || !filepath.IsAbs(c.Dst) {
				t.Fatalf("accepted a relative path: %+v", c)
			}
		}
	})
}

// FuzzSignalAndRestart reads signal names (stop_signal, x-podinit.signals)
// and restart policies.
func FuzzSignalAndRestart(f *testing.F) {
	for _, s := range []string{"HUP", "sigusr1", "SIGRTMIN+1", "12", "64", "0", "-1", "KILL", "no", "on-failure:3", "always", "unless-stopped", "on-failure:-1", "on-failure:"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if sig, err := parseSignal(s); err == nil && (sig < 1 || sig > 64) {
			t.Fatalf("parseSignal(%q) = %d: not a signal", s, sig)
		} else if err != nil && !strings.Contains(err.Error(), "signal") {
			t.Fatalf("parseSignal(%q): %v does not say what it wanted", s, err)
		}
		r, err := restart(s)
		if err != nil {
			if !strings.Contains(err.Error(), fmt.Sprintf("%q", s)) {
				t.Fatalf("restart(%q): %v does not name the value", s, err)
			}
			return
		}
		if r.MaxRetries < 0 || r.Mode == "" && s != "" {
			t.Fatalf("restart(%q) = %+v", s, r)
		}
	})
}

// FuzzExtension reads x-podinit values: accepted, a role is main or
// sidecar, signals are forwardable and listed once; rejected, each error
// names its x-podinit key.
func FuzzExtension(f *testing.F) {
	for _, s := range []string{"{role: sidecar, signals: [HUP, usr1, 12, SIGRTMIN+1]}", "{name: migrate}", "{signals: []}", "{signals: [KILL, 0, 65, HUP, HUP]}", "{rol: main}", "[]", "sidecar"} {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, value string, isInit bool) {
		n, err := yamltree.Parse([]byte(value))
		if err != nil {
			return
		}
		v, err := yamltree.Decode(n)
		if err != nil {
			return
		}
		x, errs := readExtension(v, where{source: ComponentPrefix + "app"}, isInit)
		for _, e := range errs {
			if !strings.HasPrefix(e.Key, Extension) || e.Source != ComponentPrefix+"app" || e.Msg == "" {
				t.Fatalf("error names no x-podinit key: %#v", e)
			}
		}
		if len(errs) > 0 {
			return
		}
		if x.role != "" && x.role != podspec.RoleMain && x.role != podspec.RoleSidecar || isInit && x.role != "" {
			t.Fatalf("accepted role %q", x.role)
		}
		if x.name != "" && (!isInit || !ValidName(x.name)) {
			t.Fatalf("accepted name %q", x.name)
		}
		seen := map[syscall.Signal]bool{}
		for _, s := range x.signals {
			if s < 1 || s > 64 || s == unix.SIGKILL || s == unix.SIGSTOP || s == unix.SIGCHLD || seen[s] {
				t.Fatalf("accepted signals %v", x.signals)
			}
			seen[s] = true
		}
	})
}
