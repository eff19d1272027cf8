package effect

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

func nodes(t *testing.T, data string) []*yaml.Node {
	t.Helper()
	dec := yaml.NewDecoder(bytes.NewReader([]byte(data)))
	var out []*yaml.Node
	for {
		var n yaml.Node
		err := dec.Decode(&n)
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, &n)
	}
}

func file(t *testing.T, path ...string) []*yaml.Node {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(append([]string{"..", ".."}, path...)...))
	if err != nil {
		t.Fatal(err)
	}
	return nodes(t, string(data))
}

// req parses "ns/sa[{k=v}] PROTO host:port [METHOD path]".
func req(s string) Request {
	f := strings.Fields(s)
	var r Request
	id := f[0]
	if i := strings.Index(id, "{"); i >= 0 {
		r.Labels = map[string]string{}
		for _, kv := range strings.Split(strings.Trim(id[i:], "{}"), ",") {
			k, v, _ := strings.Cut(kv, "=")
			r.Labels[k] = v
		}
		id = id[:i]
	}
	r.Namespace, r.ServiceAccount, _ = strings.Cut(id, "/")
	r.Protocol = f[1]
	host, port, _ := strings.Cut(f[2], ":")
	r.Host = host
	for _, c := range port {
		r.Port = r.Port*10 + int(c-'0')
	}
	if len(f) > 4 {
		r.Method, r.Path = f[3], f[4]
	}
	return r
}

type want struct {
	req     string
	verdict string
	// why is a substring of the first reason (blocker, or the last allow).
	why string
}

func check(t *testing.T, m *Model, cases []want) {
	t.Helper()
	for _, c := range cases {
		d := m.Check(req(c.req))
		if d.Verdict != c.verdict {
			t.Errorf("%s: got %s (%+v), want %s", c.req, d.Verdict, d, c.verdict)
			continue
		}
		if c.why == "" {
			continue
		}
		var text string
		if d.BlockedBy != nil {
			text = d.BlockedBy.String()
		}
		for _, b := range d.AllowedBy {
			text += "\n" + b.String()
		}
		if !strings.Contains(text, c.why) {
			t.Errorf("%s: reasons %q do not name %q", c.req, text, c.why)
		}
	}
}

func TestReferenceAmbient(t *testing.T) {
	m := New(file(t, "fn", "testdata", "reference", "01-seed-ambient-httpbin", "expected.yaml"), Options{})
	check(t, m, []want{
		{"egress-gw-1/curl TLS httpbin.org:443", Yes, "ambient-ap-httpbin-org spec.rules[0]"},
		{"egress-gw-1/other TLS httpbin.org:443", No, "ambient-ap-httpbin-org"},
		{"elsewhere/curl TLS httpbin.org:443", No, ""},
		{"egress-gw-1/curl TLS httpbin.org:8443", No, "has no port 8443"},
		{"egress-gw-1/curl TLS example.com:443", No, "no ServiceEntry"},
		{"egress-gw-1/curl HTTP httpbin.org:443 GET /", No, "port 443 is TLS"},
	})
	if len(m.Unmodelled) != 0 {
		t.Errorf("unmodelled: %v", m.Unmodelled)
	}
}

func TestL7Example(t *testing.T) {
	m := New(file(t, "examples", "kustomize-l7-ambient", "expected.yaml"), Options{})
	check(t, m, []want{
		{"bookinfo/bookinfo-productpage HTTP httpbin.org:80 GET /get", Yes, "ambient-ap-httpbin-org spec.rules[0]"},
		{"bookinfo/bookinfo-productpage HTTP httpbin.org:80 GET /status/418", Yes, ""},
		{"bookinfo/bookinfo-productpage HTTP httpbin.org:80 GET /getx", No, "no ALLOW rule matches this method and path"},
		{"bookinfo/bookinfo-productpage HTTP httpbin.org:80 POST /get", No, ""},
		{"bookinfo/reviews HTTP httpbin.org:80 GET /get", No, ""},
		{"bookinfo/bookinfo-productpage TLS httpbin.org:443", No, "no port 443"},
		{"renovate/renovate TLS api.github.com:443", Yes, ""},
		{"renovate/renovate HTTP httpbin.org:80 GET /get", No, ""},
	})
	d := m.Check(req("bookinfo/bookinfo-productpage HTTP httpbin.org:80"))
	if d.Verdict != Some || len(d.HTTP) != 1 || d.HTTP[0].String() != "GET /get /status/*" {
		t.Errorf("any request: %+v", d)
	}
}

const handAmbient = `
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: se-api, namespace: egress, labels: {istio.io/use-waypoint: wp}}
spec: {hosts: [api.example.com], ports: [{number: 443, protocol: TLS, name: tls}, {number: 80, protocol: HTTP, name: http}]}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: wp, namespace: egress}
spec: {gatewayClassName: istio-waypoint}
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: allow, namespace: egress}
spec:
  targetRefs: [{group: networking.istio.io, kind: ServiceEntry, name: se-api}]
  rules:
  - from: [{source: {namespaces: [team-a, team-b]}}]
  - from: [{source: {principals: [cluster.local/ns/team-c/sa/app], notNamespaces: [team-c]}}]
  - from: [{source: {namespaces: [team-d]}}]
    to: [{operation: {ports: ["80"], methods: [GET], paths: ["/v1/{*}/items"]}}]
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: deny, namespace: egress}
spec:
  action: DENY
  targetRefs: [{group: gateway.networking.k8s.io, kind: Gateway, name: wp}]
  rules:
  - from: [{source: {principals: [cluster.local/ns/team-b/sa/bad]}}]
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: elsewhere, namespace: team-a}
spec:
  action: DENY
  rules: [{}]
`

func TestHandWrittenAmbient(t *testing.T) {
	m := New(nodes(t, handAmbient), Options{})
	check(t, m, []want{
		{"team-a/x TLS api.example.com:443", Yes, "allow spec.rules[0]"},
		{"team-b/x TLS api.example.com:443", Yes, ""},
		{"team-b/bad TLS api.example.com:443", No, "deny spec.rules[0]: a DENY rule matches"},
		// AND within a source: the principal matches, notNamespaces does not.
		{"team-c/app TLS api.example.com:443", No, ""},
		{"team-d/x TLS api.example.com:443", No, ""},
		{"team-d/x HTTP api.example.com:80 GET /v1/abc/items", Yes, ""},
		{"team-d/x HTTP api.example.com:80 GET /v1/a/b/items", No, ""},
		{"team-d/x HTTP api.example.com:80 GET /v1//items", No, ""},
		{"*/* TLS api.example.com:443", No, ""},
	})
	for mut, flipped := range map[Mutation]string{
		DropDeny: "team-b/bad TLS api.example.com:443",
		AndAsOr:  "team-c/app TLS api.example.com:443",
	} {
		mm := New(nodes(t, handAmbient), Options{Mutation: mut})
		if got := mm.Check(req(flipped)).Verdict; got != Yes {
			t.Errorf("mutation %s: %s is %s, the self-test needs it to flip to yes", mut, flipped, got)
		}
	}
}

const handSidecar = `
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: se, namespace: team-a}
spec: {hosts: [a.example.com], exportTo: ["."], ports: [{number: 443, protocol: TLS, name: tls}]}
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: se, namespace: team-b}
spec: {hosts: [b.example.com], exportTo: ["."], ports: [{number: 443, protocol: TLS, name: tls}]}
---
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: wide, namespace: team-a}
spec: {outboundTrafficPolicy: {mode: REGISTRY_ONLY}}
---
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: open, namespace: team-a}
spec: {workloadSelector: {labels: {app: open}}, outboundTrafficPolicy: {mode: ALLOW_ANY}}
---
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: narrow, namespace: team-a}
spec:
  workloadSelector: {labels: {app: narrow}}
  outboundTrafficPolicy: {mode: REGISTRY_ONLY}
  egress: [{hosts: ["./other.example.com"]}]
---
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: wide, namespace: team-b}
spec: {outboundTrafficPolicy: {mode: REGISTRY_ONLY}}
`

func TestHandWrittenSidecar(t *testing.T) {
	m := New(nodes(t, handSidecar), Options{})
	check(t, m, []want{
		{"team-a/x TLS a.example.com:443", Yes, "ServiceEntry team-a/se spec.ports"},
		{"team-a/x TLS b.example.com:443", No, "REGISTRY_ONLY"},
		{"team-a/x{app=open} TLS b.example.com:443", Yes, "ALLOW_ANY"},
		{"team-a/x{app=narrow} TLS a.example.com:443", No, "Sidecar team-a/narrow"},
		{"team-b/x TLS b.example.com:443", Yes, ""},
	})
	if d := m.Check(Request{Identity: Identity{Namespace: "team-c", Mode: Sidecar}, Host: "b.example.com", Port: 443, Protocol: "TLS"}); d.Route != "passthrough (ALLOW_ANY)" {
		t.Errorf("a namespace without a Sidecar: %+v", d)
	}
	for mut, flipped := range map[Mutation]string{
		IgnoreExportTo:          "team-a/x TLS b.example.com:443",
		IgnoreSidecarPrecedence: "team-a/x{app=narrow} TLS a.example.com:443",
	} {
		mm := New(nodes(t, handSidecar), Options{Mutation: mut})
		if got := mm.Check(req(flipped)).Verdict; got != Yes {
			t.Errorf("mutation %s: %s is %s, the self-test needs it to flip to yes", mut, flipped, got)
		}
	}
}

func TestReferenceSidecar(t *testing.T) {
	m := New(file(t, "fn", "testdata", "reference", "02-seed-sidecar-httpbin", "expected.yaml"), Options{})
	check(t, m, []want{
		{"egress-gw-1/default{app=curl} TLS httpbin.org:443", Yes, "VirtualService istio-egress-gateway/egress-vs-httpbin-org spec.tls[1]"},
		{"egress-gw-1/default{app=curl} TLS example.com:443", No, "REGISTRY_ONLY"},
		{"egress-gw-1/default{app=curl} TLS httpbin.org:8443", No, ""},
		// A pod no Sidecar selects keeps the mesh default, but sees the
		// namespace's ServiceEntry.
		{"egress-gw-1/default TLS httpbin.org:443", Yes, "egress-vs-httpbin-org"},
		{"egress-gw-1/default TLS example.com:443", Yes, "mesh default"},
	})
	if d := m.Check(req("egress-gw-1/default{app=curl} TLS httpbin.org:443")); d.Route != "egress gateway istio-egress-gateway/gateway-httpbin-org" {
		t.Errorf("route %q", d.Route)
	}
}

// The operator's shape (a VirtualService exported everywhere) gives an
// HTTP host to every sidecar in the mesh, REGISTRY_ONLY or not; a TLS host
// needs the ServiceEntry.
func TestOperatorShapeHTTPReach(t *testing.T) {
	objs := file(t, "fn", "testdata", "reference", "12-sidecar-shared-host-multi-package", "expected.yaml")
	var vsOpen bytes.Buffer
	for _, n := range objs {
		if strings.Contains(n.Content[0].Content[3].Value, "VirtualService") {
			spec := mapValue(n.Content[0], "spec")
			for i := 0; i < len(spec.Content); i += 2 {
				if spec.Content[i].Value == "exportTo" {
					spec.Content = append(spec.Content[:i], spec.Content[i+2:]...)
					break
				}
			}
		}
	}
	_ = vsOpen
	m := New(objs, Options{})
	check(t, m, []want{
		{"gitlab-runner/x{app=gitlab-runner} HTTP updates.jenkins.io:80", Yes, "egress-vs-updates-jenkins-io"},
		{"gitlab-runner/x{app=gitlab-runner} TLS updates.jenkins.io:443", No, "REGISTRY_ONLY"},
		{"gitlab-runner/x{app=gitlab-runner} TLS auth.docker.io:443", Yes, ""},
	})
}

func mapValue(n *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

func TestUnmodelled(t *testing.T) {
	m := New(nodes(t, `
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: p, namespace: egress}
spec:
  targetRefs: [{group: networking.istio.io, kind: ServiceEntry, name: se}]
  rules:
  - from: [{source: {namespaces: [team-a]}}]
    when: [{key: "request.headers[x]", values: ["1"]}]
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: se, namespace: egress, labels: {istio.io/use-waypoint: wp}}
spec: {hosts: [h.example.com], ports: [{number: 443, protocol: TLS, name: tls}]}
---
apiVersion: networking.istio.io/v1alpha3
kind: EnvoyFilter
metadata: {name: f, namespace: istio-system}
spec: {}
`), Options{})
	check(t, m, []want{
		{"team-a/x TLS h.example.com:443", Unknown, ""},
		{"team-b/x TLS h.example.com:443", No, ""},
	})
	var got []string
	for _, u := range m.Unmodelled {
		got = append(got, u.String())
	}
	all := strings.Join(got, "\n")
	for _, w := range []string{"AuthorizationPolicy egress/p spec.rules[0].when", "EnvoyFilter istio-system/f"} {
		if !strings.Contains(all, w) {
			t.Errorf("unmodelled %q missing from:\n%s", w, all)
		}
	}
}

func TestMutationFromEnv(t *testing.T) {
	t.Setenv(EnvMutation, "drop-deny")
	t.Setenv(EnvSelfTest, "")
	if _, err := MutationFromEnv(); err == nil {
		t.Error("a mutation without the self-test switch is refused")
	}
	t.Setenv(EnvSelfTest, "1")
	if m, err := MutationFromEnv(); err != nil || m != DropDeny {
		t.Errorf("%v %v", m, err)
	}
	t.Setenv(EnvMutation, "nonsense")
	if _, err := MutationFromEnv(); err == nil {
		t.Error("an unknown mutation is refused")
	}
}
