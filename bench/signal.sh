#!/usr/bin/env bash
# Signal benchmark (issue 4): latency from `docker kill -s HUP` (through the
# API) to a component's handler, through the controller and straight to the
# component, interleaved in one run. Prints a markdown table on stdout.
# Arguments go to `podbench signal` (e.g. -n 100). Builds IMAGE (default podinit:dev) and a
# FROM-scratch image of bench/podbench/sigcatch locally (nothing is pulled);
# removes every container it made and that image.
set -euo pipefail
cd "$(dirname "$0")/.."

export PODINIT_IMAGE=${IMAGE:-${PODINIT_IMAGE:-podinit:dev}}
make -s image IMAGE="$PODINIT_IMAGE"
docker image inspect podinit-test/busybox:latest >/dev/null 2>&1 || ./scripts/test-images.sh

tmp=$(mktemp -d)
image="podinit-bench/sigcatch:$$"
trap 'docker image rm -f "$image" >/dev/null 2>&1 || true; rm -rf "$tmp"' EXIT
CGO_ENABLED=0 go build -o "$tmp/podbench" ./bench/podbench
mkdir "$tmp/ctx"
CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$tmp/ctx/sigcatch" ./bench/podbench/sigcatch
printf 'FROM scratch\nCOPY sigcatch /sigcatch\nENTRYPOINT ["/sigcatch"]\n' >"$tmp/ctx/Dockerfile"
docker build -q -t "$image" "$tmp/ctx" >/dev/null 2>"$tmp/build.log" || { cat "$tmp/build.log" >&2; exit 1; }
echo "engine: $(docker version -f '{{.Server.Version}} (API {{.Server.APIVersion}})'), $(nproc) CPUs"
"$tmp/podbench" signal -image "$image" "$@"
