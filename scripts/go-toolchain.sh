#!/usr/bin/env bash
# Prints the bin directory of a Go toolchain that can build this module (the
# `go` line of go.mod), fetching one when the machine's Go is missing or
# older:
#
#   - the `go` on PATH (or /usr/local/go/bin/go) when it is new enough;
#   - else, when that Go is 1.21 or later, the toolchain it fetches itself
#     with GOTOOLCHAIN (through the module proxy, checked against the
#     checksum database);
#   - else (no Go, or Debian bookworm's 1.19), the same toolchain module
#     (golang.org/toolchain) downloaded from the module proxy with curl,
#     checked against sum.golang.org's hash and unpacked into $GO_CACHE.
#
# Usage: PATH="$(scripts/go-toolchain.sh):$PATH"
set -euo pipefail
cd "$(dirname "$0")/.."

log() { echo "go-toolchain: $*" >&2; }

CACHE=${GO_CACHE:-/var/cache/podinit/go}
need=$(awk '$1 == "go" { print $2; exit }' go.mod)
[ -n "$need" ] || { log "go.mod has no go line"; exit 1; }

# at_least A B: version A >= B (Go versions: 1.26, 1.26.0, 1.26rc1 are fine for sort -V).
at_least() { [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -1)" = "$2" ]; }

go_version() { "$1" env GOVERSION 2>/dev/null | sed 's/^go//'; }

have=""
for g in "$(command -v go 2>/dev/null || true)" /usr/local/go/bin/go; do
  [ -n "$g" ] && [ -x "$g" ] || continue
  have=$g
  v=$(go_version "$g")
  if [ -n "$v" ] && at_least "$v" "$need"; then
    dirname "$(readlink -f "$g")"; exit 0
  fi
done

toolchain=go$need
[ "$(echo "$need" | tr -cd . | wc -c)" = 1 ] && toolchain=go$need.0 # go 1.26 means 1.26.0

if [ -n "$have" ] && at_least "$(go_version "$have")" 1.21; then
  log "$have is $(go_version "$have"), this module needs $need: fetching $toolchain with GOTOOLCHAIN"
  root=$(GOTOOLCHAIN=$toolchain "$have" env GOROOT)
  echo "$root/bin"; exit 0
fi

dir=$CACHE/$toolchain
if [ -x "$dir/bin/go" ]; then
  echo "$dir/bin"; exit 0
fi
log "no Go $need or later${have:+ ($have is $(go_version "$have"))}: fetching $toolchain from the module proxy"
for tool in curl unzip sha256sum base64; do
  command -v $tool >/dev/null || {
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -qq curl unzip >/dev/null 2>&1 ||
      { apt-get update -qq && apt-get install -y -qq curl unzip >/dev/null; }
    break
  }
done
proxy=${GOPROXY:-https://proxy.golang.org}
proxy=${proxy%%[,|]*}
[ "$proxy" = direct ] || [ "$proxy" = off ] && proxy=https://proxy.golang.org
arch=$(dpkg --print-architecture 2>/dev/null || echo amd64)
mod=golang.org/toolchain
ver=v0.0.1-$toolchain.linux-$arch
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
curl -fsSL --retry 3 -o "$tmp/tc.zip" "$proxy/$mod/@v/$ver.zip"
# The checksum database's h1: hash of the module zip (read through the
# proxy, which serves sum.golang.org; the database's signature is not
# checked here): SHA-256 over the sorted "sha256  name" lines of its files.
want=$(curl -fsSL --retry 3 "$proxy/sumdb/sum.golang.org/lookup/$mod@$ver" | awk -v m="$mod" -v v="$ver" '$1 == m && $2 == v { print $3 }')
[ -n "$want" ] || { log "sum.golang.org has no checksum for $mod@$ver"; exit 1; }
mkdir -p "$tmp/x"
unzip -q "$tmp/tc.zip" -d "$tmp/x"
hex=$(cd "$tmp/x" && find . -type f -print0 | xargs -0 sha256sum | sed 's|  \./|  |' | LC_ALL=C sort -k2 |
  sha256sum | cut -c1-64)
# shellcheck disable=SC2059 # the format is the hash as \x escapes
got=h1:$(printf "$(sed 's/../\\x&/g' <<<"$hex")" | base64)
[ "$got" = "$want" ] || { log "checksum mismatch for $mod@$ver: got $got, sum.golang.org says $want"; exit 1; }
mkdir -p "$CACHE"
rm -rf "$dir"
mv "$tmp/x/$mod@$ver" "$dir"
chmod +x "$dir"/bin/* "$dir"/pkg/tool/*/* 2>/dev/null || true
log "Go $need in $dir"
echo "$dir/bin"
