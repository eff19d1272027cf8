# The uds-egress-fn function image: one static binary, nothing else (no shell).
#
# Build it with `make image`. No base image can be pulled, so the binary is
# built on the host (CGO_ENABLED=0) into bin/image/ together with passwd and
# group files, and that directory is the build context:
#
#   CGO_ENABLED=0 go build -ldflags='-s -w' -o bin/image/uds-egress-fn ./fn
#   docker build -f Dockerfile -t uds-egress-fn:dev bin/image
#
# kpt and kustomize run function containers with `--user nobody`, which docker
# resolves through /etc/passwd; CI runs it with `--user 65534 --network none
# --read-only`. The function writes no files.
FROM scratch
COPY passwd /etc/passwd
COPY group /etc/group
COPY uds-egress-fn /usr/local/bin/uds-egress-fn
USER 65534:65534
ENTRYPOINT ["/usr/local/bin/uds-egress-fn"]
