#!/usr/bin/env bash
# The README's test command (`make test`): every test, on real engines, as
# root on a fresh Debian bookworm machine. Timed stages, each printed with
# how long it took:
#
#   set-up        packages, Go, Docker 28.5 fetched (cached in /var/cache/podinit)
#   vet           go vet and gofmt
#   28            the Go suite (unit and end-to-end) on Docker 28.5, the default
#                 socket switched to it (scripts/engine.sh 28)
#   28-stall      the TestEngineStall tests, alone: they pause dockerd
#   28-containerd the Go suite on Docker 28.5 with the containerd image store
#                 (Docker 29's default), under its own data root
#                 (scripts/engine.sh 28-containerd)
#   20.10         the Go suite again on Debian's docker.io 20.10 (scripts/engine.sh 20.10)
#   20.10-stall   as above
#   cgroup-parent the cgroup placement test on a 20.10 engine started with its
#                 own --cgroup-parent, in private namespaces
#   cgroup-v2     the cgroup v2 VM, systemd and cgroupfs drivers (scripts/v2lab.sh)
#   swarmlab      ./scripts/swarmlab-tests.sh, when there is one
#   fuzz          ./scripts/fuzz.sh, when there is one
#
# A failing stage does not stop the others (one run shows every failure),
# except set-up, without which nothing can run; the run fails if any stage
# failed. The machine is left with 20.10 on the default socket, as
# scripts/docker-up.sh would start it. Tests that need Docker or root fail
# rather than skip when CI is set.
#
# PODINIT_TEST_STAGES="vet 28 …" runs only those stages (set-up always runs).
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin"

STAGES=${PODINIT_TEST_STAGES:-vet 28 28-stall 28-containerd 20.10 20.10-stall cgroup-parent cgroup-v2 swarmlab fuzz}
IMAGE=${PODINIT_IMAGE:-podinit:dev}
export PODINIT_IMAGE=$IMAGE
SUITE_TIMEOUT=12m

declare -a report
failed=0

# stage NAME MINUTES CMD… runs one stage, timed, and stops it (the whole
# process group: timeout signals it) when it takes longer than MINUTES.
# The limits are a net against a hang, far above the stages' usual times
# (a suite stage: about 4 minutes on an idle 2-core machine, 10 under heavy
# load); each is also cut to what is left of RUN_LIMIT, so that a run of
# hangs still ends inside CI's 90 minutes.
RUN_LIMIT=85
stage() {
  local name=$1 limit=$2; shift 2
  local start=$SECONDS rc=0
  local left=$(((RUN_LIMIT * 60 - (SECONDS - total)) / 60))
  [ "$limit" -gt "$left" ] && limit=$((left > 1 ? left : 1))
  echo "=== stage $name: $(date -u +%H:%M:%S), at most ${limit}m" >&2
  timeout --kill-after=30 "${limit}m" bash -c '"$@"' stage "$@" || rc=$?
  [ $rc = 124 ] && echo "=== stage $name took over ${limit} minutes: stopped" >&2
  local took=$((SECONDS - start))
  local line
  line=$(printf '%-14s %-6s %4dm%02ds' "$name" "$([ $rc = 0 ] && echo ok || echo FAILED)" $((took / 60)) $((took % 60)))
  report+=("$line")
  echo "=== $line" >&2
  [ $rc = 0 ] || failed=1
  return $rc
}

wanted() { [[ " $STAGES " == *" $1 "* ]]; }

setup() {
  local gobin
  gobin=$(./scripts/go-toolchain.sh) || return 1
  echo "$gobin" >"$GOBIN_FILE"
  PATH="$gobin:$PATH"
  go version
  local pkgs="busybox-static docker.io runc strace tini"
  # shellcheck disable=SC2086
  if ! dpkg -s $pkgs >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq $pkgs >/dev/null || return 1
  fi
  # The modules the build and the tests need (not every one go.mod names).
  go list -deps -test ./... >/dev/null || return 1
  ./scripts/engine.sh fetch || return 1
}

vet() {
  go vet ./... || return 1
  local unformatted
  unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
  if [ -n "$unformatted" ]; then
    echo "gofmt would change:" >&2; echo "$unformatted" >&2; return 1
  fi
}

# on ENGINE: ENGINE answers on the default socket, a single-node swarm with
# the test images built.
on() {
  SWARM=1 ./scripts/engine.sh "$1" || return 1
  ./scripts/test-images.sh || return 1
  make -s image IMAGE="$IMAGE" || return 1
}

suite() {
  on "$1" || return 1
  # The tests that restart a private dockerd start the same engine as the
  # one under test (cmd/podinit-pod/dockerd_restart_test.go).
  local root= store= args=
  case $1 in
    28) root=${ENGINE_CACHE:-/var/cache/podinit}/engine28/root ;;
    28-containerd)
      root=${ENGINE_CACHE:-/var/cache/podinit}/engine28/root
      # TestEngineImageStoreIsTheStagesOne fails unless the engine uses it.
      store=containerd args="--feature containerd-snapshotter=true" ;;
  esac
  PODINIT_TEST_DOCKERD_ROOT=$root PODINIT_TEST_IMAGE_STORE=$store PODINIT_TEST_DOCKERD_ARGS=$args \
    go test -race -count=1 -timeout "$SUITE_TIMEOUT" -skip '^TestEngineStall' ./...
}

# These pause dockerd: they run alone, so that no other test sees the
# engine stop answering.
stall() {
  go test -race -count=1 -timeout 3m -run '^TestEngineStall' ./cmd/podinit-pod
}

# An engine with its own --cgroup-parent (relative, so under the engine's
# own cgroup, as `--cgroup-parent lab` puts it): components must still nest
# under the controller.
cgroup_parent() {
  ENGINE_ARGS="--cgroup-parent podinit-lab" ./scripts/engine.sh 20.10 -- bash -c '
    ./scripts/test-images.sh && make -s image IMAGE="$PODINIT_IMAGE" &&
    PODINIT_TEST_DAEMON_CGROUP_PARENT=podinit-lab go test -race -count=1 -v -run "^TestCgroupPlacement$" ./cmd/podinit-pod'
}

optional() {
  local script=$1
  if [ -x "$script" ]; then
    "$script"
  else
    echo "no $script: nothing to run" >&2
  fi
}

# The stages run in child shells (for their time limits).
export -f setup vet on suite stall cgroup_parent optional
export SUITE_TIMEOUT IMAGE

total=$SECONDS
GOBIN_FILE=$(mktemp)
trap 'rm -f "$GOBIN_FILE"' EXIT
export GOBIN_FILE
stage set-up 7 setup || { echo "set-up failed: no test can run" >&2; exit 1; }
# Go may have come from set-up (scripts/go-toolchain.sh): every later stage
# uses it.
PATH="$(cat "$GOBIN_FILE"):$PATH"
wanted vet && stage vet 5 vet
# The 28 stage comes first and 20.10 last, so that the machine ends as it
# started: Debian's engine on the default socket.
if wanted 28; then
  stage 28 13 suite 28
  wanted 28-stall && stage 28-stall 4 stall
fi
# The containerd image store (the stall tests do not touch images).
wanted 28-containerd && stage 28-containerd 13 suite 28-containerd
if wanted 20.10; then
  stage 20.10 13 suite 20.10
  wanted 20.10-stall && stage 20.10-stall 4 stall
fi
wanted cgroup-parent && stage cgroup-parent 4 cgroup_parent
wanted cgroup-v2 && stage cgroup-v2 30 ./scripts/v2lab.sh
wanted swarmlab && stage swarmlab 8 optional ./scripts/swarmlab-tests.sh
wanted fuzz && stage fuzz 8 optional ./scripts/fuzz.sh

took=$((SECONDS - total))
echo "=== stages (total $((took / 60))m$(printf %02d $((took % 60)))s):" >&2
printf '    %s\n' "${report[@]}" >&2
[ $failed = 0 ] || { echo "=== FAILED" >&2; exit 1; }
echo "=== all stages passed" >&2
