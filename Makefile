# podinit build and test entry points. `make test` is the README's test
# command: it brings up a Docker engine if none answers and builds every image
# the tests need.

VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT  ?= $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
BUILT   ?= $(shell date -u +%Y-%m-%dT%H:%M:%SZ)
IMAGE   ?= $(or $(PODINIT_IMAGE),podinit:dev)
# A Go that can build this module: the machine's, or one fetched through the
# module proxy when it is missing or older (scripts/go-toolchain.sh).
GO      ?= $(shell ./scripts/go-toolchain.sh)/go
# Where package seal has an entry point, the binaries make themselves
# non-dumpable at their first instruction (see internal/seal).
SEAL    := $(if $(filter amd64 arm64,$(shell $(GO) env GOARCH 2>/dev/null)),-E github.com/podinit/podinit/internal/seal.Entry)
LDFLAGS := -s -w $(SEAL) -X main.version=$(VERSION) -X main.commit=$(COMMIT) -X main.built=$(BUILT)

.PHONY: build image test-images test demo examples clean

build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "$(LDFLAGS)" -o bin/ ./cmd/podinit ./cmd/podinit-pod ./cmd/podinit-spec
	# No seal entry point: podinit-template never holds the engine's socket.
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "-s -w" -o bin/ ./cmd/podinit-template

# The controller image, and beside it IMAGE-template for `podinit template`
# (podinit-template stays out of the image every pod runs: see
# cmd/podinit-template).
image: build
	./scripts/image-dockerfile.sh | docker build -q -f - -t $(IMAGE) . >/dev/null
	docker build -q -f Dockerfile.template -t $(IMAGE)-template . >/dev/null

test-images:
	./scripts/test-images.sh

test:
	./scripts/test.sh

demo:
	./scripts/demo.sh

examples: image test-images
	./scripts/examples.sh

clean:
	rm -rf bin
