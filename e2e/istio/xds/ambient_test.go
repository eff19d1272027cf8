package xds

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	listener "github.com/envoyproxy/go-control-plane/envoy/config/listener/v3"
	route "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	hcm "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/http_connection_manager/v3"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/anypb"

	"istio.io/istio/pilot/test/xdstest"
	"istio.io/istio/pkg/wellknown"
)

// hostPort keys the ambient grants.
type hostPort struct {
	host string
	port int
}

func (h hostPort) String() string { return fmt.Sprintf("%s:%d", h.host, h.port) }

// expectedGrants derives, from the ambient Packages alone, who may reach
// which host:port through the waypoint: "principal <td>/ns/<ns>/sa/<sa>" for
// an entry with a serviceAccount, "namespace <ns>" without; remoteGenerated
// Anywhere participants join every host, on the ports they list (all when none).
func expectedGrants(c *tcase) map[hostPort][]string {
	g := map[hostPort]map[string]bool{}
	hostPorts := map[string][]int{}
	id := func(p *pkg, e entry) string {
		if e.sa != "" {
			return fmt.Sprintf("principal %s/ns/%s/sa/%s", c.cfg.trustDomain, p.ns, e.sa)
		}
		return "namespace " + p.ns
	}
	for i := range c.packages {
		p := &c.packages[i]
		if p.sidecar {
			continue
		}
		for _, e := range p.hosts {
			for _, x := range e.ports {
				k := hostPort{e.host, x}
				if g[k] == nil {
					g[k] = map[string]bool{}
					hostPorts[e.host] = append(hostPorts[e.host], x)
				}
				g[k][id(p, e)] = true
			}
		}
	}
	for i := range c.packages {
		p := &c.packages[i]
		if p.sidecar {
			continue
		}
		for _, e := range p.anywhere {
			for h, ports := range hostPorts {
				for _, x := range ports {
					if e.ports == nil || containsInt(e.ports, x) {
						g[hostPort{h, x}][id(p, e)] = true
					}
				}
			}
		}
	}
	for _, u := range c.uncovered {
		for k, ids := range g {
			if k.String() == u.hostPort {
				delete(ids, u.id)
			}
		}
	}
	out := map[hostPort][]string{}
	for k, ids := range g {
		out[k] = sortedKeys(ids)
	}
	return out
}

var chainName = regexp.MustCompile(`^inbound-vip\|(\d+)\|(tcp|http)\|(.+)$`)

// waypointGrants reads the waypoint's configuration as istiod builds it: one
// filter chain per external host:port in the main_internal listener, whose
// RBAC filter (network RBAC for TLS, HTTP RBAC for HTTP) is flattened into the
// identities it allows. Istio's simulator does not evaluate RBAC, so the
// flattening is done here: an ALLOW policy contributes its principals to the
// ports its permissions name; principals are exact SPIFFE names (service
// accounts) or the ".*/ns/<ns>/.*" pattern (namespaces). Anything else —
// a DENY action, a principal or permission the flattening does not know, a
// chain without RBAC (allow-all), a chain not sending to its host's cluster —
// is reported as a problem.
func waypointGrants(t *testing.T, w *world) (map[hostPort][]string, []string) {
	p := w.waypointProxy()
	listeners := w.fake.Listeners(p)
	l := xdstest.ExtractListener("main_internal", listeners)
	if l == nil {
		return nil, []string{"the waypoint has no main_internal listener (is the waypoint known to the ambient index?)"}
	}
	clusters := map[string]bool{}
	for name := range xdstest.ExtractClusters(w.fake.Clusters(p)) {
		clusters[name] = true
	}
	routes := xdstest.ExtractRouteConfigurations(w.fake.RoutesFromListeners(p, listeners))
	out := map[hostPort][]string{}
	var problems []string
	for _, fc := range l.FilterChains {
		m := chainName.FindStringSubmatch(fc.Name)
		if m == nil {
			continue
		}
		port, _ := strconv.Atoi(m[1])
		k := hostPort{m[3], port}
		if k.host == fmt.Sprintf("%s.%s.svc.cluster.local", w.c.cfg.waypoint, w.c.cfg.ambientNS) {
			continue
		}
		var rbacs []*anypb.Any
		dest := ""
		for _, f := range fc.Filters {
			switch f.Name {
			case wellknown.RoleBasedAccessControl:
				rbacs = append(rbacs, f.GetTypedConfig())
			case wellknown.TCPProxy:
				dest = xdstest.ExtractTCPProxy(t, fc).GetCluster()
			case wellknown.HTTPConnectionManager:
				h := xdstest.ExtractHTTPConnectionManager(t, fc)
				for _, hf := range h.HttpFilters {
					if hf.Name == wellknown.HTTPRoleBasedAccessControl {
						rbacs = append(rbacs, hf.GetTypedConfig())
					}
				}
				dest = httpDestination(h, routes)
			}
		}
		if dest != fc.Name || !clusters[dest] {
			problems = append(problems, fmt.Sprintf("%s: the waypoint chain sends to %q, not to the host's cluster %q", k, dest, fc.Name))
		}
		ids, probs := flattenRBAC(rbacs, port)
		for _, pr := range probs {
			problems = append(problems, k.String()+": "+pr)
		}
		out[k] = ids
	}
	return out, problems
}

func httpDestination(h *hcm.HttpConnectionManager, routes map[string]*route.RouteConfiguration) string {
	rc := h.GetRouteConfig()
	if rc == nil {
		rc = routes[h.GetRds().GetRouteConfigName()]
	}
	dests := map[string]bool{}
	for _, vh := range rc.GetVirtualHosts() {
		for _, r := range vh.GetRoutes() {
			dests[r.GetRoute().GetCluster()] = true
		}
	}
	if len(dests) != 1 {
		return fmt.Sprintf("%d destinations %v", len(dests), sortedKeys(dests))
	}
	return sortedKeys(dests)[0]
}

var nsRegex = regexp.MustCompile(`^\.\*/ns/([a-z0-9-]+)/\.\*$`)

// flattenRBAC returns the identities allowed on port by the RBAC filters.
func flattenRBAC(filters []*anypb.Any, port int) ([]string, []string) {
	if len(filters) == 0 {
		return []string{"ANYONE (no RBAC filter)"}, nil
	}
	ids := map[string]bool{}
	var problems []string
	for _, a := range filters {
		msg, err := a.UnmarshalNew()
		if err != nil {
			return nil, []string{err.Error()}
		}
		var doc map[string]any
		b, _ := protojson.MarshalOptions{UseProtoNames: false}.Marshal(msg)
		if err := json.Unmarshal(b, &doc); err != nil {
			return nil, []string{err.Error()}
		}
		rules, _ := doc["rules"].(map[string]any)
		if rules == nil {
			continue // a filter with shadow rules only (dry run) enforces nothing
		}
		if act, _ := rules["action"].(string); act != "" && act != "ALLOW" {
			problems = append(problems, "RBAC action "+act)
			continue
		}
		pols, _ := rules["policies"].(map[string]any)
		for name, pv := range pols {
			pol, _ := pv.(map[string]any)
			ports, any, unknown := permissionPorts(pol["permissions"])
			for _, u := range unknown {
				problems = append(problems, fmt.Sprintf("policy %s: permission %s", name, u))
			}
			if !any && !ports[port] {
				continue
			}
			got, unknownP := principals(pol["principals"])
			for _, u := range unknownP {
				problems = append(problems, fmt.Sprintf("policy %s: principal %s", name, u))
			}
			for _, id := range got {
				ids[id] = true
			}
		}
	}
	return sortedKeys(ids), problems
}

// permissionPorts collects destinationPort values; "any" means every port.
func permissionPorts(v any) (ports map[int]bool, anyPort bool, unknown []string) {
	ports = map[int]bool{}
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case []any:
			for _, e := range x {
				walk(e)
			}
		case map[string]any:
			for k, e := range x {
				switch k {
				case "destinationPort":
					n, _ := e.(float64)
					ports[int(n)] = true
				case "any":
					if e == true {
						anyPort = true
					}
				case "andRules", "orRules", "rules":
					walk(e)
				case "header", "urlPath", "uriTemplate":
					// L7 matchers of a host policy's http rules (methods,
					// paths): they narrow what an allowed identity may do,
					// not who may connect; not compared here.
				default:
					b, _ := json.Marshal(x)
					unknown = append(unknown, string(b))
				}
			}
		}
	}
	walk(v)
	return ports, anyPort, unknown
}

// principals turns principal matchers into identities.
func principals(v any) (ids []string, unknown []string) {
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case []any:
			for _, e := range x {
				walk(e)
			}
		case map[string]any:
			for k, e := range x {
				switch k {
				case "andIds", "orIds", "ids":
					walk(e)
				case "any":
					if e == true {
						ids = append(ids, "ANYONE")
					}
				case "authenticated", "filterState":
					// authenticated.principalName (sidecars) or, in waypoints, the
					// peer principal from filter state: the same string matcher.
					em, _ := e.(map[string]any)
					m, _ := em["principalName"].(map[string]any)
					if k == "filterState" {
						if em["key"] != "io.istio.peer_principal" {
							b, _ := json.Marshal(e)
							unknown = append(unknown, string(b))
							return
						}
						m, _ = em["stringMatch"].(map[string]any)
					}
					if s, ok := m["exact"].(string); ok {
						ids = append(ids, "principal "+strings.TrimPrefix(s, "spiffe://"))
					} else if re, ok := m["safeRegex"].(map[string]any)["regex"].(string); ok && nsRegex.MatchString(re) {
						ids = append(ids, "namespace "+nsRegex.FindStringSubmatch(re)[1])
					} else {
						b, _ := json.Marshal(e)
						unknown = append(unknown, string(b))
					}
				default:
					b, _ := json.Marshal(x)
					unknown = append(unknown, string(b))
				}
			}
		}
	}
	walk(v)
	return ids, unknown
}

// diffGrants compares the grants derived from the Packages with the waypoint's.
func diffGrants(want, got map[hostPort][]string) []string {
	keys := map[string]hostPort{}
	for k := range want {
		keys[k.String()] = k
	}
	for k := range got {
		keys[k.String()] = k
	}
	var out []string
	for _, ks := range sortedKeys(keys) {
		k := keys[ks]
		w, inW := want[k]
		g, inG := got[k]
		switch {
		case !inG:
			out = append(out, fmt.Sprintf("%s: granted to %v, but the waypoint has no chain for it (the ServiceEntry does not use the waypoint)", k, w))
		case !inW:
			out = append(out, fmt.Sprintf("%s: not granted to anyone, but the waypoint serves it, allowing %v", k, g))
		case strings.Join(w, ",") != strings.Join(g, ","):
			out = append(out, fmt.Sprintf("%s: granted to %v, the waypoint allows %v", k, w, g))
		}
	}
	return out
}

func formatGrants(g map[hostPort][]string) string {
	var keys []hostPort
	for k := range g {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].host != keys[j].host {
			return keys[i].host < keys[j].host
		}
		return keys[i].port < keys[j].port
	})
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "%-45s %s\n", k, strings.Join(g[k], "; "))
	}
	return b.String()
}

var _ = listener.Listener{}
