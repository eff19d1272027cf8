package effect

import (
	"fmt"
	"slices"
	"strings"

	"github.com/uds-egress-fn/uds-egress-fn/generators/kinds"
)

// Check decides one request.
func (m *Model) Check(req Request) Decision {
	req.Host = strings.ToLower(req.Host)
	req.Protocol = strings.ToUpper(req.Protocol)
	if req.Mode == "" {
		req.Mode = m.ModeOf(req.Namespace)
	}
	var d Decision
	if req.Mode == Sidecar {
		d = m.checkSidecar(req)
	} else {
		d = m.checkAmbient(req)
	}
	if d.Verdict == Some && req.Protocol == "HTTP" && req.Method != "" && req.Path != "" {
		d.Verdict = Yes // cannot happen: a given method and path decide
	}
	return d
}

func (m *Model) authzRequest(req Request) authzRequest {
	return authzRequest{principal: req.principal(m.opts.TrustDomain), namespace: req.Namespace, host: req.Host, port: req.Port,
		http: req.Protocol == "HTTP", method: req.Method, path: req.Path}
}

// serviceEntryFor finds the ServiceEntry for host:port that visible
// accepts; other is one for the host on another port or not visible.
func (m *Model) serviceEntryFor(host string, port int, visible func(*serviceEntry) bool) (found *serviceEntry, foundPort sePort, other *serviceEntry) {
	for _, se := range m.serviceEntriesFor(host) {
		if !anyMatch(se.hosts, host, hostMatch) {
			continue
		}
		for _, p := range se.ports {
			if p.number == port && visible(se) {
				return se, p, nil
			}
		}
		if other == nil {
			other = se
		}
	}
	return nil, sePort{}, other
}

// protocolFits: a TLS connection needs a TLS (or HTTPS, TCP) port, an HTTP
// request an HTTP one; TCP fits any.
func protocolFits(portProtocol, reqProtocol string) bool {
	switch reqProtocol {
	case "TCP", "":
		return true
	case "HTTP":
		return portProtocol == "HTTP" || portProtocol == "HTTP2" || portProtocol == "GRPC"
	}
	return portProtocol != "HTTP" && portProtocol != "HTTP2" && portProtocol != "GRPC"
}

func (m *Model) checkAmbient(req Request) Decision {
	endpoint := fmt.Sprintf("%s:%d", req.Host, req.Port)
	se, port, other := m.serviceEntryFor(req.Host, req.Port, func(se *serviceEntry) bool { w, _ := m.waypointOf(se); return w != "" })
	if se == nil {
		if other != nil {
			if w, _ := m.waypointOf(other); w != "" {
				return no(Because{Object: other.ref, Field: "spec.ports", Reason: fmt.Sprintf("the ServiceEntry for %s has no port %d", req.Host, req.Port)})
			}
		}
		return no(Because{Reason: "no ServiceEntry for " + endpoint + " bound to a waypoint (ambient egress goes through one; direct egress is a NetworkPolicy question the model does not evaluate)"})
	}
	if !protocolFits(port.protocol, req.Protocol) {
		return no(Because{Object: se.ref, Field: "spec.ports", Reason: fmt.Sprintf("port %d is %s, the connection is %s", req.Port, port.protocol, req.Protocol)})
	}
	d := Decision{AllowedBy: []Because{{Object: se.ref, Field: "spec.ports", Reason: "ServiceEntry for " + endpoint}}}
	wp, wpNS := m.waypointOf(se)
	d.Route = "waypoint " + wpNS + "/" + wp
	wpRef := Ref{Kind: kinds.WaypointGateway.Kind, Namespace: wpNS, Name: wp}
	found := false
	for _, w := range m.waypoints {
		found = found || w.ref.Namespace == wpNS && w.ref.Name == wp
	}
	if !found {
		d.AllowedBy = append(d.AllowedBy, Because{Object: wpRef, Reason: "the waypoint is not in the input (its policies are still evaluated)"})
	}
	var applied []*policy
	for _, p := range m.policiesTargeting(se.ref, wpRef) {
		if p.targets(se.ref, wpRef) {
			applied = append(applied, p)
		}
	}
	m.authorize(applied, m.authzRequest(req), &d)
	if d.Verdict == Yes && len(d.AllowedBy) <= 2 && !hasPolicy(d.AllowedBy) {
		d.AllowedBy = append(d.AllowedBy, Because{Object: wpRef, Reason: "no ALLOW policy targets the waypoint or the ServiceEntry"})
	}
	if d.BlockedBy == nil && d.Verdict == No {
		d.BlockedBy = &Because{Object: wpRef, Reason: "blocked"}
	}
	return d
}

// waypointOf returns the waypoint a ServiceEntry is bound to (its labels,
// else its Namespace's; "" when none) and the waypoint's namespace.
func (m *Model) waypointOf(se *serviceEntry) (name, namespace string) {
	name, namespace = se.labels["istio.io/use-waypoint"], se.labels["istio.io/use-waypoint-namespace"]
	if ns := m.namespaces[se.ref.Namespace]; ns != nil {
		if name == "" {
			name = ns.labels["istio.io/use-waypoint"]
		}
		if namespace == "" {
			namespace = ns.labels["istio.io/use-waypoint-namespace"]
		}
	}
	if namespace == "" {
		namespace = se.ref.Namespace
	}
	if name == "none" {
		name = ""
	}
	return name, namespace
}

func hasPolicy(bs []Because) bool {
	for _, b := range bs {
		if b.Object.Kind == kinds.AuthorizationPolicy.Kind {
			return true
		}
	}
	return false
}

// targets: the policy binds to the ServiceEntry or the waypoint Gateway
// through targetRefs, in their namespace.
func (p *policy) targets(se, wp Ref) bool {
	for _, t := range p.targetRefs {
		switch {
		case t.kind == kinds.ServiceEntry.Kind && (t.group == kinds.ServiceEntry.Group || t.group == "") &&
			t.name == se.Name && t.namespace == se.Namespace && p.ref.Namespace == se.Namespace:
			return true
		case t.kind == kinds.WaypointGateway.Kind && t.group == kinds.WaypointGateway.Group &&
			t.name == wp.Name && t.namespace == wp.Namespace && p.ref.Namespace == wp.Namespace:
			return true
		}
	}
	return false
}

// effectiveSidecar is the Sidecar Istio applies to a pod: one in its
// namespace that selects it (oldest first), else the namespace-wide one,
// else the root namespace's namespace-wide one.
func (m *Model) effectiveSidecar(ns string, labels map[string]string) *sidecar {
	var selected, wide, root *sidecar
	for _, s := range append(slices.Clone(m.ix.sidecarsByNamespace[ns]), m.ix.sidecarsByNamespace[m.opts.RootNamespace]...) {
		switch {
		case s.ref.Namespace == ns && s.hasSelector && selects(s.selector, labels) && selected == nil:
			selected = s
		case s.ref.Namespace == ns && !s.hasSelector && wide == nil:
			wide = s
		case s.ref.Namespace == m.opts.RootNamespace && !s.hasSelector && root == nil:
			root = s
		}
	}
	if m.opts.Mutation == IgnoreSidecarPrecedence && wide != nil {
		return wide
	}
	switch {
	case selected != nil:
		return selected
	case wide != nil:
		return wide
	}
	return root
}

// imports: the Sidecar's egress hosts import host from namespace cfgNS on
// port (no Sidecar, or no egress: everything visible).
func imports(sc *sidecar, ns, cfgNS, host string, port int) bool {
	if sc == nil || sc.egress == nil {
		return true
	}
	for _, l := range sc.egress {
		if l.port != 0 && l.port != port {
			continue
		}
		for _, h := range l.hosts {
			nsPart, hostPart, ok := strings.Cut(h, "/")
			if !ok {
				continue
			}
			nsOK := nsPart == "*" || nsPart == "." && cfgNS == ns || nsPart == cfgNS
			if nsOK && hostMatch(strings.ToLower(hostPart), host) {
				return true
			}
		}
	}
	return false
}

func hasMesh(gateways []string) bool {
	if len(gateways) == 0 {
		return true
	}
	for _, g := range gateways {
		if g == "mesh" {
			return true
		}
	}
	return false
}

// routeFor finds the first route of the VirtualService for the request
// from gateway gw ("mesh" for sidecars, else ns/name of an Istio Gateway),
// sent from namespace from (sourceNamespace matches).
func (vs *virtualService) routeFor(req Request, gw, from string) *route {
	routes := vs.tls
	if req.Protocol == "HTTP" {
		routes = vs.http
	}
	bound := func(list []string) bool {
		if len(list) == 0 {
			list = vs.gateways
			if len(list) == 0 {
				list = []string{"mesh"}
			}
		}
		for _, g := range list {
			if g == gw || !strings.Contains(g, "/") && gw != "mesh" && vs.ref.Namespace+"/"+g == gw {
				return true
			}
		}
		return false
	}
	for i := range routes {
		rt := &routes[i]
		if len(rt.matches) == 0 && bound(nil) {
			return rt
		}
		for _, mt := range rt.matches {
			if !bound(mt.gateways) || mt.port != 0 && mt.port != req.Port || mt.sourceNamespace != "" && mt.sourceNamespace != from {
				continue
			}
			if req.Protocol != "HTTP" && len(mt.sniHosts) > 0 && !anyMatch(mt.sniHosts, req.Host, hostMatch) {
				continue
			}
			return rt
		}
	}
	return nil
}

func (m *Model) checkSidecar(req Request) Decision {
	endpoint := fmt.Sprintf("%s:%d", req.Host, req.Port)
	ns := req.Namespace
	sc := m.effectiveSidecar(ns, req.Labels)
	var d Decision
	if sc != nil {
		d.AllowedBy = append(d.AllowedBy, Because{Object: sc.ref, Reason: "the pod's Sidecar"})
	}
	se, port, hidden := m.serviceEntryFor(req.Host, req.Port, func(se *serviceEntry) bool {
		return m.visible(se.exportTo, se.ref.Namespace, ns) && imports(sc, ns, se.ref.Namespace, req.Host, req.Port)
	})
	if se != nil && !protocolFits(port.protocol, req.Protocol) {
		return no(Because{Object: se.ref, Field: "spec.ports", Reason: fmt.Sprintf("port %d is %s, the connection is %s", req.Port, port.protocol, req.Protocol)})
	}
	var vs *virtualService
	var rt *route
	for _, v := range m.virtualServicesFor(req.Host) {
		if !hasMesh(v.gateways) || !anyMatch(v.hosts, req.Host, hostMatch) || !m.visible(v.exportTo, v.ref.Namespace, ns) || !imports(sc, ns, v.ref.Namespace, req.Host, req.Port) {
			continue
		}
		if r := v.routeFor(req, "mesh", ns); r != nil {
			vs, rt = v, r
			break
		}
	}
	switch {
	case rt != nil && (req.Protocol == "HTTP" || se != nil):
		if se != nil {
			d.AllowedBy = append(d.AllowedBy, Because{Object: se.ref, Field: "spec.ports", Reason: "ServiceEntry for " + endpoint + " visible to " + ns})
		}
		d.AllowedBy = append(d.AllowedBy, Because{Object: vs.ref, Field: rt.path, Reason: "routes " + endpoint + " to " + rt.dest})
		return m.viaRoute(req, d, vs, rt)
	case se != nil:
		d.AllowedBy = append(d.AllowedBy, Because{Object: se.ref, Field: "spec.ports", Reason: "ServiceEntry for " + endpoint + " visible to " + ns})
		d.Verdict, d.Route = Yes, "direct"
		return d
	}
	mode := ""
	if sc != nil {
		mode = sc.outbound
	}
	if mode == "REGISTRY_ONLY" {
		reason := "REGISTRY_ONLY, and no ServiceEntry for " + endpoint + " is visible to " + ns
		if hidden != nil {
			reason += fmt.Sprintf(" (%s is not exported to %s, not imported by the Sidecar, or lacks the port)", hidden.ref, ns)
		}
		return no(Because{Object: sc.ref, Field: "spec.outboundTrafficPolicy.mode", Reason: reason})
	}
	d.Verdict, d.Route = Yes, "passthrough (ALLOW_ANY)"
	if sc != nil && mode == "ALLOW_ANY" {
		d.AllowedBy = append(d.AllowedBy, Because{Object: sc.ref, Field: "spec.outboundTrafficPolicy.mode", Reason: "ALLOW_ANY: any host"})
	} else {
		d.AllowedBy = append(d.AllowedBy, Because{Reason: "no Sidecar sets outboundTrafficPolicy for this pod: the mesh default (Istio's is ALLOW_ANY; the model cannot see meshConfig)"})
	}
	return d
}

// viaRoute follows a mesh route: to an in-cluster Service (the egress
// gateway) or straight to the host.
func (m *Model) viaRoute(req Request, d Decision, vs *virtualService, rt *route) Decision {
	endpoint := fmt.Sprintf("%s:%d", req.Host, req.Port)
	if !strings.Contains(rt.dest, ".svc") {
		d.Verdict, d.Route = Yes, "direct (via "+vs.ref.String()+")"
		return d
	}
	parts := strings.Split(rt.dest, ".")
	gwNS := parts[1]
	gwPort := rt.port
	if gwPort == 0 {
		gwPort = req.Port
	}
	var gw *istioGateway
	for _, g := range m.gateways {
		if g.ref.Namespace != gwNS {
			continue
		}
		for _, s := range g.servers {
			if s.port != gwPort {
				continue
			}
			for _, h := range s.hosts {
				_, hp, ok := strings.Cut(h, "/")
				if !ok {
					hp = h
				}
				if hostMatch(hp, req.Host) {
					gw = g
				}
			}
		}
		if gw != nil {
			break
		}
	}
	if gw == nil {
		return no(Because{Object: vs.ref, Field: rt.path, Reason: fmt.Sprintf("routes to %s, but no Gateway in %s serves %s on port %d", rt.dest, gwNS, req.Host, gwPort)})
	}
	d.Route = "egress gateway " + gw.ref.Namespace + "/" + gw.ref.Name
	d.AllowedBy = append(d.AllowedBy, Because{Object: gw.ref, Field: "spec.servers", Reason: fmt.Sprintf("serves %s on port %d", req.Host, gwPort)})
	gwName := gw.ref.Namespace + "/" + gw.ref.Name
	gwReq := req
	gwReq.Port = gwPort
	var leg *route
	var legVS *virtualService
	for _, v := range m.virtualServicesFor(req.Host) {
		if !anyMatch(v.hosts, req.Host, hostMatch) || !m.visible(v.exportTo, v.ref.Namespace, gw.ref.Namespace) {
			continue
		}
		if r := v.routeFor(gwReq, gwName, gw.ref.Namespace); r != nil {
			leg, legVS = r, v
			break
		}
	}
	if leg == nil {
		return no(Because{Object: gw.ref, Reason: "no VirtualService routes " + endpoint + " from this Gateway"})
	}
	d.AllowedBy = append(d.AllowedBy, Because{Object: legVS.ref, Field: leg.path, Reason: "routes " + endpoint + " from the gateway to " + leg.dest})
	outPort := leg.port
	if outPort == 0 {
		outPort = gwPort
	}
	se, _, _ := m.serviceEntryFor(leg.dest, outPort, func(se *serviceEntry) bool {
		return m.visible(se.exportTo, se.ref.Namespace, gw.ref.Namespace)
	})
	if se == nil {
		return no(Because{Object: legVS.ref, Field: leg.path, Reason: fmt.Sprintf("no ServiceEntry for %s:%d is visible to the gateway's namespace %s", leg.dest, outPort, gw.ref.Namespace)})
	}
	d.AllowedBy = append(d.AllowedBy, Because{Object: se.ref, Field: "spec.ports", Reason: fmt.Sprintf("ServiceEntry for %s:%d visible to the gateway", leg.dest, outPort)})
	var applied []*policy
	for _, p := range append(slices.Clone(m.ix.policiesByNamespace[gw.ref.Namespace]), m.ix.policiesByNamespace[m.opts.RootNamespace]...) {
		if !p.hasSelector || selects(p.selector, gw.selector) {
			applied = append(applied, p)
		}
	}
	m.authorize(applied, m.authzRequest(req), &d)
	return d
}
