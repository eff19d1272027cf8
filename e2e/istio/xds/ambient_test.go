package xds

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	cluster "github.com/envoyproxy/go-control-plane/envoy/config/cluster/v3"
	core "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	listener "github.com/envoyproxy/go-control-plane/envoy/config/listener/v3"
	route "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	hcm "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/http_connection_manager/v3"
	internalupstream "github.com/envoyproxy/go-control-plane/envoy/extensions/transport_sockets/internal_upstream/v3"
	rawbuffer "github.com/envoyproxy/go-control-plane/envoy/extensions/transport_sockets/raw_buffer/v3"
	tlsv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/transport_sockets/tls/v3"
	matcher "github.com/envoyproxy/go-control-plane/envoy/type/matcher/v3"
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

// An identity is a workload's SPIFFE identity: namespace and ServiceAccount.
type identity struct{ ns, sa string }

func (i identity) String() string { return i.ns + "/" + i.sa }
func (i identity) spiffe(td string) string {
	return fmt.Sprintf("spiffe://%s/ns/%s/sa/%s", td, i.ns, i.sa)
}

// otherSA stands for a ServiceAccount no Package and no policy names.
const otherSA = "xds-other"

// ambientWant is what the ambient Packages (and the host policies) ask the
// waypoint for, derived from the input alone.
type ambientWant struct {
	proto  map[hostPort]string          // TLS | HTTP per asked host:port
	grants map[hostPort]map[string]bool // "principal <td>/ns/<ns>/sa/<sa>" or "namespace <ns>"
	ids    []identity                   // the identity universe requests are made from
}

func principalID(td string, i identity) string {
	return fmt.Sprintf("principal %s/ns/%s/sa/%s", td, i.ns, i.sa)
}

// expectedAmbient derives, from the ambient Packages alone, who may reach
// which host:port through the waypoint: "principal <td>/ns/<ns>/sa/<sa>" for
// an entry with a serviceAccount, "namespace <ns>" without; remoteGenerated
// Anywhere participants join every host, on the ports they list (all when
// none). Host policies narrow these grants per request (see wantAllowed).
func expectedAmbient(c *tcase) ambientWant {
	w := ambientWant{proto: map[hostPort]string{}, grants: map[hostPort]map[string]bool{}}
	hostPorts := map[string][]int{}
	idset := map[identity]bool{{ambientBystanderNS, "default"}: true}
	id := func(p *pkg, e entry) string {
		if e.sa != "" {
			idset[identity{p.ns, e.sa}] = true
			return principalID(c.cfg.trustDomain, identity{p.ns, e.sa})
		}
		return "namespace " + p.ns
	}
	for i := range c.packages {
		p := &c.packages[i]
		if p.sidecar {
			continue
		}
		idset[identity{p.ns, otherSA}] = true
		for _, e := range p.hosts {
			for _, x := range e.ports {
				k := hostPort{e.host, x}
				if w.grants[k] == nil {
					w.grants[k] = map[string]bool{}
					hostPorts[e.host] = append(hostPorts[e.host], x)
				}
				w.proto[k] = e.proto
				w.grants[k][id(p, e)] = true
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
						w.grants[hostPort{h, x}][id(p, e)] = true
					}
				}
			}
		}
	}
	for _, hp := range c.cfg.policies {
		for _, r := range hp.http {
			for _, ns := range r.fromNS {
				idset[identity{ns, otherSA}] = true
			}
			for _, s := range r.fromSA {
				ns, sa, _ := strings.Cut(s, "/")
				idset[identity{ns, sa}] = true
			}
		}
	}
	for i := range idset {
		w.ids = append(w.ids, i)
	}
	sort.Slice(w.ids, func(a, b int) bool { return w.ids[a].String() < w.ids[b].String() })
	return w
}

// origination is the host policy's TLS origination when it is in effect on
// host:port: an ambient Package asks for that port with HTTP.
func (w ambientWant) origination(c *tcase, k hostPort) *tlsOrig {
	hp := c.cfg.policies[k.host]
	if hp == nil || hp.orig == nil || hp.orig.port != k.port || w.proto[k] != "HTTP" {
		return nil
	}
	return hp.orig
}

// httpRules returns the host policy's http rules when they apply to
// host:port (an HTTP port of a host with a policy that has rules).
func (w ambientWant) httpRules(c *tcase, k hostPort) []httpRule {
	hp := c.cfg.policies[k.host]
	if hp == nil || w.proto[k] != "HTTP" {
		return nil
	}
	return hp.http
}

// headerOps returns the request header operations a host policy puts on
// host:port's routes (requestHeaders apply to every HTTP port of the host).
func (w ambientWant) headerOps(c *tcase, k hostPort) *headerOps {
	hp := c.cfg.policies[k.host]
	if hp == nil || w.proto[k] != "HTTP" {
		return nil
	}
	return hp.headers
}

// wantAllowed is the oracle's answer for one request: some grant of the
// host:port matches the identity (its principal, or its namespace) and, on
// an HTTP port with http rules, some rule covers that grant and allows the
// method and path. Coverage (README, host policies): no from covers every
// grant; from.namespaces covers that namespace's principals and the
// namespace-wide grant; from.serviceAccounts covers that principal only.
func (w ambientWant) wantAllowed(c *tcase, k hostPort, id identity, r request) bool {
	rules := w.httpRules(c, k)
	for g := range w.grants[k] {
		nsGrant := g == "namespace "+id.ns
		if g != principalID(c.cfg.trustDomain, id) && !nsGrant {
			continue
		}
		if len(rules) == 0 {
			return true
		}
		for _, rule := range rules {
			covers := !rule.hasFrom || containsStr(rule.fromNS, id.ns) || (!nsGrant && containsStr(rule.fromSA, id.String()))
			if covers && (rule.methods == nil || containsStr(rule.methods, r.method)) && pathAllowed(rule.paths, r.path) {
				return true
			}
		}
	}
	return false
}

func containsStr(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

// pathAllowed reads AuthorizationPolicy path values (the oracle's own reading
// of Istio's syntax, segment by segment, independent of the Envoy matchers):
// exact; "/x/*" prefix; "*.json" suffix; "*" any path; templates where {*}
// is one non-empty segment and a last {**} any rest (also empty).
func pathAllowed(patterns []string, path string) bool {
	if patterns == nil {
		return true
	}
	for _, p := range patterns {
		switch {
		case p == "*":
			return true
		case strings.Contains(p, "{"):
			if templateMatch(strings.Split(p, "/"), strings.Split(path, "/")) {
				return true
			}
		case strings.HasPrefix(p, "*"):
			if strings.HasSuffix(path, p[1:]) {
				return true
			}
		case strings.HasSuffix(p, "*"):
			if strings.HasPrefix(path, p[:len(p)-1]) {
				return true
			}
		case p == path:
			return true
		}
	}
	return false
}

func templateMatch(pat, segs []string) bool {
	for i, p := range pat {
		if p == "{**}" {
			return i <= len(segs)
		}
		if i >= len(segs) {
			return false
		}
		if p == "{*}" {
			if segs[i] == "" {
				return false
			}
			continue
		}
		if p != segs[i] {
			return false
		}
	}
	return len(pat) == len(segs)
}

// probes returns the methods and paths requested on an HTTP host:port: each
// method and path a rule names, and neighbours that must not match the same
// way (/get vs /getx and /get/x, a prefix without its slash, {*} with two
// segments or none, another method).
func probes(rules []httpRule) (methods, paths []string) {
	ms := map[string]bool{"GET": true, "POST": true, "DELETE": true}
	ps := map[string]bool{"/": true, "/xds-probe": true}
	for _, r := range rules {
		for _, m := range r.methods {
			ms[m] = true
		}
		for _, p := range r.paths {
			switch {
			case p == "*":
			case strings.Contains(p, "{"):
				one := strings.ReplaceAll(p, "{*}", "seg")
				ps[strings.ReplaceAll(one, "{**}", "a/b")] = true
				ps[strings.ReplaceAll(one, "{**}", "")] = true
				ps[strings.TrimSuffix(strings.ReplaceAll(one, "/{**}", ""), "/")] = true
				ps[strings.ReplaceAll(strings.ReplaceAll(p, "{*}", "a/b"), "{**}", "c")] = true
				ps[strings.ReplaceAll(strings.ReplaceAll(p, "{*}", ""), "{**}", "c")] = true
			case strings.HasPrefix(p, "*"):
				ps["/a"+p[1:]] = true
				ps["/a"+p[1:]+"x"] = true
			case strings.HasSuffix(p, "*"):
				pre := p[:len(p)-1]
				ps[pre+"200"] = true
				ps[pre] = true
				ps[strings.TrimSuffix(pre, "/")] = true
				ps[strings.TrimSuffix(pre, "/")+"x/1"] = true
			default:
				ps[p] = true
				ps[p+"x"] = true
				ps[p+"/x"] = true
				ps[strings.ToUpper(p)] = true
			}
		}
	}
	return sortedKeys(ms), sortedKeys(ps)
}

var chainName = regexp.MustCompile(`^inbound-vip\|(\d+)\|(tcp|http)\|(.+)$`)

// waypointCheck reads the waypoint's configuration as istiod builds it — one
// filter chain per external host:port in the main_internal listener — and
// checks each chain against the input:
//   - rbac: every identity of the universe (each ServiceAccount the input
//     names, another ServiceAccount of each namespace, a bystander) makes a
//     connection (TLS ports) or every probe request (HTTP ports: methods ×
//     paths) and the chain's RBAC filters, evaluated with Envoy's semantics,
//     must allow exactly what the oracle allows;
//   - chain: the chain exists exactly for the asked host:ports, sends to the
//     host's own cluster, and speaks what was asked (HTTP: an HTTP connection
//     manager without downstream TLS — plain HTTP also on a TLS-origination
//     port; TLS: TCP proxy);
//   - endpoint: the cluster resolves the host by DNS at host:targetPort;
//   - upstream-tls: on a TLS-origination port the cluster originates TLS
//     with the policy's SNI, CA bundle and an exact SAN matcher; elsewhere it
//     does not;
//   - route-headers: the route's request header operations are exactly the
//     policy's requestHeaders.
//
// It returns the identities allowed per host:port (any request) for the table.
func waypointCheck(t *testing.T, w *world, want ambientWant) (map[hostPort][]string, []string) {
	c := w.c
	p := w.waypointProxy()
	listeners := w.fake.Listeners(p)
	l := xdstest.ExtractListener("main_internal", listeners)
	if l == nil {
		return nil, []string{"chain: the waypoint has no main_internal listener (is the waypoint known to the ambient index?)"}
	}
	clusters := xdstest.ExtractClusters(w.fake.Clusters(p))
	routes := xdstest.ExtractRouteConfigurations(w.fake.RoutesFromListeners(p, listeners))
	out := map[hostPort][]string{}
	var problems []string
	bad := func(check string, k hostPort, f string, a ...any) {
		problems = append(problems, fmt.Sprintf("%s: %s: %s", check, k, fmt.Sprintf(f, a...)))
	}
	seen := map[hostPort]bool{}
	for _, fc := range l.FilterChains {
		ch := readChain(t, c, fc, routes)
		if ch == nil {
			continue
		}
		k, m, rbacs, dest, h, rc := ch.key, ch.name, ch.rbacs, ch.dest, ch.hcm, ch.routes
		seen[k] = true
		proto, asked := want.proto[k]
		if !asked {
			bad("chain", k, "nobody asks for it, but the waypoint serves it")
		}
		// chain: protocol and destination.
		switch {
		case proto == "HTTP" && (h == nil || m[2] != "http"):
			bad("chain", k, "asked for over HTTP, but the waypoint chain is not an HTTP connection manager")
		case proto == "TLS" && (h != nil || m[2] != "tcp"):
			bad("chain", k, "asked for over TLS (passthrough), but the waypoint chain is not a TCP proxy")
		}
		if fc.GetTransportSocket() != nil {
			bad("chain", k, "the waypoint chain terminates TLS (%s); clients speak %s", fc.GetTransportSocket().GetName(), proto)
		}
		if dest != fc.Name || clusters[dest] == nil {
			bad("chain", k, "the waypoint chain sends to %q, not to the host's cluster %q", dest, fc.Name)
		}
		// rbac: requests.
		engines, err := rbacEngines(rbacs)
		if err != nil {
			bad("rbac", k, "%v", err)
			continue
		}
		allowedIDs, probs := checkRequests(c, want, k, proto, engines)
		for _, pr := range probs {
			bad("rbac", k, "%s", pr)
		}
		out[k] = allowedIDs
		if !asked {
			continue
		}
		checkCluster(c, want, k, clusters[dest], func(check, f string, a ...any) { bad(check, k, f, a...) })
		if proto == "HTTP" {
			checkRouteHeaders(want.headerOps(c, k), rc, func(f string, a ...any) { bad("route-headers", k, f, a...) })
		}
	}
	for _, k := range sortedHostPorts(want.proto) {
		if !seen[k] {
			bad("chain", k, "asked for by a Package, but the waypoint has no chain for it (the ServiceEntry does not use the waypoint)")
		}
	}
	return out, problems
}

// A waypointChain is one filter chain of the waypoint's main_internal
// listener: the host:port it serves, its kind (http or tcp, from its name),
// the RBAC filters it enforces, where it sends, and its HTTP connection
// manager and routes (HTTP chains).
type waypointChain struct {
	key    hostPort
	name   []string // chainName's submatches: name, port, kind, host
	rbacs  []*anypb.Any
	dest   string
	hcm    *hcm.HttpConnectionManager
	routes *route.RouteConfiguration
}

// readChain reads one filter chain of main_internal; nil for a chain that
// is not an external host's (the waypoint's own Service, or another name).
func readChain(t *testing.T, c *tcase, fc *listener.FilterChain, routes map[string]*route.RouteConfiguration) *waypointChain {
	m := chainName.FindStringSubmatch(fc.Name)
	if m == nil {
		return nil
	}
	port, _ := strconv.Atoi(m[1])
	k := hostPort{m[3], port}
	if k.host == fmt.Sprintf("%s.%s.svc.cluster.local", c.cfg.waypoint, c.cfg.ambientNS) {
		return nil
	}
	ch := &waypointChain{key: k, name: m}
	for _, f := range fc.Filters {
		switch f.Name {
		case wellknown.RoleBasedAccessControl:
			ch.rbacs = append(ch.rbacs, f.GetTypedConfig())
		case wellknown.TCPProxy:
			ch.dest = xdstest.ExtractTCPProxy(t, fc).GetCluster()
		case wellknown.HTTPConnectionManager:
			ch.hcm = xdstest.ExtractHTTPConnectionManager(t, fc)
			for _, hf := range ch.hcm.HttpFilters {
				if hf.Name == wellknown.HTTPRoleBasedAccessControl {
					ch.rbacs = append(ch.rbacs, hf.GetTypedConfig())
				}
			}
			ch.routes = ch.hcm.GetRouteConfig()
			if ch.routes == nil {
				ch.routes = routes[ch.hcm.GetRds().GetRouteConfigName()]
			}
			ch.dest = httpDestination(ch.routes)
		}
	}
	return ch
}

// waypointChains reads every external host's chain of the waypoint (nil:
// the waypoint has no main_internal listener).
func waypointChains(t *testing.T, w *world) map[hostPort]*waypointChain {
	p := w.waypointProxy()
	listeners := w.fake.Listeners(p)
	l := xdstest.ExtractListener("main_internal", listeners)
	if l == nil {
		return nil
	}
	routes := xdstest.ExtractRouteConfigurations(w.fake.RoutesFromListeners(p, listeners))
	out := map[hostPort]*waypointChain{}
	for _, fc := range l.FilterChains {
		if ch := readChain(t, w.c, fc, routes); ch != nil {
			out[ch.key] = ch
		}
	}
	return out
}

func sortedHostPorts[V any](m map[hostPort]V) []hostPort {
	var keys []hostPort
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].host != keys[j].host {
			return keys[i].host < keys[j].host
		}
		return keys[i].port < keys[j].port
	})
	return keys
}

// checkRequests runs the identity × request universe through the chain's
// RBAC engines and compares each answer with the oracle's.
func checkRequests(c *tcase, want ambientWant, k hostPort, proto string, engines []rbacEngine) ([]string, []string) {
	var reqs []request
	if proto == "HTTP" {
		methods, paths := probes(want.httpRules(c, k))
		for _, m := range methods {
			for _, p := range paths {
				reqs = append(reqs, request{port: k.port, http: true, method: m, path: p})
			}
		}
	} else {
		reqs = []request{{port: k.port, sni: k.host}}
	}
	var ids []string
	var probs []string
	more := 0
	for _, id := range want.ids {
		any := false
		for _, r := range reqs {
			r.principal = id.spiffe(c.cfg.trustDomain)
			got, err := allowed(engines, r)
			if err != nil {
				return nil, []string{err.Error() + " (an unknown matcher fails the check)"}
			}
			any = any || got
			exp := want.wantAllowed(c, k, id, r)
			if got != exp {
				if len(probs) >= 6 {
					more++
					continue
				}
				what := "connect"
				if r.http {
					what = r.method + " " + r.path
				}
				probs = append(probs, fmt.Sprintf("%s %s: want %s, Envoy's RBAC %s", id, what, verdict(exp), verdict(got)))
			}
		}
		if any {
			ids = append(ids, id.String())
		}
	}
	if more > 0 {
		probs = append(probs, fmt.Sprintf("... and %d more requests", more))
	}
	return ids, probs
}

func verdict(b bool) string {
	if b {
		return "allows"
	}
	return "denies"
}

func httpDestination(rc *route.RouteConfiguration) string {
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

// checkCluster: endpoints host:targetPort, and upstream TLS exactly on a
// TLS-origination port.
func checkCluster(c *tcase, want ambientWant, k hostPort, cl *cluster.Cluster, bad func(check, f string, a ...any)) {
	if cl == nil {
		return // reported by the chain check
	}
	orig := want.origination(c, k)
	target := k.port
	if orig != nil {
		target = orig.targetPort
	}
	if cl.GetType() != cluster.Cluster_STRICT_DNS && cl.GetType() != cluster.Cluster_LOGICAL_DNS {
		bad("endpoint", "the cluster is %v, not resolved by DNS", cl.GetType())
	}
	n := 0
	for _, le := range cl.GetLoadAssignment().GetEndpoints() {
		for _, e := range le.GetLbEndpoints() {
			sa := e.GetEndpoint().GetAddress().GetSocketAddress()
			n++
			if sa.GetAddress() != k.host || int(sa.GetPortValue()) != target {
				bad("endpoint", "the cluster connects to %s:%d, want %s:%d", sa.GetAddress(), sa.GetPortValue(), k.host, target)
			}
		}
	}
	if n == 0 {
		bad("endpoint", "the cluster has no endpoint, want %s:%d", k.host, target)
	}
	tlsCtx, err := upstreamTLS(cl.GetTransportSocket())
	if err != nil {
		bad("upstream-tls", "%v", err)
		return
	}
	if len(cl.GetTransportSocketMatches()) > 0 {
		bad("upstream-tls", "the cluster has transport socket matches (not evaluated)")
	}
	switch {
	case orig == nil && tlsCtx != nil:
		bad("upstream-tls", "the waypoint originates TLS (SNI %q), but the client's TLS passes through", tlsCtx.GetSni())
	case orig != nil && tlsCtx == nil:
		bad("upstream-tls", "no TLS origination: the waypoint sends the clients' plain HTTP to %s:%d", k.host, target)
	case orig != nil:
		if tlsCtx.GetSni() != orig.sni {
			bad("upstream-tls", "SNI %q, want %q", tlsCtx.GetSni(), orig.sni)
		}
		ca, sans := validation(tlsCtx.GetCommonTlsContext())
		if ca != orig.ca {
			bad("upstream-tls", "server certificate verified against CA %q, want %q", ca, orig.ca)
		}
		if strings.Join(sans, ",") != strings.Join(exactSANs(orig.sans), ",") {
			bad("upstream-tls-san", "server certificate name matcher %v, want exactly %v (without one, any certificate of the CA bundle is accepted for any name)",
				sans, exactSANs(orig.sans))
		}
	}
}

func exactSANs(l []string) []string {
	var out []string
	for _, s := range l {
		out = append(out, "exact "+s)
	}
	sort.Strings(out)
	return out
}

// upstreamTLS finds the UpstreamTlsContext of a cluster's transport socket
// (a waypoint wraps it in internal_upstream).
func upstreamTLS(ts *core.TransportSocket) (*tlsv3.UpstreamTlsContext, error) {
	if ts == nil {
		return nil, nil
	}
	msg, err := ts.GetTypedConfig().UnmarshalNew()
	if err != nil {
		return nil, err
	}
	switch x := msg.(type) {
	case *internalupstream.InternalUpstreamTransport:
		return upstreamTLS(x.GetTransportSocket())
	case *tlsv3.UpstreamTlsContext:
		return x, nil
	case *rawbuffer.RawBuffer:
		return nil, nil // plain bytes: the client's own TLS passes through
	}
	return nil, fmt.Errorf("transport socket %s %T (not evaluated)", ts.GetName(), msg)
}

// validation returns the CA bundle (a file-root SDS secret or a trusted_ca
// file) and the SAN matchers ("exact x", "prefix y", ...).
func validation(ctx *tlsv3.CommonTlsContext) (string, []string) {
	var ca string
	var vc *tlsv3.CertificateValidationContext
	switch x := ctx.GetValidationContextType().(type) {
	case *tlsv3.CommonTlsContext_CombinedValidationContext:
		vc = x.CombinedValidationContext.GetDefaultValidationContext()
		ca = strings.TrimPrefix(x.CombinedValidationContext.GetValidationContextSdsSecretConfig().GetName(), "file-root:")
	case *tlsv3.CommonTlsContext_ValidationContext:
		vc = x.ValidationContext
	case *tlsv3.CommonTlsContext_ValidationContextSdsSecretConfig:
		ca = strings.TrimPrefix(x.ValidationContextSdsSecretConfig.GetName(), "file-root:")
	}
	if f := vc.GetTrustedCa().GetFilename(); f != "" {
		ca = f
	}
	var sans []string
	san := func(kind string, sm *matcher.StringMatcher) {
		if sm.GetExact() != "" && !sm.GetIgnoreCase() {
			sans = append(sans, "exact "+sm.GetExact())
		} else {
			sans = append(sans, "other "+kind+" "+sm.String())
		}
	}
	for _, m := range vc.GetMatchTypedSubjectAltNames() {
		san(m.GetSanType().String(), m.GetMatcher())
	}
	for _, sm := range vc.GetMatchSubjectAltNames() { //nolint:staticcheck // deprecated, still honoured by Envoy (any SAN type)
		san("any", sm)
	}
	sort.Strings(sans)
	return ca, sans
}

// checkRouteHeaders compares the request header operations of the chain's
// routes (route configuration, virtual host and route levels) with the policy's.
//
//nolint:staticcheck // the deprecated append field is still honoured by Envoy (it wins over append_action)
func checkRouteHeaders(ops *headerOps, rc *route.RouteConfiguration, bad func(f string, a ...any)) {
	want := map[string]bool{}
	if ops != nil {
		for k, v := range ops.add {
			want["add "+k+": "+v] = true
		}
		for k, v := range ops.set {
			want["set "+k+": "+v] = true
		}
		for _, k := range ops.remove {
			want["remove "+k] = true
		}
	}
	collect := func(add []*core.HeaderValueOption, rm []string) []string {
		var out []string
		for _, o := range add {
			op := "add"
			switch {
			case o.GetAppend() != nil && !o.GetAppend().GetValue():
				op = "set"
			case o.GetAppend() == nil && o.GetAppendAction() == core.HeaderValueOption_OVERWRITE_IF_EXISTS_OR_ADD:
				op = "set"
			case o.GetAppend() == nil && o.GetAppendAction() != core.HeaderValueOption_APPEND_IF_EXISTS_OR_ADD:
				op = "other(" + o.GetAppendAction().String() + ")"
			}
			out = append(out, op+" "+o.GetHeader().GetKey()+": "+o.GetHeader().GetValue())
		}
		for _, k := range rm {
			out = append(out, "remove "+k)
		}
		return out
	}
	lists := [][]string{collect(rc.GetRequestHeadersToAdd(), rc.GetRequestHeadersToRemove())}
	for _, vh := range rc.GetVirtualHosts() {
		lists = append(lists, collect(vh.GetRequestHeadersToAdd(), vh.GetRequestHeadersToRemove()))
		for _, r := range vh.GetRoutes() {
			got := map[string]bool{}
			for _, l := range lists {
				for _, x := range l {
					got[x] = true
				}
			}
			for _, x := range collect(r.GetRequestHeadersToAdd(), r.GetRequestHeadersToRemove()) {
				got[x] = true
			}
			if strings.Join(sortedKeys(got), "; ") != strings.Join(sortedKeys(want), "; ") {
				bad("route %q request header operations [%s], want [%s]", r.GetName(),
					strings.Join(sortedKeys(got), "; "), strings.Join(sortedKeys(want), "; "))
			}
		}
	}
}

func formatGrants(g map[hostPort][]string) string {
	var b strings.Builder
	for _, k := range sortedHostPorts(g) {
		fmt.Fprintf(&b, "%-45s %s\n", k, strings.Join(g[k], "; "))
	}
	return b.String()
}
