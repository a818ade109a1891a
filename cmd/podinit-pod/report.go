package main

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/podinit/podinit/plan"
	"github.com/podinit/podinit/podspec"
)

// planRead plans the pod that podinit-spec read. Every problem of the pod,
// its declaration's (unknown and refused keys, dependencies, volumes) and
// its plan's (the privilege ceiling, limits, the stop budget), comes back
// in one list, so that a user does not fix one and then learn the next: the
// plan checks what could be read even of a declaration with problems. With
// strict (-strict-compose), the declaration's warnings are problems too.
func planRead(read specRun, ctrl plan.Controller, opts plan.Options, strict bool) (pl *plan.Plan, problems, warnings []*podspec.Problem) {
	problems = append(problems, read.Problems...)
	if read.Spec == nil {
		return nil, sortProblems(problems), nil
	}
	for _, w := range read.Spec.Warnings {
		if strict {
			p := *w
			p.Msg += " (-strict-compose refuses it)"
			problems = append(problems, &p)
			continue
		}
		warnings = append(warnings, w)
	}
	pl, err := plan.NewPlan(*read.Spec, ctrl, opts)
	var pe *plan.PlanError
	switch {
	case errors.As(err, &pe):
		problems = append(problems, planProblems(pe.Problems, read.Problems)...)
	case err != nil:
		problems = append(problems, &podspec.Problem{Msg: err.Error()})
	}
	sortProblems(warnings)
	if len(problems) > 0 {
		return nil, sortProblems(problems), warnings
	}
	for _, w := range pl.Warnings {
		warnings = append(warnings, &podspec.Problem{Msg: w})
	}
	return pl, nil, warnings
}

// planProblems leaves out the plan's problems that the declaration has
// already: the plan guards with the same depends_on check (podspec's) that
// package labels reports first.
func planProblems(planned, declared []*podspec.Problem) []*podspec.Problem {
	var out []*podspec.Problem
	for _, p := range planned {
		if !slices.ContainsFunc(declared, func(d *podspec.Problem) bool { return *d == *p }) {
			out = append(out, p)
		}
	}
	return out
}

// sortProblems orders problems as the user reads the declaration: by label
// or file, then line; problems of the pod as a whole come last.
func sortProblems(ps []*podspec.Problem) []*podspec.Problem {
	sort.SliceStable(ps, func(i, j int) bool {
		a, b := ps[i], ps[j]
		if (a.Source == "") != (b.Source == "") {
			return b.Source == ""
		}
		if a.Source != b.Source {
			return a.Source < b.Source
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Service+"."+a.Key < b.Service+"."+b.Key
	})
	return ps
}

// report is the one header and the problems, one a line.
func report(problems []*podspec.Problem) string {
	var b strings.Builder
	n := "1 problem"
	if len(problems) != 1 {
		n = fmt.Sprintf("%d problems", len(problems))
	}
	fmt.Fprintf(&b, "the pod is invalid (%s):", n)
	for _, p := range problems {
		b.WriteString("\n  " + p.Error())
	}
	return b.String()
}
