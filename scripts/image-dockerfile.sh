#!/usr/bin/env bash
# Prints Dockerfile.scratch as the engine on DOCKER_HOST can build it. Its
# HEALTHCHECK's --start-interval needs API 1.44 (Engine 25); an older
# engine's builder (20.10) refuses the flag ("Unknown flag:
# start-interval"), and such an engine would ignore it anyway: its probes
# come at the steady interval from the start, so that interval is also how
# late Swarm sees a pod ready (a task stays "starting" until its first
# passing probe: a rolling update waits for it, and on 20.10 `docker
# service logs` showed none of its output before it). For it the image
# probes every 10 s with 3 retries instead of
# every 45 s with 2: ready within 10 s, unhealthy in about 30 s, at 4.5
# times the probes (docs/lifecycle.md, docs/performance.md).
set -euo pipefail
cd "$(dirname "$0")/.."
api=$(docker version -f '{{.Server.APIVersion}}')
if [ "$(printf '%s\n' 1.44 "$api" | sort -V | head -1)" = 1.44 ]; then
  cat Dockerfile.scratch
else
  sed -e 's/ --start-interval=[^ ]*//' -e 's/ --interval=[^ ]*/ --interval=10s/' -e 's/ --retries=[^ ]*/ --retries=3/' Dockerfile.scratch
fi
