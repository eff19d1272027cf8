package kinds

import (
	"testing"

	"github.com/uds-egress-fn/uds-egress-fn/internal/sourcescan"
)

// Every entry says everything the rest of the module reads from it.
func TestRegistryEntriesAreComplete(t *testing.T) {
	seen := map[string]bool{}
	for _, k := range All {
		if k.Version == "" || k.Kind == "" {
			t.Errorf("%+v: no version or kind", k)
		}
		if (k.Proto == "") == (k.NoProto == "") {
			t.Errorf("%s: exactly one of Proto and NoProto must be set", k.ScopeKey())
		}
		if k.NameLimit != DNSSubdomain && k.NameLimit != DNSLabel {
			t.Errorf("%s: NameLimit %d is neither a DNS subdomain (%d) nor a label (%d)", k.ScopeKey(), k.NameLimit, DNSSubdomain, DNSLabel)
		}
		if !k.Namespaced && k != Namespace {
			t.Errorf("%s: cluster-scoped; only Namespace is", k.ScopeKey())
		}
		if seen[k.ScopeKey()] {
			t.Errorf("%s: registered twice", k.ScopeKey())
		}
		seen[k.ScopeKey()] = true
		if got, ok := Lookup(k.APIVersion(), k.Kind); !ok || got != k {
			t.Errorf("Lookup(%s, %s) = %+v, %v", k.APIVersion(), k.Kind, got, ok)
		}
		if !k.Is(k.Group+"/v0", k.Kind) && k.Group != "" {
			t.Errorf("%s: Is must match any version of the group", k.ScopeKey())
		}
	}
	if Namespace.Namespaced || Namespace.Group != "" {
		t.Errorf("Namespace is core and cluster-scoped: %+v", Namespace)
	}
	if IstioGateway.NameLimit != DNSLabel {
		t.Errorf("Istio Gateway names are DNS labels (istiod: invalid gateway name): %d", IstioGateway.NameLimit)
	}
	if IstioGateway.Is(WaypointGateway.APIVersion(), WaypointGateway.Kind) || WaypointGateway.Is(IstioGateway.APIVersion(), IstioGateway.Kind) {
		t.Error("the two Gateways must be told apart by group")
	}
	if Namespace.Is("apps/v1", "Namespace") {
		t.Error("a Namespace of another group is not ours")
	}
}

// The registry is the only place that spells a generated kind: a string
// literal equal to a registered kind in any other non-test Go file of the
// module (nested modules such as e2e/istio excluded) fails.
func TestNoKindLiteralsOutsideRegistry(t *testing.T) {
	names := map[string]bool{}
	for _, k := range All {
		names[k.Kind] = true
	}
	for _, lit := range sourcescan.StringLiterals(t, "../..", ".") {
		if names[lit.Value] {
			t.Errorf("%s:%d: the kind %q is spelled outside generators/kinds: read it from the registry (kinds.X.Kind, kinds.X.Is)", lit.File, lit.Line, lit.Value)
		}
	}
}
