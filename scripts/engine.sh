#!/usr/bin/env bash
# Starts one of the Docker engines the tests run on, and prints `docker version`.
#
#   scripts/engine.sh 20.10|28             the engine answers on the default socket;
#                                          whatever listened there is stopped first
#   scripts/engine.sh 20.10|28 -- CMD…     the engine runs in a private network,
#                                          mount and UTS namespace, answering there on
#                                          /var/run/docker.sock, for as long as CMD runs;
#                                          the host's engine is neither seen nor touched
#   scripts/engine.sh stop                 stops the engine on the default socket
#
# 20.10 is Debian bookworm's docker.io (installed with apt when missing), with
# its usual --data-root /var/lib/docker and --exec-root /var/run/docker.
# 28 is docker.io 28.5 from Debian sid with containerd 1.7 from trixie: the
# .deb files are fetched with a private apt configuration (the system's
# sources are not changed) and unpacked with dpkg-deb into $ENGINE_CACHE; it
# keeps its own --data-root and --exec-root, so that switching engines never
# migrates or corrupts the other engine's state.
#
# Environment (all optional):
#   ENGINE_SOCK       socket of the default-socket mode   (/var/run/docker.sock)
#   ENGINE_DATA_ROOT  --data-root   (20.10: /var/lib/docker, 28: /var/lib/podinit-engine/28;
#                                    private mode: /var/lib/podinit-engine/private-<engine>)
#   ENGINE_EXEC_ROOT  --exec-root   (20.10: /var/run/docker, 28: /run/podinit-engine/28;
#                                    private mode: /run/podinit-engine/private-<engine>)
#   ENGINE_ARGS       more dockerd flags, e.g. "--cgroup-parent lab"
#   ENGINE_CACHE      downloads and unpacked packages      (/var/cache/podinit)
#   SWARM=1           make the engine a single-node swarm
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
  if [ -x "$dir/root/usr/sbin/dockerd" ] && [ -f "$dir/root/.complete" ]; then
    echo "$dir/root"; return
  fi
  # dockerd 28 uses bookworm's runc; docker-init is a link to tini-static (package tini).
  apt_install runc tini
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
  log "stopping $(tr '\0' ' ' </proc/"$pid"/cmdline 2>/dev/null | cut -c1-60) (pid $pid) on $1"
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 120); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  if kill -0 "$pid" 2>/dev/null; then
    log "dockerd $pid did not stop within 60 s: killing it"
    kill -KILL "$pid" 2>/dev/null || true
    sleep 1
  fi
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
    28)
      local root
      root=$(fetch28)
      path=$root/usr/bin:$root/usr/sbin:$PATH ;;
  esac
  command -v docker >/dev/null || apt_install docker.io
  mkdir -p "$data" "$exec_root" "$(dirname "$sock")" "$(dirname "$logf")"
  local args=(-H "unix://$sock" --data-root "$data" --exec-root "$exec_root"
    --pidfile "$exec_root/dockerd.pid" --iptables=false --ip-masq=false)
  # A system containerd (a containerd.service) would otherwise be shared by
  # both engines under one namespace.
  [ -S /run/containerd/containerd.sock ] && args+=(--containerd-namespace "podinit-$engine")
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
  DOCKER_HOST=unix://$sock docker version >&2
}

# private ENGINE CMD… runs CMD in new network, mount and UTS namespaces with
# ENGINE answering on /var/run/docker.sock there, so that controllers the
# tests start (which mount /var/run/docker.sock) reach it too.
private() {
  local engine=$1; shift
  export ENGINE_DATA_ROOT=${ENGINE_DATA_ROOT:-/var/lib/podinit-engine/private-$engine}
  export ENGINE_EXEC_ROOT=${ENGINE_EXEC_ROOT:-/run/podinit-engine/private-$engine}
  [ "$engine" = 28 ] && fetch28 >/dev/null
  # A PID namespace too: when the command ends, however it ends, the kernel
  # kills whatever of the engine is left, so nothing outlives the run.
  exec unshare --net --mount --uts --pid --fork --kill-child --mount-proc \
    --propagation private "$0" __inside "$engine" "$@"
}

# inside runs in the new namespaces: it gives them their own /sys (a new
# network namespace needs its own sysfs, or dockerd sees the host's
# interfaces) with the host's cgroup tree bound back (dockerd needs the v1
# controllers), hides the host engine's exec-root, starts the engine, binds
# its socket over /var/run/docker.sock and runs the command.
inside() {
  local engine=$1; shift
  local data=$ENGINE_DATA_ROOT exec_root=$ENGINE_EXEC_ROOT
  hostname "podinit-$engine"
  ip link set lo up
  local cg
  cg=$(mktemp -d)
  mount --rbind /sys/fs/cgroup "$cg"
  mount -t sysfs sysfs /sys
  mount --move "$cg" /sys/fs/cgroup
  rmdir "$cg"
  [ -d /var/run/docker ] && mount -t tmpfs tmpfs /var/run/docker
  mkdir -p "$exec_root"
  mount -t tmpfs tmpfs "$exec_root"
  PRIVATE_SOCK=$exec_root/docker.sock
  trap 'stop_engine "$PRIVATE_SOCK"' EXIT
  trap 'exit 143' TERM INT
  local sock=$PRIVATE_SOCK
  start_engine "$engine" "$sock" "$data" "$exec_root/engine" "/var/log/podinit-dockerd-private-$engine.log"
  [ -e /var/run/docker.sock ] || touch /var/run/docker.sock
  mount --bind "$sock" /var/run/docker.sock
  # In the background, so that a TERM reaches the trap at once.
  local rc=0
  env -u DOCKER_HOST "$@" &
  wait $! || rc=$?
  return $rc
}

case ${1:-} in
  20.10 | 28)
    engine=$1; shift
    if [ "${1:-}" = -- ]; then
      shift; [ $# -gt 0 ] || die "no command after --"
      private "$engine" "$@"
    fi
    [ $# = 0 ] || die "usage: $0 20.10|28 [-- CMD…]"
    case $engine in
      20.10) data=${ENGINE_DATA_ROOT:-/var/lib/docker}; exec_root=${ENGINE_EXEC_ROOT:-/var/run/docker} ;;
      28) data=${ENGINE_DATA_ROOT:-/var/lib/podinit-engine/28}; exec_root=${ENGINE_EXEC_ROOT:-/run/podinit-engine/28} ;;
    esac
    stop_engine "$SOCK"
    start_engine "$engine" "$SOCK" "$data" "$exec_root" "/var/log/podinit-dockerd-$engine.log" ;;
  stop) stop_engine "$SOCK" ;;
  __inside) shift; inside "$@" ;;
  *) die "usage: $0 20.10|28 [-- CMD…] | stop" ;;
esac
