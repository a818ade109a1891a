#!/usr/bin/env bash
# Pod benchmark (issue 3, and the 10-component stop of issue 4): podinit
# against the engine's own floor on the local engine, in one run. Prints
# markdown tables on stdout, progress on stderr. Arguments go to
# `podbench pod` (e.g. -rounds 7, -logs DIR to keep the controllers' logs).
# Needs root and a Docker engine; builds podinit:dev and the busybox test
# image when missing; removes every container it made.
set -euo pipefail
cd "$(dirname "$0")/.."

make -s image
docker image inspect podinit-test/busybox:latest >/dev/null 2>&1 || ./scripts/test-images.sh

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
CGO_ENABLED=0 go build -o "$tmp/podbench" ./bench/podbench
echo "engine: $(docker version -f '{{.Server.Version}} (API {{.Server.APIVersion}})'), $(nproc) CPUs, $(docker info -f 'cgroup v{{.CgroupVersion}} {{.CgroupDriver}}')"
"$tmp/podbench" pod "$@"
