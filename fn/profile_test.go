package fn

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const teamNamespace = `# the team's own Namespace: never ours
- apiVersion: v1
  kind: Namespace
  metadata:
    name: renovate # a comment that must survive
    labels: {istio.io/dataplane-mode: ambient}
`

const ambientPackage = `- apiVersion: uds.dev/v1alpha1
  kind: Package
  metadata: {name: renovate, namespace: renovate}
  spec:
    network:
      allow:
      - {direction: Egress, remoteHost: api.github.com, port: 443, serviceAccount: renovate}
`

func istioConfig(extra string) string {
	return "functionConfig: {apiVersion: fn.uds-egress.dev/v1alpha1, kind: EgressConfig, metadata: {name: c}, spec: {profile: istio" + extra + "}}\n"
}

// A Namespace the function generated is recognised on the next run (kind
// registered, managed-by label) and replaced, not doubled; a Namespace
// without the label passes through byte for byte in both profiles.
func TestNamespacesOursAndTheirs(t *testing.T) {
	in := resourceList1(teamNamespace+ambientPackage) + istioConfig("")
	out, stderr, code := runString(t, in)
	require.Zero(t, code, stderr)
	assert.Contains(t, out, teamNamespace, "the team's Namespace passes through unchanged")
	assert.Equal(t, 1, strings.Count(out, "name: istio-egress-ambient\n"), "one generated egress Namespace")
	require.Contains(t, out, "kind: Namespace\n  metadata:\n    annotations:", "the generated Namespace, as the checks below look for it")

	again, _, code := runString(t, out)
	require.Zero(t, code)
	assert.Equal(t, out, again, "the generated Namespace is replaced, not doubled")

	// Switching the profile back (or namespaces: false) removes ours and
	// keeps theirs.
	head, _, found := strings.Cut(out, "functionConfig:")
	require.True(t, found, "the output carries the functionConfig")
	for _, cfg := range []string{"", istioConfig(", namespaces: false")} {
		in2 := head + cfg
		back, stderr, code := runString(t, in2)
		require.Zero(t, code, stderr)
		assert.NotContains(t, back, "name: istio-egress-ambient\n  labels", "cfg %q: the generated Namespace is gone", cfg)
		assert.NotContains(t, back, "kind: Namespace\n  metadata:\n    annotations:", "cfg %q: the generated Namespace is gone", cfg)
		assert.Contains(t, back, teamNamespace, "cfg %q: the team's Namespace stays", cfg)
	}
}

// A Namespace someone labelled managed-by uds-egress-fn but that is not an
// egress namespace is still a generated kind with the label: it is treated
// as earlier output. This documents the rule (README "Only what we could have written is
// replaced"): the label is the function's, not to be set by hand.
func TestNamespaceWithOurLabelIsOurs(t *testing.T) {
	in := resourceList1(`- apiVersion: v1
  kind: Namespace
  metadata:
    name: stray
    labels: {app.kubernetes.io/managed-by: uds-egress-fn}
`+ambientPackage) + istioConfig("")
	out, _, code := runString(t, in)
	require.Zero(t, code)
	assert.NotContains(t, beforeResults(out), "name: stray")
	assert.Contains(t, out, "code: stale-object-removed", "its removal is named")
}
