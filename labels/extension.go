package labels

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/podinit/podinit/podspec"
)

// extension is a component's x-podinit settings.
type extension struct {
	name        string // init components only
	role        podspec.Role
	signals     []syscall.Signal
	onUnhealthy podspec.OnUnhealthy
	exitCodes   *podspec.ExitCodes
}

// applyTo gives c the settings that are the component's own (name and role
// are the caller's: they depend on where the component was declared).
func (x extension) applyTo(c *podspec.Component) {
	c.Signals = x.signals
	c.OnUnhealthy = x.onUnhealthy
	c.Restart.ExitCodes = x.exitCodes
}

// readExtension checks and reads x-podinit. Unknown keys are errors, so a
// misspelt setting is never silently ignored.
func readExtension(v any, at where, isInit bool) (extension, []*Error) {
	var x extension
	if v == nil {
		return x, nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return x, []*Error{at.errf(Extension, "must be a mapping such as {role: sidecar, signals: [HUP]}, got %v", v)}
	}
	var errs []*Error
	fail := func(key, format string, args ...any) {
		errs = append(errs, at.errf(Extension+"."+key, format, args...))
	}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		val := m[k]
		switch k {
		case "name":
			s, ok := val.(string)
			switch {
			case !isInit:
				fail(k, "only init components take a name here; a component's name is the one in its label or service key")
			case !ok || !ValidName(s):
				fail(k, "%v is not a valid name: use letters, digits, '_', '.' and '-', starting with a letter or digit", val)
			default:
				x.name = s
			}
		case "role":
			s, _ := val.(string)
			switch {
			case isInit:
				fail(k, "init components have the role init; remove role")
			case s == string(podspec.RoleMain) || s == string(podspec.RoleSidecar):
				x.role = podspec.Role(s)
			default:
				fail(k, "%v is not a role: use main or sidecar", val)
			}
		case "signals":
			list, ok := val.([]any)
			if !ok {
				fail(k, "must be a list of signals such as [HUP, USR1], got %v", val)
				continue
			}
			x.signals = []syscall.Signal{} // an empty list means "none"
			for _, item := range list {
				sig, err := parseSignal(fmt.Sprint(item))
				if err == nil && (sig == unix.SIGKILL || sig == unix.SIGSTOP || sig == unix.SIGCHLD) {
					err = fmt.Errorf("%v cannot be forwarded (it cannot be caught, or it is the init's own)", item)
				}
				if err != nil {
					fail(k, "%v", err)
					continue
				}
				if !slices.Contains(x.signals, sig) {
					x.signals = append(x.signals, sig)
				}
			}
		case "on-unhealthy":
			s, _ := val.(string)
			switch {
			case isInit:
				fail(k, "init components run to completion, and only components that serve are restarted when unhealthy; remove on-unhealthy")
			case s == string(podspec.UnhealthyNone) || s == string(podspec.UnhealthyRestart):
				x.onUnhealthy = podspec.OnUnhealthy(s)
			default:
				fail(k, "%v is not a choice: use restart or none", val)
			}
		case "restart-on-exit-codes":
			codes, err := readExitCodes(val)
			if err != nil {
				fail(k, "%v", err)
				continue
			}
			x.exitCodes = codes
		default:
			fail(k, "unknown key: %s takes %s", Extension, strings.Join(podinitKeys, ", "))
		}
	}
	return x, errs
}

// readExitCodes reads restart-on-exit-codes: a list of codes that restart
// the component ([42]), or {not-in: [0, 3]} for every code but those.
func readExitCodes(v any) (*podspec.ExitCodes, error) {
	const want = "must be a list of exit codes such as [42], or {not-in: [0, 3]} for every code but those"
	rule := &podspec.ExitCodes{}
	list, ok := v.([]any)
	if m, isMap := v.(map[string]any); isMap {
		if len(m) != 1 || m["not-in"] == nil {
			return nil, fmt.Errorf("%s, got %v", want, v)
		}
		list, ok = m["not-in"].([]any)
		rule.NotIn = true
	}
	if !ok || len(list) == 0 {
		return nil, fmt.Errorf("%s, got %v", want, v)
	}
	for _, item := range list {
		code, isInt := item.(int)
		if !isInt || code < 0 || code > 255 {
			return nil, fmt.Errorf("%v is not an exit code: use whole numbers from 0 to 255", item)
		}
		if !slices.Contains(rule.Codes, code) {
			rule.Codes = append(rule.Codes, code)
		}
	}
	slices.Sort(rule.Codes)
	return rule, nil
}

// parseSignal reads a signal as a name with or without SIG, in any case, or
// as a number.
func parseSignal(s string) (syscall.Signal, error) {
	s = strings.TrimSpace(s)
	if n, err := strconv.Atoi(s); err == nil {
		if n < 1 || n > 64 {
			return 0, fmt.Errorf("%q is not a signal number: use 1 to 64", s)
		}
		return syscall.Signal(n), nil
	}
	name := strings.ToUpper(s)
	if !strings.HasPrefix(name, "SIG") {
		name = "SIG" + name
	}
	if sig := unix.SignalNum(name); sig != 0 {
		return sig, nil
	}
	return 0, fmt.Errorf("%q is not a signal: use a name such as HUP or SIGUSR1, or a number", s)
}
