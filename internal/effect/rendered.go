package effect

import (
	"fmt"
	"strings"

	"github.com/uds-egress-fn/uds-egress-fn/generators/render"
)

// addRendered adds an object the function generates, from its typed form
// (encoding it to YAML and decoding it again costs most of a report's
// time). It reports false for a spec type it does not convert; the caller
// then takes the YAML path. TestRenderedMatchesYAML checks both paths give
// the same model on every golden output.
func (m *Model) addRendered(o render.Object) bool {
	ref := Ref{Kind: o.Kind, Namespace: o.Metadata.Namespace, Name: o.Metadata.Name}
	mt := meta{ref: ref, labels: o.Metadata.Labels}
	switch spec := o.Spec.(type) {
	case render.ServiceEntrySpec:
		se := &serviceEntry{meta: mt, hosts: lower(append([]string(nil), spec.Hosts...)), exportTo: spec.ExportTo}
		for _, p := range spec.Ports {
			se.ports = append(se.ports, sePort{number: p.Number, targetPort: p.TargetPort, protocol: strings.ToUpper(p.Protocol), name: p.Name})
		}
		m.serviceEntries = append(m.serviceEntries, se)
	case render.AuthorizationPolicySpec:
		p := &policy{meta: mt, action: spec.Action}
		if p.action == "" {
			p.action = "ALLOW"
		}
		for _, t := range spec.TargetRefs {
			p.targetRefs = append(p.targetRefs, targetRef{group: t.Group, kind: t.Kind, name: t.Name, namespace: ref.Namespace})
		}
		for i, r := range spec.Rules {
			ru := rule{path: fmt.Sprintf("spec.rules[%d]", i)}
			for _, f := range r.From {
				ru.from = append(ru.from, source{principals: f.Source.Principals, namespaces: f.Source.Namespaces})
			}
			for _, t := range r.To {
				ru.to = append(ru.to, operation{ports: t.Operation.Ports, methods: t.Operation.Methods, paths: t.Operation.Paths})
			}
			p.rules = append(p.rules, ru)
		}
		m.policies = append(m.policies, p)
	case render.SidecarSpec:
		s := &sidecar{meta: mt, outbound: spec.OutboundTrafficPolicy.Mode}
		if spec.WorkloadSelector != nil {
			s.selector = spec.WorkloadSelector.Labels
			s.hasSelector = len(s.selector) > 0
		}
		if spec.Egress != nil {
			s.egress = []egressListener{}
			for _, e := range spec.Egress {
				l := egressListener{hosts: e.Hosts}
				if e.Port != nil {
					l.port = e.Port.Number
				}
				s.egress = append(s.egress, l)
			}
		}
		m.sidecars = append(m.sidecars, s)
	case render.VirtualServiceSpec:
		vs := &virtualService{meta: mt, hosts: lower(append([]string(nil), spec.Hosts...)), gateways: spec.Gateways, exportTo: spec.ExportTo}
		for i, r := range spec.HTTP {
			rt := route{path: fmt.Sprintf("spec.http[%d]", i)}
			for _, mm := range r.Match {
				rt.matches = append(rt.matches, routeMatch{gateways: mm.Gateways, port: mm.Port, sourceNamespace: mm.SourceNamespace})
			}
			if len(r.Route) > 0 {
				rt.dest, rt.port = strings.ToLower(r.Route[0].Destination.Host), r.Route[0].Destination.Port.Number
			}
			vs.http = append(vs.http, rt)
		}
		for i, r := range spec.TLS {
			rt := route{path: fmt.Sprintf("spec.tls[%d]", i)}
			for _, mm := range r.Match {
				rt.matches = append(rt.matches, routeMatch{gateways: mm.Gateways, port: mm.Port, sniHosts: lower(append([]string(nil), mm.SniHosts...)), sourceNamespace: mm.SourceNamespace})
			}
			if len(r.Route) > 0 {
				rt.dest, rt.port = strings.ToLower(r.Route[0].Destination.Host), r.Route[0].Destination.Port.Number
			}
			vs.tls = append(vs.tls, rt)
		}
		m.virtualServices = append(m.virtualServices, vs)
	case render.GatewaySpec:
		g := &istioGateway{meta: mt, selector: spec.Selector}
		for _, s := range spec.Servers {
			g.servers = append(g.servers, server{hosts: lower(append([]string(nil), s.Hosts...)), port: s.Port.Number, protocol: strings.ToUpper(s.Port.Protocol)})
		}
		m.gateways = append(m.gateways, g)
	case render.WaypointSpec:
		if spec.GatewayClassName != "istio-waypoint" {
			return false
		}
		m.waypoints = append(m.waypoints, &waypoint{meta: mt, class: spec.GatewayClassName})
	default:
		return false
	}
	return true
}

// String dumps the decoded objects, for tests (the typed and the YAML
// path must give the same dump).
func (m *Model) String() string {
	var b strings.Builder
	for _, se := range m.serviceEntries {
		fmt.Fprintf(&b, "%+v\n", *se)
	}
	for _, p := range m.policies {
		fmt.Fprintf(&b, "%+v\n", *p)
	}
	for _, s := range m.sidecars {
		fmt.Fprintf(&b, "%+v\n", *s)
	}
	for _, vs := range m.virtualServices {
		fmt.Fprintf(&b, "%+v\n", *vs)
	}
	for _, g := range m.gateways {
		fmt.Fprintf(&b, "%+v\n", *g)
	}
	for _, w := range m.waypoints {
		fmt.Fprintf(&b, "%+v\n", *w)
	}
	for _, u := range m.Unmodelled {
		fmt.Fprintf(&b, "%s\n", u)
	}
	return b.String()
}
