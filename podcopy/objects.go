package podcopy

import (
	"errors"
	"fmt"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/podinit/podinit/podspec"
)

// CheckObjects returns a problem for each secret or config of the spec
// that the controller, which podinit runs in, does not have where the copy
// will read it (a copy reads a source the same way, and fails the start
// after its container is created: this fails the pod before anything is).
// Without the controller's files at hand (here is false) it says, in one
// warning, what the controller will check.
func CheckObjects(spec podspec.Spec, here bool) (problems []*podspec.Problem, warning string) {
	var unchecked []string
	for _, c := range append(append([]podspec.Component{}, spec.Init...), spec.Components...) {
		for _, cp := range c.Copies {
			o := cp.Object
			if o == nil {
				continue
			}
			if !here {
				unchecked = append(unchecked, fmt.Sprintf("%s %s (%s)", o.Kind, o.Name, cp.Src))
				continue
			}
			parent, _, st, err := statSource(cp.Src)
			switch {
			case errors.Is(err, unix.ENOENT):
				problems = append(problems, c.Problem(o.Key, fmt.Sprintf("%s %s: the controller has no %s: give the %s to the controller's service (docker service create --%s %s, or %s: [%s] on the service in the stack)", o.Kind, o.Name, cp.Src, o.Kind, o.Kind, o.Name, o.Kind+"s", o.Name)))
			case err != nil:
				problems = append(problems, c.Problem(o.Key, fmt.Sprintf("%s %s: %v", o.Kind, o.Name, err)))
			default:
				unix.Close(parent)
				if st.Mode&unix.S_IFMT != unix.S_IFREG {
					problems = append(problems, c.Problem(o.Key, fmt.Sprintf("%s %s: %s in the controller is not a regular file: Swarm mounts a %s as a file", o.Kind, o.Name, cp.Src, o.Kind)))
				}
			}
		}
	}
	if len(unchecked) > 0 {
		warning = "secrets and configs are not checked here, as podinit does not run in the controller: the controller checks at start that it has " + strings.Join(unchecked, ", ")
	}
	return problems, warning
}
