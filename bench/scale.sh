#!/usr/bin/env bash
# Scale benchmark (issue 21): N pods (default 20) of 2 busybox components,
# all started at once, beside the floor (the same pods with no controller)
# in one run: start-all and stop-all, both sides launched through the API
# and by the docker CLI (`docker run -d`, `docker stop`: the issue's own
# floor), the engine's CPU at rest, RssAnon per pod, engine API calls per
# pod by endpoint (each controller talks to the engine through its own
# counting proxy), and a timeline of one start under load. Arguments go to
# `podbench scale` (-n 20, -rounds 2, -idle 30s, -launch api|cli|both,
# -ctrl-ipc shareable, -health 45s,2s, -logs DIR).
# Run it on a private engine: CI=true ./scripts/engine.sh 28 -- bench/scale.sh
# (the engine's CPU is read from /proc by process name, so the run must see
# only that engine's dockerd and containerd). Needs root; builds IMAGE
# (default podinit:dev) and the busybox test image when missing; removes
# every container it made.
set -euo pipefail
cd "$(dirname "$0")/.."

export PODINIT_IMAGE=${IMAGE:-${PODINIT_IMAGE:-podinit:dev}}
make -s image IMAGE="$PODINIT_IMAGE" >/dev/null
docker image inspect podinit-test/busybox:latest >/dev/null 2>&1 || ./scripts/test-images.sh >/dev/null

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
CGO_ENABLED=0 go build -o "$tmp/podbench" ./bench/podbench
echo "engine: $(docker version -f '{{.Server.Version}} (API {{.Server.APIVersion}})'), $(nproc) CPUs, $(docker info -f 'cgroup v{{.CgroupVersion}} {{.CgroupDriver}}'); image $PODINIT_IMAGE; load average at the start: $(cut -d' ' -f1-3 /proc/loadavg)"
"$tmp/podbench" scale "$@"
