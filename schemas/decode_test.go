package schemas_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/uds-egress-fn/uds-egress-fn/internal/diag"
	"github.com/uds-egress-fn/uds-egress-fn/schemas"
)

// finding is what a case expects of one diag.Finding: the exact severity,
// code and path, and a part of the message (skipped when empty).
type finding struct {
	severity diag.Severity
	code     diag.Code
	path     string
	message  string
}

const (
	er = diag.Error
	wa = diag.Warning
)

// pkg is a Package with a valid header around spec.
func pkg(spec string) string {
	return "apiVersion: uds.dev/v1alpha1\nkind: Package\nmetadata: {name: app, namespace: app}\n" + spec
}

// allow is a Package with the given allow entries (flow style).
func allow(entries string) string {
	return pkg("spec: {network: {allow: [" + entries + "]}}")
}

func TestDecodePackage(t *testing.T) {
	cases := map[string]struct {
		in    string
		want  []finding
		check func(t *testing.T, p schemas.Package)
	}{
		// Structure.
		"spec.network is a list": {in: pkg("spec: {network: [allow]}"),
			want: []finding{{er, diag.InvalidType, "spec.network", "spec.network must be a map, got a list"}}},
		"allow is a map": {in: pkg("spec: {network: {allow: {direction: Egress, remoteHost: a.com}}}"),
			want: []finding{{er, diag.InvalidType, "spec.network.allow", "must be a list of allow entries, got a map"}}},
		"allow entry is a string": {in: allow("api.example.com"),
			want: []finding{{er, diag.InvalidType, "spec.network.allow[0]", `must be a map (an allow entry with direction, remote and ports), got the string "api.example.com"`}}},
		"allow entry is null": {in: allow("null"),
			want: []finding{{er, diag.InvalidType, "spec.network.allow[0]", "got null"}}},
		"second allow entry is a list": {in: allow("{direction: Egress, remoteHost: a.com}, [b.com]"),
			want: []finding{{er, diag.InvalidType, "spec.network.allow[1]", "got a list"}}},
		"allow is null": {in: pkg("spec: {network: {allow: null}}"),
			check: func(t *testing.T, p schemas.Package) { assert.Nil(t, p.AllowEntries()) }},
		"serviceMesh is a string": {in: pkg("spec: {network: {serviceMesh: sidecar}}"),
			want: []finding{{er, diag.InvalidType, "spec.network.serviceMesh", `got the string "sidecar"`}}},

		// Ports.
		"port is a quoted number": {in: allow(`{direction: Egress, remoteHost: a.com, port: "443"}`),
			want: []finding{{er, diag.InvalidType, "spec.network.allow[0].port", `got the string "443"; write 443 without quotes`}}},
		"port in exponent notation": {in: allow("{direction: Egress, remoteHost: a.com, port: 1e3}"),
			want: []finding{{er, diag.InvalidType, "spec.network.allow[0].port", "must be an integer port number (1-65535), got the number 1e3"}}},
		"port with a fraction": {in: allow("{direction: Egress, remoteHost: a.com, port: 443.5}"),
			want: []finding{{er, diag.InvalidType, "spec.network.allow[0].port", "got the number 443.5"}}},
		"port is a boolean": {in: allow("{direction: Egress, remoteHost: a.com, port: true}"),
			want: []finding{{er, diag.InvalidType, "spec.network.allow[0].port", "got the boolean true"}}},
		"port is a map": {in: allow("{direction: Egress, remoteHost: a.com, port: {number: 443}}"),
			want: []finding{{er, diag.InvalidType, "spec.network.allow[0].port", "got a map"}}},
		"port beyond 32 bits": {in: allow("{direction: Egress, remoteHost: a.com, port: 4294967296}"),
			want: []finding{{er, diag.PortInvalid, "spec.network.allow[0].port", "must be a port number from 1 to 65535, got 4294967296"}}},
		"port in hex is a number": {in: allow("{direction: Egress, remoteHost: a.com, port: 0x1BB}"),
			check: func(t *testing.T, p schemas.Package) { assert.Equal(t, 443, *p.AllowEntries()[0].Port) }},
		"port null is no port": {in: allow("{direction: Egress, remoteHost: a.com, port: null}"),
			check: func(t *testing.T, p schemas.Package) { assert.Nil(t, p.AllowEntries()[0].Port) }},
		"ports is a string": {in: allow(`{direction: Egress, remoteHost: a.com, ports: "443"}`),
			want: []finding{{er, diag.InvalidType, "spec.network.allow[0].ports", `must be a list of port numbers, got the string "443"`}}},
		"ports with a null item": {in: allow("{direction: Egress, remoteHost: a.com, ports: [443, null]}"),
			want:  []finding{{er, diag.InvalidType, "spec.network.allow[0].ports[1]", "got null"}},
			check: func(t *testing.T, p schemas.Package) { assert.Equal(t, []int{443}, p.AllowEntries()[0].Ports) }},
		"ports with a quoted item": {in: allow(`{direction: Egress, remoteHost: a.com, ports: [443, "8443"]}`),
			want: []finding{{er, diag.InvalidType, "spec.network.allow[0].ports[1]", "write 8443 without quotes"}}},

		// Label maps.
		"selector is a list": {in: allow("{direction: Egress, remoteHost: a.com, selector: [app]}"),
			want: []finding{{er, diag.InvalidType, "spec.network.allow[0].selector", "spec.network.allow[0].selector must be a map, got a list"}}},
		"selector value is an integer": {in: allow("{direction: Egress, remoteHost: a.com, selector: {app: web, tier: 1}}"),
			want: []finding{{er, diag.InvalidType, "spec.network.allow[0].selector.tier", "must be a string, got the integer 1"}}},
		"selector value is null": {in: allow("{direction: Egress, remoteHost: a.com, selector: {app: null}}"),
			want: []finding{{er, diag.InvalidType, "spec.network.allow[0].selector.app", "must be a string, got null"}}},
		"selector key with dots": {in: allow("{direction: Egress, remoteHost: a.com, selector: {app.kubernetes.io/name: true}}"),
			want: []finding{{er, diag.InvalidType, `spec.network.allow[0].selector["app.kubernetes.io/name"]`, "got the boolean true"}}},
		"labels is a string": {in: allow("{direction: Egress, remoteHost: a.com, labels: team=a}"),
			want: []finding{{er, diag.InvalidType, "spec.network.allow[0].labels", `got the string "team=a"`}}},

		// Strings.
		"serviceAccount is a list": {in: allow("{direction: Egress, remoteHost: a.com, serviceAccount: [curl]}"),
			want: []finding{{er, diag.InvalidType, "spec.network.allow[0].serviceAccount", "must be a string, got a list"}}},
		"remoteHost is a map": {in: allow("{direction: Egress, remoteHost: {host: a.com, port: 443}}"),
			want: []finding{{er, diag.InvalidType, "spec.network.allow[0].remoteHost", "must be a string, got a map"}}},
		"remoteNamespace is a number": {in: allow("{direction: Egress, remoteNamespace: 7}"),
			want: []finding{{er, diag.InvalidType, "spec.network.allow[0].remoteNamespace", "got the integer 7"}}},
		"description no is a string in YAML 1.2": {in: allow("{direction: Egress, remoteHost: a.com, description: no}"),
			check: func(t *testing.T, p schemas.Package) { assert.Equal(t, "no", p.AllowEntries()[0].Description) }},
		"description is a boolean": {in: allow("{direction: Egress, remoteHost: a.com, description: false}"),
			want: []finding{{er, diag.InvalidType, "spec.network.allow[0].description", "got the boolean false"}}},

		// Metadata and envelope.
		"metadata.name missing": {in: "apiVersion: uds.dev/v1alpha1\nkind: Package\nmetadata: {namespace: app}\nspec: {}",
			want: []finding{{er, diag.MissingField, "metadata.name", "metadata.name is missing or empty"}}},
		"metadata.name empty": {in: "apiVersion: uds.dev/v1alpha1\nkind: Package\nmetadata: {name: '', namespace: app}\nspec: {}",
			want: []finding{{er, diag.MissingField, "metadata.name", "missing or empty"}}},
		"metadata.name is an integer": {in: "apiVersion: uds.dev/v1alpha1\nkind: Package\nmetadata: {name: 123, namespace: app}\nspec: {}",
			want: []finding{
				{er, diag.InvalidType, "metadata.name", "metadata.name must be a string, got the integer 123"},
			}},
		"metadata.namespace missing": {in: "apiVersion: uds.dev/v1alpha1\nkind: Package\nmetadata: {name: app}\nspec: {}",
			want: []finding{{er, diag.MissingField, "metadata.namespace", "metadata.namespace is missing or empty"}}},
		"metadata.namespace empty": {in: "apiVersion: uds.dev/v1alpha1\nkind: Package\nmetadata: {name: app, namespace: ''}\nspec: {}",
			want: []finding{{er, diag.MissingField, "metadata.namespace", ""}}},
		"metadata missing": {in: "apiVersion: uds.dev/v1alpha1\nkind: Package\nspec: {}",
			want: []finding{{er, diag.MissingField, "metadata", "the Package has no metadata"}}},
		"metadata null": {in: "apiVersion: uds.dev/v1alpha1\nkind: Package\nmetadata:\nspec: {}",
			want: []finding{{er, diag.MissingField, "metadata", "metadata is empty"}}},
		"metadata is a list": {in: "apiVersion: uds.dev/v1alpha1\nkind: Package\nmetadata: [app]\nspec: {}",
			want: []finding{
				{er, diag.InvalidType, "metadata", "metadata must be a map, got a list"},
				{er, diag.MissingField, "metadata.name", ""},
				{er, diag.MissingField, "metadata.namespace", ""},
			}},
		"generation is a string": {in: "apiVersion: uds.dev/v1alpha1\nkind: Package\nmetadata: {name: app, namespace: app, generation: '3'}\nspec: {}",
			want: []finding{{er, diag.InvalidType, "metadata.generation", `must be an integer, got the string "3"`}}},
		"no spec": {in: "apiVersion: uds.dev/v1alpha1\nkind: Package\nmetadata: {name: app, namespace: app}",
			want: []finding{{er, diag.MissingField, "spec", "the Package has no spec"}}},
		"spec null": {in: pkg("spec: null"),
			want: []finding{{er, diag.MissingField, "spec", "the Package has no spec"}}},
		"spec is a list": {in: pkg("spec: [network]"),
			want: []finding{{er, diag.InvalidType, "spec", "spec must be a map, got a list"}}},
		"spec without network": {in: pkg("spec: {monitor: [], sso: []}"),
			check: func(t *testing.T, p schemas.Package) {
				assert.Nil(t, p.Spec.Network)
				assert.Equal(t, schemas.ModeAmbient, p.Mode())
			}},
		"apiVersion v1beta1": {in: "apiVersion: uds.dev/v1beta1\nkind: Package\nmetadata: {name: app, namespace: app}\nspec: {}",
			want: []finding{{er, diag.UnsupportedAPI, "apiVersion", `apiVersion "uds.dev/v1beta1" is not supported`}}},
		"deletionTimestamp": {in: "apiVersion: uds.dev/v1alpha1\nkind: Package\nmetadata: {name: app, namespace: app, deletionTimestamp: '2024-05-01T00:00:00Z'}",
			check: func(t *testing.T, p schemas.Package) { assert.True(t, p.Metadata.Deleted) }},
		"deletionTimestamp null": {in: "apiVersion: uds.dev/v1alpha1\nkind: Package\nmetadata: {name: app, namespace: app, deletionTimestamp: null}\nspec: {}",
			check: func(t *testing.T, p schemas.Package) { assert.False(t, p.Metadata.Deleted) }},

		// Keys and enums.
		"unknown allow key in the wrong case": {in: allow("{direction: Egress, remotehost: a.com, remoteGenerated: Anywhere}"),
			want:  []finding{{er, diag.UnknownField, "spec.network.allow[0].remotehost", "spec.network.allow[0].remotehost is not a field of an allow entry (the Package CRD rejects it); did you mean remoteHost?"}},
			check: func(t *testing.T, p schemas.Package) { assert.Empty(t, p.AllowEntries()[0].RemoteHost) }},
		"unknown allow key with a typo": {in: allow("{direction: Egress, remoteHost: a.com, serviceAcount: curl}"),
			want: []finding{{er, diag.UnknownField, "spec.network.allow[0].serviceAcount", "did you mean serviceAccount?"}}},
		"unknown allow key unlike any": {in: allow("{direction: Egress, remoteHost: a.com, timeout: 5s}"),
			want: []finding{{er, diag.UnknownField, "spec.network.allow[0].timeout", "is not a field of an allow entry (the Package CRD rejects it)"}}},
		"remoteProtocol in lower case": {in: allow("{direction: Egress, remoteHost: a.com, remoteProtocol: tls}"),
			want: []finding{{er, diag.InvalidValue, "spec.network.allow[0].remoteProtocol", `must be one of TLS, HTTP, TCP, UDP, got "tls"; did you mean TLS?`}}},
		"remoteProtocol unknown": {in: allow("{direction: Egress, remoteHost: a.com, remoteProtocol: HTTPS}"),
			want: []finding{{er, diag.InvalidValue, "spec.network.allow[0].remoteProtocol", `got "HTTPS"`}}},
		"direction in lower case": {in: allow("{direction: egress, remoteHost: a.com}"),
			want: []finding{{er, diag.InvalidValue, "spec.network.allow[0].direction", "did you mean Egress?"}}},
		"remoteGenerated in lower case": {in: allow("{direction: Egress, remoteGenerated: anywhere}"),
			want: []finding{{er, diag.InvalidValue, "spec.network.allow[0].remoteGenerated", "did you mean Anywhere?"}}},
		"mode capitalised": {in: pkg("spec: {network: {serviceMesh: {mode: Sidecar}}}"),
			want: []finding{{er, diag.InvalidValue, "spec.network.serviceMesh.mode", "did you mean sidecar?"}}},
		"mode null is ambient": {in: pkg("spec: {network: {serviceMesh: {mode: null}}}"),
			check: func(t *testing.T, p schemas.Package) { assert.Equal(t, schemas.ModeAmbient, p.Mode()) }},
		"direction missing": {in: allow("{remoteHost: a.com}"),
			want: []finding{{er, diag.MissingField, "spec.network.allow[0].direction", "spec.network.allow[0].direction is required"}}},
		"direction null": {in: allow("{direction: null, remoteHost: a.com}"),
			want: []finding{{er, diag.MissingField, "spec.network.allow[0].direction", "is required"}}},
		"direction empty": {in: allow("{direction: '', remoteHost: a.com}"),
			want: []finding{{er, diag.InvalidValue, "spec.network.allow[0].direction", `must be one of Ingress, Egress, got ""`}}},
		"direction is a list": {in: allow("{direction: [Egress], remoteHost: a.com}"),
			want: []finding{{er, diag.InvalidType, "spec.network.allow[0].direction", "must be a string, got a list"}}},

		// YAML features.
		"duplicate allow key": {in: "apiVersion: uds.dev/v1alpha1\nkind: Package\nmetadata: {name: app, namespace: app}\nspec:\n  network:\n    allow:\n      - direction: Egress\n        remoteHost: a.com\n        remoteHost: b.com\n",
			want:  []finding{{er, diag.InvalidType, "spec.network.allow[0].remoteHost", "spec.network.allow[0].remoteHost appears twice; keep one"}},
			check: func(t *testing.T, p schemas.Package) { assert.Equal(t, "a.com", p.AllowEntries()[0].RemoteHost) }},
		"duplicate selector key": {in: "apiVersion: uds.dev/v1alpha1\nkind: Package\nmetadata: {name: app, namespace: app}\nspec:\n  network:\n    allow:\n      - direction: Egress\n        remoteHost: a.com\n        selector:\n          app: a\n          app: b\n",
			want: []finding{{er, diag.InvalidType, "spec.network.allow[0].selector.app", "appears twice"}}},
		"duplicate spec": {in: pkg("spec: {}\nspec: {network: {allow: [{direction: Egress, remoteHost: a.com}]}}"),
			want: []finding{{er, diag.InvalidType, "spec", "spec appears twice"}}},
		"merge key": {in: "apiVersion: uds.dev/v1alpha1\nkind: Package\nmetadata: {name: app, namespace: app}\nspec:\n  network:\n    allow:\n      - &base {direction: Egress, remoteHost: a.com}\n      - <<: *base\n        port: 8443\n",
			want: []finding{
				{er, diag.InvalidType, "spec.network.allow[1]", "uses a YAML merge key (<<); write the fields out"},
				{er, diag.MissingField, "spec.network.allow[1].direction", ""}, // the merged fields are not read
			}},
		"key that is not a string": {in: allow("{direction: Egress, remoteHost: a.com, [port]: 443}"),
			want: []finding{{er, diag.InvalidType, "spec.network.allow[0]", "has a key that is not a string (a list)"}}},
		"alias to a wrong type": {in: "apiVersion: uds.dev/v1alpha1\nkind: Package\nmetadata: {name: app, namespace: app, labels: &hosts [a.com]}\nspec: {network: {allow: [{direction: Egress, remoteHost: *hosts}]}}",
			want: []finding{{er, diag.InvalidType, "spec.network.allow[0].remoteHost", "must be a string, got a list"}}},

		// Deprecated fields.
		"deprecated podLabels": {in: allow("{direction: Egress, remoteHost: a.com, podLabels: {app: web}}"),
			want: []finding{{wa, diag.DeprecatedField, "spec.network.allow[0].podLabels", "rename it to selector"}},
			check: func(t *testing.T, p schemas.Package) {
				a := p.AllowEntries()[0]
				assert.Equal(t, schemas.Labels{{Key: "app", Value: "web"}}, a.Selector)
				assert.Nil(t, a.PodLabels)
			}},
		"deprecated podLabels wins over selector": {in: allow("{direction: Egress, remoteHost: a.com, selector: {app: new}, podLabels: {app: old}}"),
			want: []finding{{wa, diag.DeprecatedField, "spec.network.allow[0].podLabels", ""}},
			check: func(t *testing.T, p schemas.Package) {
				assert.Equal(t, schemas.Labels{{Key: "app", Value: "old"}}, p.AllowEntries()[0].Selector)
			}},
		"deprecated remotePodLabels": {in: allow("{direction: Egress, remoteNamespace: db, remotePodLabels: {app: pg}}"),
			want: []finding{{wa, diag.DeprecatedField, "spec.network.allow[0].remotePodLabels", "rename it to remoteSelector"}},
			check: func(t *testing.T, p schemas.Package) {
				a := p.AllowEntries()[0]
				assert.Equal(t, schemas.Labels{{Key: "app", Value: "pg"}}, a.RemoteSelector)
				assert.Nil(t, a.RemotePodLabels)
			}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			ref := &diag.Ref{Kind: "Package", Name: "app", Namespace: "app"}
			p, findings := schemas.DecodePackage(parse(t, tc.in), ref)
			assertFindings(t, tc.want, findings)
			for _, f := range findings {
				assert.Same(t, ref, f.Subject, "every finding names the Package")
			}
			if tc.check != nil {
				tc.check(t, p)
			}
		})
	}
}

// TestDecodePackageReadsEveryField decodes a Package that uses every field
// and compares the whole result, including the written order of labels.
func TestDecodePackageReadsEveryField(t *testing.T) {
	in := `apiVersion: uds.dev/v1alpha1
kind: Package
metadata:
  name: app
  namespace: app-ns
  uid: 0b7f-11
  generation: 7
  labels: {team: a}
spec:
  monitor: []
  network:
    expose: []
    serviceMesh: {mode: sidecar}
    allow:
      - direction: Egress
        selector: {tier: web, app: shop, app.kubernetes.io/name: shop}
        remoteHost: api.example.com
        remoteProtocol: HTTP
        port: 8080
        ports: [443, 8443, 443]
        serviceAccount: curl
        description: payments api
        labels: {z: "1", a: "2"}
      - direction: Ingress
        remoteNamespace: ""
        remoteSelector: {app: gw}
        remoteServiceAccount: gateway
        remoteCidr: 10.0.0.0/8
        remoteGenerated: IntraNamespace
        remoteProtocol: TCP
`
	p, findings := schemas.DecodePackage(parse(t, in), nil)
	require.Empty(t, findings)
	empty, port := "", 8080
	want := schemas.Package{
		APIVersion: "uds.dev/v1alpha1", Kind: "Package",
		Metadata: schemas.ObjectMeta{Name: "app", Namespace: "app-ns", UID: "0b7f-11", Generation: 7},
		Spec: schemas.PackageSpec{Network: &schemas.Network{
			ServiceMesh: &schemas.ServiceMesh{Mode: schemas.ModeSidecar},
			Allow: []schemas.Allow{
				{
					Direction:      schemas.DirectionEgress,
					Selector:       schemas.Labels{{Key: "tier", Value: "web"}, {Key: "app", Value: "shop"}, {Key: "app.kubernetes.io/name", Value: "shop"}},
					RemoteHost:     "api.example.com",
					RemoteProtocol: schemas.ProtocolHTTP,
					Port:           &port,
					Ports:          []int{443, 8443, 443},
					ServiceAccount: "curl",
					Description:    "payments api",
					AllowOther:     &schemas.AllowOther{Labels: schemas.Labels{{Key: "z", Value: "1"}, {Key: "a", Value: "2"}}},
				},
				{
					Direction:       schemas.DirectionIngress,
					RemoteGenerated: schemas.RemoteIntraNamespace,
					RemoteProtocol:  schemas.ProtocolTCP,
					AllowOther: &schemas.AllowOther{
						RemoteNamespace:      &empty,
						RemoteSelector:       schemas.Labels{{Key: "app", Value: "gw"}},
						RemoteServiceAccount: "gateway",
						RemoteCidr:           "10.0.0.0/8",
					},
				},
			},
		}},
	}
	assert.Equal(t, want, p)
	assert.Equal(t, []string{"web", "shop", "shop"}, p.AllowEntries()[0].Selector.Values(), "selector values keep their written order")
	assert.Equal(t, []int{443, 8443}, p.AllowEntries()[0].EffectivePorts())
}

func TestDecodePackageResolvesAliases(t *testing.T) {
	in := `apiVersion: uds.dev/v1alpha1
kind: Package
metadata: {name: &name app, namespace: *name}
spec:
  network:
    allow:
      - &first
        direction: &egress Egress
        selector: &web {app: web, tier: front}
        remoteHost: &host api.example.com
        ports: &ports [443, &alt 8443]
      - direction: *egress
        selector: *web
        remoteHost: *host
        port: *alt
        description: *host
      - *first
`
	p, findings := schemas.DecodePackage(parse(t, in), nil)
	require.Empty(t, findings)
	assert.Equal(t, "app", p.Metadata.Namespace)
	entries := p.AllowEntries()
	require.Len(t, entries, 3)
	web := schemas.Labels{{Key: "app", Value: "web"}, {Key: "tier", Value: "front"}}
	for i, a := range entries {
		assert.Equal(t, schemas.DirectionEgress, a.Direction, "allow[%d]", i)
		assert.Equal(t, web, a.Selector, "allow[%d]", i)
		assert.Equal(t, "api.example.com", a.RemoteHost, "allow[%d]", i)
	}
	assert.Equal(t, []int{443, 8443}, entries[0].Ports)
	assert.Equal(t, 8443, *entries[1].Port)
	assert.Equal(t, "api.example.com", entries[1].Description)
	assert.Equal(t, entries[0], entries[2])
}

func TestDecodeConfig(t *testing.T) {
	cases := map[string]struct {
		in   string
		want []finding
		// settings changes the defaults into the expected Settings; nil
		// skips the comparison.
		settings func(s *schemas.Settings)
	}{
		"empty map": {in: "{}", settings: func(*schemas.Settings) {}},
		"null":      {in: "null", settings: func(*schemas.Settings) {}},
		"EgressConfig without spec": {in: "apiVersion: fn.uds-egress.dev/v1alpha1\nkind: EgressConfig\nmetadata: {name: egress}",
			settings: func(*schemas.Settings) {}},
		"EgressConfig with every key": {in: `apiVersion: fn.uds-egress.dev/v1alpha1
kind: EgressConfig
metadata:
  name: egress
  annotations: {config.kubernetes.io/function: "container: ghcr.io/x/uds-egress-fn"}
spec:
  ambientNamespace: egress-ambient
  waypointName: waypoint
  waypointEnabled: false
  waypointConfigMap: waypoint-config
  gatewayNamespace: egress-gw
  gatewayService: gw
  gatewaySelector: {istio: egressgateway, app: gw}
  gatewayPorts: [80, 443, 9200]
  trustDomain: example.org
  clusterDomain: cluster.example
  pathPrefix: generated/egress
  profile: istio
  namespaces: false
  expectedNamespaces: [team-a, team-b]
  stderr: none
  sidecarScope: workload
`, settings: func(s *schemas.Settings) {
			*s = schemas.Settings{
				AmbientNamespace: "egress-ambient", WaypointName: "waypoint", WaypointEnabled: false,
				WaypointConfigMap: "waypoint-config", WaypointConfigMapSet: true, GatewayNamespace: "egress-gw", GatewayService: "gw",
				GatewaySelector: schemas.Labels{{Key: "istio", Value: "egressgateway"}, {Key: "app", Value: "gw"}},
				GatewayPorts:    []int{80, 443, 9200}, GatewayPortsSet: true,
				TrustDomain: "example.org", ClusterDomain: "cluster.example", PathPrefix: "generated/egress",
				Profile: schemas.ProfileIstio, Namespaces: false, ExpectedNamespaces: []string{"team-a", "team-b"},
				Stderr:       "none",
				SidecarScope: schemas.SidecarScopeWorkload,
			}
		}},
		"ConfigMap with the profile keys": {in: `apiVersion: v1
kind: ConfigMap
data:
  profile: istio
  namespaces: "false"
  expectedNamespaces: "team-a, team-b"
  waypointConfigMap: egress-waypoint-config
`, settings: func(s *schemas.Settings) {
			s.Profile, s.Namespaces = schemas.ProfileIstio, false
			s.ExpectedNamespaces = []string{"team-a", "team-b"}
			s.WaypointConfigMapSet = true
		}},
		"ConfigMap with string values": {in: `apiVersion: v1
kind: ConfigMap
metadata: {name: egress}
data:
  waypointEnabled: "false"
  gatewaySelector: app=egressgateway,istio=egress
  gatewayPorts: 80,443,9200
  trustDomain: example.org
`, settings: func(s *schemas.Settings) {
			s.WaypointEnabled = false
			s.GatewaySelector = schemas.Labels{{Key: "app", Value: "egressgateway"}, {Key: "istio", Value: "egress"}}
			s.GatewayPorts, s.GatewayPortsSet = []int{80, 443, 9200}, true
			s.TrustDomain = "example.org"
		}},
		"ConfigMap with spaces in lists": {in: "apiVersion: v1\nkind: ConfigMap\ndata: {gatewaySelector: 'app=gw, istio=egress', gatewayPorts: '80, 443'}",
			settings: func(s *schemas.Settings) {
				s.GatewaySelector = schemas.Labels{{Key: "app", Value: "gw"}, {Key: "istio", Value: "egress"}}
				s.GatewayPorts, s.GatewayPortsSet = []int{80, 443}, true
			}},
		"empty gatewayPorts is set": {in: "apiVersion: fn.uds-egress.dev/v1alpha1\nkind: EgressConfig\nspec: {gatewayPorts: []}",
			settings: func(s *schemas.Settings) { s.GatewayPorts, s.GatewayPortsSet = []int{}, true }},

		// Unknown keys and kinds.
		"unknown spec key": {in: "apiVersion: fn.uds-egress.dev/v1alpha1\nkind: EgressConfig\nspec: {waypointname: w}",
			want: []finding{{er, diag.ConfigUnknownKey, "spec.waypointname", `unknown setting "spec.waypointname"; did you mean waypointName?`}}},
		"unknown top-level key": {in: "apiVersion: fn.uds-egress.dev/v1alpha1\nkind: EgressConfig\ndata: {waypointName: w}",
			want: []finding{{er, diag.ConfigUnknownKey, "data", `functionConfig has unknown key "data"`}}},
		"unknown ConfigMap key": {in: "apiVersion: v1\nkind: ConfigMap\ndata: {gatewayPort: '80'}",
			want: []finding{{er, diag.ConfigUnknownKey, "data.gatewayPort", "did you mean gatewayPorts?"}}},
		"wrong kind": {in: "apiVersion: apps/v1\nkind: Deployment\nspec: {replicas: 1}",
			want: []finding{{er, diag.ConfigInvalid, "kind", "functionConfig must be fn.uds-egress.dev/v1alpha1 EgressConfig or a v1 ConfigMap, got apps/v1 Deployment"}}},
		"EgressConfig in another version": {in: "apiVersion: fn.uds-egress.dev/v1beta1\nkind: EgressConfig\nspec: {}",
			want: []finding{{er, diag.ConfigInvalid, "kind", "got fn.uds-egress.dev/v1beta1 EgressConfig"}}},
		"functionConfig is a list": {in: "[waypointEnabled]",
			want: []finding{{er, diag.ConfigInvalid, "", "functionConfig must be a map (an fn.uds-egress.dev/v1alpha1 EgressConfig or a v1 ConfigMap), got a list"}}},
		"spec is a list": {in: "apiVersion: fn.uds-egress.dev/v1alpha1\nkind: EgressConfig\nspec: [a]",
			want: []finding{{er, diag.ConfigInvalid, "spec", "spec must be a map, got a list"}}},
		"metadata.name is a number": {in: "apiVersion: fn.uds-egress.dev/v1alpha1\nkind: EgressConfig\nmetadata: {name: 1}",
			want: []finding{{er, diag.ConfigInvalid, "metadata.name", "must be a string, got the integer 1"}}},

		// Ports.
		"gatewayPorts 0": {in: "apiVersion: fn.uds-egress.dev/v1alpha1\nkind: EgressConfig\nspec: {gatewayPorts: [0, 443]}",
			want: []finding{{er, diag.ConfigInvalid, "spec.gatewayPorts[0]", "gatewayPorts[0] must be a port from 1 to 65535, got 0"}}},
		"gatewayPorts 70000": {in: "apiVersion: fn.uds-egress.dev/v1alpha1\nkind: EgressConfig\nspec: {gatewayPorts: [443, 70000]}",
			want: []finding{{er, diag.ConfigInvalid, "spec.gatewayPorts[1]", "got 70000"}}},
		"ConfigMap gatewayPorts 70000": {in: "apiVersion: v1\nkind: ConfigMap\ndata: {gatewayPorts: '80,70000'}",
			want: []finding{{er, diag.ConfigInvalid, "data.gatewayPorts", "gatewayPorts[1] must be a port from 1 to 65535, got 70000"}}},
		"gatewayPorts quoted item": {in: "apiVersion: fn.uds-egress.dev/v1alpha1\nkind: EgressConfig\nspec: {gatewayPorts: ['443']}",
			want: []finding{{er, diag.ConfigInvalid, "spec.gatewayPorts[0]", "write 443 without quotes"}}},
		"gatewayPorts a string": {in: "apiVersion: fn.uds-egress.dev/v1alpha1\nkind: EgressConfig\nspec: {gatewayPorts: '80,443'}",
			want: []finding{{er, diag.ConfigInvalid, "spec.gatewayPorts", `must be a list of port numbers, got the string "80,443"`}}},
		"ConfigMap gatewayPorts not numbers": {in: "apiVersion: v1\nkind: ConfigMap\ndata: {gatewayPorts: 'http,https'}",
			want: []finding{{er, diag.ConfigInvalid, "data.gatewayPorts", `like "80,443", got "http,https"`}}},

		// Names and paths.
		"invalid namespace name": {in: "apiVersion: fn.uds-egress.dev/v1alpha1\nkind: EgressConfig\nspec: {ambientNamespace: Istio_Egress}",
			want: []finding{{er, diag.ConfigInvalid, "spec.ambientNamespace", `ambientNamespace "Istio_Egress" is not a valid namespace or Service name`}}},
		"ConfigMap invalid namespace name": {in: "apiVersion: v1\nkind: ConfigMap\ndata: {gatewayNamespace: egress.gateway}",
			want: []finding{{er, diag.ConfigInvalid, "data.gatewayNamespace", `gatewayNamespace "egress.gateway"`}}},
		"empty namespace": {in: "apiVersion: fn.uds-egress.dev/v1alpha1\nkind: EgressConfig\nspec: {gatewayNamespace: ''}",
			want: []finding{{er, diag.ConfigInvalid, "spec.gatewayNamespace", ""}}},
		"invalid trust domain": {in: "apiVersion: fn.uds-egress.dev/v1alpha1\nkind: EgressConfig\nspec: {trustDomain: Cluster_Local}",
			want: []finding{{er, diag.ConfigInvalid, "spec.trustDomain", `trustDomain "Cluster_Local" is not valid`}}},
		"absolute pathPrefix": {in: "apiVersion: fn.uds-egress.dev/v1alpha1\nkind: EgressConfig\nspec: {pathPrefix: /tmp/egress}",
			want: []finding{{er, diag.ConfigInvalid, "spec.pathPrefix", `pathPrefix "/tmp/egress" must be a relative directory inside the package`}}},
		"pathPrefix leaving the package": {in: "apiVersion: fn.uds-egress.dev/v1alpha1\nkind: EgressConfig\nspec: {pathPrefix: a/../../egress}",
			want: []finding{{er, diag.ConfigInvalid, "spec.pathPrefix", ""}}},

		// Profile, namespaces, expectedNamespaces.
		"unknown profile": {in: "apiVersion: fn.uds-egress.dev/v1alpha1\nkind: EgressConfig\nspec: {profile: Istio}",
			want: []finding{{er, diag.ConfigInvalid, "spec.profile", `profile must be "uds" (a UDS Core cluster) or "istio" (plain Istio), got "Istio"`}}},
		"namespaces a string": {in: "apiVersion: fn.uds-egress.dev/v1alpha1\nkind: EgressConfig\nspec: {namespaces: 'no'}",
			want: []finding{{er, diag.ConfigInvalid, "spec.namespaces", `must be true or false, got the string "no"`}}},
		"expectedNamespaces a string": {in: "apiVersion: fn.uds-egress.dev/v1alpha1\nkind: EgressConfig\nspec: {expectedNamespaces: team-a}",
			want: []finding{{er, diag.ConfigInvalid, "spec.expectedNamespaces", `must be a list of namespace names, got the string "team-a"`}}},
		"expectedNamespaces invalid name": {in: "apiVersion: fn.uds-egress.dev/v1alpha1\nkind: EgressConfig\nspec: {expectedNamespaces: [team-a, Team_B]}",
			want: []finding{{er, diag.ConfigInvalid, "spec.expectedNamespaces[1]", `expectedNamespaces[1] "Team_B" is not a valid namespace name`}}},
		"expectedNamespaces twice": {in: "apiVersion: fn.uds-egress.dev/v1alpha1\nkind: EgressConfig\nspec: {expectedNamespaces: [team-a, team-a]}",
			want: []finding{{er, diag.ConfigInvalid, "spec.expectedNamespaces[1]", `expectedNamespaces lists "team-a" twice`}}},
		"expectedNamespaces null item": {in: "apiVersion: fn.uds-egress.dev/v1alpha1\nkind: EgressConfig\nspec: {expectedNamespaces: [team-a, null]}",
			want: []finding{{er, diag.ConfigInvalid, "spec.expectedNamespaces[1]", "must be a namespace name, got null"}}},
		"ConfigMap expectedNamespaces invalid name": {in: "apiVersion: v1\nkind: ConfigMap\ndata: {expectedNamespaces: 'team-a,team b'}",
			want: []finding{{er, diag.ConfigInvalid, "data.expectedNamespaces", `expectedNamespaces[1] "team b" is not a valid namespace name`}}},

		// Booleans and selectors.
		"waypointEnabled a string in EgressConfig": {in: "apiVersion: fn.uds-egress.dev/v1alpha1\nkind: EgressConfig\nspec: {waypointEnabled: 'false'}",
			want: []finding{{er, diag.ConfigInvalid, "spec.waypointEnabled", `must be true or false, got the string "false"`}}},
		"waypointEnabled null": {in: "apiVersion: fn.uds-egress.dev/v1alpha1\nkind: EgressConfig\nspec: {waypointEnabled: null}",
			want: []finding{{er, diag.ConfigInvalid, "spec.waypointEnabled", "got null"}}},
		"waypointEnabled !!bool yes": {in: "apiVersion: fn.uds-egress.dev/v1alpha1\nkind: EgressConfig\nspec: {waypointEnabled: !!bool yes}",
			want: []finding{{er, diag.ConfigInvalid, "spec.waypointEnabled", `tagged !!bool but "yes" is not a YAML boolean`}}},
		"waypointEnabled !!bool banana": {in: "apiVersion: fn.uds-egress.dev/v1alpha1\nkind: EgressConfig\nspec: {waypointEnabled: !!bool \"banana\"}",
			want: []finding{{er, diag.ConfigInvalid, "spec.waypointEnabled", `"banana" is not a YAML boolean`}}},
		"waypointEnabled !!bool empty": {in: "apiVersion: fn.uds-egress.dev/v1alpha1\nkind: EgressConfig\nspec: {waypointEnabled: !!bool ''}",
			want: []finding{{er, diag.ConfigInvalid, "spec.waypointEnabled", "not a YAML boolean"}}},
		"ConfigMap gatewaySelector key twice": {in: "apiVersion: v1\nkind: ConfigMap\ndata: {gatewaySelector: \"app=a,app=b\"}",
			want: []finding{{er, diag.ConfigInvalid, "data.gatewaySelector", `names the key "app" twice`}}},
		"gatewaySelector key twice in EgressConfig": {in: "apiVersion: fn.uds-egress.dev/v1alpha1\nkind: EgressConfig\nspec: {gatewaySelector: {app: a, app: b}}",
			want: []finding{{er, diag.ConfigInvalid, "spec.gatewaySelector.app", "appears twice"}}},
		"ConfigMap waypointEnabled not a boolean": {in: "apiVersion: v1\nkind: ConfigMap\ndata: {waypointEnabled: maybe}",
			want: []finding{{er, diag.ConfigInvalid, "data.waypointEnabled", `must be "true" or "false", got "maybe"`}}},
		"ConfigMap value not a string": {in: "apiVersion: v1\nkind: ConfigMap\ndata: {waypointEnabled: false}",
			want: []finding{{er, diag.ConfigInvalid, "data.waypointEnabled", "must be a string, got the boolean false"}}},
		"ConfigMap selector without =": {in: "apiVersion: v1\nkind: ConfigMap\ndata: {gatewaySelector: egressgateway}",
			want: []finding{{er, diag.ConfigInvalid, "data.gatewaySelector", `got "egressgateway"`}}},
		"gatewaySelector empty": {in: "apiVersion: fn.uds-egress.dev/v1alpha1\nkind: EgressConfig\nspec: {gatewaySelector: {}}",
			want: []finding{{er, diag.ConfigInvalid, "spec.gatewaySelector", "gatewaySelector must not be empty"}}},
		"gatewaySelector invalid key": {in: "apiVersion: fn.uds-egress.dev/v1alpha1\nkind: EgressConfig\nspec: {gatewaySelector: {'bad key': gw}}",
			want: []finding{{er, diag.ConfigInvalid, "spec.gatewaySelector", `gatewaySelector key "bad key" is not a valid label key`}}},
		"gatewaySelector value not a string": {in: "apiVersion: fn.uds-egress.dev/v1alpha1\nkind: EgressConfig\nspec: {gatewaySelector: {app: 1}}",
			want: []finding{
				{er, diag.ConfigInvalid, "spec.gatewaySelector.app", "must be a string, got the integer 1"},
				{er, diag.ConfigInvalid, "spec.gatewaySelector", "must not be empty"},
			}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			s, findings := schemas.DecodeConfig(parse(t, tc.in))
			assertFindings(t, tc.want, findings)
			if tc.settings != nil {
				want := schemas.DefaultSettings()
				tc.settings(&want)
				assert.Equal(t, want, s)
			}
		})
	}
}

func TestDecodeConfigWithoutConfig(t *testing.T) {
	s, findings := schemas.DecodeConfig(nil)
	assert.Empty(t, findings)
	assert.Equal(t, schemas.DefaultSettings(), s)
}

func parse(t *testing.T, in string) *yaml.Node {
	t.Helper()
	var doc yaml.Node
	require.NoError(t, yaml.Unmarshal([]byte(in), &doc))
	require.Len(t, doc.Content, 1)
	return doc.Content[0]
}

// assertFindings compares severity, code and path of every finding, in
// order, and that each message contains the expected part.
func assertFindings(t *testing.T, want []finding, got []diag.Finding) {
	t.Helper()
	rows := make([]finding, len(got))
	for i, f := range got {
		rows[i] = finding{f.Severity, f.Code, f.Path, ""}
	}
	wantRows := make([]finding, len(want))
	for i, w := range want {
		wantRows[i] = finding{w.severity, w.code, w.path, ""}
	}
	require.Equal(t, wantRows, rows, "findings: %v", got)
	for i, w := range want {
		assert.Contains(t, got[i].Message, w.message, "finding %d", i)
	}
}

// TestTypoMessagesSuggest: the typos above the allow entries are errors
// whose message names the field meant.
func TestTypoMessagesSuggest(t *testing.T) {
	for spec, want := range map[string]string{
		`{netwrok: {}}`:                       "spec.netwrok is not a field of a UDS Package (the Package CRD rejects it, and nothing under it is read); did you mean network?",
		`{Network: {}}`:                       "did you mean network?",
		`{network: {alow: []}}`:               "did you mean allow?",
		`{network: {serviceMesh: {mod: x}}}`:  "did you mean mode?",
		`{network: {servicemesh: {}}}`:        "did you mean serviceMesh?",
		`{network: {allow: [{dirction: x}]}}`: "did you mean direction?",
		`{mointor: []}`:                       "did you mean monitor?",
	} {
		var n yaml.Node
		require.NoError(t, yaml.Unmarshal([]byte("{apiVersion: uds.dev/v1alpha1, kind: Package, metadata: {name: a, namespace: a}, spec: "+spec+"}"), &n))
		_, fs := schemas.DecodePackage(n.Content[0], &diag.Ref{})
		var msgs []string
		for _, f := range fs {
			if f.Code == diag.UnknownField {
				msgs = append(msgs, f.Message)
			}
		}
		require.Len(t, msgs, 1, spec)
		assert.Contains(t, msgs[0], want, spec)
	}
	for _, spec := range []string{`{sso: [{name: x}], monitor: [{}], caBundle: {configMap: {}}, network: {expose: [{host: x}], allow: []}}`, `{somethingElse: 1}`} {
		var n yaml.Node
		require.NoError(t, yaml.Unmarshal([]byte("{apiVersion: uds.dev/v1alpha1, kind: Package, metadata: {name: a, namespace: a}, spec: "+spec+"}"), &n))
		_, fs := schemas.DecodePackage(n.Content[0], &diag.Ref{})
		assert.Empty(t, fs, "UDS fields the function does not read, and keys far from any field, pass: %s", spec)
	}
	msg, field := schemas.NearPackage("uds.io/v1alpha1", "Package")
	assert.Equal(t, "apiVersion", field)
	assert.Contains(t, msg, "close to a UDS Package (apiVersion uds.dev/v1alpha1, kind Package)")
	for _, ok := range [][2]string{{"uds.dev/v1alpha1", "Package"}, {"uds.dev/v1alpha1", "Exemption"}, {"v1", "ConfigMap"}, {"pkg.crossplane.io/v1", "Package"}} {
		msg, _ := schemas.NearPackage(ok[0], ok[1])
		assert.Empty(t, msg, "%v is not a near miss", ok)
	}
}
