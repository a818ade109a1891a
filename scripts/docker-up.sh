#!/usr/bin/env bash
# Makes a Docker engine answer on the default socket, as the tests need one.
# On a fresh Debian machine (CI runs as root with no engine) it installs
# docker.io, starts dockerd in the background and waits for the socket.
# With SWARM=1 it also makes this engine a single-node swarm.
set -euo pipefail

log() { echo "docker-up: $*" >&2; }

if docker info >/dev/null 2>&1; then
  log "engine answers"
else
  if [ "$(id -u)" != 0 ]; then
    log "no engine answers and not root: cannot start one"; exit 1
  fi
  if ! command -v dockerd >/dev/null; then
    log "installing docker.io"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq docker.io >/dev/null
  fi
  # iptables may be missing or unusable in a sandbox; the tests only use
  # container-mode networking and loopback, so the engine runs without it.
  mkdir -p /var/log
  log "starting dockerd"
  nohup dockerd --iptables=false --ip-masq=false >/var/log/podinit-dockerd.log 2>&1 &
  for _ in $(seq 1 120); do
    docker info >/dev/null 2>&1 && break
    sleep 0.5
  done
  docker info >/dev/null 2>&1 || { log "dockerd did not come up:"; tail -30 /var/log/podinit-dockerd.log >&2; exit 1; }
  log "engine up"
fi

if [ "${SWARM:-0}" = 1 ]; then
  state=$(docker info --format '{{.Swarm.LocalNodeState}}')
  if [ "$state" != active ]; then
    docker swarm init --advertise-addr 127.0.0.1 >/dev/null
    log "swarm initialised"
  fi
fi
