#!/usr/bin/env bash
# Builds the examples' images from local files only (no registry is
# reachable): every examples/**/Dockerfile becomes podinit-example/<its
# folder's name>:dev. A folder that holds a Go main package gets its static
# binary, named after the folder, built into the build context first.
# Needs podinit-test/busybox:latest (`make test-images`); the stacks also
# need podinit:dev (`make image`).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! docker image inspect podinit-test/busybox:latest >/dev/null 2>&1; then
  echo "examples: podinit-test/busybox:latest is missing: run make test-images first" >&2
  exit 1
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The legacy builder uses local images as they are; BuildKit on this engine
# would try to resolve the FROM image on a registry.
export DOCKER_BUILDKIT=0

find examples -name Dockerfile | sort | while read -r dockerfile; do
  dir=$(dirname "$dockerfile")
  name=$(basename "$dir")
  ctx="$tmp/$name"
  rm -rf "$ctx"
  cp -a "$dir" "$ctx"
  if compgen -G "$dir/*.go" >/dev/null; then
    CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$ctx/$name" "./$dir"
  fi
  # -q leaves only the legacy builder's deprecation notice and errors.
  if ! out=$(docker build -q -t "podinit-example/$name:dev" "$ctx" 2>&1); then
    echo "examples: building $dir failed:" >&2
    echo "$out" >&2
    exit 1
  fi
  echo "examples: podinit-example/$name:dev" >&2
done
