#!/usr/bin/env bash
# Builds the Argo CD CMP sidecar image (Dockerfile.cmp) from source on this
# machine; nothing is pulled:
#
#   examples/argocd/build-image.sh [image]     # default uds-egress-cmp:dev
#
# It builds static binaries (CGO_ENABLED=0: the image has no libc) of the
# function and of kustomize v5.8.2 into a temporary build context, next to
# plugin.yaml. Push the image to your registry and name it in
# repo-server-patch.yaml.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
image=${1:-uds-egress-cmp:dev}
kustomize_version=v5.8.2

ctx=$(mktemp -d)
trap 'rm -rf "$ctx"' EXIT
export CGO_ENABLED=0 GOTOOLCHAIN=local
(cd "$root" && go build -ldflags='-s -w' -o "$ctx/uds-egress-fn" .)
GOBIN="$ctx" go install -ldflags='-s -w' "sigs.k8s.io/kustomize/kustomize/v5@$kustomize_version"
cp "$here/plugin.yaml" "$ctx/"
docker build -q -f "$here/Dockerfile.cmp" -t "$image" "$ctx"
