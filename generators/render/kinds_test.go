package render_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/uds-egress-fn/uds-egress-fn/generators/kinds"
	"github.com/uds-egress-fn/uds-egress-fn/generators/plan"
	"github.com/uds-egress-fn/uds-egress-fn/generators/render"
	"github.com/uds-egress-fn/uds-egress-fn/internal/diag"
	"github.com/uds-egress-fn/uds-egress-fn/schemas"
)

// Every object Render emits is of a registered kind, and every registered
// kind is emitted by a fleet with an ambient and a sidecar Package and an
// ambient host policy, in the istio profile (Namespaces). (The
// pipeline's strict-decode test checks the same over every golden output.)
func TestRenderEmitsOnlyRegisteredKinds(t *testing.T) {
	p, settings := everyKindFleet(t)
	emitted := map[kinds.Kind]bool{}
	for _, obj := range render.Render(p, settings, render.Options{}) {
		k, ok := kinds.Lookup(obj.APIVersion, obj.Kind)
		if assert.True(t, ok, "Render emits %s %s, which is not in kinds.All", obj.APIVersion, obj.Kind) {
			assert.Equal(t, k.APIVersion(), obj.APIVersion, "%s is emitted under another version than its registered one", obj.Kind)
			emitted[k] = true
		}
	}
	for _, k := range kinds.All {
		assert.True(t, emitted[k], "%s %s is registered but not emitted by this fleet: extend the fleet or drop the entry", k.APIVersion(), k.Kind)
	}
}

// everyKindFleet is an ambient and a sidecar Package and an ambient host
// policy, in the istio profile: a plan that emits every registered kind.
func everyKindFleet(t *testing.T) (plan.Plan, schemas.Settings) {
	t.Helper()
	var pkgs []schemas.Subject
	for i, src := range []string{`
apiVersion: uds.dev/v1alpha1
kind: Package
metadata: {name: amb, namespace: amb}
spec:
  network:
    allow:
    - {direction: Egress, remoteHost: a.example.com, port: 443, serviceAccount: amb}
    - {direction: Egress, remoteHost: c.example.com, remoteProtocol: HTTP, serviceAccount: amb}
`, `
apiVersion: uds.dev/v1alpha1
kind: Package
metadata: {name: side, namespace: side}
spec:
  network:
    serviceMesh: {mode: sidecar}
    allow:
    - {direction: Egress, remoteHost: b.example.com, remoteProtocol: HTTP, selector: {app: side}}
`} {
		var doc yaml.Node
		require.NoError(t, yaml.Unmarshal([]byte(src), &doc))
		ref := &diag.Ref{Position: i}
		pkg, fs := schemas.DecodePackage(doc.Content[0], ref)
		require.False(t, diag.HasErrors(fs), "%v", fs)
		pkgs = append(pkgs, schemas.Subject{Package: &pkg, Ref: ref})
	}
	settings := schemas.DefaultSettings()
	// Profile istio: the egress Namespaces.
	settings.Profile = schemas.ProfileIstio
	// A host policy with TLS origination and request headers: DestinationRule
	// and the ambient VirtualService.
	settings.Hosts = []schemas.HostPolicy{{Host: "c.example.com", Path: "spec.hosts[0]",
		TLSOrigination: &schemas.TLSOrigination{}, RequestHeaders: &schemas.RequestHeaders{Add: schemas.Labels{{Key: "x-a", Value: "b"}}}}}
	p, fs := plan.Build(plan.Input{Packages: pkgs, Settings: settings})
	require.False(t, diag.HasErrors(fs), "%v", fs)
	return p, settings
}

// Objects knows every object's key before building it, and Build builds
// exactly that object, a new one each time; Render is Objects, built.
func TestObjectsKeyWhatTheyBuild(t *testing.T) {
	p, istio := everyKindFleet(t)
	uds := istio
	uds.Profile = schemas.DefaultSettings().Profile
	for _, settings := range []schemas.Settings{uds, istio} {
		lazies := render.Objects(p, settings, render.Options{Paths: true})
		require.NotEmpty(t, lazies)
		rendered := render.Render(p, settings, render.Options{Paths: true})
		require.Len(t, rendered, len(lazies))
		for i := range lazies {
			l := &lazies[i]
			o := l.Build()
			assert.Equal(t, l.Kind.APIVersion(), o.APIVersion)
			assert.Equal(t, l.Kind.Kind, o.Kind)
			assert.Equal(t, l.Namespace, o.Metadata.Namespace)
			assert.Equal(t, l.Name, o.Metadata.Name)
			assert.Equal(t, rendered[i], o, "Render is Objects, built in order")
			o.Metadata.Labels["changed"] = "yes"
			assert.NotContains(t, l.Build().Metadata.Labels, "changed", "each Build is a new object")
		}
	}
}

func TestKindRegistryEntries(t *testing.T) {
	seen := map[string]bool{}
	for _, k := range kinds.All {
		id := k.Group + "/" + k.Kind
		assert.False(t, seen[id], "%s is registered twice", id)
		seen[id] = true
		if k.Kind != "Namespace" { // the core group has no name
			assert.NotEmpty(t, k.Group, "%s: no group", k.Kind)
		}
		assert.NotEmpty(t, k.Version, "%s: no version", k.Kind)
		assert.True(t, (k.Proto == "") != (k.NoProto == ""), "%s: exactly one of Proto and NoProto must be set", id)
	}
	_, ok := kinds.Lookup("v1", "ServiceEntry")
	assert.False(t, ok, "a core-group kind must not match networking.istio.io")
	_, ok = kinds.Lookup("networking.istio.io/v1beta1", "ServiceEntry")
	assert.True(t, ok, "an older version of a registered kind is still ours")
}
