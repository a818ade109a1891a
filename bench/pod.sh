#!/usr/bin/env bash
# Pod benchmark (issue 3, and the 10-component stop of issue 4): podinit
# against the engine's own floor on the local engine, in one run. Prints
# markdown tables on stdout, progress on stderr. Arguments go to
# `podbench pod` (e.g. -rounds 7, -logs DIR to keep the controllers' logs;
# -floor for issue 11's side-by-side cost table: start against the issue's
# floor and the holder floor, stop, RssAnon, VmHWM, CPU, image; and issue
# 21's pair started by the docker CLI: podinit's controller by `docker run
# -d` against the floor of `docker run -d` plus n parallel `docker run -d`).
# Needs root and a Docker engine; builds IMAGE (default podinit:dev) and the
# busybox test image when missing; removes every container it made.
set -euo pipefail
cd "$(dirname "$0")/.."

export PODINIT_IMAGE=${IMAGE:-${PODINIT_IMAGE:-podinit:dev}}
make -s image IMAGE="$PODINIT_IMAGE"
docker image inspect podinit-test/busybox:latest >/dev/null 2>&1 || ./scripts/test-images.sh

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
CGO_ENABLED=0 go build -o "$tmp/podbench" ./bench/podbench
echo "engine: $(docker version -f '{{.Server.Version}} (API {{.Server.APIVersion}})'), $(nproc) CPUs, $(docker info -f 'cgroup v{{.CgroupVersion}} {{.CgroupDriver}}'); image $PODINIT_IMAGE; load average at the start: $(cut -d' ' -f1-3 /proc/loadavg)"
"$tmp/podbench" pod "$@"
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
