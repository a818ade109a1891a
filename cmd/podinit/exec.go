package main

import (
	"fmt"
	"os"
	"syscall"

	"github.com/podinit/podinit/internal/sibling"
)

// podBinary is the name of the binary that holds controller mode and
// validate; it sits next to podinit.
const podBinary = "podinit-pod"

// templateBinary holds `template`; it sits next to podinit in the template
// image only (the controller image leaves it out: see cmd/podinit-template).
const templateBinary = "podinit-template"

// podMode returns a command that replaces this process with podinit-pod
// running the given subcommand: validate, which is no container's init.
// Controller mode runs podinit-pod as a child instead (see
// runPodController).
func podMode(sub string) func(args []string) int {
	return execMode(findPodBinary, sub)
}

// templateMode is `podinit template`: podinit-template in this process's
// place.
func templateMode(args []string) int {
	return execMode(findTemplateBinary, "template")(args)
}

// execMode returns a command that replaces this process with the binary
// find finds, running the given subcommand.
func execMode(find func() (string, error), sub string) func(args []string) int {
	return func(args []string) int {
		path, err := find()
		if err != nil {
			fmt.Fprintf(os.Stderr, "podinit: %v\n", err)
			return 3
		}
		argv := append([]string{path, sub}, args...)
		err = syscall.Exec(path, argv, os.Environ())
		fmt.Fprintf(os.Stderr, "podinit: running %s: %v\n", path, err)
		return 3
	}
}

// findPodBinary finds podinit-pod (the image has /podinit and
// /podinit-pod).
func findPodBinary() (string, error) {
	if p, ok := sibling.Find(podBinary); ok {
		return p, nil
	}
	return "", fmt.Errorf("%s is not next to podinit nor on PATH: controller mode and validate need it (the podinit image has both; `make build` writes both to bin/)", podBinary)
}

// findTemplateBinary finds podinit-template, which only the template image
// has.
func findTemplateBinary() (string, error) {
	if p, ok := sibling.Find(templateBinary); ok {
		return p, nil
	}
	return "", fmt.Errorf("%s is not next to podinit nor on PATH: `podinit template` is in the template image, which `make image` builds beside the controller's as IMAGE-template: docker run --rm -i -v \"$PWD:$PWD:ro\" -w \"$PWD\" podinit:dev-template template STACK.yml (or scripts/podtemplate); `make build` writes it to bin/", templateBinary)
}
