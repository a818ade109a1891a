#!/usr/bin/env bash
# The fuzz stage: every fuzz target of the module (func FuzzX in a _test.go
# file), each for FUZZTIME (default 12s), one after another, since
# `go test -fuzz` takes one target per run. Prints the executions each target
# ran and fails if any target found an input that breaks it; the input is
# then in <package>/testdata/fuzz/<target>/, where `go test` replays it from
# then on: commit it with the fix.
#
#   scripts/fuzz.sh                         every target, 12s each
#   FUZZTIME=10m scripts/fuzz.sh FuzzRenderStack   one target, longer
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
export PATH="$PATH:/usr/local/go/bin"

# Go before 1.27 can fail a target at the end of -fuzztime with a bare
# "context deadline exceeded" and no input: a race in its fuzzing
# coordinator (go.dev/issue/75804; seen in CI on FuzzReadV1 with 1.26.8).
# The stage runs on a toolchain with the fix, fetched by the go command
# through the module proxy once and kept in its module cache.
export GOTOOLCHAIN=${FUZZ_GOTOOLCHAIN:-go1.27.4}
go version >&2 || { echo "fuzz: cannot get the Go toolchain $GOTOOLCHAIN" >&2; exit 1; }

fuzztime=${FUZZTIME:-12s}
# Minimizing each new interesting input can take a whole short run (the
# default allows 60s per input); a finding is still minimized this long.
minimize=${FUZZMINIMIZETIME:-2s}
only=${1:-}
log=$(mktemp -d)
trap 'rm -rf "$log"' EXIT

# package dir and target name of every fuzz target, in a stable order.
targets=$({ git ls-files '*_test.go' 2>/dev/null || find . -name '*_test.go'; } |
  xargs grep -H -o '^func Fuzz[A-Za-z0-9_]*([a-z]* \*testing\.F)' |
  sed -E 's#^(.*)/[^/]*_test\.go:func (Fuzz[A-Za-z0-9_]*)\(.*#\1 \2#' | sort)

start=$SECONDS
failed=()
printf '%-34s %-22s %12s %s\n' package target executions result
while read -r dir name; do
  [ -n "$name" ] || continue
  [ -z "$only" ] || [ "$only" = "$name" ] || continue
  out="$log/$name.log"
  if go test -run '^$' -fuzz "^${name}\$" -fuzztime "$fuzztime" -fuzzminimizetime "$minimize" "./${dir#./}" >"$out" 2>&1; then
    result=ok
  else
    result=FAILED
    failed+=("$name")
  fi
  execs=$(grep -o 'execs: [0-9]*' "$out" | tail -1 | cut -d' ' -f2)
  printf '%-34s %-22s %12s %s\n' "${dir#./}" "$name" "${execs:-?}" "$result"
  if [ "$result" = FAILED ]; then
    grep -v '^fuzz: elapsed' "$out" | tail -30 | sed 's/^/    /'
  fi
done <<<"$targets"
echo "fuzz stage: $((SECONDS - start))s"
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzzing found inputs that break: ${failed[*]} (see testdata/fuzz/ in their packages)" >&2
  exit 1
fi
