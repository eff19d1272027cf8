package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

// TestKustomizeL7Ambient renders the seed's httpbin.org example (Solo's
// ambient egress guide, step 4) end to end through kustomize and checks each
// of the three controls of the host policy in egress-config.yaml: TLS
// origination (ServiceEntry targetPort + DestinationRule), the request header
// (VirtualService) and the GET-only paths (AuthorizationPolicy); and that the
// host without a policy is generated as before.
func TestKustomizeL7Ambient(t *testing.T) {
	k := kustomize(t)
	o := succeed(t, repoRoot, nil, k, "build", "--enable-alpha-plugins", "--enable-exec", exampleExecForm(t, "kustomize-l7-ambient"))
	objects := map[string]map[string]any{}
	for _, d := range generated(o.Stdout) {
		kind, ns, name := objectID(d)
		var obj map[string]any
		require.NoError(t, yaml.Unmarshal([]byte(d), &obj))
		objects[kind+" "+ns+"/"+name] = obj
	}
	get := func(id string, path ...any) any {
		obj, ok := objects[id]
		require.True(t, ok, "%s is not generated; got %v", id, keys(objects))
		var v any = obj
		for _, p := range path {
			switch k := p.(type) {
			case string:
				v = v.(map[string]any)[k]
			case int:
				v = v.([]any)[k]
			}
		}
		return v
	}
	const ns = "istio-egress-ambient"
	port := get("ServiceEntry "+ns+"/ambient-se-httpbin-org", "spec", "ports", 0).(map[string]any)
	assert.Equal(t, map[string]any{"name": "http-80", "number": 80, "protocol": "HTTP", "targetPort": 443}, port)

	tls := get("DestinationRule "+ns+"/ambient-dr-httpbin-org", "spec", "trafficPolicy", "portLevelSettings", 0).(map[string]any)
	assert.Equal(t, map[string]any{"port": map[string]any{"number": 80}, "tls": map[string]any{"caCertificates": "/etc/ssl/certs/ca-certificates.crt", "mode": "SIMPLE", "sni": "httpbin.org", "subjectAltNames": []any{"httpbin.org"}}}, tls)

	route := get("VirtualService "+ns+"/ambient-vs-httpbin-org", "spec", "http", 0).(map[string]any)
	assert.Equal(t, map[string]any{"add": map[string]any{"my-added-header": "added-value"}}, route["headers"].(map[string]any)["request"])
	assert.Equal(t, "httpbin.org", route["route"].([]any)[0].(map[string]any)["destination"].(map[string]any)["host"])

	rules := get("AuthorizationPolicy "+ns+"/ambient-ap-httpbin-org", "spec", "rules").([]any)
	require.Len(t, rules, 1)
	op := rules[0].(map[string]any)["to"].([]any)[0].(map[string]any)["operation"]
	assert.Equal(t, map[string]any{"methods": []any{"GET"}, "paths": []any{"/get", "/status/*"}, "ports": []any{"80"}}, op)

	// The host without a policy: no L7 objects, plain port rule.
	_, dr := objects["DestinationRule "+ns+"/ambient-dr-api-github-com"]
	_, vs := objects["VirtualService "+ns+"/ambient-vs-api-github-com"]
	assert.False(t, dr || vs, "api.github.com has no host policy")
	gh := get("AuthorizationPolicy "+ns+"/ambient-ap-api-github-com", "spec", "rules", 0, "to", 0, "operation")
	assert.Equal(t, map[string]any{"ports": []any{"443"}}, gh)
}

func keys(m map[string]map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestDocQuotesTheL7Example: docs/l7-egress.md shows exactly the
// httpbin.org objects of examples/kustomize-l7-ambient.
func TestDocQuotesTheL7Example(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join(repoRoot, "docs", "l7-egress.md"))
	require.NoError(t, err)
	const lead = "httpbin.org (the other host of the example, without a policy, is unchanged):\n\n```yaml\n"
	_, block, ok := strings.Cut(string(readme), lead)
	require.True(t, ok, "docs/l7-egress.md: the L7 example block is missing")
	block, _, _ = strings.Cut(block, "\n```")
	expected, err := os.ReadFile(example("kustomize-l7-ambient", "expected.yaml"))
	require.NoError(t, err)
	var want []string
	for _, d := range documents(string(expected)) {
		if strings.Contains(d, "httpbin") && !strings.Contains(d, "kind: Package") {
			want = append(want, strings.TrimSpace(d))
		}
	}
	require.NotEmpty(t, want)
	assert.Equal(t, strings.Join(want, "\n---\n"), block)
}
