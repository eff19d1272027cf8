package plan

import (
	"fmt"
	"strings"

	"github.com/uds-egress-fn/uds-egress-fn/internal/diag"
	"github.com/uds-egress-fn/uds-egress-fn/schemas"
)

// hostRequest is one (host, port, protocol) an allow entry asks for.
type hostRequest struct {
	host  string
	pp    PortProtocol
	index int    // allow entry index
	path  string // field path of the entry
	entry *schemas.Allow
}

// requestsOf lists the host requests of a Package in entry order, ports in
// first-written order. Hosts are lower-cased.
func requestsOf(pkg *schemas.Package) []hostRequest {
	var out []hostRequest
	for i := range pkg.AllowEntries() {
		a := &pkg.Spec.Network.Allow[i]
		if a.RemoteHost == "" || a.Direction != schemas.DirectionEgress {
			continue
		}
		host := strings.ToLower(a.RemoteHost)
		for _, port := range a.EffectivePorts() {
			out = append(out, hostRequest{
				host: host, pp: PortProtocol{Port: port, Protocol: a.EffectiveProtocol()},
				index: i, path: fmt.Sprintf("spec.network.allow[%d]", i), entry: a,
			})
		}
	}
	return out
}

type hostPort struct {
	host string
	port int
}

type claim struct {
	protocol string
	owner    schemas.PackageID
	path     string
}

// conflictIndex remembers which protocol each host:port of one mode uses.
type conflictIndex map[hostPort]claim

// check reports the first request of pkg that conflicts with an earlier
// Package or with an earlier entry of the same Package. On no conflict it
// records the Package's requests.
func (idx conflictIndex) check(a schemas.Subject, reqs []hostRequest) *diag.Finding {
	own := conflictIndex{}
	id := a.ID()
	for _, r := range reqs {
		key := hostPort{r.host, r.pp.Port}
		if prev, ok := own[key]; ok && prev.protocol != r.pp.Protocol {
			f := diag.New(diag.HostPortConflict, a.Ref, r.path+".remoteProtocol",
				"%s:%d is asked for with %s here but with %s in %s of the same Package; one port speaks one protocol: use one protocol or another port",
				r.host, r.pp.Port, protocolOf(r), prev.protocol, prev.path)
			return &f
		}
		if prev, ok := idx[key]; ok && prev.protocol != r.pp.Protocol {
			f := diag.New(diag.HostPortConflict, a.Ref, r.path+".remoteProtocol",
				"%s:%d is asked for with %s here but Package %s already uses it with %s (%s); one host:port speaks one protocol in the shared egress objects: agree on one protocol or use another port",
				r.host, r.pp.Port, protocolOf(r), prev.owner, prev.protocol, prev.path)
			return &f
		}
		if _, ok := own[key]; !ok {
			own[key] = claim{r.pp.Protocol, id, r.path}
		}
	}
	for k, v := range own {
		if _, ok := idx[k]; !ok {
			idx[k] = v
		}
	}
	return nil
}

// seenPorts remembers which ports each port list already holds, so that
// adding a port costs the same however many ports a host has (a Package may
// list thousands of distinct ports across its entries).
type seenPorts map[seenPort]bool

type seenPort struct {
	scope, host string
	pp          PortProtocol
}

// add appends pp to the port list of host in scope (no strings are built:
// both are strings the caller already holds) unless it is there already
// (first-seen order).
func (s seenPorts) add(ports []PortProtocol, scope, host string, pp PortProtocol) []PortProtocol {
	k := seenPort{scope, host, pp}
	if s[k] {
		return ports
	}
	s[k] = true
	return append(ports, pp)
}

// protocolOf names the protocol of a request, saying when it is the default.
func protocolOf(r hostRequest) string {
	if r.entry.RemoteProtocol == "" {
		return r.pp.Protocol + " (the default)"
	}
	return r.pp.Protocol
}
