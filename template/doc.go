// Package template turns a stack file whose services carry an x-podinit (or
// podlike's x-podlike) extension field into a stack of pod controllers that
// `docker stack deploy -c -` takes as it is.
//
// A templated service becomes its pod's controller: it keeps what belongs to
// a Swarm service (deploy, ports, networks, configs, secrets, ...), runs the
// podinit image with the Docker socket mounted, and carries its pod in
// container labels: the service's own workload becomes the main component
// (pod.component.app unless the transformer template names it), templated
// sidecars become further pod.component.<name> labels, init templates become
// pod.init.components and copy templates pod.copy.<name>.
//
// Templates are Go text/template texts, given inline, as files or over
// HTTP(S) with fallbacks, rendered over the service's definition (.Service),
// the stack (.Project) and user arguments (.Args), and merged by podlike's
// rules: later templates only add (maps merge, lists append, scalars stay).
//
// The output is deterministic: the same input gives the same bytes. Every
// error names the file (stack file, template file or URL) and the line.
package template
