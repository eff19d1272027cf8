package effect

import (
	"cmp"
	"maps"
	"slices"
	"strings"

	"github.com/uds-egress-fn/uds-egress-fn/generators/kinds"
)

// Endpoint is an external host, port and protocol.
type Endpoint struct {
	Host     string `json:"host"`
	Port     int    `json:"port"`
	Protocol string `json:"protocol"`
}

// Cell is the decision for one identity and endpoint.
type Cell struct {
	Identity Identity `json:"identity"`
	Endpoint
	Decision
}

// Other is the namespace and service account of "any identity the objects
// do not name".
const Other = "*"

// Endpoints lists the endpoints the objects name (ServiceEntry hosts and
// ports, VirtualService routes with a port) and extra, sorted.
func (m *Model) Endpoints(extra []Endpoint) []Endpoint {
	set := map[Endpoint]bool{}
	for _, e := range extra {
		set[e] = true
	}
	for _, se := range m.serviceEntries {
		for _, h := range se.hosts {
			if strings.Contains(h, "*") {
				continue
			}
			for _, p := range se.ports {
				proto := p.protocol
				if proto != "HTTP" {
					proto = "TLS"
				}
				set[Endpoint{h, p.number, proto}] = true
			}
		}
	}
	for _, vs := range m.virtualServices {
		if !hasMesh(vs.gateways) {
			continue
		}
		for _, h := range vs.hosts {
			if strings.Contains(h, "*") || strings.Contains(h, ".svc") {
				continue
			}
			for kind, routes := range map[string][]route{"HTTP": vs.http, "TLS": vs.tls} {
				for _, rt := range routes {
					for _, mt := range rt.matches {
						if mt.port != 0 && hasMesh(mt.gateways) {
							set[Endpoint{h, mt.port, kind}] = true
						}
					}
				}
			}
		}
	}
	out := slices.Collect(maps.Keys(set))
	slices.SortFunc(out, func(a, b Endpoint) int {
		return cmp.Or(cmp.Compare(a.Host, b.Host), cmp.Compare(a.Port, b.Port), cmp.Compare(a.Protocol, b.Protocol))
	})
	return out
}

// Identities lists who the matrix asks about: every namespace and service
// account the objects or extra name (sidecar namespaces: for each Sidecar's
// selector and for a pod none selects), and Other in each namespace and as
// a namespace.
func (m *Model) Identities(extra []Identity) []Identity {
	type key struct{ ns, sa, labels string }
	set := map[key]Identity{}
	add := func(id Identity) {
		if id.Mode == "" {
			id.Mode = m.ModeOf(id.Namespace)
		}
		if id.ServiceAccount == "" {
			id.ServiceAccount = Other
		}
		if id.Mode == Ambient {
			id.Labels = nil
		}
		set[key{id.Namespace, id.ServiceAccount, LabelsText(id.Labels)}] = id
	}
	nss := map[string]bool{}
	sas := map[string]map[string]bool{}
	addSA := func(ns, sa string) {
		nss[ns] = true
		if sas[ns] == nil {
			sas[ns] = map[string]bool{}
		}
		if sa != "" && !strings.Contains(sa, "*") {
			sas[ns][sa] = true
		}
	}
	for ns := range m.opts.Modes {
		addSA(ns, "")
	}
	for _, p := range m.policies {
		for _, ru := range p.rules {
			for _, s := range ru.from {
				for _, pr := range append(slices.Clone(s.principals), s.notPrincipals...) {
					parts := strings.Split(pr, "/")
					if n := len(parts); n >= 4 && parts[n-4] == "ns" && parts[n-2] == "sa" && !strings.Contains(parts[n-3], "*") {
						addSA(parts[n-3], parts[n-1])
					}
				}
				for _, ns := range append(slices.Clone(s.namespaces), s.notNamespaces...) {
					if !strings.Contains(ns, "*") {
						addSA(ns, "")
					}
				}
			}
		}
	}
	infra := map[string]bool{}
	for _, g := range m.gateways {
		infra[g.ref.Namespace] = true
	}
	for _, w := range m.waypoints {
		infra[w.ref.Namespace] = true
	}
	for _, s := range m.sidecars {
		if s.ref.Namespace != m.opts.RootNamespace {
			addSA(s.ref.Namespace, "")
		}
	}
	for _, vs := range m.virtualServices {
		for _, e := range vs.exportTo {
			if e != "." && e != "*" && e != "~" {
				addSA(e, "")
			}
		}
	}
	for ns := range m.namespaces {
		if !infra[ns] && ns != m.opts.RootNamespace {
			addSA(ns, "")
		}
	}
	for _, id := range extra {
		addSA(id.Namespace, id.ServiceAccount)
		add(id)
	}
	for ns := range nss {
		mode := m.ModeOf(ns)
		add(Identity{Namespace: ns, Mode: mode})
		for sa := range sas[ns] {
			add(Identity{Namespace: ns, ServiceAccount: sa, Mode: mode})
		}
		if mode == Sidecar {
			for _, s := range m.sidecars {
				if s.ref.Namespace == ns && s.hasSelector {
					add(Identity{Namespace: ns, Labels: s.selector, Mode: mode})
				}
			}
		}
	}
	if len(m.waypoints) > 0 || len(m.policies) > 0 {
		add(Identity{Namespace: Other, Mode: Ambient})
	}
	out := slices.Collect(maps.Values(set))
	slices.SortFunc(out, func(a, b Identity) int {
		return cmp.Or(cmp.Compare(a.Namespace, b.Namespace), cmp.Compare(a.ServiceAccount, b.ServiceAccount), cmp.Compare(LabelsText(a.Labels), LabelsText(b.Labels)))
	})
	return out
}

// LabelsText is "k=v,k2=v2", sorted.
func LabelsText(l map[string]string) string {
	keys := slices.Sorted(maps.Keys(l))
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + l[k]
	}
	return strings.Join(parts, ",")
}

// AnyHost is the endpoint of a passthrough cell: a pod whose Sidecar (or
// the mesh default) lets it reach any host.
var AnyHost = Endpoint{Host: "*", Protocol: "*"}

// Matrix decides the identity × endpoint pairs that matter, sparsely (a
// dense matrix grows with namespaces × hosts):
//
//   - a sidecar identity that is not REGISTRY_ONLY gets one cell for
//     AnyHost (passthrough); its per-endpoint cells are listed only where an
//     object routes the connection;
//   - an endpoint gets a cell for every identity an object could decide
//     differently: the identities its ambient policies name and the `*`
//     identity, the sidecar identities of the namespaces its ServiceEntries
//     and VirtualServices are exported to, and the pairs in want.
//
// A pair not listed is decided like its namespace's `*` service account's
// cell for the endpoint (the endpoint's policies name the namespace, not
// the service account), else like the `*` ambient identity's cell (no such
// cell: no ServiceEntry bound to a waypoint holds the endpoint, so no)
// (ambient), or is no (sidecar; unless the identity has an AnyHost cell).
func (m *Model) Matrix(ids []Identity, eps []Endpoint, want map[Endpoint][]Identity) []Cell {
	type key struct{ ns, sa, labels string }
	keyOf := func(id Identity) key { return key{id.Namespace, id.ServiceAccount, LabelsText(id.Labels)} }
	known := map[key]Identity{}
	sidecarByNS := map[string][]Identity{}
	var sidecarNS []string
	var cells []Cell
	for _, id := range ids {
		known[keyOf(id)] = id
		if id.Mode != Sidecar {
			continue
		}
		if len(sidecarByNS[id.Namespace]) == 0 {
			sidecarNS = append(sidecarNS, id.Namespace)
		}
		sidecarByNS[id.Namespace] = append(sidecarByNS[id.Namespace], id)
		if sc := m.effectiveSidecar(id.Namespace, id.Labels); sc == nil || sc.outbound != "REGISTRY_ONLY" {
			d := m.checkSidecar(Request{Identity: id, Host: "*", Protocol: "TCP"})
			cells = append(cells, Cell{Identity: id, Endpoint: AnyHost, Decision: d})
		}
	}
	for _, ep := range eps {
		seen := map[key]bool{}
		var cands []Identity
		add := func(id Identity) {
			if id.ServiceAccount == "" {
				id.ServiceAccount = Other
			}
			if id.Mode == "" {
				id.Mode = m.ModeOf(id.Namespace)
			}
			k := keyOf(id)
			if !seen[k] {
				seen[k] = true
				cands = append(cands, id)
			}
		}
		exported := func(exportTo []string, owner string) {
			if len(exportTo) == 0 || slices.Contains(exportTo, "*") || m.opts.Mutation == IgnoreExportTo {
				for _, ns := range sidecarNS {
					for _, id := range sidecarByNS[ns] {
						add(id)
					}
				}
				return
			}
			for _, e := range exportTo {
				if e == "." {
					e = owner
				}
				for _, id := range sidecarByNS[e] {
					add(id)
				}
			}
		}
		for _, se := range m.serviceEntriesFor(ep.Host) {
			exported(se.exportTo, se.ref.Namespace)
			wp, wpNS := m.waypointOf(se)
			if wp == "" {
				continue
			}
			add(Identity{Namespace: Other, ServiceAccount: Other, Mode: Ambient})
			for _, p := range m.policiesTargeting(se.ref, Ref{Kind: kinds.WaypointGateway.Kind, Namespace: wpNS, Name: wp}) {
				for _, ru := range p.rules {
					for _, src := range ru.from {
						for _, pr := range append(slices.Clone(src.principals), src.notPrincipals...) {
							parts := strings.Split(pr, "/")
							if n := len(parts); n >= 4 && parts[n-4] == "ns" && parts[n-2] == "sa" && !strings.Contains(parts[n-3], "*") {
								if id, ok := known[key{parts[n-3], parts[n-1], ""}]; ok && id.Mode == Ambient {
									add(id)
								}
								if id, ok := known[key{parts[n-3], Other, ""}]; ok && id.Mode == Ambient {
									add(id)
								}
							}
						}
						for _, ns := range append(slices.Clone(src.namespaces), src.notNamespaces...) {
							if id, ok := known[key{ns, Other, ""}]; ok && id.Mode == Ambient {
								add(id)
							}
						}
					}
				}
			}
		}
		for _, vs := range m.virtualServicesFor(ep.Host) {
			if hasMesh(vs.gateways) {
				exported(vs.exportTo, vs.ref.Namespace)
			}
		}
		wanted := map[key]bool{}
		for _, id := range want[ep] {
			add(id)
			wanted[keyOf(id)] = true
		}
		for _, id := range cands {
			d := m.Check(Request{Identity: id, Host: ep.Host, Port: ep.Port, Protocol: ep.Protocol})
			if d.Passthrough() {
				continue // the identity's AnyHost cell
			}
			if d.Verdict == No && !wanted[keyOf(id)] && id.Mode == Sidecar {
				continue
			}
			cells = append(cells, Cell{Identity: id, Endpoint: ep, Decision: d})
		}
	}
	slices.SortStableFunc(cells, func(a, b Cell) int {
		return cmp.Or(cmp.Compare(a.Host, b.Host), cmp.Compare(a.Port, b.Port), cmp.Compare(a.Protocol, b.Protocol),
			cmp.Compare(a.Identity.Namespace, b.Identity.Namespace), cmp.Compare(a.Identity.ServiceAccount, b.Identity.ServiceAccount),
			cmp.Compare(LabelsText(a.Identity.Labels), LabelsText(b.Identity.Labels)))
	})
	return cells
}

// Allowed reports whether a decision lets at least some requests through.
func (d Decision) Allowed() bool { return d.Verdict == Yes || d.Verdict == Some }

// Passthrough reports whether the connection leaves by the mesh default
// or ALLOW_ANY, not through an object.
func (d Decision) Passthrough() bool { return strings.HasPrefix(d.Route, "passthrough") }
