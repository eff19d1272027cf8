package checker_test

// These tests prove the checker is not vacuous: each known mistake must be
// rejected by at least one layer, and by the layers we expect, while valid
// objects pass every layer. Layer 3 (istioctl) runs when an istioctl binary
// is found ($ISTIOCTL, or e2e/.cache/bin/istioctl as check.sh builds it);
// otherwise cases that only istioctl catches are skipped.

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/uds-egress-fn/uds-egress-fn/e2e/istio/internal/checker"
	"github.com/uds-egress-fn/uds-egress-fn/e2e/istio/internal/istioctl"
)

var (
	loadOnce sync.Once
	chk      *checker.Checker
	loadErr  error
)

func getChecker(t *testing.T) *checker.Checker {
	t.Helper()
	loadOnce.Do(func() { chk, loadErr = checker.New("", "") })
	if loadErr != nil {
		t.Fatalf("loading CRDs: %v", loadErr)
	}
	return chk
}

// istioctlBin is istioctl.Locate, failing the test on a bad $ISTIOCTL.
func istioctlBin(t *testing.T) string {
	t.Helper()
	p, err := istioctl.Locate()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func expectedRules(t *testing.T) []*istioctl.Rule {
	t.Helper()
	rules, err := istioctl.ParseRules(filepath.Join("..", "..", "EXPECTED_WARNINGS.md"))
	if err != nil {
		t.Fatal(err)
	}
	return rules
}

// layers runs every layer on doc and returns what each said.
type verdict struct {
	input, typed, crd []string // problem texts per layer
	istioctl          []string // unexpected istioctl findings/failures; nil when not run
	ranIstioctl       bool
}

func runAll(t *testing.T, name, doc string) verdict {
	t.Helper()
	var v verdict
	dir := t.TempDir()
	src := filepath.Join(dir, name+".yaml")
	if err := os.WriteFile(src, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	r := getChecker(t).CheckFiles([]string{src})
	for _, p := range r.Problems {
		switch p.Layer {
		case checker.LayerInput:
			v.input = append(v.input, p.String())
		case checker.LayerTyped:
			v.typed = append(v.typed, p.String())
		case checker.LayerCRD:
			v.crd = append(v.crd, p.String())
		}
	}
	bin := istioctlBin(t)
	if bin == "" {
		return v
	}
	flat, err := checker.EmitFlat(r, filepath.Join(dir, "flat"), false)
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	for _, f := range flat {
		if f != "" {
			files = append(files, f)
		}
	}
	if len(files) == 0 {
		return v
	}
	res, err := istioctl.Run(bin, files, false, expectedRules(t))
	if err != nil {
		t.Fatal(err)
	}
	v.ranIstioctl = true
	v.istioctl = append(v.istioctl, res.Failures...)
	for _, f := range res.Findings {
		if f.Expected == nil {
			v.istioctl = append(v.istioctl, f.String())
		}
	}
	return v
}

const serviceEntry = `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata:
  name: pkg-1-egress-httpbin-org-443-tls
  namespace: egress-gw-1
  labels:
    uds/package: pkg-1
spec:
  exportTo:
  - .
  hosts:
  - httpbin.org
  location: MESH_EXTERNAL
  ports:
  - name: tls-443
    number: 443
    protocol: TLS
  resolution: DNS
`

const authorizationPolicy = `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata:
  name: ambient-ap-httpbin-org
  namespace: istio-egress-ambient
spec:
  action: ALLOW
  rules:
  - from:
    - source:
        principals:
        - cluster.local/ns/egress-gw-1/sa/curl
    to:
    - operation:
        ports:
        - "443"
  targetRefs:
  - group: networking.istio.io
    kind: ServiceEntry
    name: ambient-se-httpbin-org
`

// destinationRule and headerVirtualService are the ambient host-policy
// objects (TLS origination, request headers at the waypoint).
const destinationRule = `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: ambient-dr-httpbin-org
  namespace: istio-egress-ambient
spec:
  exportTo:
  - .
  host: httpbin.org
  trafficPolicy:
    portLevelSettings:
    - port:
        number: 80
      tls:
        caCertificates: /etc/ssl/certs/ca-certificates.crt
        mode: SIMPLE
        sni: httpbin.org
`

const headerVirtualService = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: ambient-vs-httpbin-org
  namespace: istio-egress-ambient
spec:
  exportTo:
  - .
  hosts:
  - httpbin.org
  http:
  - headers:
      request:
        add:
          my-added-header: added-value
    route:
    - destination:
        host: httpbin.org
`

// l7AuthorizationPolicy has the methods and paths of a host policy.
var l7AuthorizationPolicy = strings.Replace(authorizationPolicy, `        ports:
        - "443"`, `        methods:
        - GET
        paths:
        - /get
        - /status/{*}
        ports:
        - "80"`, 1)

const virtualService = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: egress-vs-httpbin-org
  namespace: istio-egress-gateway
spec:
  gateways:
  - mesh
  - gateway-httpbin-org
  hosts:
  - httpbin.org
  tls:
  - match:
    - gateways:
      - mesh
      port: 443
      sniHosts:
      - httpbin.org
    route:
    - destination:
        host: egressgateway.istio-egress-gateway.svc.cluster.local
        port:
          number: 443
  - match:
    - gateways:
      - gateway-httpbin-org
      port: 443
      sniHosts:
      - httpbin.org
    route:
    - destination:
        host: httpbin.org
        port:
          number: 443
`

const istioGateway = `apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: gateway-httpbin-org
  namespace: istio-egress-gateway
spec:
  selector:
    app: egressgateway
  servers:
  - hosts:
    - httpbin.org
    port:
      name: tls-443
      number: 443
      protocol: TLS
    tls:
      mode: PASSTHROUGH
`

const sidecar = `apiVersion: networking.istio.io/v1
kind: Sidecar
metadata:
  name: pkg-1-egress-app-curl
  namespace: egress-gw-1
spec:
  outboundTrafficPolicy:
    mode: REGISTRY_ONLY
  workloadSelector:
    labels:
      app: curl
`

const waypoint = `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  labels:
    istio.io/gateway-name: egress-waypoint
  name: egress-waypoint
  namespace: istio-egress-ambient
spec:
  gatewayClassName: istio-waypoint
  infrastructure:
    parametersRef:
      group: ""
      kind: ConfigMap
      name: egress-waypoint-config
  listeners:
  - allowedRoutes:
      kinds:
      - group: networking.istio.io
        kind: ServiceEntry
      namespaces:
        from: All
    name: mesh
    port: 15008
    protocol: HBONE
`

// namespace is an egress Namespace as the istio profile generates it.
const namespace = `apiVersion: v1
kind: Namespace
metadata:
  annotations:
    argocd.argoproj.io/sync-options: Prune=false
    kustomize.toolkit.fluxcd.io/prune: disabled
  labels:
    app.kubernetes.io/managed-by: uds-egress-fn
    istio.io/dataplane-mode: ambient
    istio.io/use-waypoint: egress-waypoint
  name: istio-egress-ambient
`

func TestValidObjectsPassEveryLayer(t *testing.T) {
	doc := strings.Join([]string{serviceEntry, authorizationPolicy, virtualService, istioGateway, sidecar, waypoint, namespace}, "---\n")
	// The ambient host-policy objects are one run's output of their own: the
	// function never emits them beside a sidecar-mode VirtualService for the
	// same host (a sidecar Package asking for a host with a policy is
	// rejected), which istioctl analyze would report as IST0109.
	l7 := strings.Join([]string{destinationRule, headerVirtualService, l7AuthorizationPolicy}, "---\n")
	ranIstioctl := true
	for name, d := range map[string]string{"valid": doc, "valid-l7": l7} {
		v := runAll(t, name, d)
		ranIstioctl = ranIstioctl && v.ranIstioctl
		for _, l := range [][]string{v.input, v.typed, v.crd, v.istioctl} {
			for _, p := range l {
				t.Errorf("%s: valid objects rejected: %s", name, p)
			}
		}
	}
	if !ranIstioctl {
		t.Log("istioctl not found: layer 3 not run (set ISTIOCTL or run check.sh)")
	}
	// Same objects as a KRM ResourceList: items are checked.
	var rl strings.Builder
	rl.WriteString("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n")
	for _, d := range []string{serviceEntry, sidecar, waypoint} {
		for i, line := range strings.Split(strings.TrimRight(d, "\n"), "\n") {
			if i == 0 {
				rl.WriteString("- " + line + "\n")
			} else {
				rl.WriteString("  " + line + "\n")
			}
		}
	}
	r := getChecker(t).CheckBytes("rl.yaml", []byte(rl.String()))
	if len(r.Problems) != 0 || len(r.Checked) != 3 {
		t.Errorf("ResourceList: problems %v, checked %v", r.Problems, r.Checked)
	}
}

// mistake is a broken object and which layers must reject it.
type mistake struct {
	name          string
	doc           string
	input         bool // the file cannot even be read as objects
	typed, crd    bool // layer 1, layer 2
	istioctl      bool // layer 3 (only checked when istioctl is available)
	wantSubstring string
}

func TestMistakesAreCaught(t *testing.T) {
	cases := []mistake{
		{
			name:  "Namespace with metadata.namespace",
			doc:   strings.Replace(namespace, "  name: istio-egress-ambient\n", "  name: istio-egress-ambient\n  namespace: default\n", 1),
			typed: true, wantSubstring: "not allowed on this type",
		},
		{
			name:  "Namespace name not a DNS label",
			doc:   strings.Replace(namespace, "name: istio-egress-ambient", "name: istio.egress", 1),
			typed: true, wantSubstring: "istio.egress",
		},
		{
			name:  "Namespace label value invalid",
			doc:   strings.Replace(namespace, "istio.io/use-waypoint: egress-waypoint", "istio.io/use-waypoint: egress waypoint", 1),
			typed: true, wantSubstring: "egress waypoint",
		},
		{
			name:  "Namespace unknown field",
			doc:   strings.Replace(namespace, "metadata:\n", "metdata: {}\nmetadata:\n", 1),
			typed: true, wantSubstring: "metdata",
		},
		{
			name:  "ServiceEntry unknown spec field",
			doc:   strings.Replace(serviceEntry, "  resolution: DNS\n", "  resolution: DNS\n  resolutoin: DNS\n", 1),
			typed: true, crd: true, istioctl: true, wantSubstring: "resolutoin",
		},
		{
			name:  "ServiceEntry bad enum resolution FOO",
			doc:   strings.Replace(serviceEntry, "resolution: DNS", "resolution: FOO", 1),
			typed: true, crd: true, istioctl: true, wantSubstring: "FOO",
		},
		{
			name: "ServiceEntry port 70000",
			doc:  strings.Replace(serviceEntry, "number: 443", "number: 70000", 1),
			crd:  true, istioctl: true, wantSubstring: "70000",
		},
		{
			// protojson accepts proto field names; the CRD schema (camelCase)
			// would prune it: only layer 2 sees that export_to is lost.
			name: "ServiceEntry snake_case field export_to",
			doc:  strings.Replace(serviceEntry, "  exportTo:\n", "  export_to:\n", 1),
			crd:  true, wantSubstring: "export_to",
		},
		{
			name: "AuthorizationPolicy with targetRef and targetRefs",
			doc: strings.Replace(authorizationPolicy, "  targetRefs:\n", `  targetRef:
    group: networking.istio.io
    kind: ServiceEntry
    name: ambient-se-httpbin-org
  targetRefs:
`, 1),
			crd: true, istioctl: true, wantSubstring: "only one of",
		},
		{
			name:     "AuthorizationPolicy empty principal",
			doc:      strings.Replace(authorizationPolicy, "- cluster.local/ns/egress-gw-1/sa/curl", `- ""`, 1),
			istioctl: true, wantSubstring: "Principals",
		},
		{
			name:  "DestinationRule tls mode SIMPLEX",
			doc:   strings.Replace(destinationRule, "mode: SIMPLE", "mode: SIMPLEX", 1),
			typed: true, crd: true, istioctl: true, wantSubstring: "SIMPLEX",
		},
		{
			name:  "DestinationRule unknown field in portLevelSettings",
			doc:   strings.Replace(destinationRule, "        sni: httpbin.org", "        snii: httpbin.org", 1),
			typed: true, crd: true, istioctl: true, wantSubstring: "snii",
		},
		{
			name:     "VirtualService adds a pseudo-header",
			doc:      strings.Replace(headerVirtualService, "my-added-header: added-value", "':path': /x", 1),
			istioctl: true, wantSubstring: ":path",
		},
		{
			name:     "AuthorizationPolicy path template with {**} before {*}",
			doc:      strings.Replace(l7AuthorizationPolicy, "- /status/{*}", "- /{**}/x/{*}", 1),
			istioctl: true, wantSubstring: "{**}",
		},
		{
			name: "VirtualService tls route without sniHosts",
			doc: strings.Replace(virtualService, `      sniHosts:
      - httpbin.org
`, "", 2),
			crd: true, istioctl: true, wantSubstring: "sniHosts",
		},
		{
			name: "invalid object name",
			doc:  strings.Replace(serviceEntry, "name: pkg-1-egress-httpbin-org-443-tls", "name: Pkg_1.egress", 1),
			crd:  true, wantSubstring: "RFC 1123 subdomain",
		},
		{
			name: "invalid label value",
			doc:  strings.Replace(serviceEntry, "uds/package: pkg-1", "uds/package: pkg 1!", 1),
			crd:  true, wantSubstring: "metadata.labels",
		},
		{
			name:  "unknown metadata field",
			doc:   strings.Replace(serviceEntry, "  labels:\n", "  label:\n    a: b\n  labels:\n", 1),
			typed: true, crd: true, wantSubstring: "metadata.label",
		},
		{
			name: "missing namespace",
			doc:  strings.Replace(serviceEntry, "  namespace: egress-gw-1\n", "", 1),
			crd:  true, istioctl: true, wantSubstring: "metadata.namespace",
		},
		{
			name:  "Gateway API Gateway unknown field",
			doc:   strings.Replace(waypoint, "    name: mesh\n", "    name: mesh\n    hostnme: x.example.com\n", 1),
			typed: true, crd: true, wantSubstring: "hostnme",
		},
		{
			name: "Gateway API Gateway listener port 70000",
			doc:  strings.Replace(waypoint, "port: 15008", "port: 70000", 1),
			crd:  true, wantSubstring: "70000",
		},
		{
			name:  "Sidecar bad outboundTrafficPolicy mode",
			doc:   strings.Replace(sidecar, "REGISTRY_ONLY", "REGISTRY", 1),
			typed: true, crd: true, istioctl: true, wantSubstring: "REGISTRY",
		},
		{
			name: "unknown Istio kind",
			doc:  strings.Replace(serviceEntry, "kind: ServiceEntry", "kind: ServiceEntries", 1),
			crd:  true, wantSubstring: "no CRD defines kind",
		},
		{
			name: "version not served",
			doc:  strings.Replace(serviceEntry, "networking.istio.io/v1", "networking.istio.io/v2", 1),
			crd:  true, wantSubstring: "not served",
		},
		{
			// The CRD allows names up to 253 characters; Istio wants a
			// Gateway name to be a DNS label (<= 63). Only istioctl sees it.
			name: "Istio Gateway name longer than a DNS label",
			doc: strings.Replace(istioGateway, "name: gateway-httpbin-org",
				"name: gateway-artifactory-prod-mirror-s3-fips-us-gov-west-1-amazonaws-com", 1),
			istioctl: true, wantSubstring: "invalid gateway name",
		},
		{
			name:  "duplicate key",
			doc:   strings.Replace(serviceEntry, "  resolution: DNS\n", "  resolution: DNS\n  resolution: STATIC\n", 1),
			input: true, wantSubstring: "already set",
		},
		{
			name: "bad item inside a ResourceList",
			doc: "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- " +
				strings.ReplaceAll(strings.TrimRight(strings.Replace(serviceEntry, "resolution: DNS", "resolution: FOO", 1), "\n"), "\n", "\n  ") + "\n",
			typed: true, crd: true, istioctl: true, wantSubstring: "items[0]",
		},
	}
	bin := istioctlBin(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			onlyIstioctl := c.istioctl && !c.input && !c.typed && !c.crd
			if onlyIstioctl && bin == "" {
				t.Skip("only istioctl catches this and istioctl was not found (set ISTIOCTL or run check.sh)")
			}
			v := runAll(t, strings.ReplaceAll(c.name, " ", "_"), c.doc)
			check := func(layer string, want bool, got []string) {
				t.Helper()
				if want && len(got) == 0 {
					t.Errorf("layer %s did not reject it", layer)
				}
				if !want && len(got) > 0 {
					t.Errorf("layer %s rejected it, which this test does not expect (update the case if the layer got stricter): %v", layer, got)
				}
			}
			check("input", c.input, v.input)
			check("typed", c.typed, v.typed)
			check("crd", c.crd, v.crd)
			if v.ranIstioctl {
				check("istioctl", c.istioctl, v.istioctl)
			}
			all := strings.Join(append(append(append(append([]string{}, v.input...), v.typed...), v.crd...), v.istioctl...), "\n")
			if all == "" {
				t.Fatalf("no layer rejected it")
			}
			if !strings.Contains(all, c.wantSubstring) {
				t.Errorf("no report mentions %q:\n%s", c.wantSubstring, all)
			}
			t.Logf("rejected:\n%s", all)
		})
	}
}

func TestLocations(t *testing.T) {
	doc := "# comment\n\n" + serviceEntry + "---\n# c\napiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- " +
		strings.ReplaceAll(strings.TrimRight(sidecar, "\n"), "\n", "\n  ") + "\n- " +
		strings.ReplaceAll(strings.TrimRight(sidecar, "\n"), "\n", "\n  ") + "\n"
	objs, probs := checker.ReadBytes("f.yaml", []byte(doc))
	if len(probs) != 0 {
		t.Fatal(probs)
	}
	if len(objs) != 3 {
		t.Fatalf("got %d objects, want 3", len(objs))
	}
	seLines := strings.Count(serviceEntry, "\n")
	want := []int{3, 3 + seLines + 5, 3 + seLines + 5 + strings.Count(sidecar, "\n")}
	for i, o := range objs {
		if o.Line != want[i] {
			t.Errorf("object %d (%s) at line %d, want %d", i, o.ID(), o.Line, want[i])
		}
	}
}

func TestExpectedWarningsParses(t *testing.T) {
	rules := expectedRules(t)
	for _, r := range rules {
		if r.Why == "" {
			t.Errorf("rule %s %s %s has no reason", r.Tool, r.Code, r.Message)
		}
	}
}
