#!/usr/bin/env bash
# check.sh FILE|DIR... — prove that Kubernetes objects of Istio's and the
# Gateway API's kinds are accepted by Istio's own validation.
#
#   0. self-test: go test ./... in this module (the checker must reject known
#      mistakes; skip with CHECK_SELFTEST=0)
#   1+2. validate-istio: strict decode into the istio.io/api and
#      gateway-api Go types; the upstream CRDs' OpenAPI schema, pruning, CEL
#      rules and ObjectMeta validation, applied as the API server does
#   3. istioctl-check: istioctl validate and istioctl analyze
#      --use-kube=false -A (istioctl built from source, cached), failing on
#      any error and on any warning not accepted by EXPECTED_WARNINGS.md
#   xDS suite (go test ./xds; skip with CHECK_XDS=0): for every reference and
#      golden case of the repository, Istio's own control plane (pilot's fake
#      discovery server and traffic simulation) must compute exactly the access
#      the Packages ask for; mutations of the output must make it fail; the
#      effect model (`uds-egress-fn report`'s effect section) must give exactly
#      the identity x host x port (x method/path) matrix istiod computes, for
#      those cases, sampled fleets and testdata/effect; each mutation of the
#      model must make that agreement fail
#
# Arguments: YAML/JSON files (multi-document streams or KRM ResourceLists,
# whose items are checked) or directories (every *.yaml, *.yml, *.json under
# them). Each file is analyzed as one cluster state; set CHECK_TOGETHER=1 to
# analyze all files as one.
#
# Binaries are cached in e2e/.cache/bin (override with E2E_CACHE); istioctl
# is rebuilt only when go.mod, go.sum, the Go version or CGO_ENABLED/GOOS/GOARCH
# change.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="${E2E_CACHE:-$here/../.cache}"
bin="$cache/bin"
export GOTOOLCHAIN=local
export GOFLAGS="${GOFLAGS:--buildvcs=false}"

if [ $# -eq 0 ]; then
	echo "usage: $0 FILE|DIR..." >&2
	exit 2
fi
# Make the arguments absolute: the builds below run in $here.
args=()
for a in "$@"; do
	if [ ! -e "$a" ]; then
		echo "check.sh: $a: no such file or directory" >&2
		exit 2
	fi
	case "$a" in
	/*) args+=("$a") ;;
	*) args+=("$PWD/$a") ;;
	esac
done

mkdir -p "$bin"
cd "$here"

step() { printf '\n=== %s\n' "$*"; }
now() { date +%s; }

t0=$(now)
step "build validate-istio and istioctl-check"
go build -o "$bin/validate-istio" ./cmd/validate-istio
go build -o "$bin/istioctl-check" ./cmd/istioctl-check
echo "done in $(($(now) - t0))s"

step "build istioctl (cached)"
t=$(now)
istio_version="$(go list -m -f '{{.Version}}' istio.io/istio)"
stamp="$( (cat go.mod go.sum; go version; go env CGO_ENABLED GOOS GOARCH; echo "$istio_version") | sha256sum | cut -d' ' -f1)"
if [ -x "$bin/istioctl" ] && [ "$(cat "$bin/istioctl.stamp" 2>/dev/null)" = "$stamp" ]; then
	echo "istioctl $istio_version is up to date ($bin/istioctl)"
else
	echo "building istioctl from istio.io/istio@$istio_version (cold: 5-11 minutes on 2 cores, more when modules must be downloaded)"
	go build -o "$bin/istioctl.new" \
		-ldflags "-X istio.io/istio/pkg/version.buildVersion=$istio_version -X istio.io/istio/pkg/version.buildStatus=e2e" \
		istio.io/istio/istioctl/cmd/istioctl
	mv "$bin/istioctl.new" "$bin/istioctl"
	echo "$stamp" >"$bin/istioctl.stamp"
fi
echo "done in $(($(now) - t))s"

if [ "${CHECK_SELFTEST:-1}" != 0 ]; then
	step "self-test: the checker rejects known mistakes (go test ./cmd/... ./internal/...)"
	t=$(now)
	ISTIOCTL="$bin/istioctl" go test -count=1 ./cmd/... ./internal/...
	echo "done in $(($(now) - t))s"
fi

if [ "${CHECK_XDS:-1}" != 0 ]; then
	# Not about the FILE arguments: the suite reads every reference and
	# golden case of the repository (Packages, config, output, results).
	step "xDS suite: Istio's control plane computes the access of every reference and golden case (go test ./xds)"
	t=$(now)
	rm -f "$cache/xds-mutations.md" "$cache/xds-effect-mutations.md"
	XDS_MUTATION_TABLE="$cache/xds-mutations.md" XDS_EFFECT_MUTATION_TABLE="$cache/xds-effect-mutations.md" \
		go test -count=1 ./xds || xds_failed=1
	if [ -f "$cache/xds-mutations.md" ]; then
		echo "mutation self-test (each mutation of real output must be caught):"
		cat "$cache/xds-mutations.md"
	fi
	if [ -f "$cache/xds-effect-mutations.md" ]; then
		echo "effect model self-test (each mutation of the model must disagree with Istio on some case):"
		cat "$cache/xds-effect-mutations.md"
	fi
	echo "done in $(($(now) - t))s"
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/istio-e2e.XXXXXX")"
trap 'rm -rf "$work"' EXIT

status=${xds_failed:-0}
step "layers 1+2: validate-istio (typed decode; CRD schema, pruning, CEL, ObjectMeta)"
"$bin/validate-istio" -emit-dir "$work" "${args[@]}" || status=1

step "layer 3: istioctl validate + istioctl analyze --use-kube=false -A"
shopt -s nullglob
flat=("$work"/*.yaml)
if [ ${#flat[@]} -eq 0 ]; then
	echo "no object of a checked kind: nothing for istioctl"
	status=1
else
	together=()
	[ "${CHECK_TOGETHER:-0}" = 1 ] && together=(-together)
	"$bin/istioctl-check" -istioctl "$bin/istioctl" -expected "$here/EXPECTED_WARNINGS.md" "${together[@]}" "${flat[@]}" || status=1
fi

echo
if [ $status -eq 0 ]; then
	echo "check.sh: PASS — all objects accepted by every layer ($(($(now) - t0))s)"
else
	echo "check.sh: FAIL — see the report above ($(($(now) - t0))s)"
fi
exit $status
