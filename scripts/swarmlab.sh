#!/usr/bin/env bash
# A three-node Docker Swarm on one machine, to run podinit across nodes.
#
#   scripts/swarmlab.sh up        bring the lab up (idempotent): network, three
#                                 engines, images loaded, swarm formed
#   scripts/swarmlab.sh down      tear everything of the lab down (idempotent)
#   scripts/swarmlab.sh status    show the nodes; exit 1 when the lab is not up
#   scripts/swarmlab.sh kill N    SIGKILL node N's dockerd (a lost node)
#   scripts/swarmlab.sh start N   start node N's dockerd again (the node returns)
#   scripts/swarmlab.sh env N     print `export DOCKER_HOST=…` for node N
#
# Each node is a dockerd in its own network, mount and UTS namespaces, with
# its own data and exec roots, pidfile, socket, --cgroup-parent and
# containerd namespaces; it starts its own containerd. The nodes' network
# namespaces hang on a bridge in a hub namespace of the lab's own through
# veth pairs, on private addresses 10.213.0.1N/24; nothing is routed out and
# the machine's own network namespace and engine are left alone. In a node's
# mount namespace /var/run/docker.sock is that node's engine, so controllers
# that mount it drive their own node. n1 is the manager, n2 and n3 workers;
# the dispatcher heartbeat is 1 s so that a lost node is Down within seconds.
#
# The kernel here has no IPVS: deploy services with endpoint_mode dnsrr and
# no published ports. There is no registry: deploy with --no-resolve-image;
# the engines prefer local images (DOCKER_SERVICE_PREFER_OFFLINE_IMAGE=1).
#
# Environment (all optional):
#   DOCKERD        dockerd to run (default: the one on PATH); containerd and
#                  runc are looked up beside it first (its folder, then ../bin)
#   LAB_IMAGES     images loaded into every node
#                  (default: $PODINIT_IMAGE or podinit:dev, and podinit-test/busybox:latest)
#   LAB_NODES      number of nodes (default 3)
set -euo pipefail

PREFIX=podinit-lab
RUN=/run/$PREFIX                 # sockets, pidfiles, exec roots (short paths: socket length limit)
DATA=/var/lib/$PREFIX            # data roots and logs
NET=10.213.0                     # the lab's /24
NODES=${LAB_NODES:-3}
DOCKERD=${DOCKERD:-$(command -v dockerd || true)}
IMAGES=${LAB_IMAGES:-"${PODINIT_IMAGE:-podinit:dev} podinit-test/busybox:latest"}

log() { echo "swarmlab: $*" >&2; }
die() { log "$*"; exit 1; }

[ "$(id -u)" = 0 ] || die "must run as root (namespaces, mounts)"

sock() { echo "$RUN/n$1/docker.sock"; }
dk() { local n=$1; shift; DOCKER_HOST=unix://$(sock "$n") docker "$@"; }
netns() { echo "$PREFIX-n$1"; }
addr() { echo "$NET.1$1"; }
# pidof_node prints node N's dockerd pid from its pidfile, only when that
# process is a dockerd in the node's network namespace (never a stale pid).
pidof_node() {
  local p ns
  ns=/run/netns/$(netns "$1")
  p=$(cat "$RUN/n$1/dockerd.pid" 2>/dev/null) || return 0
  [ -e "$ns" ] && [ "$(cat "/proc/$p/comm" 2>/dev/null)" = dockerd ] &&
    [ "$(stat -L -c %i "/proc/$p/ns/net" 2>/dev/null)" = "$(stat -L -c %i "$ns")" ] && echo "$p"
  return 0
}
alive() { local p; p=$(pidof_node "$1"); [ -n "$p" ] && kill -0 "$p" 2>/dev/null; }
answers() { timeout 5 env DOCKER_HOST="unix://$(sock "$1")" docker version --format '{{.Server.Version}}' >/dev/null 2>&1; }

# network makes the hub namespace with the bridge and one namespace per node
# joined to it by a veth pair. Every step checks first, so that a half-built
# lab is completed rather than duplicated.
network() {
  local hub=$PREFIX-hub
  [ -e "/run/netns/$hub" ] || ip netns add "$hub"
  ip -n "$hub" link show br0 >/dev/null 2>&1 || ip -n "$hub" link add br0 type bridge
  ip -n "$hub" link set lo up
  ip -n "$hub" link set br0 up
  for n in $(seq 1 "$NODES"); do
    local ns; ns=$(netns "$n")
    [ -e "/run/netns/$ns" ] || ip netns add "$ns"
    ip -n "$ns" link set lo up
    if ! ip -n "$ns" link show eth0 >/dev/null 2>&1; then
      ip -n "$hub" link del "v$n" 2>/dev/null || true
      ip -n "$hub" link add "v$n" type veth peer name eth0 netns "$ns"
      ip -n "$hub" link set "v$n" master br0 up
      ip -n "$ns" addr add "$(addr "$n")/24" dev eth0
      ip -n "$ns" link set eth0 up
    fi
  done
}

# start_node starts node N's dockerd in its namespaces and waits until it
# answers. Inside a new mount namespace (private propagation: nothing leaks
# back) it mounts a fresh sysfs for the node's network namespace and moves
# the cgroup tree back under it (the new sysfs hides the old mounts, and
# dockerd needs the v1 hierarchies), and puts a private tmpfs on /run, so
# that /var/run/docker.sock there is the node's own socket and nothing of
# the machine's engine (/run/docker, a system containerd's socket) is seen;
# the lab's own run folder is carried over.
start_node() {
  local n=$1
  if alive "$n" && answers "$n"; then return 0; fi
  [ -x "$DOCKERD" ] || die "no dockerd: install docker.io or set DOCKERD"
  local run=$RUN/n$n data=$DATA/n$n
  mkdir -p "$run/exec" "$data/root" "$data/mnt/cgroup" "$data/mnt/run"
  rm -f "$run/docker.sock" "$run/dockerd.pid"
  local args=(
    -H "unix://$run/docker.sock" -H unix:///run/docker.sock
    --data-root "$data/root" --exec-root "$run/exec" --pidfile "$run/dockerd.pid"
    --cgroup-parent "/$PREFIX-n$n"
    --containerd-namespace "$PREFIX-n$n" --containerd-plugins-namespace "$PREFIX-n$n-plugins"
    --iptables=false --ip-masq=false --bridge none
  )
  local bindir; bindir=$(dirname "$DOCKERD")
  # shellcheck disable=SC2016 # expanded by the inner shell
  local inner='
    set -e
    hostname "$NODE"
    mount --rbind /sys/fs/cgroup "$DATA_DIR/mnt/cgroup"
    mount -t sysfs sysfs /sys
    mount --move "$DATA_DIR/mnt/cgroup" /sys/fs/cgroup
    mount --rbind "$RUN_DIR" "$DATA_DIR/mnt/run"
    mount -t tmpfs -o mode=755 tmpfs /run
    mkdir -p "$RUN_DIR"
    mount --move "$DATA_DIR/mnt/run" "$RUN_DIR"
    exec "$DOCKERD" "$@"'
  NODE=lab-n$n DATA_DIR=$data RUN_DIR=$run DOCKERD=$DOCKERD \
    PATH=$bindir:${bindir%/sbin}/bin:$PATH DOCKER_SERVICE_PREFER_OFFLINE_IMAGE=1 \
    setsid nsenter --net="/run/netns/$(netns "$n")" \
    unshare --mount --uts --propagation private -- sh -c "$inner" dockerd "${args[@]}" \
    </dev/null >>"$data/dockerd.log" 2>&1 &
  for _ in $(seq 1 120); do
    answers "$n" && return 0
    sleep 0.25
  done
  tail -20 "$data/dockerd.log" >&2
  die "node $n's dockerd did not answer within 30 s (log: $data/dockerd.log)"
}

# load_images saves the images once and loads them into each node that
# lacks one.
load_images() {
  local tar=$DATA/images.tar
  local want=() n img
  for img in $IMAGES; do docker image inspect "$img" >/dev/null || die "image $img is missing on the machine's engine (make image, scripts/test-images.sh)"; done
  # shellcheck disable=SC2086 # a list of images
  docker save -o "$tar.tmp" $IMAGES && mv "$tar.tmp" "$tar"
  for n in $(seq 1 "$NODES"); do
    want=()
    for img in $IMAGES; do
      [ "$(dk "$n" image inspect -f '{{.Id}}' "$img" 2>/dev/null)" = "$(docker image inspect -f '{{.Id}}' "$img")" ] || want+=("$img")
    done
    [ ${#want[@]} = 0 ] || dk "$n" load -q -i "$tar" >/dev/null
  done
}

swarm_state() { dk "$1" info --format '{{.Swarm.LocalNodeState}}' 2>/dev/null || true; }

# form_swarm makes n1 the manager and joins the others as workers.
form_swarm() {
  if [ "$(swarm_state 1)" != active ]; then
    dk 1 swarm init --advertise-addr "$(addr 1)" --listen-addr "$(addr 1):2377" \
      --dispatcher-heartbeat 1s --default-addr-pool 10.214.0.0/16 >/dev/null
  fi
  local token; token=$(dk 1 swarm join-token -q worker)
  for n in $(seq 2 "$NODES"); do
    [ "$(swarm_state "$n")" = active ] ||
      dk "$n" swarm join --advertise-addr "$(addr "$n")" --listen-addr "$(addr "$n"):2377" \
        --token "$token" "$(addr 1):2377" >/dev/null
  done
  for _ in $(seq 1 120); do
    [ "$(dk 1 node ls --format '{{.Status}}' | grep -c Ready)" = "$NODES" ] && return 0
    sleep 0.25
  done
  dk 1 node ls >&2
  die "not every node is Ready"
}

# on_up_exit tears a lab that failed to come up down again, whatever failed.
on_up_exit() {
  local rc=$?
  trap - EXIT INT TERM
  [ "$rc" = 0 ] && return 0
  log "up failed (exit $rc): tearing the lab down"
  down || true
  exit "$rc"
}

up() {
  local t0=$SECONDS
  trap on_up_exit EXIT
  trap 'exit 130' INT TERM
  network
  for n in $(seq 1 "$NODES"); do start_node "$n"; done
  load_images
  form_swarm
  trap - EXIT INT TERM
  log "up in $((SECONDS - t0)) s: $NODES nodes ($("$DOCKERD" --version | cut -d, -f1))"
  status
}

# node_pids prints the pids of node N: every process in its network
# namespace (dockerd, containerd, the shims) and in its cgroups (the
# containers, in network namespaces of their own; components nest there
# too, under their controller's cgroup).
node_pids() {
  local n=$1 ns want p
  ns=/run/netns/$(netns "$1")
  if [ -e "$ns" ]; then
    want=$(stat -L -c %i "$ns")
    for p in /proc/[0-9]*; do
      [ "$(stat -L -c %i "$p/ns/net" 2>/dev/null)" = "$want" ] && echo "${p#/proc/}"
    done
  fi
  [ -d "/sys/fs/cgroup/pids/$PREFIX-n$n" ] &&
    find "/sys/fs/cgroup/pids/$PREFIX-n$n" -name cgroup.procs -exec cat {} + 2>/dev/null
  return 0
}

# stop_node ends node N at once: SIGKILL to each of its processes, by pid,
# until none is left. A graceful stop would give every container its stop
# grace period; the lab's state is thrown away anyway.
stop_node() {
  local n=$1 pids
  for _ in $(seq 1 40); do
    pids=$(node_pids "$n" | sort -u)
    [ -n "$pids" ] || return 0
    # shellcheck disable=SC2086 # a list of pids
    kill -KILL $pids 2>/dev/null || true
    sleep 0.25
  done
  log "node $n: processes still there after 10 s: $pids"
}

# rm_cgroups removes the lab's (by then empty) cgroups, deepest first.
rm_cgroups() {
  local n=$1 d
  for d in /sys/fs/cgroup/*/"$PREFIX-n$n"; do
    if [ -d "$d" ]; then find "$d" -depth -type d -exec rmdir {} + 2>/dev/null || true; fi
  done
}

down() {
  local n
  for n in $(seq 1 "$NODES"); do stop_node "$n"; done
  for n in $(seq 1 "$NODES"); do
    rm_cgroups "$n"
    ip netns del "$(netns "$n")" 2>/dev/null || true
  done
  ip netns del "$PREFIX-hub" 2>/dev/null || true
  if grep -q " $DATA\| $RUN" /proc/self/mountinfo; then
    die "mounts of the lab are still there: $(grep -o " ${DATA}[^ ]*\| ${RUN}[^ ]*" /proc/self/mountinfo | tr '\n' ' ')"
  fi
  rm -rf "$DATA" "$RUN"
  log "down"
}

status() {
  local n ok=0
  for n in $(seq 1 "$NODES"); do
    if alive "$n" && answers "$n"; then
      echo "n$n $(addr "$n") pid $(pidof_node "$n") engine $(dk "$n" version --format '{{.Server.Version}}') swarm $(swarm_state "$n") socket $(sock "$n")"
    else
      echo "n$n down"; ok=1
    fi
  done
  if answers 1; then dk 1 node ls 2>/dev/null || true; fi
  return $ok
}

node_arg() {
  if ! [[ ${1:-} =~ ^[1-9]$ ]] || [ "$1" -gt "$NODES" ]; then die "node must be 1..$NODES, got '${1:-}'"; fi
}

case ${1:-} in
  up) up ;;
  down) down ;;
  status) status ;;
  kill) node_arg "${2:-}"; p=$(pidof_node "$2"); [ -n "$p" ] || die "node $2's dockerd does not run"; kill -KILL "$p" ;;
  start) node_arg "${2:-}"; start_node "$2" ;;
  env) node_arg "${2:-}"; echo "export DOCKER_HOST=unix://$(sock "$2")" ;;
  *) sed -n '2,9p' "$0" >&2; exit 2 ;;
esac
