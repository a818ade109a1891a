package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
)

// podBinary is the name of the binary that holds controller mode, validate
// and template; it sits next to podinit.
const podBinary = "podinit-pod"

// podMode returns a command that replaces this process with podinit-pod
// running the given subcommand: validate and template, which are no
// container's init. Controller mode runs podinit-pod as a child instead
// (see runPodController).
func podMode(sub string) func(args []string) int {
	return func(args []string) int {
		path, err := findPodBinary()
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

// findPodBinary looks next to this binary first (the image has /podinit and
// /podinit-pod; `make build` writes both to bin/), then on PATH.
func findPodBinary() (string, error) {
	if self, err := os.Executable(); err == nil {
		p := filepath.Join(filepath.Dir(self), podBinary)
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	if p, err := exec.LookPath(podBinary); err == nil {
		return p, nil
	}
	return "", fmt.Errorf("%s is not next to podinit nor on PATH: controller mode, validate and template need it (the podinit image has both; `make build` writes both to bin/)", podBinary)
}
