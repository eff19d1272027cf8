#!/usr/bin/env bash
# What a CI job does with the function image: render a ResourceList with no
# network, a read-only root filesystem and an unprivileged user, print the
# results, and fail the job when any result is an error.
#
#   examples/ci/run.sh [resourcelist.yaml [out.yaml]]
#
# IMAGE overrides the image (default ghcr.io/uds-egress-fn/uds-egress-fn:v0.1.0, from `make image`).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
in=${1:-$here/resourcelist.yaml}
out=${2:-$here/out.yaml}
image=${IMAGE:-ghcr.io/uds-egress-fn/uds-egress-fn:v0.1.0}

# The function writes errors and warnings to stderr itself (they show in the
# job log) and exits 1 on error results; the full ResourceList, results
# included, still goes to stdout.
status=0
docker run -i --rm --network none --read-only --user 65534 "$image" <"$in" >"$out" || status=$?

# Read the top-level `results:` list of the output without any YAML tool: one
# line per result, "severity code kind/namespace/name field.path: message".
# (The function writes results in a fixed layout, so line patterns suffice.)
summary=$(awk '
  function flush() {
    if (sev != "") {
      where = kind ? kind "/" (ns ? ns "/" : "") name : "-"
      printf "%-7s %-28s %s%s: %s\n", sev, code, where, (path ? " " path : ""), msg
    }
    sev = code = kind = ns = name = path = msg = ""; field = 0
  }
  function val(line) { sub(/^[^:]*: /, "", line); gsub(/^["\047]|["\047]$/, "", line); return line }
  /^results:/ { inres = 1; next }
  inres && /^[^ -]/ { inres = 0 }
  !inres { next }
  /^- /                { flush(); sub(/^- /, "  ") }
  /^  message: /       { msg = val($0) }
  /^  severity: /      { sev = val($0) }
  /^    kind: /        { kind = val($0) }
  /^    name: /        { name = val($0) }
  /^    namespace: /   { ns = val($0) }
  /^    path: / && !path && field { path = val($0) }
  /^  field:/          { field = 1; next }
  /^  [a-z]/           { field = 0 }
  /^    code: /        { code = val($0) }
  END { flush() }
' "$out")

errors=$(grep -c '^error ' <<<"$summary" || true)
warnings=$(grep -c '^warning ' <<<"$summary" || true)
[[ -n $summary ]] && printf '%s\n' "$summary"
echo "uds-egress-fn: $errors error(s), $warnings warning(s); output in $out"

if ((errors > 0 || status != 0)); then
  echo "uds-egress-fn: failing the job (exit code $status)" >&2
  exit 1
fi
