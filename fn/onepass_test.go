package fn

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

// result is what these tests read of a result.
type result struct {
	Severity string
	Field    struct{ Path string }
	File     struct{ Path string }
	Tags     map[string]string
}

// resultsOf returns "code path" of every result of an output.
func resultsOf(t *testing.T, out string) ([]string, []result) {
	t.Helper()
	var rl struct{ Results []result }
	require.NoError(t, yaml.Unmarshal([]byte(out), &rl), out)
	var ids []string
	for _, r := range rl.Results {
		ids = append(ids, strings.TrimSpace(r.Tags["code"]+" "+r.Field.Path))
	}
	return ids, rl.Results
}

// A Package's problems come in one run: a field the decoder cannot read
// rejects the Package but does not hide what the rules find elsewhere in
// it; what the unreadable field could have caused is left out.
func TestErrorsInOnePass(t *testing.T) {
	cases := map[string]struct {
		allow, mode string
		want        []string
	}{
		"a wrong type in one entry, a scheme in another's host": {
			allow: `
      - {direction: Egress, remoteHost: api.github.com, ports: "443"}
      - {direction: Egress, remoteHost: "https://example.com", port: 443}`,
			want: []string{"invalid-type spec.network.allow[0].ports", "host-invalid spec.network.allow[1].remoteHost"},
		},
		"the entry with the unreadable field reports nothing more": {
			// remoteHost 42 is unreadable: "names no remote" would be
			// caused by it, so it is left out; port 99999 is in the same
			// entry and also left out.
			allow: `
      - {direction: Egress, remoteHost: 42, port: 99999}
      - {direction: Ingress, remoteHost: example.com, port: 443}`,
			want: []string{"invalid-type spec.network.allow[0].remoteHost", "host-ingress spec.network.allow[1].direction"},
		},
		"same policy name as an unreadable entry: left out": {
			// Without descriptions both entries would name the same UDS
			// NetworkPolicy, but entry 0's ports are unknown.
			allow: `
      - {direction: Egress, remoteHost: a.example.com, ports: [four]}
      - {direction: Egress, remoteHost: a.example.com, port: 0}`,
			want: []string{"invalid-type spec.network.allow[0].ports[0]", "port-invalid spec.network.allow[1].port"},
		},
		"an enum typo and a wildcard": {
			allow: `
      - {direction: egress, remoteHost: a.example.com, port: 443, description: a}
      - {direction: Egress, remoteHost: "*.example.com", port: 443, description: b}`,
			want: []string{"invalid-value spec.network.allow[0].direction", "host-wildcard spec.network.allow[1].remoteHost"},
		},
		"an unreadable mode hides the entry rules": {
			mode: "Ambient",
			allow: `
      - {direction: Egress, remoteHost: "*.example.com", port: 443}`,
			want: []string{"invalid-value spec.network.serviceMesh.mode"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			mode := ""
			if tc.mode != "" {
				mode = "\n      serviceMesh: {mode: " + tc.mode + "}"
			}
			out, stderr, code := runString(t, resourceList1(`
- apiVersion: uds.dev/v1alpha1
  kind: Package
  metadata: {name: p, namespace: p}
  spec:
    network:`+mode+`
      allow:`+tc.allow))
			assert.Equal(t, 1, code)
			ids, _ := resultsOf(t, out)
			assert.Equal(t, tc.want, ids)
			for _, w := range tc.want {
				assert.Contains(t, stderr, "("+strings.Fields(w)[0]+")")
			}
			assert.NotContains(t, out, "kind: ServiceEntry", "a Package with an unreadable field generates nothing")
		})
	}
}

func TestStderrNamesTheFile(t *testing.T) {
	out, stderr, code := runString(t, resourceList1(`
- apiVersion: uds.dev/v1alpha1
  kind: Package
  metadata:
    name: p
    namespace: p
    annotations:
      internal.config.kubernetes.io/path: packages/p.yaml
      internal.config.kubernetes.io/index: '0'
  spec:
    network:
      allow:
      - {direction: Egress, remoteHost: "*.example.com", port: 443}`))
	assert.Equal(t, 1, code)
	_, results := resultsOf(t, out)
	require.Len(t, results, 1)
	assert.Equal(t, "packages/p.yaml", results[0].File.Path, "the result's file")
	assert.True(t, strings.HasPrefix(stderr, "uds-egress-fn: packages/p.yaml: [error] uds.dev/v1alpha1/Package/p/p spec.network.allow[0].remoteHost: "), stderr)
}

const twoNamespaceWide = `
- apiVersion: uds.dev/v1alpha1
  kind: Package
  metadata: {name: a, namespace: a}
  spec:
    network:
      allow:
      - {direction: Egress, remoteHost: a.example.com, port: 443, description: a}
      - {direction: Egress, remoteHost: b.example.com, port: 443, description: b}
- apiVersion: uds.dev/v1alpha1
  kind: Package
  metadata: {name: b, namespace: b}
  spec:
    network:
      allow:
      - {direction: Egress, remoteHost: "*.example.com", port: 443}`

func TestStderrSetting(t *testing.T) {
	const summary = "uds-egress-fn: 2 allow entries grant namespace-wide access (identity-namespace)"
	const hint = "uds-egress-fn: every result is in the output's results; to print each one here (kustomize, Argo CD), set stderr: all in the EgressConfig spec"
	config := func(v string) string {
		return "functionConfig:\n  apiVersion: fn.uds-egress.dev/v1alpha1\n  kind: EgressConfig\n  metadata: {name: c}\n  spec: {stderr: " + v + "}\n"
	}
	cases := map[string]struct {
		config string
		lines  []string // prefixes of the stderr lines, in order
	}{
		"default":        {"", []string{"uds-egress-fn: [error] ", summary, hint}},
		"errors":         {config("errors"), []string{"uds-egress-fn: [error] ", summary, hint}},
		"all":            {config("all"), []string{"uds-egress-fn: [info] ", "uds-egress-fn: [info] ", "uds-egress-fn: [error] "}},
		"none":           {config("none"), nil},
		"ConfigMap none": {"functionConfig:\n  apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: c}\n  data: {stderr: none}\n", nil},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			out, stderr, code := runString(t, resourceList1(twoNamespaceWide)+"\n"+tc.config)
			assert.Equal(t, 1, code, "the exit code does not depend on the setting")
			ids, _ := resultsOf(t, out)
			assert.Len(t, ids, 3, "the results do not depend on the setting")
			var lines []string
			if stderr != "" {
				lines = strings.SplitAfter(strings.TrimSuffix(stderr, "\n"), "\n")
			}
			require.Len(t, lines, len(tc.lines), stderr)
			for i, prefix := range tc.lines {
				assert.True(t, strings.HasPrefix(lines[i], prefix), "line %d: %q does not start with %q", i, lines[i], prefix)
			}
		})
	}

	out, stderr, code := runString(t, resourceList1(twoNamespaceWide)+"\n"+config("quiet"))
	assert.Equal(t, 1, code)
	assert.Contains(t, out, "stderr must be one of errors, all, none, got \"quiet\"")
	assert.Contains(t, stderr, "(config-invalid)", "an invalid config prints as the default does")
}

func TestWarningWhenNoPackage(t *testing.T) {
	const config = "functionConfig:\n  apiVersion: fn.uds-egress.dev/v1alpha1\n  kind: EgressConfig\n  metadata: {name: c}\n"
	const configMap = `
- apiVersion: v1
  kind: ConfigMap
  metadata: {name: other}`
	out, stderr, code := runString(t, resourceList1(configMap)+"\n"+config)
	assert.Equal(t, 0, code, "a warning")
	ids, _ := resultsOf(t, out)
	assert.Equal(t, []string{"no-packages"}, ids)
	assert.Contains(t, stderr, "not a single uds.dev/v1alpha1 Package in the input")
	assert.Contains(t, stderr, "transformers:")

	out, _, _ = runString(t, resourceList1(configMap))
	assert.NotContains(t, out, "no-packages", "no functionConfig: nothing to say")

	out, _, _ = runString(t, resourceList1(`
- apiVersion: uds.dev/v1alpha1
  kind: Package
  metadata: {name: p, namespace: p, deletionTimestamp: "2026-01-01T00:00:00Z"}`)+"\n"+config)
	assert.NotContains(t, out, "no-packages", "a deleted Package is still a Package in the input")
}
