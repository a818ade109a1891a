#!/usr/bin/env bash
# What each dependency costs the controller's binaries (podinit-pod, which
# supervises the pod, and podinit-spec, which reads its labels once): binary
# bytes per package and module, package initialisation time and
# allocations, and podinit-pod's heap once a 10-component pod is planned
# and 3 s later. Prints markdown on stdout,
# progress on stderr. Needs a Docker engine for the heap figure (it builds
# IMAGE-heap, default podinit:dev-heap, runs one pod and removes it).
#   bench/deps.sh [-runs 9]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=9
[ "${1:-}" = "-runs" ] && runs=$2
image=${IMAGE:-${PODINIT_IMAGE:-podinit:dev}}
heapimage=$image-heap
GO=$(./scripts/go-toolchain.sh)/go

tmp=$(mktemp -d)
name=deps-$$
cleanup() {
	docker rm -f "$name" >/dev/null 2>&1 || true
	docker ps -aq --filter "name=^$name\." | xargs -r docker rm -f >/dev/null 2>&1 || true
	rm -rf "$tmp"
}
trap cleanup EXIT

# The same builds as `make build`, but with the symbol table kept.
CGO_ENABLED=0 "$GO" build -trimpath -o "$tmp/unstripped/" ./cmd/podinit-pod ./cmd/podinit-spec
CGO_ENABLED=0 "$GO" build -trimpath -ldflags '-s -w' -o "$tmp/stripped/" ./cmd/podinit-pod ./cmd/podinit-spec
for bin in podinit-pod podinit-spec; do
	echo "## Binary bytes per dependency ($bin; stripped: $(stat -c %s "$tmp/stripped/$bin") bytes)"
	echo
	"$GO" run ./bench/depcost size "$tmp/unstripped/$bin"
	echo
done

echo "## Package initialisation (GODEBUG=inittrace=1, $runs runs of \`podinit-pod -h\`, the long-running process)"
echo
for _ in $(seq "$runs"); do GODEBUG=inittrace=1 "$tmp/stripped/podinit-pod" -h 2>&1 >/dev/null || true; done | "$GO" run ./bench/depcost init
echo
echo "## Package initialisation (GODEBUG=inittrace=1, $runs runs of podinit-spec reading one component)"
echo
for _ in $(seq "$runs"); do echo '{"Labels":{"pod.component.app":"image: busybox"}}' | GODEBUG=inittrace=1 "$tmp/stripped/podinit-spec" 2>&1 >/dev/null || true; done | "$GO" run ./bench/depcost init
echo
echo "## podinit-pod's heap once a 10-component pod is planned, and with it running 3 s later (runtime/metrics, -tags heapreport)"
echo
mkdir -p "$tmp/ctx/bin"
CGO_ENABLED=0 "$GO" build -trimpath -tags heapreport -ldflags '-s -w' -o "$tmp/ctx/bin/" ./cmd/podinit ./cmd/podinit-pod ./cmd/podinit-spec
./scripts/image-dockerfile.sh >"$tmp/ctx/Dockerfile.scratch"
docker build -q -f "$tmp/ctx/Dockerfile.scratch" -t "$heapimage" "$tmp/ctx" >/dev/null
docker image inspect podinit-test/busybox:latest >/dev/null 2>&1 || ./scripts/test-images.sh
args=()
for i in $(seq -w 1 10); do
	args+=(--label "pod.component.c$i=image: podinit-test/busybox:latest
command: [sleep, '86400']")
done
docker run -d --name "$name" -v /var/run/docker.sock:/var/run/docker.sock "${args[@]}" "$heapimage" >/dev/null
lines=
for _ in $(seq 300); do
	lines=$(docker logs "$name" 2>&1 | grep 'heapreport' || true)
	[ "$(printf '%s\n' "$lines" | grep -c heapreport)" -ge 2 ] && break
	sleep 0.1
done
[ "$(printf '%s\n' "$lines" | grep -c heapreport)" -ge 2 ] || { echo "deps.sh: no two heapreport lines from $name:" >&2; docker logs "$name" >&2; exit 1; }
printf '%s\n' "$lines" | sed 's/.*heapreport /- /'
docker stop "$name" >/dev/null
