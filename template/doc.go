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
//
// Files by job: cli.go (the command), read.go and source.go (stack files and
// template sources), config.go and items.go (x-podinit and its template
// items), render.go and execute.go (rendering a template within its bounds),
// merge.go (podlike's merge rules), transform.go (one templated service into
// its pod), controllerdef.go (the controller's service), components.go (the
// components, inits and copies), servicekeys.go (service keys carried onto a
// component: volumes, sysctls, env files), stack.go (Render: the stack in,
// the stack out; collect.go the templated services, yamlout.go the YAML
// written), pod.go (template -pod: a whole project as one pod; podservice.go
// its service keys: deploy, placement, ports; podlimits.go its limits,
// reservations and stop budget; podunion.go keys gathered from every
// service), recursion.go (refusing recursive templates).
package template
