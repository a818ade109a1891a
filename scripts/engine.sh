#!/usr/bin/env bash
# Starts one of the Docker engines the tests run on, and prints `docker version`.
#
#   scripts/engine.sh 20.10|28|28-containerd
#                                          the engine answers on the default socket;
#                                          whatever listened there is stopped first
#   scripts/engine.sh stop                 stops the engine on the default socket
#   scripts/engine.sh ENGINE -- CMD…       the engine runs in private network, mount,
#                                          UTS and PID namespaces, answering there on
#                                          /var/run/docker.sock, for as long as CMD runs;
#                                          the host's engine is neither seen nor touched
#   scripts/engine.sh sandbox -- CMD…      CMD runs in such namespaces with an empty /run
#                                          and ENGINE_STATE set: no engine answers there,
#                                          as on a fresh machine, and CMD may start and
#                                          switch engines on the default socket
#
# 20.10 is Debian bookworm's docker.io (installed with apt when missing), with
# its usual --data-root /var/lib/docker and --exec-root /var/run/docker.
# 28 is docker.io 28.5 from Debian sid with containerd 1.7 from trixie: the
# .deb files are fetched with a private apt configuration (the system's
# sources are not changed) and unpacked with dpkg-deb into $ENGINE_CACHE; it
# keeps its own --data-root /var/lib/podinit-engine/28 and --exec-root
# /run/podinit-engine/28, so that switching engines never migrates or
# corrupts the other engine's state.
# 28-containerd is the same 28.5 with the containerd image store on
# (--feature containerd-snapshotter=true, Docker 29's default on a fresh
# install), under its own --data-root /var/lib/podinit-engine/28-containerd
# and --exec-root /run/podinit-engine/28-containerd: an engine's images live
# in one store or the other, and switching would hide them.
#
# Environment (all optional):
#   ENGINE_SOCK   the default socket                         (/var/run/docker.sock)
#   ENGINE_STATE  a directory for both engines' data and exec roots instead of
#                 the above (ENGINE_STATE/<engine>/{data,exec}); the sandbox
#                 mode defaults it to /var/lib/podinit-engine/sandbox. The
#                 private mode makes a fresh engine in
#                 /var/lib/podinit-engine/private-<engine>.* and removes it after.
#   ENGINE_ARGS   more dockerd flags, e.g. "--cgroup-parent lab"
#   ENGINE_CACHE  downloads and unpacked packages             (/var/cache/podinit)
#   SWARM=1       make the engine a single-node swarm
set -euo pipefail

log() { echo "engine: $*" >&2; }
die() { log "$*"; exit 1; }

CACHE=${ENGINE_CACHE:-/var/cache/podinit}
SOCK=${ENGINE_SOCK:-/var/run/docker.sock}
SID_DOCKER=docker.io/sid
TRIXIE_CONTAINERD=containerd/trixie

[ "$(id -u)" = 0 ] || die "must run as root"

# apt_install installs bookworm packages the engines need from the system's
# own sources.
apt_install() {
  local missing=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} = 0 ] && return 0
  log "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=300 install -y -qq "${missing[@]}" >/dev/null 2>&1 ||
    { apt-get -o DPkg::Lock::Timeout=300 update -qq &&
      apt-get -o DPkg::Lock::Timeout=300 install -y -qq "${missing[@]}" >/dev/null; }
}

# fetch28 unpacks docker.io from sid and containerd from trixie into
# $CACHE/engine28/root once; later runs reuse it.
fetch28() {
  local dir=$CACHE/engine28
  # dockerd 28 uses bookworm's runc; docker-init is a link to tini-static (package tini).
  apt_install runc tini
  if [ -x "$dir/root/usr/sbin/dockerd" ] && [ -f "$dir/root/.complete" ]; then
    echo "$dir/root"; return
  fi
  log "fetching docker.io from sid and containerd from trixie into $dir"
  rm -rf "$dir/root" "$dir/debs"
  mkdir -p "$dir/apt/lists/partial" "$dir/apt/cache/archives/partial" "$dir/debs" "$dir/root"
  printf '%s\n' 'deb http://deb.debian.org/debian sid main' \
    'deb http://deb.debian.org/debian trixie main' >"$dir/apt/sources.list"
  local opts=(-o "Dir::Etc::sourcelist=$dir/apt/sources.list" -o Dir::Etc::sourceparts=/nonexistent
    -o "Dir::State::lists=$dir/apt/lists" -o "Dir::Cache=$dir/apt/cache" -o Debug::NoLocking=1
    -o APT::Sandbox::User=root)
  apt-get "${opts[@]}" -qq update >&2
  (cd "$dir/debs" && apt-get "${opts[@]}" -qq download "$SID_DOCKER" "$TRIXIE_CONTAINERD" >&2)
  for deb in "$dir"/debs/*.deb; do dpkg-deb -x "$deb" "$dir/root"; done
  ln -sf "$(command -v tini-static)" "$dir/root/usr/bin/docker-init"
  touch "$dir/root/.complete"
  echo "$dir/root"
}

# listener prints the pid of the process listening on unix socket $1 (any
# spelling of its path: /var/run is /run).
listener() {
  local want path rest
  want=$(readlink -f "$1" 2>/dev/null || echo "$1")
  ss -xlpnH 2>/dev/null | while read -r _ _ _ _ path _ _ _ rest; do
    if [ "$(readlink -f "$path" 2>/dev/null)" = "$want" ]; then
      grep -o 'pid=[0-9]*' <<<"$rest" | head -1 | cut -d= -f2
      break
    fi
  done
}

# stop_engine stops the dockerd listening on $1 (its containers stop with it)
# and waits until it has gone, killing it after 60 s.
stop_engine() {
  local pid
  pid=$(listener "$1")
  [ -n "$pid" ] || return 0
  local comm
  comm=$(cat "/proc/$pid/comm" 2>/dev/null || true)
  [ "$comm" = dockerd ] || die "$1 is held by ${comm:-pid $pid}, not by a dockerd: not stopping it"
  log "stopping $(tr '\0' ' ' </proc/"$pid"/cmdline 2>/dev/null | cut -c1-60) (pid $pid) on $1"
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 120); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  if kill -0 "$pid" 2>/dev/null; then
    log "dockerd $pid did not stop within 60 s: killing it"
    kill -KILL "$pid" 2>/dev/null || true
    sleep 1
  fi
}

# systemd_stop stops Debian's docker.service where systemd runs it (and its
# docker.socket, which would start it again on the first request): the
# engines of this script are started by hand.
systemd_stop() {
  [ "$SOCK" = /var/run/docker.sock ] && [ -d /run/systemd/system ] || return 0
  local unit
  for unit in docker.socket docker.service; do
    if systemctl is-active --quiet "$unit" 2>/dev/null; then
      log "stopping systemd's $unit"
      timeout 90 systemctl stop "$unit"
    fi
  done
}

# runs_with PID EXEC tells whether PID is a process of the engine whose
# exec root is EXEC (its command line names it).
runs_with() {
  [ -n "$1" ] && tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null | grep -qF -- "$2"
}

# clear_stale_pidfiles EXEC removes the dockerd and containerd pidfiles of
# an engine that was killed (a run stopped by its time limit, a killed
# sandbox): dockerd trusts them, and a pid they name may belong to another
# process by now, so that dockerd waits for a "containerd" that is not one
# ("timeout waiting for containerd to start") or refuses to start. A pidfile
# is kept only while its process is that engine's, its command line naming
# EXEC.
clear_stale_pidfiles() {
  local exec_root=$1 f pid
  for f in "$exec_root/dockerd.pid" "$exec_root/containerd/containerd.pid"; do
    [ -f "$f" ] || continue
    pid=$(cat "$f" 2>/dev/null || true)
    runs_with "$pid" "$exec_root" && continue
    log "removing the stale pidfile $f (pid ${pid:-none} is not this engine's)"
    rm -f "$f"
  done
}

# clear_stale_netns EXEC removes the network namespaces that a stopped
# engine left in EXEC/netns (a dockerd that was killed, or stopped before it
# had torn its overlay networks down). Each is a bind-mounted nsfs file that
# keeps its namespace, and the swarm's vxlan device inside it, alive; the
# device holds its VNI on UDP 4789 for the host, so the other engine's
# ingress, which has the same VNI, fails "error creating vxlan interface:
# file exists" and never comes up (seen in CI switching 20.10 -> 28). Only
# an engine that is not running is cleared: a running dockerd owns its own.
clear_stale_netns() {
  local exec_root=$1 f
  [ -d "$exec_root/netns" ] || return 0
  runs_with "$(cat "$exec_root/dockerd.pid" 2>/dev/null || true)" "$exec_root" && return 0
  for f in "$exec_root"/netns/*; do
    [ -e "$f" ] || continue
    log "removing the stale network namespace $f of a stopped engine"
    umount "$f" 2>/dev/null || umount -l "$f" 2>/dev/null || true
    rm -f "$f"
  done
}

# start_engine ENGINE SOCKET DATA EXEC LOG starts dockerd in the background
# and waits (up to 60 s) until it answers on SOCKET.
start_engine() {
  local engine=$1 sock=$2 data=$3 exec_root=$4 logf=$5 path=$PATH
  case $engine in
    20.10)
      if ! command -v dockerd >/dev/null || ! dockerd --version | grep -q ' 20\.10\.'; then
        apt_install docker.io
      fi ;;
    28 | 28-containerd)
      local root
      root=$(fetch28)
      path=$root/usr/bin:$root/usr/sbin:$PATH ;;
  esac
  command -v docker >/dev/null || apt_install docker.io
  mkdir -p "$data" "$exec_root" "$(dirname "$sock")" "$(dirname "$logf")"
  clear_stale_pidfiles "$exec_root"
  local args=(-H "unix://$sock" --data-root "$data" --exec-root "$exec_root"
    --pidfile "$exec_root/dockerd.pid" --iptables=false --ip-masq=false)
  # A system containerd (a containerd.service) would otherwise be shared by
  # both engines under one namespace.
  [ -S /run/containerd/containerd.sock ] && args+=(--containerd-namespace "podinit-$engine")
  # The flag, not daemon.json's "features": a machine's /etc/docker/daemon.json
  # stays the machine's.
  [ "$engine" = 28-containerd ] && args+=(--feature containerd-snapshotter=true)
  # shellcheck disable=SC2206 # ENGINE_ARGS is a list of flags
  args+=(${ENGINE_ARGS:-})
  log "starting dockerd $engine: ${args[*]} (log: $logf)"
  PATH=$path nohup setsid dockerd "${args[@]}" >"$logf" 2>&1 </dev/null &
  for _ in $(seq 1 120); do
    DOCKER_HOST=unix://$sock timeout 5 docker info >/dev/null 2>&1 && break
    sleep 0.5
  done
  DOCKER_HOST=unix://$sock timeout 5 docker info >/dev/null 2>&1 ||
    { log "dockerd $engine did not answer on $sock within 60 s:"; tail -30 "$logf" >&2; exit 1; }
  if [ "${SWARM:-0}" = 1 ] &&
    [ "$(DOCKER_HOST=unix://$sock docker info --format '{{.Swarm.LocalNodeState}}')" != active ]; then
    DOCKER_HOST=unix://$sock timeout 60 docker swarm init --advertise-addr 127.0.0.1 >/dev/null
    log "swarm initialised"
  fi
  [ "${SWARM:-0}" = 1 ] && wait_ingress "$sock"
  DOCKER_HOST=unix://$sock docker version
}

# wait_ingress SOCK waits until the node's ingress sandbox is in place. A
# fresh swarm sets it up in the background after `swarm init`; a task that
# publishes a port meanwhile can race it inside libnetwork and leave the
# ingress network failing every later join with "subnet sandbox join failed
# for 10.0.0.0/24: error creating vxlan interface: file exists" until dockerd
# restarts (seen once in CI on 28.5, moby/libnetwork#1765 is that family).
wait_ingress() {
  local got=
  for _ in $(seq 1 120); do
    got=$(DOCKER_HOST=unix://$1 docker network inspect ingress \
      --format '{{range $k, $v := .Containers}}{{$k}} {{end}}' 2>/dev/null || true)
    case " $got " in *" ingress-sbox "*) return 0 ;; esac
    sleep 0.5
  done
  die "the swarm's ingress sandbox did not appear within 60 s (ingress network holds: '$got')"
}

# roots ENGINE prints the engine's data root and exec root.
roots() {
  if [ -n "${ENGINE_STATE:-}" ]; then
    echo "$ENGINE_STATE/$1/data $ENGINE_STATE/$1/exec"
  elif [ "$1" = 20.10 ]; then
    echo "/var/lib/docker /var/run/docker"
  else
    echo "/var/lib/podinit-engine/$1 /run/podinit-engine/$1"
  fi
}

# namespaces MODE ARGS… runs this script again as "__MODE ARGS…" in new
# network, mount, UTS and PID namespaces. The PID namespace makes sure that
# when the command ends, however it ends, the kernel kills whatever of an
# engine is left, so nothing outlives the run.
namespaces() {
  local mode=$1; shift
  exec unshare --net --mount --uts --pid --fork --kill-child --mount-proc \
    --propagation private "$0" "__$mode" "$@"
}

# isolate gives the new namespaces their own /sys (a new network namespace
# needs its own sysfs, or dockerd sees the host's interfaces) with the
# host's cgroup tree bound back (dockerd needs the v1 controllers), and a
# loopback interface.
isolate() {
  hostname "$1"
  ip link set lo up
  local cg
  cg=$(mktemp -d)
  mount --rbind /sys/fs/cgroup "$cg"
  mount -t sysfs sysfs /sys
  mount --move "$cg" /sys/fs/cgroup
  rmdir "$cg"
}

# run_command runs CMD in the background, so that a TERM reaches the
# caller's trap at once, and returns its status.
run_command() {
  trap 'exit 143' TERM INT
  local rc=0
  env -u DOCKER_HOST "$@" &
  wait $! || rc=$?
  return $rc
}

# inside starts ENGINE in the new namespaces, with the host engine's
# exec-root hidden, binds its socket over /var/run/docker.sock (so that
# controllers the tests start, which mount that path, reach it too) and runs
# the command.
inside() {
  local engine=$1; shift
  isolate "podinit-$engine"
  # A fresh engine every time, removed afterwards: private runs never share
  # state, with each other or with an engine on the default socket.
  mkdir -p /var/lib/podinit-engine
  PRIVATE_STATE=$(mktemp -d "/var/lib/podinit-engine/private-$engine.XXXXXX")
  local data=$PRIVATE_STATE/data exec_root=$PRIVATE_STATE/exec
  [ -d /var/run/docker ] && mount -t tmpfs tmpfs /var/run/docker
  mkdir -p "$exec_root"
  mount -t tmpfs tmpfs "$exec_root"
  PRIVATE_SOCK=$exec_root/docker.sock
  trap 'stop_engine "$PRIVATE_SOCK"; umount -R "$PRIVATE_STATE/exec" 2>/dev/null; rm -rf "$PRIVATE_STATE"' EXIT
  start_engine "$engine" "$PRIVATE_SOCK" "$data" "$exec_root/engine" "/var/log/podinit-dockerd-private-$engine.log"
  [ -e /var/run/docker.sock ] || touch /var/run/docker.sock
  mount --bind "$PRIVATE_SOCK" /var/run/docker.sock
  run_command "$@"
}

# sandbox runs the command with an empty /run: no engine answers on the
# default socket, whose engines keep their state under ENGINE_STATE.
sandbox() {
  export ENGINE_STATE=${ENGINE_STATE:-/var/lib/podinit-engine/sandbox}
  isolate podinit-sandbox
  mount -t tmpfs tmpfs /run
  trap 'stop_engine "$SOCK"' EXIT
  run_command "$@"
}

case ${1:-} in
  20.10 | 28 | 28-containerd)
    engine=$1; shift
    if [ "${1:-}" = -- ]; then
      shift; [ $# -gt 0 ] || die "no command after --"
      [ "$engine" != 20.10 ] && fetch28 >/dev/null
      namespaces inside "$engine" "$@"
    fi
    [ $# = 0 ] || die "usage: $0 20.10|28|28-containerd [-- CMD…]"
    read -r data exec_root <<<"$(roots "$engine")"
    systemd_stop
    stop_engine "$SOCK"
    for other in 20.10 28 28-containerd; do
      read -r _ other_exec <<<"$(roots "$other")"
      clear_stale_netns "$other_exec"
    done
    start_engine "$engine" "$SOCK" "$data" "$exec_root" "/var/log/podinit-dockerd-$engine.log" ;;
  stop) systemd_stop; stop_engine "$SOCK" ;;
  fetch) fetch28 >/dev/null ;;
  sandbox)
    shift; [ "${1:-}" = -- ] && shift
    [ $# -gt 0 ] || die "usage: $0 sandbox -- CMD…"
    namespaces sandbox "$@" ;;
  __inside) shift; inside "$@" ;;
  __sandbox) shift; sandbox "$@" ;;
  *) die "usage: $0 20.10|28|28-containerd [-- CMD…] | stop | fetch | sandbox -- CMD…" ;;
esac
