#!/usr/bin/env bash
# Makes a Docker engine answer on the default socket, as the demo and the
# tests need one. When none answers (a fresh Debian machine: CI runs as root
# with no engine) it starts Debian's docker.io 20.10 with scripts/engine.sh,
# installing it if missing. With SWARM=1 it also makes the engine a
# single-node swarm.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { echo "docker-up: $*" >&2; }

if docker info >/dev/null 2>&1; then
  log "engine answers"
else
  if [ "$(id -u)" != 0 ]; then
    log "no engine answers and not root: cannot start one"; exit 1
  fi
  ./scripts/engine.sh 20.10 >/dev/null
  log "engine up"
fi

if [ "${SWARM:-0}" = 1 ]; then
  state=$(docker info --format '{{.Swarm.LocalNodeState}}')
  if [ "$state" != active ]; then
    docker swarm init --advertise-addr 127.0.0.1 >/dev/null
    log "swarm initialised"
  fi
fi
