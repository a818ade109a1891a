#!/usr/bin/env bash
# The README's test command (`make test`): every test, on a real engine.
# Brings up a Docker engine (and a single-node swarm) when none answers,
# builds the images the tests use, then vets and runs the Go tests with the
# race detector. Tests that need Docker or root fail rather than skip when CI
# is set.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin"

SWARM=1 ./scripts/docker-up.sh
./scripts/test-images.sh
make -s image

go vet ./...
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$unformatted" ]; then
  echo "gofmt would change:" >&2; echo "$unformatted" >&2; exit 1
fi
go test -race -count=1 -timeout 25m -skip '^TestEngineStall' ./...
# These pause dockerd: they run alone, so that no other test sees the engine
# stop answering.
go test -race -count=1 -timeout 5m -run '^TestEngineStall' ./cmd/podinit-pod
# A three-node swarm of private engines (scripts/swarmlab.sh): up, the
# multi-node tests, down.
./scripts/swarmlab-tests.sh
