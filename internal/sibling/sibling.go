// Package sibling finds podinit's other binaries: `make build` writes every
// binary to bin/ and the image holds them side by side at its root, so each
// is looked for next to the running one first, then on PATH.
package sibling

import (
	"os"
	"os/exec"
	"path/filepath"
)

// Find returns the path of the binary name next to this one, else on PATH.
func Find(name string) (string, bool) {
	if self, err := os.Executable(); err == nil {
		p := filepath.Join(filepath.Dir(self), name)
		if _, err := os.Stat(p); err == nil {
			return p, true
		}
	}
	if p, err := exec.LookPath(name); err == nil {
		return p, true
	}
	return "", false
}
