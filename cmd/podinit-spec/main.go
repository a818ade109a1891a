// Command podinit-spec reads a pod's declaration, a controller's labels or
// a Compose file, and prints it as a podspec.Spec: a podspec.Request as JSON
// on stdin, a podspec.Response on stdout. It is the only binary of the
// controller image that links compose-go. podinit-pod runs it once as the
// controller starts (and for validate), so that compose-go's package state
// (the JSON schemas its validator compiles, about 1.2 MiB that would stay
// resident) and the garbage of reading never live in the process that
// supervises the pod for its whole life (docs/performance.md). It is not meant
// to be called by hand.
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/podinit/podinit/internal/panicguard"
	"github.com/podinit/podinit/internal/seal"
	"github.com/podinit/podinit/labels"
	"github.com/podinit/podinit/podspec"
)

// sealed makes podinit-spec not dumpable before main runs, if the entry
// point has not already: while it reads, its /proc/<pid>/root is the
// controller's, with the engine's socket, and processes of the pod share
// its PID namespace (see podinit-pod's main.go).
var sealed = func() error {
	return seal.Now()
}()

// panicHook runs first inside the guard; a test build sets it to inject a
// panic (panicinject.go).
var panicHook func(what string)

func main() {
	os.Exit(run(os.Stdin, os.Stdout, os.Environ()))
}

// run answers one request. Its exit code is 0 whenever it wrote a
// response, whatever the response says; 2 for a request it cannot read, 3
// for a response it cannot write.
func run(in io.Reader, out io.Writer, env []string) int {
	if sealed != nil {
		fmt.Fprintf(os.Stderr, "podinit-spec: warning: cannot make the process non-dumpable (%v)\n", sealed)
	}
	var req podspec.Request
	if err := json.NewDecoder(in).Decode(&req); err != nil {
		fmt.Fprintf(os.Stderr, "podinit-spec: reading the request on stdin: %v (podinit-pod runs this binary; it is not meant to be called by hand)\n", err)
		return 2
	}
	var resp podspec.Response
	// compose-go's loader has had panics: one becomes one line in the
	// response, and podinit-pod exits as for an invalid pod.
	panicguard.Run(func(line string) { resp.Internal = line }, "reading the pod", 2, panicHook, func() int {
		spec, err := read(req, env)
		resp.Spec = &spec
		resp.Problems = labels.Problems(err)
		return 0
	})
	if err := json.NewEncoder(out).Encode(resp); err != nil {
		fmt.Fprintf(os.Stderr, "podinit-spec: writing the response: %v\n", err)
		return 3
	}
	return 0
}

// read reads the declaration the request names.
func read(req podspec.Request, env []string) (podspec.Spec, error) {
	if req.File != "" && len(req.Labels) == 0 {
		return labels.FromComposeFile(req.File, env)
	}
	return labels.FromLabels(req.Labels, env)
}
