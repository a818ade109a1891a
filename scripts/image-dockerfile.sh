#!/usr/bin/env bash
# Prints Dockerfile.scratch as the engine on DOCKER_HOST can build it. Its
# HEALTHCHECK's --start-interval needs API 1.44 (Engine 25); an older
# engine's builder (20.10) refuses the flag ("Unknown flag:
# start-interval"), so for it the flag is left out, and that image probes
# at the steady interval from the start, as any image does on such an
# engine (which ignores a start interval).
set -euo pipefail
cd "$(dirname "$0")/.."
api=$(docker version -f '{{.Server.APIVersion}}')
if [ "$(printf '%s\n' 1.44 "$api" | sort -V | head -1)" = 1.44 ]; then
  cat Dockerfile.scratch
else
  sed 's/ --start-interval=[^ ]*//' Dockerfile.scratch
fi
