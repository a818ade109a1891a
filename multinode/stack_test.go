//go:build multinode

package multinode

import (
	"bytes"
	"strings"
	"testing"
	"text/template"

	"github.com/podinit/podinit/internal/testenv"
)

// pod is one pod service of a test stack.
type pod struct {
	Name     string
	Replicas int
	Flags    []string // podinit's flags besides -logs and the stop budget
	Order    string   // update_config.order
}

// components of every test pod: web serves its pod's hostname (the
// controller's) on 8080 and side is a sidecar; both say when they get
// SIGTERM and exit 0 on it, so a controller's log shows an orderly stop.
// A literal $ is $$$$ in the stack: `stack deploy` interpolates the labels
// once and podinit, reading them as Compose, once more.
var components = []string{"web", "side"}

var stackTmpl = template.Must(template.New("stack").Funcs(template.FuncMap{"join": strings.Join}).Parse(`
version: "3.8"
services:
{{- range .Pods}}
  {{.Name}}:
    image: {{$.Image}}
    command: ["-logs", "-stop-budget", "8s"{{range .Flags}}, "{{.}}"{{end}}]
    stop_grace_period: 8s
    # The image's own check, every second instead of every 45 s: Swarm
    # waits for a new task's health in updates, so this keeps the stage
    # short.
    healthcheck: {interval: 1s}
    volumes: ["/var/run/docker.sock:/var/run/docker.sock"]
    networks: [net]
    labels:
      pod.component.web: |
        image: {{$.Busybox}}
        command: ["sh", "-c", "mkdir -p /www && hostname > /www/id && httpd -f -p 8080 -h /www & p=$$$$!; trap 'echo web got TERM; kill $$$$p; exit 0' TERM; wait"]
      pod.component.side: |
        image: {{$.Busybox}}
        command: ["sh", "-c", "trap 'echo side got TERM; exit 0' TERM; sleep 3600 & wait"]
        x-podinit: {role: sidecar}
    deploy:
      replicas: {{.Replicas}}
      endpoint_mode: dnsrr
      placement:
        max_replicas_per_node: 2
        preferences: [{spread: node.id}]
      restart_policy: {condition: any, delay: 1s}
      update_config: {parallelism: 1, delay: 0s, monitor: 1s, order: {{or .Order "stop-first"}}}
{{- end}}
{{- if .Peer}}
  peer:
    image: {{.Busybox}}
    command: ["sh", "-c", "mkdir -p /www && echo peer > /www/id && exec httpd -f -p 8080 -h /www"]
    networks: [net]
    deploy:
      endpoint_mode: dnsrr
      placement: {constraints: ["node.hostname == lab-n1"]}
  client:
    image: {{.Busybox}}
    command: ["sleep", "3600"]
    networks: [net]
    deploy:
      endpoint_mode: dnsrr
      placement: {constraints: ["node.hostname == lab-n2"]}
{{- end}}
networks:
  net:
    driver: overlay
`))

// stack renders a stack of pod services; peer adds a plain HTTP service on
// n1 (peer) and a client on n2 (client).
func stack(t *testing.T, peer bool, pods ...pod) string {
	t.Helper()
	var b bytes.Buffer
	err := stackTmpl.Execute(&b, map[string]any{
		"Image": testenv.PodImage, "Busybox": testenv.Busybox, "Pods": pods, "Peer": peer,
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// get fetches http://host:8080/id from inside a container with nc (the
// test image's wget crashes on some lookups), returning the body.
func get(n node, container, host string) (string, error) {
	out, err := n.docker("exec", container, "sh", "-c",
		`printf 'GET /id HTTP/1.0\r\n\r\n' | nc -w 3 `+host+` 8080 | sed '1,/^\r*$/d'`)
	return strings.TrimSpace(out), err
}
