package xds

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"testing"

	"istio.io/istio/pilot/pkg/model"
	"istio.io/istio/pilot/pkg/simulation"
	"istio.io/istio/pilot/test/xdstest"
)

// A call is what a pod's application does: a TLS connection with SNI, or an
// HTTP request with a Host header, to an external host on a port.
type call struct {
	proto string // TLS | HTTP
	host  string
	port  int
}

func (c call) String() string {
	return fmt.Sprintf("%s %s:%d", strings.ToLower(c.proto), c.host, c.port)
}

// Outcomes of a call, as the table shows them.
const (
	inCluster   = "in-cluster service"
	viaGateway  = "egress gateway -> external" // sidecar -> egress gateway -> the host's cluster
	blocked     = "blocked"                    // BlackHoleCluster, block_all, or nothing matches
	passthrough = "passthrough (direct, mesh default ALLOW_ANY)"
	unroutable  = "unroutable (the egress gateway does not expose the port)"
)

// inClusterCall is a call to the in-cluster Service.
var inClusterCall = call{"HTTP", inClusterSvc + "." + bystanderNS + ".svc.cluster.local", 80}

// unlistedHost is a host no Package asks for.
const unlistedHost = "unlisted.example.org"

// calls is the call universe of a case: every (protocol, host, port) any
// accepted Package asks for (a hand-written case: its ServiceEntries name); the unlisted host on every port and protocol in
// use; every asked host on a port nobody asks for.
func (c *tcase) calls() []call {
	set := map[call]bool{}
	usedPorts := map[int]bool{}
	protoPorts := map[call]bool{}
	hosts := map[string]bool{}
	add := func(proto, host string, port int) {
		hosts[host] = true
		set[call{proto, host, port}] = true
		usedPorts[port] = true
		protoPorts[call{proto: proto, port: port}] = true
	}
	for _, p := range c.packages {
		for _, e := range p.hosts {
			for _, x := range e.ports {
				add(e.proto, e.host, x)
			}
		}
	}
	if c.objectsOnly {
		// A hand-written case names its hosts in ServiceEntries: HTTP on
		// an HTTP port, TLS on any other.
		for _, o := range c.istio {
			if str(o, "kind") != "ServiceEntry" {
				continue
			}
			ports, _ := get(o, "spec", "ports").([]any)
			hs, _ := get(o, "spec", "hosts").([]any)
			for _, h := range hs {
				host, _ := h.(string)
				if strings.Contains(host, "*") {
					continue
				}
				for _, p := range ports {
					n, _ := toInt(get(p, "number"))
					proto := "TLS"
					if strings.EqualFold(str(p, "protocol"), "HTTP") {
						proto = "HTTP"
					}
					add(proto, strings.ToLower(host), n)
				}
			}
		}
	}
	for pp := range protoPorts {
		set[call{pp.proto, unlistedHost, pp.port}] = true
	}
	other := 9443
	for usedPorts[other] {
		other++
	}
	for h := range hosts {
		set[call{"TLS", h, other}] = true
	}
	set[inClusterCall] = true
	out := make([]call, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.host != b.host {
			return a.host < b.host
		}
		if a.port != b.port {
			return a.port < b.port
		}
		return a.proto < b.proto
	})
	return out
}

// A row of the call table.
type row struct {
	from    string
	call    call
	outcome string
}

func (r row) String() string { return fmt.Sprintf("%-55s %-45s %s", r.from, r.call, r.outcome) }

// asks reports whether Package p lets pod wl make call k: in namespace scope
// (the operator's semantics) every pod of the namespace gets every host the
// Package asked for — the ServiceEntries are exported to the namespace and a
// Sidecar without egress.hosts imports everything visible; in workload scope
// a pod that a Sidecar selects gets only the entries whose selector picks it
// (entries without a selector pick every pod). A pod no Sidecar selects has
// no egress.hosts in either scope: it sees the whole namespace.
func asks(p *pkg, wl *workload, k call) bool {
	restrict := p.scope == "workload" && registryOnly(p, wl)
	for _, e := range p.hosts {
		if e.host != k.host || e.proto != k.proto {
			continue
		}
		if restrict && !matches(e.selector, wl.labels) {
			continue
		}
		for _, x := range e.ports {
			if x == k.port {
				return true
			}
		}
	}
	return false
}

// registryOnly: some Sidecar of the Package selects the pod.
func registryOnly(p *pkg, wl *workload) bool {
	for _, e := range p.hosts {
		if matches(e.selector, wl.labels) {
			return true
		}
	}
	return false
}

func (c *tcase) gatewayExposes(port int) bool {
	for _, p := range c.gatewayPorts() {
		if p == port {
			return true
		}
	}
	return false
}

// expectedSidecarTable derives the call table from the Packages alone.
func expectedSidecarTable(c *tcase, w *world) []row {
	var rows []row
	calls := c.calls()
	for _, wl := range w.workloads {
		for _, k := range calls {
			out := passthrough
			if k == inClusterCall {
				out = inCluster
			} else if wl.pkg != nil {
				switch {
				case asks(wl.pkg, wl, k) && c.gatewayExposes(k.port):
					out = viaGateway
				case asks(wl.pkg, wl, k):
					out = unroutable
				case registryOnly(wl.pkg, wl):
					out = blocked
				}
			}
			rows = append(rows, row{wl.name, k, out})
		}
	}
	for _, k := range calls {
		// The gateway forwards every host:port a sidecar Package asked for
		// (whether its Service exposes the port decides the pods' rows).
		out := blocked
		if k == inClusterCall {
			continue
		}
		for i := range c.packages {
			p := &c.packages[i]
			if !p.sidecar {
				continue
			}
			for _, e := range p.hosts {
				if e.host == k.host && e.proto == k.proto && containsInt(e.ports, k.port) {
					out = "external"
				}
			}
		}
		rows = append(rows, row{c.cfg.gatewayNS + "/egress gateway", k, out})
	}
	return rows
}

func containsInt(l []int, n int) bool {
	for _, x := range l {
		if x == n {
			return true
		}
	}
	return false
}

// External addresses of the calls (DNS ServiceEntries without addresses give
// wildcard listeners, so any external IP will do).
const externalIP = "203.0.113.10"

func simCall(k call, mode simulation.CallMode) simulation.Call {
	c := simulation.Call{Address: externalIP, Port: k.port, CallMode: mode}
	if k == inClusterCall {
		c.Address = inClusterIP
	}
	if k.proto == "HTTP" {
		c.Protocol, c.TLS, c.HostHeader = simulation.HTTP, simulation.Plaintext, k.host
	} else {
		c.Protocol, c.TLS, c.Sni = simulation.TCP, simulation.TLS, k.host
	}
	return c
}

type sim struct {
	s        *simulation.Simulation
	clusters map[string]bool
}

func newSim(t *testing.T, w *world, p *model.Proxy) sim {
	s := simulation.NewSimulation(t, w.fake, p)
	cl := map[string]bool{}
	for name := range xdstest.ExtractClusters(s.Clusters) {
		cl[name] = true
	}
	return sim{s, cl}
}

func (w *world) gatewayCluster(port int) string {
	return fmt.Sprintf("outbound|%d||%s.%s.svc.cluster.local", port, w.c.cfg.gatewaySvc, w.c.cfg.gatewayNS)
}

// classify turns a simulation result into an outcome.
func classify(r simulation.Result, clusters map[string]bool) string {
	switch {
	case r.Error != nil:
		for _, e := range []error{simulation.ErrNoListener, simulation.ErrNoFilterChain, simulation.ErrNoVirtualHost, simulation.ErrNoRoute,
			simulation.ErrProtocolError} { // ErrProtocolError: e.g. TLS sent to a port where the gateway speaks HTTP
			if errors.Is(r.Error, e) {
				return blocked
			}
		}
		return "error: " + r.Error.Error()
	case r.ClusterMatched == "BlackHoleCluster", r.VirtualHostMatched == "block_all":
		return blocked
	case r.ClusterMatched == "PassthroughCluster", r.VirtualHostMatched == "allow_any":
		return passthrough
	case r.ClusterMatched == "":
		return fmt.Sprintf("no cluster (listener %s, chain %s, vhost %s)", r.ListenerMatched, r.FilterChainMatched, r.VirtualHostMatched)
	case !clusters[r.ClusterMatched]:
		return "missing cluster " + r.ClusterMatched
	}
	return "cluster " + r.ClusterMatched
}

// sidecarTable runs every call of the universe from every pod, and follows the
// calls that reach the egress gateway through the gateway's own configuration.
func sidecarTable(t *testing.T, w *world) []row {
	calls := w.c.calls()
	gw := newSim(t, w, w.gatewayProxy())
	gwOutcome := map[call]string{}
	var rows []row
	for _, k := range calls {
		if k == inClusterCall {
			continue
		}
		out := classify(gw.s.Run(simCall(k, simulation.CallModeGateway)), gw.clusters)
		if out == "cluster "+fmt.Sprintf("outbound|%d||%s", k.port, k.host) {
			out = "external"
		}
		gwOutcome[k] = out
	}
	for _, wl := range w.workloads {
		s := newSim(t, w, w.sidecarProxy(wl))
		for _, k := range calls {
			r := s.s.Run(simCall(k, simulation.CallModeOutbound))
			out := classify(r, s.clusters)
			switch {
			case r.ClusterMatched == w.gatewayCluster(k.port) && out == "missing cluster "+r.ClusterMatched:
				out = unroutable
			case r.ClusterMatched == w.gatewayCluster(k.port) && gwOutcome[k] == "external":
				out = viaGateway
			case r.ClusterMatched == w.gatewayCluster(k.port):
				out = "egress gateway -> " + gwOutcome[k]
			case k == inClusterCall && r.ClusterMatched == fmt.Sprintf("outbound|%d||%s", k.port, k.host):
				out = inCluster
			case r.ClusterMatched == fmt.Sprintf("outbound|%d||%s", k.port, k.host):
				out = "direct to the host, bypassing the egress gateway"
			}
			rows = append(rows, row{wl.name, k, out})
		}
	}
	for _, k := range calls {
		if k == inClusterCall {
			continue
		}
		rows = append(rows, row{w.c.cfg.gatewayNS + "/egress gateway", k, gwOutcome[k]})
	}
	return rows
}

// diffRows lists the rows whose outcome differs.
func diffRows(want, got []row) []string {
	idx := map[string]string{}
	for _, r := range got {
		idx[r.from+" "+r.call.String()] = r.outcome
	}
	var out []string
	for _, r := range want {
		g, ok := idx[r.from+" "+r.call.String()]
		if !ok {
			out = append(out, fmt.Sprintf("%s %s: not simulated", r.from, r.call))
		} else if g != r.outcome {
			out = append(out, fmt.Sprintf("%s %s: want %q, Istio gives %q", r.from, r.call, r.outcome, g))
		}
	}
	return out
}

func formatTable(rows []row) string {
	var b strings.Builder
	for _, r := range rows {
		b.WriteString(r.String())
		b.WriteByte('\n')
	}
	return b.String()
}
