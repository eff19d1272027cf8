package render

import (
	"slices"
	"strings"

	"github.com/uds-egress-fn/uds-egress-fn/generators/kinds"
	"github.com/uds-egress-fn/uds-egress-fn/schemas"
)

// Labels of the egress Namespaces in the istio profile (Solo's ambient
// egress guide labels the egress namespace the same way).
const (
	DataplaneModeLabel = "istio.io/dataplane-mode"
	UseWaypointLabel   = "istio.io/use-waypoint"
)

// pruneProtection keeps GitOps tools from deleting a generated Namespace
// when it drops out of the output: deleting a namespace deletes everything
// in it (the egress gateway installed with Helm, say).
var pruneProtection = map[string]string{
	"argocd.argoproj.io/sync-options":   "Prune=false",
	"kustomize.toolkit.fluxcd.io/prune": "disabled",
}

// istioObject turns one of the UDS operator's objects into a plain-Istio
// one: no uds/* labels, no uds.dev/* annotations, no ownerReferences to
// Packages (there is no Package CRD: the garbage collector would delete the
// objects), the waypoint's parametersRef only when waypointConfigMap is
// set. The Namespace objects of the egress namespaces in use are added by
// Objects (egressNamespaces).
func istioObject(o *Object, s schemas.Settings) {
	m := &o.Metadata
	for k := range m.Labels {
		if strings.HasPrefix(k, "uds/") {
			delete(m.Labels, k)
		}
	}
	for k := range m.Annotations {
		if strings.HasPrefix(k, "uds.dev/") {
			delete(m.Annotations, k)
		}
	}
	if len(m.Annotations) == 0 {
		m.Annotations = nil
	}
	m.OwnerReferences = nil
	if spec, ok := o.Spec.(WaypointSpec); ok && !s.WaypointConfigMapSet {
		spec.Infrastructure = nil
		o.Spec = spec
	}
}

// egressNamespaces returns the egress namespaces the objects use (the
// ambient and the gateway namespace, when an object is in them), in order.
func egressNamespaces(objs []Lazy, s schemas.Settings) []string {
	var out []string
	for _, o := range objs {
		ns := o.Namespace
		if o.Kind != &kinds.Namespace && (ns == s.AmbientNamespace || ns == s.GatewayNamespace) && !slices.Contains(out, ns) {
			out = append(out, ns)
		}
	}
	slices.Sort(out)
	return out
}

// namespace is the Namespace object of an egress namespace. The ambient one
// enrolls its pods (the waypoint) in ambient and points at the waypoint.
func namespace(name string, s schemas.Settings) Object {
	labels := map[string]string{}
	if name == s.AmbientNamespace {
		labels[DataplaneModeLabel] = schemas.ModeAmbient
		labels[UseWaypointLabel] = s.WaypointName
	}
	shaped := []string{"profile", "namespaces", "gatewayNamespace"}
	if name == s.AmbientNamespace {
		shaped = []string{"profile", "namespaces", "ambientNamespace", "waypointName"}
	}
	return Object{
		APIVersion: kinds.Namespace.APIVersion(), Kind: kinds.Namespace.Kind,
		Metadata: Meta{Name: name, Labels: labels, Annotations: copyMap(pruneProtection)},
		Record:   Record{Role: RoleNamespace, Shaped: shaped},
	}
}
