# uds-egress-fn: build, test, demo and image targets.
#
# Everything a target needs is installed into bin/ by the target itself, so a
# fresh clone with only Go, git, kpt and docker runs `make test`.

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := build

# Build with the installed Go toolchain; never download another one.
export GOTOOLCHAIN := local
# Static binaries everywhere: the image needs one, and one build
# configuration lets `build`, `image` and the tests share the build cache.
export CGO_ENABLED := 0

ROOT      := $(CURDIR)
BIN       := bin/uds-egress-fn
TOOLS     := $(ROOT)/bin/tools
KUSTOMIZE := $(TOOLS)/kustomize
KUSTOMIZE_VERSION := v5.8.2
# Release tools, installed into bin/tools by `make release-tools` (a cold
# install of GoReleaser compiles for about 10 minutes on 2 cores).
GORELEASER := $(TOOLS)/goreleaser
GORELEASER_VERSION := v2.15.1
CYCLONEDX_GOMOD := $(TOOLS)/cyclonedx-gomod
CYCLONEDX_GOMOD_VERSION := v1.10.0
IMAGE_CONTEXT := bin/image

# The version stamped into the binary (`uds-egress-fn --version`): `git
# describe` of the newest v<semver> tag, e.g. v0.2.0 on the tag and
# v0.2.0-3-gabc1234 three commits later. Without a tag it is the newest
# release in CHANGELOG.md as a dev pre-release, v0.1.0-dev.gabc1234; -dirty
# or .dirty marks uncommitted changes. README "Versioning" has the policy.
RELEASE  := $(shell sed -n 's/^\#\# \[\([0-9][0-9.]*\)\].*/\1/p' CHANGELOG.md | head -n 1)
VERSION  ?= $(shell git describe --tags --match 'v[0-9]*.[0-9]*.[0-9]*' --dirty 2>/dev/null || \
              echo "v$(RELEASE)-dev.g$$(git rev-parse --short HEAD)$$(git diff --quiet HEAD -- 2>/dev/null || echo .dirty)")
REVISION ?= $(shell git rev-parse HEAD)
LDFLAGS  := -s -w -X main.version=$(VERSION) -X main.revision=$(REVISION)

# Images. IMAGE is the name metadata.yaml, the examples and the docs use:
# the fully qualified release name of the newest CHANGELOG release, so kpt
# (which prefixes a bare name with gcr.io/kpt-fn/) finds the local image.
# `make image` tags this host's image IMAGE, $(IMAGE_REPO):$(VERSION) and
# the old local alias uds-egress-fn:dev; `make image-all` builds every
# architecture, tagged $(IMAGE_REPO):$(VERSION)-<arch>, and writes them as
# one multi-platform OCI archive, $(OCI_ARCHIVE).
# The e2e tests set IMAGE_REPO to a repository of their own (and DEV_ALIAS
# to nothing), so only `make image` and `make image-all` as you run them
# write the release tags; PUBLISH_REPO is the name the OCI archive carries.
PUBLISH_REPO := ghcr.io/uds-egress-fn/uds-egress-fn
IMAGE_REPO  ?= $(PUBLISH_REPO)
IMAGE       := $(IMAGE_REPO):v$(RELEASE)
DEV_ALIAS   ?= uds-egress-fn:dev
IMAGE_ARCHS := amd64 arm64
HOST_ARCH   := $(shell go env GOARCH)
CREATED     ?= $(shell TZ=UTC git log -1 --format=%cd --date=format-local:%Y-%m-%dT%H:%M:%SZ)
OCI_ARCHIVE := dist/uds-egress-fn_$(VERSION)_oci-image.tar

# Unit tests: every package of the module except the end-to-end tests, which
# `make e2e` runs with the binary built and the tools on PATH.
UNIT_PKGS = $(shell GOTOOLCHAIN=local CGO_ENABLED=0 go list ./... | grep -v '/e2e$$')

.PHONY: lint-istio build install test unit e2e e2e-istio demo image image-all image-arch image-name tools clean fuzz version release-snapshot release-check release-tools e2e-release lint

## build: the function binary, bin/uds-egress-fn
build:
	go build -ldflags='$(LDFLAGS)' -o $(BIN) .

## install: bin/uds-egress-fn into $(PREFIX)/bin (default PREFIX=/usr/local)
PREFIX ?= /usr/local
install: build
	install -d "$(DESTDIR)$(PREFIX)/bin"
	install -m 0755 $(BIN) "$(DESTDIR)$(PREFIX)/bin/uds-egress-fn"

## test: all tests (unit and end-to-end)
test: unit e2e

## unit: go test of every package but e2e
# -timeout: go test's default of 10 minutes per package is too short for the
# fn package's 2,000 property fleets (CI) on a loaded 2-core machine (595 s
# seen) and for the e2e package with cold build caches (cross-compiling
# image-all and installing kustomize from source); a hang still ends.
unit:
	go test -timeout 45m $(UNIT_PKGS)

## e2e: the examples through the real kustomize, kpt and docker
e2e: build tools
	PATH="$(TOOLS):$$PATH" E2E_REQUIRE_TOOLS=1 go test -timeout 60m -count=1 ./e2e/...

## e2e-istio: Istio's own validation (protojson, CRD schemas + CEL, istioctl validate/analyze) of every
## golden and example output; istioctl is built from source once and cached in e2e/.cache
ISTIO_CHECK_FILES = $(filter-out %/bad-input/expected.yaml %/sidecar-foreign-gateway-and-vs/expected.yaml,$(wildcard fn/testdata/golden/*/expected.yaml)) \
	examples/kustomize-ambient/expected.yaml examples/kustomize-sidecar/expected.yaml examples/kustomize-l7-ambient/expected.yaml \
	examples/kpt-pipeline/expected.yaml examples/ci/expected.yaml \
	examples/kustomize-istio/expected.yaml examples/argocd/expected.yaml examples/flux/rendered/egress.yaml
e2e-istio:
	e2e/istio/check.sh $(ISTIO_CHECK_FILES)

## demo: kustomize (exec form) over examples/kustomize-ambient; prints the generated objects
demo: build tools
	@echo "# $(notdir $(KUSTOMIZE)) build --enable-alpha-plugins --enable-exec examples/kustomize-ambient"
	@echo "# objects generated by uds-egress-fn (label app.kubernetes.io/managed-by: uds-egress-fn):"
	@$(KUSTOMIZE) build --enable-alpha-plugins --enable-exec examples/kustomize-ambient \
	  | awk 'function flush() { if (doc ~ /app\.kubernetes\.io\/managed-by: uds-egress-fn/) { printf "---\n%s", doc; n++ } doc = "" } \
	         /^---$$/ { flush(); next } { doc = doc $$0 "\n" } \
	         END { flush(); printf "# %d generated objects; the full output (Packages and pass-through objects too) is examples/kustomize-ambient/expected.yaml\n", n }'

## image: $(IMAGE) for this host's architecture, FROM scratch, from a static binary (no pull)
image:
	@$(MAKE) --no-print-directory image-arch ARCH=$(HOST_ARCH) VERSION=$(VERSION)
	docker tag $(IMAGE_REPO):$(VERSION)-$(HOST_ARCH) $(IMAGE_REPO):$(VERSION)
	docker tag $(IMAGE_REPO):$(VERSION)-$(HOST_ARCH) $(IMAGE)
	$(if $(DEV_ALIAS),docker tag $(IMAGE_REPO):$(VERSION)-$(HOST_ARCH) $(DEV_ALIAS))

## image-all: linux/amd64 and linux/arm64 images (no pull, no emulation), saved as one OCI archive in dist/
image-all: image
	@for arch in $(filter-out $(HOST_ARCH),$(IMAGE_ARCHS)); do \
	  $(MAKE) --no-print-directory image-arch ARCH=$$arch VERSION=$(VERSION); done
	mkdir -p dist
	docker save -o $(IMAGE_CONTEXT)/docker-save.tar $(foreach a,$(IMAGE_ARCHS),$(IMAGE_REPO):$(VERSION)-$(a))
	go run ./internal/ociarchive/cmd -name $(PUBLISH_REPO) -tag $(VERSION) -o $(OCI_ARCHIVE) $(IMAGE_CONTEXT)/docker-save.tar
	rm $(IMAGE_CONTEXT)/docker-save.tar

# image-arch: $(IMAGE_REPO):$(VERSION)-$(ARCH) from a binary cross-compiled for linux/$(ARCH)
image-arch:
	rm -rf $(IMAGE_CONTEXT)/$(ARCH) && mkdir -p $(IMAGE_CONTEXT)/$(ARCH)
	GOOS=linux GOARCH=$(ARCH) go build -ldflags='$(LDFLAGS)' -o $(IMAGE_CONTEXT)/$(ARCH)/uds-egress-fn .
	printf 'nobody:x:65534:65534:nobody:/:/sbin/nologin\n' >$(IMAGE_CONTEXT)/$(ARCH)/passwd
	printf 'nogroup:x:65534:\n' >$(IMAGE_CONTEXT)/$(ARCH)/group
	docker build --platform linux/$(ARCH) -f Dockerfile -t $(IMAGE_REPO):$(VERSION)-$(ARCH) \
	  --build-arg VERSION=$(VERSION) --build-arg REVISION=$(REVISION) --build-arg CREATED=$(CREATED) \
	  $(IMAGE_CONTEXT)/$(ARCH)

## image-name: the image name the examples use
image-name:
	@echo $(IMAGE)

## fuzz: each fuzz target for FUZZTIME (default 30s); crashers land in internal/krmio/testdata/fuzz and fn/testdata/fuzz
FUZZTIME ?= 30s
fuzz:
	go test ./internal/krmio -run='^$$' -fuzz='^FuzzDecode$$' -fuzztime=$(FUZZTIME)
	go test ./fn -run='^$$' -fuzz='^FuzzPipeline$$' -fuzztime=$(FUZZTIME)

## version: the version `make build` stamps into the binary
version:
	@echo $(VERSION)

## release-snapshot: GoReleaser --snapshot, offline, nothing published: binaries, archives, checksums, SBOMs in dist/
release-snapshot: release-tools
	PATH="$(TOOLS):$$PATH" VERSION=$(VERSION) REVISION=$(REVISION) SOURCE_DATE_EPOCH=$$(git log -1 --format=%ct) \
	  COMMIT_DATE=$(CREATED) $(GORELEASER) release --snapshot --clean --skip=sign,publish

## e2e-release: make release-snapshot and check dist/ (TestReleaseSnapshot; .ci/run runs it)
e2e-release: build
	PATH="$(TOOLS):$$PATH" E2E_RELEASE=1 go test -count=1 -timeout 45m -run '^TestReleaseSnapshot$$' ./e2e/

## release-check: validate .goreleaser.yaml
release-check: release-tools
	$(GORELEASER) check

## release-tools: GoReleaser $(GORELEASER_VERSION) and cyclonedx-gomod $(CYCLONEDX_GOMOD_VERSION) in bin/tools
release-tools:
	@$(call go-install-tool,$(GORELEASER),github.com/goreleaser/goreleaser/v2,$(GORELEASER_VERSION),github.com/goreleaser/goreleaser/v2)
	@$(call go-install-tool,$(CYCLONEDX_GOMOD),github.com/CycloneDX/cyclonedx-gomod,$(CYCLONEDX_GOMOD_VERSION),github.com/CycloneDX/cyclonedx-gomod/cmd/cyclonedx-gomod)

# go-install-tool: install package $(4) of module $(2) at version $(3) into
# bin/tools unless the binary $(1) is already that version.
define go-install-tool
if ! go version -m $(1) 2>/dev/null | grep -Eq "^\s+mod\s+$(2)\s+$(3)\s"; then \
  echo "installing $(4)@$(3) into $(TOOLS)"; \
  GOBIN="$(TOOLS)" go install $(4)@$(3); \
fi
endef

## lint: golangci-lint $(GOLANGCI_LINT_VERSION) with .golangci.yml (installed into bin/tools when missing; a cold build takes a few minutes)
GOLANGCI_LINT := $(TOOLS)/golangci-lint
GOLANGCI_LINT_VERSION := v2.15.0
lint:
	@$(call go-install-tool,$(GOLANGCI_LINT),github.com/golangci/golangci-lint/v2,$(GOLANGCI_LINT_VERSION),github.com/golangci/golangci-lint/v2/cmd/golangci-lint)
	$(GOLANGCI_LINT) run ./...

## lint-istio: the same linters over the Istio validation module (e2e/istio, its own go.mod); .ci/run runs
## it after make e2e-istio, whose build of istioctl has compiled that module's dependencies
lint-istio:
	@$(call go-install-tool,$(GOLANGCI_LINT),github.com/golangci/golangci-lint/v2,$(GOLANGCI_LINT_VERSION),github.com/golangci/golangci-lint/v2/cmd/golangci-lint)
	cd e2e/istio && $(GOLANGCI_LINT) run --config $(ROOT)/.golangci.yml ./...

## tools: kustomize $(KUSTOMIZE_VERSION) in bin/tools (skipped when already there)
tools:
	@if [[ "$$($(KUSTOMIZE) version 2>/dev/null)" != "$(KUSTOMIZE_VERSION)" ]]; then \
	  echo "installing kustomize $(KUSTOMIZE_VERSION) into $(TOOLS)"; \
	  GOBIN="$(TOOLS)" go install sigs.k8s.io/kustomize/kustomize/v5@$(KUSTOMIZE_VERSION); \
	fi

## clean: remove everything the targets built
clean:
	rm -rf bin dist examples/ci/out.yaml
include bench/bench.mk
