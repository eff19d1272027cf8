package render

import (
	"slices"

	"github.com/uds-egress-fn/uds-egress-fn/generators/kinds"
	"github.com/uds-egress-fn/uds-egress-fn/generators/plan"
	"github.com/uds-egress-fn/uds-egress-fn/schemas"
)

// DestinationRuleSpec is networking.istio.io/v1 DestinationRule.spec, as
// TLS origination at the ambient waypoint uses it.
type DestinationRuleSpec struct {
	ExportTo      []string      `yaml:"exportTo"`
	Host          string        `yaml:"host"`
	TrafficPolicy TrafficPolicy `yaml:"trafficPolicy"`
}

// TrafficPolicy of a DestinationRule: TLS per port, so that the host's
// other ports (TLS passthrough) are left alone.
type TrafficPolicy struct {
	PortLevelSettings []PortTrafficPolicy `yaml:"portLevelSettings"`
}

// PortTrafficPolicy is one entry of portLevelSettings.
type PortTrafficPolicy struct {
	Port DestinationPort `yaml:"port"`
	TLS  ClientTLS       `yaml:"tls"`
}

// ClientTLS is the TLS the waypoint originates. SubjectAltNames is always
// written: Istio adds the automatic SAN check only when sni is empty, and
// the function always sets sni. insecureSkipVerify is never written.
type ClientTLS struct {
	CACertificates  string   `yaml:"caCertificates"`
	Mode            string   `yaml:"mode"`
	SNI             string   `yaml:"sni"`
	SubjectAltNames []string `yaml:"subjectAltNames"`
}

// HeaderVirtualServiceSpec is networking.istio.io/v1 VirtualService.spec
// for request headers at the ambient waypoint: one route to the host.
type HeaderVirtualServiceSpec struct {
	ExportTo []string          `yaml:"exportTo"`
	Hosts    []string          `yaml:"hosts"`
	HTTP     []HeaderHTTPRoute `yaml:"http"`
}

// HeaderHTTPRoute is an HTTP route that changes request headers.
type HeaderHTTPRoute struct {
	Headers Headers     `yaml:"headers"`
	Route   []HostRoute `yaml:"route"`
}

// Headers of an HTTP route.
type Headers struct {
	Request HeaderOperations `yaml:"request"`
}

// HeaderOperations add, set and remove headers.
type HeaderOperations struct {
	Add    map[string]string `yaml:"add,omitempty"`
	Remove []string          `yaml:"remove,omitempty"`
	Set    map[string]string `yaml:"set,omitempty"`
}

// HostRoute sends traffic to a host on the port it came in on.
type HostRoute struct {
	Destination HostDestination `yaml:"destination"`
}

// HostDestination is a destination host without a port.
type HostDestination struct {
	Host string `yaml:"host"`
}

// hostPolicyObjects are the DestinationRules (TLS origination) and
// VirtualServices (request headers) of hosts with a host policy, in the
// ambient namespace beside the host's ServiceEntry.
func (r *renderer) hostPolicyObjects(out []Lazy) []Lazy {
	s := &r.s
	for i, h := range r.p.Ambient.Hosts {
		if h.Origination != nil {
			out = append(out, r.lazy(&kinds.DestinationRule, s.AmbientNamespace, h.DestinationRuleName, RoleHostPolicy, i, 0))
		}
		if h.Headers != nil {
			out = append(out, r.lazy(&kinds.VirtualService, s.AmbientNamespace, h.VirtualServiceName, RoleHostPolicy, i, 0))
		}
	}
	return out
}

func hostPolicyMeta(h *plan.AmbientHost, name string, s schemas.Settings) Meta {
	return Meta{Name: name, Namespace: s.AmbientNamespace, Annotations: userAnnotations(h.Users.List()),
		Labels: map[string]string{packageLabel: sharedAmbient}}
}

// originationRule is the DestinationRule of a host's TLS origination.
func originationRule(h *plan.AmbientHost, rec Record, s schemas.Settings) Object {
	o := h.Origination
	return Object{
		APIVersion: kinds.DestinationRule.APIVersion(), Kind: kinds.DestinationRule.Kind, Metadata: hostPolicyMeta(h, h.DestinationRuleName, s),
		Record: rec.shaped(append(slices.Clip(shapedHostPolicy), hostPolicyKeys(h.Host, s)...)),
		Spec: DestinationRuleSpec{
			ExportTo: []string{"."}, Host: h.Host,
			TrafficPolicy: TrafficPolicy{PortLevelSettings: []PortTrafficPolicy{{
				Port: DestinationPort{o.Port}, TLS: ClientTLS{CACertificates: o.CACertificates, Mode: "SIMPLE", SNI: o.SNI, SubjectAltNames: o.SubjectAltNames},
			}}},
		},
	}
}

// headerRoute is the VirtualService of a host's request headers.
func headerRoute(h *plan.AmbientHost, rec Record, s schemas.Settings) Object {
	hd := h.Headers
	ops := HeaderOperations{Remove: hd.Remove}
	if len(hd.Add) > 0 {
		ops.Add = hd.Add.Map()
	}
	if len(hd.Set) > 0 {
		ops.Set = hd.Set.Map()
	}
	return Object{
		APIVersion: kinds.VirtualService.APIVersion(), Kind: kinds.VirtualService.Kind, Metadata: hostPolicyMeta(h, h.VirtualServiceName, s),
		Record: rec.shaped(append(slices.Clip(shapedHostPolicy), hostPolicyKeys(h.Host, s)...)),
		Spec: HeaderVirtualServiceSpec{
			ExportTo: []string{"."}, Hosts: []string{h.Host},
			HTTP: []HeaderHTTPRoute{{Headers: Headers{Request: ops}, Route: []HostRoute{{HostDestination{h.Host}}}}},
		},
	}
}
