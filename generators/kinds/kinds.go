// Package kinds is the registry of the kinds of object the function
// generates: one entry per kind (group, version, kind, the protobuf type its
// spec decodes into). Detection of earlier output, the renderer, the review
// and the Istio checks all read it; it imports nothing of ours.
package kinds

import "strings"

// Kind is a kind of object the function generates.
type Kind struct {
	Group, Version, Kind string
	// Proto is the full protobuf name of the istio.io/api message the
	// object's spec strictly decodes into (networking.istio.io/v1 kinds are
	// aliases of istio.networking.v1alpha3, security.istio.io/v1 of
	// istio.security.v1beta1). The strict-decode tests resolve it from the
	// protobuf registry and fail when it does not exist; the name keeps
	// istio.io/api out of the binary.
	Proto string
	// NoProto says, for a kind istio.io/api has no type for, where its spec
	// is checked instead. Exactly one of Proto and NoProto is set.
	NoProto string
	// Namespaced says the object lives in a namespace; a cluster-scoped
	// object (Namespace) is addressed by its name alone.
	Namespaced bool
	// NameLimit is the longest name the kind accepts: DNSSubdomain for most,
	// DNSLabel where the name must be a DNS-1123 label (an Istio Gateway,
	// which VirtualServices name in spec.gateways and istiod rejects when
	// longer, "invalid gateway name"; a Namespace).
	NameLimit int
}

// The name length limits of Kubernetes: a DNS-1123 subdomain and label.
const (
	DNSSubdomain = 253
	DNSLabel     = 63
)

// Is says whether an object of apiVersion and kind is of this kind (by
// group, any version).
func (k Kind) Is(apiVersion, kind string) bool {
	return k.Kind == kind && k.Group == GroupOf(apiVersion)
}

// ScopeKey is "group/Kind": with a namespace, where the kind's names must
// be unique.
func (k Kind) ScopeKey() string { return k.Group + "/" + k.Kind }

// APIVersion is group/version, or the version alone for the core group.
func (k Kind) APIVersion() string {
	if k.Group == "" {
		return k.Version
	}
	return k.Group + "/" + k.Version
}

// The kinds Render emits. A new generated kind is added here (and used
// through its variable): objects of a kind in Kinds that carry the
// managed-by label are replaced on the next run, and the tests decode every
// emitted object strictly by its entry.
var (
	ServiceEntry        = Kind{Group: "networking.istio.io", Version: "v1", Kind: "ServiceEntry", Proto: "istio.networking.v1alpha3.ServiceEntry", Namespaced: true, NameLimit: DNSSubdomain}
	IstioGateway        = Kind{Group: "networking.istio.io", Version: "v1", Kind: "Gateway", Proto: "istio.networking.v1alpha3.Gateway", Namespaced: true, NameLimit: DNSLabel}
	VirtualService      = Kind{Group: "networking.istio.io", Version: "v1", Kind: "VirtualService", Proto: "istio.networking.v1alpha3.VirtualService", Namespaced: true, NameLimit: DNSSubdomain}
	DestinationRule     = Kind{Group: "networking.istio.io", Version: "v1", Kind: "DestinationRule", Proto: "istio.networking.v1alpha3.DestinationRule", Namespaced: true, NameLimit: DNSSubdomain}
	Sidecar             = Kind{Group: "networking.istio.io", Version: "v1", Kind: "Sidecar", Proto: "istio.networking.v1alpha3.Sidecar", Namespaced: true, NameLimit: DNSSubdomain}
	AuthorizationPolicy = Kind{Group: "security.istio.io", Version: "v1", Kind: "AuthorizationPolicy", Proto: "istio.security.v1beta1.AuthorizationPolicy", Namespaced: true, NameLimit: DNSSubdomain}
	WaypointGateway     = Kind{Group: "gateway.networking.k8s.io", Version: "v1", Kind: "Gateway",
		NoProto:    "a Gateway API type, not in istio.io/api: make e2e-istio checks it against the Gateway API CRD schema",
		Namespaced: true, NameLimit: DNSSubdomain}
	// Namespace: the egress Namespaces of the istio profile. A Namespace
	// without the managed-by label (the user's) is never replaced.
	Namespace = Kind{Group: "", Version: "v1", Kind: "Namespace",
		NoProto:    "core v1, not in istio.io/api: make e2e-istio decodes it strictly into k8s.io/api core/v1 Namespace and applies the cluster-scoped ObjectMeta rules",
		Namespaced: false, NameLimit: DNSLabel}
)

// All is the registry: every kind the function generates.
var All = []Kind{ServiceEntry, IstioGateway, VirtualService, DestinationRule, Sidecar, AuthorizationPolicy, WaypointGateway, Namespace}

// GroupOf is the API group of an apiVersion: "networking.istio.io" of
// "networking.istio.io/v1", "" (the core group) of "v1". The one place
// the module parses an apiVersion.
func GroupOf(apiVersion string) string {
	group, _, found := strings.Cut(apiVersion, "/")
	if !found {
		return ""
	}
	return group
}

// Lookup returns the registered kind of an object by the group of its
// apiVersion and its kind (any version: an object written by an older
// release under another version is still recognised).
func Lookup(apiVersion, kind string) (Kind, bool) {
	group := GroupOf(apiVersion)
	for _, k := range All {
		if k.Group == group && k.Kind == kind {
			return k, true
		}
	}
	return Kind{}, false
}
