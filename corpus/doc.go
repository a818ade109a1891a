// Package corpus holds Compose projects of the kinds people run with
// `docker compose up` (web + api + db, a proxy in front of an app, a cache
// and a worker, secrets and configs, a monitoring stack, ...), one folder
// each, written as their authors would write them for Compose, and the tests
// that prove what podinit makes of them unchanged: a working Compose project
// runs as one pod on Swarm.
//
// For every project, golden files record what a user sees:
// validate.golden is `podinit validate -file compose.yaml` (exit code,
// standard output, standard error) and template.golden is `podinit template
// -pod <folder> compose.yaml`, whose stack `docker stack config` must
// accept. `go test ./corpus -update` rewrites them. Several projects are
// also deployed with `docker stack deploy -c -` on the engine's single-node
// swarm, and checked from outside as a user would (the published port, docker
// exec into a component), then removed with nothing left behind.
//
// busybox (podinit-test/busybox, scripts/test-images.sh) stands in for the
// real servers: httpd for web servers, nc for databases and caches.
package corpus
