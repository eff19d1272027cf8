# The uds-egress-fn function image: one static binary, nothing else (no shell).
#
# Build it with `make image` (this host's architecture) or `make image-all`
# (linux/amd64 and linux/arm64, plus an OCI archive in dist/). No base image
# can be pulled, so the binary is cross-compiled on the host (CGO_ENABLED=0,
# GOOS=linux GOARCH=<arch>) into bin/image/<arch>/ together with passwd and
# group files, and that directory is the build context; the classic builder
# builds FROM scratch for another platform without emulation:
#
#   docker build --platform linux/arm64 --build-arg VERSION=... -f Dockerfile bin/image/arm64
#
# kpt and kustomize run function containers with `--user nobody`, which docker
# resolves through /etc/passwd; CI runs it with `--user 65534 --network none
# --read-only`. The function writes no files.
FROM scratch
# The binary first: the classic builder's cache ignores the platform, so the
# first step must differ between architectures (the binary does), or an
# arm64 build would reuse amd64 steps.
COPY uds-egress-fn /usr/local/bin/uds-egress-fn
COPY passwd /etc/passwd
COPY group /etc/group
# Set by the Makefile: `git describe` version, commit, and the commit's time
# (not the build's, so the same commit gives the same labels).
ARG VERSION=unknown
ARG REVISION=unknown
ARG CREATED=1970-01-01T00:00:00Z
LABEL org.opencontainers.image.title="uds-egress-fn" \
      org.opencontainers.image.description="Generates the Istio egress objects (ServiceEntry, AuthorizationPolicy, waypoint Gateway, Sidecar, egress Gateway, VirtualService) that UDS Package remoteHost rules ask for, offline, with structured results." \
      org.opencontainers.image.source="https://github.com/uds-egress-fn/uds-egress-fn" \
      org.opencontainers.image.url="https://github.com/uds-egress-fn/uds-egress-fn" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}"
USER 65534:65534
ENTRYPOINT ["/usr/local/bin/uds-egress-fn"]
