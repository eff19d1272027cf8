package fn

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/uds-egress-fn/uds-egress-fn/generators/kinds"
	"github.com/uds-egress-fn/uds-egress-fn/generators/plan"
	"github.com/uds-egress-fn/uds-egress-fn/generators/render"
	"github.com/uds-egress-fn/uds-egress-fn/internal/diag"
	"github.com/uds-egress-fn/uds-egress-fn/internal/krmio"
	"github.com/uds-egress-fn/uds-egress-fn/internal/naming"
	"github.com/uds-egress-fn/uds-egress-fn/schemas"
)

func subjects(n int) []schemas.Subject {
	out := make([]schemas.Subject, n)
	for i := range out {
		name := fmt.Sprintf("app-%d", i)
		out[i] = schemas.Subject{
			Package: &schemas.Package{Metadata: schemas.ObjectMeta{Name: name, Namespace: name}},
			Ref:     &diag.Ref{Name: name, Namespace: name},
		}
	}
	return out
}

func annotated(kind, apiVersion string, users []schemas.Subject, spec any) render.Object {
	ann := map[string]string{}
	for _, s := range users {
		k, _ := naming.AnnotationKey(s.Package.Metadata.Name, s.Package.Metadata.Namespace)
		ann[k] = "user"
	}
	return render.Object{APIVersion: apiVersion, Kind: kind, Spec: spec,
		Metadata: render.Meta{Name: "x", Namespace: "istio-egress-ambient", Annotations: ann}}
}

// A shared object over the limit rejects the Packages it is generated for
// (its record's users, read from the plan), in both profiles: profile istio
// writes no uds.dev/user-* annotations or uds/package labels to read them
// from.
func TestOversizedSharedObjectRejectsItsUsers(t *testing.T) {
	for _, profile := range []string{schemas.ProfileUDS, schemas.ProfileIstio} {
		t.Run(profile, func(t *testing.T) {
			settings := schemas.DefaultSettings()
			settings.Profile = profile
			rl, err := krmio.Parse([]byte(resourceList1(
				pkgWith("a", "ns-a", "sidecar", "big.example.com") +
					pkgWith("b", "ns-b", "sidecar", "big.example.com") +
					pkgWith("c", "ns-c", "sidecar", "small.example.com"))))
			require.NoError(t, err)
			c, err := Classify(rl, settings)
			require.NoError(t, err)
			admitted := c.Packages
			p, _ := plan.Build(plan.Input{Packages: admitted, Settings: settings})
			ports := make([]render.Port, 30000)
			for i := range ports {
				ports[i] = render.Port{Name: fmt.Sprintf("tls-%d", i+1), Number: i + 1, Protocol: "TLS"}
			}
			// The gateway namespace's ServiceEntries of both hosts, made
			// too large: each keeps its record.
			var lazies []render.Lazy
			for _, l := range render.Objects(p, settings, render.Options{}) {
				if o := l.Build(); o.Record.Role == render.RoleGatewayHost && o.Kind == kinds.ServiceEntry.Kind {
					spec := o.Spec.(render.ServiceEntrySpec)
					spec.Ports = ports
					o.Spec = spec
					lazies = append(lazies, render.Built(o))
				}
			}
			require.Len(t, lazies, 2)
			rejected, run := oversized(lazies, admitted, p, 0)
			assert.Empty(t, run)
			require.Len(t, rejected, 3, "both hosts' ServiceEntries are over 1 MiB")
			for j, host := range []string{"big", "big", "small"} {
				assert.Equal(t, diag.ObjectTooLarge, rejected[j].Code)
				assert.Same(t, admitted[j].Ref, rejected[j].Subject)
				assert.Contains(t, rejected[j].Message, "ServiceEntry istio-egress-gateway/service-entry-"+host+"-example-com")
			}
		})
	}
}

func TestOversizedWaypointFailsTheRunNotThePackages(t *testing.T) {
	admitted := subjects(30000)
	wp := annotated("Gateway", "gateway.networking.k8s.io/v1", admitted, render.WaypointSpec{})
	rejected, run := oversized([]render.Lazy{render.Built(wp)}, admitted, plan.Plan{}, 0)
	assert.Empty(t, rejected, "no Package is to blame for the fleet's size")
	require.Len(t, run, 1)
	assert.Equal(t, diag.ScopeInput, run[0].Scope)
	assert.Contains(t, run[0].Message, "waypointEnabled: false")
}

func TestSmallObjectsAreNotEncoded(t *testing.T) {
	o := annotated("ServiceEntry", "networking.istio.io/v1", subjects(3), render.ServiceEntrySpec{Ports: make([]render.Port, 10)})
	assert.Less(t, elements(&o), elementsBeforeMeasuring)
	unknown := render.Object{Kind: "Other", Spec: struct{}{}}
	assert.GreaterOrEqual(t, elements(&unknown), elementsBeforeMeasuring, "a kind the estimate does not know is measured")
}

// The victim case of issue 21: one tenant's entries push the shared
// AuthorizationPolicy of a host past 1 MiB; a Package that asked for one
// port of the same host keeps its egress and is not named as a cause.
func TestOversizedObjectRejectsTheLargestContributorOnly(t *testing.T) {
	var b strings.Builder
	b.WriteString(pkg("victim", "victim-ns", "", "{direction: Egress, remoteHost: big.example.com, remoteProtocol: TLS, port: 443, serviceAccount: api, description: one port}"))
	b.WriteString(pkg("bad", "bad-ns", "", manyPorts(120)...))
	b.WriteString(pkg("small", "small-ns", "", manyPorts(1)...))
	var out bytes.Buffer
	in := strings.ReplaceAll(resourceList1(b.String()), "{{bad}}", "marker.example.com")
	code := Run(strings.NewReader(in), &out, io.Discard)
	assert.Equal(t, 1, code)
	parsed := parseOutput(t, out.String())
	var tooLarge []string
	for _, r := range parsed.results {
		if r.Tags["code"] == string(diag.ObjectTooLarge) {
			require.NotNil(t, r.ResourceRef)
			tooLarge = append(tooLarge, r.ResourceRef.Namespace+"/"+r.ResourceRef.Name)
			assert.Regexp(t, `would be \d+ bytes, more than the 1048576 .* asks for \d+ bytes of it, the most of its 3 contributors`, r.Message)
			assert.NotContains(t, r.Message, "victim")
		}
	}
	assert.Equal(t, []string{"bad-ns/bad"}, tooLarge, "only the largest contributor is rejected")
	var policy map[string]any
	for _, g := range generatedItems(parsed.items) {
		if text(g, "kind") == "AuthorizationPolicy" && text(g, "metadata", "name") == "ambient-ap-big-example-com" {
			policy = map[string]any{"text": string(encode(t, g))}
		}
	}
	require.NotNil(t, policy, "the host's AuthorizationPolicy is still generated")
	assert.Contains(t, policy["text"], "cluster.local/ns/victim-ns/sa/api", "the victim keeps its egress")
	assert.Contains(t, policy["text"], "small-ns", "the small contributor keeps its egress")
	assert.NotContains(t, policy["text"], "bad-ns")
}

// The victim case in sidecar mode, in both profiles: one tenant's 12,000
// ports push the egress gateway's Gateway and VirtualService for a host
// past 1 MiB; the Package that asked for port 443 of the same host keeps
// its egress and is not named.
func TestOversizedGatewayHostRejectsTheLargestContributorOnly(t *testing.T) {
	for _, profile := range []string{schemas.ProfileUDS, schemas.ProfileIstio} {
		t.Run(profile, func(t *testing.T) {
			var b strings.Builder
			b.WriteString(pkg("victim", "victim-ns", "sidecar", "{direction: Egress, remoteHost: big.example.com, remoteProtocol: TLS, port: 443, description: one port}"))
			b.WriteString(pkg("bad", "bad-ns", "sidecar", manyPorts(120)...))
			in := strings.ReplaceAll(resourceList1(b.String()), "{{bad}}", "marker.example.com") +
				"functionConfig: {apiVersion: fn.uds-egress.dev/v1alpha1, kind: EgressConfig, metadata: {name: c}, spec: {profile: " + profile + "}}\n"
			var out bytes.Buffer
			assert.Equal(t, 1, Run(strings.NewReader(in), &out, io.Discard))
			parsed := parseOutput(t, out.String())
			var tooLarge []string
			for _, r := range parsed.results {
				if r.Tags["code"] == string(diag.ObjectTooLarge) {
					require.NotNil(t, r.ResourceRef)
					tooLarge = append(tooLarge, r.ResourceRef.Namespace+"/"+r.ResourceRef.Name)
					assert.NotContains(t, r.Message, "victim")
				}
			}
			assert.Equal(t, []string{"bad-ns/bad"}, tooLarge, "only the largest contributor is rejected")
			var victimSE, gateway bool
			for _, it := range parsed.items {
				switch {
				case text(it, "kind") == "ServiceEntry" && text(it, "metadata", "namespace") == "victim-ns":
					victimSE = true
				case text(it, "kind") == "Gateway" && text(it, "metadata", "name") == "gateway-big-example-com":
					gateway = true
				}
				assert.Less(t, len(encode(t, it)), MaxObjectBytes, "every object written fits")
			}
			assert.True(t, victimSE, "the victim keeps its own ServiceEntry")
			assert.True(t, gateway, "the host's Gateway is still generated, for the victim")
		})
	}
}
