package labels

import (
	"fmt"
	"slices"
	"strings"

	"github.com/podinit/podinit/podspec"
)

// podReading gathers what reading each service found, for the checks of the pod as
// a whole.
type podReading struct {
	spec podspec.Spec
	errs []*Error
	refs []serviceRef
	// leftOut maps the services left out for their profiles to them.
	leftOut map[string][]string
}

func (p *podReading) add(r reading) {
	p.errs = append(p.errs, r.errs...)
	p.spec.Warnings = append(p.spec.Warnings, r.warns...)
	if r.leftOut != nil {
		if p.leftOut == nil {
			p.leftOut = map[string][]string{}
		}
		p.leftOut[r.c.Name] = r.leftOut
		return
	}
	p.refs = append(p.refs, r.refs...)
	if r.c.Role == podspec.RoleInit {
		p.spec.Init = append(p.spec.Init, r.c)
	} else {
		p.spec.Components = append(p.spec.Components, r.c)
	}
}

// check runs checkPod, checks the components that service:<name> values
// name, and gives each warning once.
func (p *podReading) check() []*Error {
	errs := checkPod(&p.spec, p.leftOut)
	all := names(&p.spec)
	for _, ref := range p.refs {
		if !slices.Contains(all, ref.name) {
			ref.at.Msg = fmt.Sprintf("service:%s: no component is named %q: the pod has %s", ref.name, ref.name, strings.Join(all, ", "))
			errs = append(errs, ref.at)
		}
	}
	seen := map[string]bool{}
	warns := p.spec.Warnings[:0]
	for _, w := range p.spec.Warnings {
		if !seen[w.Error()] {
			seen[w.Error()] = true
			warns = append(warns, w)
		}
	}
	p.spec.Warnings = warns
	return errs
}

// checkPod checks what involves more than one component: unique names, the
// names they answer to, and depends_on (podspec's one check of it).
func checkPod(spec *podspec.Spec, leftOut map[string][]string) []*Error {
	var errs []*Error
	byName := map[string]*podspec.Component{}
	for _, list := range [][]podspec.Component{spec.Init, spec.Components} {
		for i := range list {
			c := &list[i]
			if prev, ok := byName[c.Name]; ok {
				errs = append(errs, componentErr(c, "", fmt.Sprintf("component name %q is also used by %s: names must be unique in a pod", c.Name, prev.Source)))
				continue
			}
			byName[c.Name] = c
		}
	}
	errs = append(errs, spec.DependsProblems(leftOut)...)
	errs = append(errs, checkNames(spec)...)
	return errs
}

// componentErr is an Error about component c, at the key's line.
func componentErr(c *podspec.Component, key, msg string) *Error {
	return c.Problem(key, msg)
}
