package labels

import (
	"fmt"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/podinit/podinit/podspec"
)

// hooks reads the service's post_start and pre_stop hooks (compose-go has
// checked their keys against the schema, which requires command) onto the
// component. Whether a privileged hook is allowed is the privilege
// ceiling's to say, with the component's own grants (plan/ceiling.go).
func hooks(svc *types.ServiceConfig, at where, c *podspec.Component) []*Error {
	var errs []*Error
	read := func(key string, in []types.ServiceHook) []podspec.Hook {
		var out []podspec.Hook
		for i, h := range in {
			if len(h.Command) == 0 || (len(h.Command) == 1 && h.Command[0] == "") {
				errs = append(errs, at.errf(fmt.Sprintf("%s[%d].command", key, i), "empty: a hook runs a command in the component (for example [\"sh\", \"-c\", \"echo ready > /tmp/ready\"])"))
				continue
			}
			out = append(out, podspec.Hook{
				Command:    []string(h.Command),
				User:       h.User,
				Privileged: h.Privileged,
				Env:        environment(h.Environment),
				WorkingDir: h.WorkingDir,
			})
		}
		return out
	}
	c.PostStart = read("post_start", svc.PostStart)
	c.PreStop = read("pre_stop", svc.PreStop)
	return errs
}
