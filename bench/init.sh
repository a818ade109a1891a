#!/usr/bin/env bash
# Benchmark of `podinit run` against tini, side by side in one run, each as
# PID 1 of a fresh PID namespace (needs root and util-linux unshare):
# orphans reaped per second (a burst released at once, and a backlog of
# zombies drained after the stopped init is resumed), signal relay latency
# (round trips through the init, and the same catcher signalled directly),
# and peak RSS after a burst. Not a timed test; figures vary with the machine.
# Extra arguments go to `initbench bench` (-orphans, -rounds, -pings, ...).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin"
TINI=${TINI:-/usr/bin/tini}
[ -x "$TINI" ] || { echo "bench/init.sh: $TINI not found (Debian package tini)" >&2; exit 1; }
make -s build
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
CGO_ENABLED=0 go build -o "$out/initbench" ./bench/initbench
"$out/initbench" bench -podinit bin/podinit -tini "$TINI" "$@"
