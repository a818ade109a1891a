package main

import (
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/podinit/podinit/internal/testenv"
)

// validateContainer runs `podinit validate -container NAME` from outside
// the controller and returns its stdout, stderr and exit code.
func validateContainer(t *testing.T, name string) (stdout, stderr string, code int) {
	t.Helper()
	return runCommand(t, exec.Command(testenv.Binary(t), "validate", "-container", name))
}

// validateWarning is a warning line of validate's, with or without its
// prefix on stderr.
var validateWarning = regexp.MustCompile(`(?m)^(?:podinit validate: )?warning: (.*)$`)

// TestValidateAgreesWithTheController: issue 20's table. Each pod runs as a
// controller, and `validate -container` reads the same container: the same
// verdict, the same problems and the same warnings. The controller's limits
// and its own flags (-stop-budget, -strict-budget) count in both.
func TestValidateAgreesWithTheController(t *testing.T) {
	t.Parallel()
	requirePodEnv(t)
	cases := []struct {
		name       string
		labels     map[string]string
		dockerArgs []string
		flags      []string
		problems   []string // in both, when the pod is invalid
		warnings   []string // in both
	}{{
		name:       "good",
		labels:     map[string]string{"pod.component.app": "image: " + bbox + "\ncommand: sleep 3600\nmem_limit: 32m"},
		dockerArgs: []string{"--memory", "64m"},
	}, {
		name:       "limits over the pod's",
		labels:     map[string]string{"pod.component.app": "image: " + bbox + "\ncommand: sleep 3600\nmem_limit: 128m\ncpus: 1"},
		dockerArgs: []string{"--memory", "64m", "--cpus", "0.5"},
		problems: []string{
			"label pod.component.app (line 3): mem_limit: 128MiB is more than the pod's memory limit, 64MiB",
			"label pod.component.app (line 4): cpus: 1 is more than the pod's CPU limit, 0.5 CPUs",
		},
	}, {
		name:   "the ceiling",
		labels: map[string]string{"pod.component.app": "image: " + bbox + "\ncommand: sleep 3600\nprivileged: true\nvolumes: [\"/etc:/host-etc\"]"},
		problems: []string{
			"label pod.component.app (line 3): privileged: true gives the component every capability and device of the host",
			"label pod.component.app (line 4): volumes[0]: /etc:/host-etc mounts a host path",
		},
	}, {
		name:     "a missing volume",
		labels:   map[string]string{"pod.component.app": "image: " + bbox + "\ncommand: sleep 3600\nvolumes: [\"pt-nosuch-volume:/data\"]"},
		problems: []string{"label pod.component.app (line 3): volumes[0]: pt-nosuch-volume:/data is neither one of the controller's volumes"},
	}, {
		name:     "a stop budget shorter than the grace",
		labels:   map[string]string{"pod.component.app": "image: " + bbox + "\ncommand: sleep 3600\nstop_grace_period: 5s"},
		flags:    []string{"-stop-budget", "2s"},
		warnings: []string{"stop grace periods along the stop order add up to 5s (app 5s), more than the pod's stop budget 2s minus a 1s margin"},
	}, {
		name:     "the same, with -strict-budget",
		labels:   map[string]string{"pod.component.app": "image: " + bbox + "\ncommand: sleep 3600\nstop_grace_period: 5s"},
		flags:    []string{"-stop-budget", "2s", "-strict-budget"},
		problems: []string{"more than the pod's stop budget 2s minus a 1s margin"},
	}}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			p := runPod(t, c.labels, c.dockerArgs, c.flags...)
			stdout, stderr, code := validateContainer(t, p.name)
			if c.problems == nil {
				require.Equal(t, 0, code, "validate:\n%s%s", stdout, stderr)
				p.running("app")
				require.Contains(t, stdout, "controller: flags: its own "+quoteArgs(c.flags)+", then the ones given here (none)\n")
				// Run inside the controller, validate reads the same.
				inside, err := testenv.Docker("exec", p.name, "/podinit", "validate")
				require.NoError(t, err, inside)
				require.Equal(t, warningsOf(stdout), warningsOf(inside+"\n"))
			} else {
				require.Equal(t, 2, code, "validate:\n%s%s", stdout, stderr)
				require.Equal(t, 2, p.exitCode(60*time.Second), "the controller refuses it too")
				logs := p.logs()
				header := regexp.MustCompile(`the pod is invalid \(\d+ problems?\):`)
				require.Equal(t, header.FindString(stderr), header.FindString(logs))
				for _, line := range strings.Split(stderr, "\n") {
					if strings.HasPrefix(line, "  ") {
						require.Contains(t, strings.Split(logs, "\n"), line, "the controller's report")
					}
				}
				for _, want := range c.problems {
					require.Contains(t, stderr, want)
				}
				p.noneLeft()
			}
			logs := p.logs()
			for _, w := range warningsOf(stdout + stderr) {
				require.Contains(t, logs+"\n", "warning: "+w+"\n", "the controller warns too")
			}
			for _, want := range c.warnings {
				require.Contains(t, strings.Join(warningsOf(stdout+stderr), "\n"), want)
			}
		})
	}
}

func warningsOf(out string) []string {
	var ws []string
	for _, m := range validateWarning.FindAllStringSubmatch(out, -1) {
		ws = append(ws, m[1])
	}
	return ws
}

// TestValidateAgreesOnTheStopMargin: a -stop-margin that leaves nothing of
// the budget, which here comes from the controller's --stop-timeout, is an
// error in the controller and in validate alike.
func TestValidateAgreesOnTheStopMargin(t *testing.T) {
	t.Parallel()
	p := runPod(t, map[string]string{"pod.component.app": "image: " + bbox + "\ncommand: sleep 3600"},
		[]string{"--stop-timeout", "2"}, "-stop-margin", "3s")
	stdout, stderr, code := validateContainer(t, p.name)
	require.Equal(t, 2, code, stdout+stderr)
	require.Equal(t, "podinit validate: -stop-margin 3s must be less than the stop budget 2s\n", stderr)
	require.Equal(t, 2, p.exitCode(60*time.Second))
	require.True(t, strings.HasSuffix(p.logs(), " -stop-margin 3s must be less than the stop budget 2s"), p.logs())
	p.noneLeft()
}
