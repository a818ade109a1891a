package labels

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/podinit/podinit/podspec"
)

func TestHooksAreRead(t *testing.T) {
	c := component(t, `
image: busybox
post_start:
  - command: ["sh", "-c", "echo $$GREETING > index.html"]
    user: "1000"
    working_dir: /tmp
    environment: {GREETING: "${WHO:-hello}", EMPTY: ""}
  - command: touch /tmp/ready
pre_stop:
  - command: ["sh", "-c", "sleep 1"]
    privileged: true
    environment: [DRAIN=1, BARE]
`)
	require.Equal(t, []podspec.Hook{
		{Command: []string{"sh", "-c", "echo $GREETING > index.html"}, User: "1000", WorkingDir: "/tmp", Env: []string{"EMPTY=", "GREETING=hello"}},
		{Command: []string{"touch", "/tmp/ready"}},
	}, c.PostStart, "the string form is split as a Compose command is")
	require.Equal(t, []podspec.Hook{
		{Command: []string{"sh", "-c", "sleep 1"}, Privileged: true, Env: []string{"BARE", "DRAIN=1"}},
	}, c.PreStop)
}

func TestHookProblemsArePlaced(t *testing.T) {
	errs := problems(t, map[string]string{ComponentPrefix + "app": `
image: busybox
post_start:
  - command: []
pre_stop:
  - user: root
`})
	require.Equal(t, `label pod.component.app (line 3): post_start[0].command: empty: a hook runs a command in the component (for example ["sh", "-c", "echo ready > /tmp/ready"])`, findErr(t, errs, "post_start[0].command").Error())
	require.Equal(t, "label pod.component.app (line 5): pre_stop.0: missing property 'command'", findErr(t, errs, "pre_stop.0").Error(), "compose-go's schema")
	require.Len(t, errs, 2, "%v", errs)

	errs = problems(t, map[string]string{ComponentPrefix + "app": `
image: busybox
pre_stop:
  - command: "true"
    timeout: 3s
`})
	require.Len(t, errs, 1, "%v", errs)
	require.Equal(t, "label pod.component.app (line 3): pre_stop.0: additional properties 'timeout' not allowed", errs[0].Error(), "a hook's keys are Compose's")
}
