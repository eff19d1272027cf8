package fn

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/uds-egress-fn/uds-egress-fn/generators/render"
	"github.com/uds-egress-fn/uds-egress-fn/internal/diag"
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

func TestOversizedSharedObjectRejectsItsUsers(t *testing.T) {
	admitted := subjects(3)
	ports := make([]render.Port, 30000)
	for i := range ports {
		ports[i] = render.Port{Name: fmt.Sprintf("tls-%d", i+1), Number: i + 1, Protocol: "TLS"}
	}
	big := annotated("ServiceEntry", "networking.istio.io/v1", admitted[:2], render.ServiceEntrySpec{Ports: ports})
	small := annotated("ServiceEntry", "networking.istio.io/v1", admitted[2:], render.ServiceEntrySpec{Ports: ports[:3]})
	rejected, run := oversized([]render.Object{big, small}, admitted)
	assert.Empty(t, run)
	require.Len(t, rejected, 2)
	for j := 0; j < 2; j++ {
		assert.Equal(t, diag.ObjectTooLarge, rejected[j].Code)
		assert.Same(t, admitted[j].Ref, rejected[j].Subject)
		assert.Contains(t, rejected[j].Message, "ServiceEntry istio-egress-ambient/x")
	}
}

func TestOversizedWaypointFailsTheRunNotThePackages(t *testing.T) {
	admitted := subjects(30000)
	wp := annotated("Gateway", "gateway.networking.k8s.io/v1", admitted, render.WaypointSpec{})
	rejected, run := oversized([]render.Object{wp}, admitted)
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
