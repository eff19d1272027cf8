package plan

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/uds-egress-fn/uds-egress-fn/generators/kinds"
	"github.com/uds-egress-fn/uds-egress-fn/internal/diag"
	"github.com/uds-egress-fn/uds-egress-fn/internal/naming"
	"github.com/uds-egress-fn/uds-egress-fn/schemas"
)

// LocalServiceEntry is a sidecar Package's own ServiceEntry for one host.
type LocalServiceEntry struct {
	Name  string
	Host  string
	Ports []PortProtocol
	// Access says which selectors asked for which port, and where; in
	// first-seen order.
	Access []SidecarAccess
}

// WorkloadSidecar is a REGISTRY_ONLY Sidecar for one distinct selector; a
// nil Selector means every pod in the namespace.
type WorkloadSidecar struct {
	Name     string
	Selector schemas.Labels
	// Listeners are the port-bound egress listeners of a sidecarScope:
	// workload Sidecar whose pods asked some host on fewer ports than the
	// namespace's ServiceEntry for it holds; nil when importing each host on
	// every port (one catch-all listener) grants exactly what they asked.
	Listeners []SidecarListener
}

// SidecarListener is one port-bound Sidecar egress listener: the external
// hosts the selected pods asked for on Port.
type SidecarListener struct {
	Port  PortProtocol
	Hosts []string
}

// SidecarPackage is what one sidecar-mode Package generates in its namespace.
type SidecarPackage struct {
	ID             schemas.PackageID
	Generation     int64
	UID            string
	ServiceEntries []LocalServiceEntry
	Sidecars       []WorkloadSidecar

	ref *diag.Ref
}

// SharedHost is the egress gateway's intent for one host.
type SharedHost struct {
	Host  string
	Ports []PortProtocol
	Users Users
	// Namespaces are, for each port of Ports (same index), the sorted
	// namespaces whose Packages asked for it.
	Namespaces [][]string
	// Object names in the gateway namespace.
	GatewayName        string
	VirtualServiceName string
	ServiceEntryName   string

	// firstPath is the path of the first entry naming the host (not the
	// request: that would hold its Package's allow entries).
	firstPath string
	ref       *diag.Ref
	portNS    map[PortProtocol]map[string]bool
}

// PerPortNamespaces reports whether the ports of the host were asked for by
// different sets of namespaces: then exporting the shared VirtualService to
// every asking namespace is not enough, and each mesh route must say which
// namespaces may use it.
func (h *SharedHost) PerPortNamespaces() bool {
	for _, ns := range h.Namespaces[1:] {
		if !slices.Equal(ns, h.Namespaces[0]) {
			return true
		}
	}
	return false
}

// SidecarPlan is everything sidecar mode generates.
type SidecarPlan struct {
	Packages []*SidecarPackage
	Hosts    []*SharedHost
	// GatewayPorts and GatewayPortsSource say which ports the egress
	// gateway exposes and where that came from.
	GatewayPorts       []int
	GatewayPortsSource string
}

type sidecarBuilder struct {
	settings schemas.Settings
	seen     seenPorts
	// local are the ports of the ServiceEntries of the Package being
	// added, cleared for each Package like access.
	local seenPorts
	// access indexes the accesses of the Package being added in its
	// ServiceEntries; the keys name the Package, so add clears it for each
	// Package instead of holding every Package's.
	access    map[accessKey]int
	names     *naming.Names
	env       Environment
	conflicts conflictIndex
	hosts     map[string]*SharedHost
	plan      SidecarPlan
	findings  []diag.Finding
}

func newSidecarBuilder(s schemas.Settings, env Environment, names *naming.Names) *sidecarBuilder {
	b := &sidecarBuilder{settings: s, env: env, names: names, seen: seenPorts{}, local: seenPorts{}, access: map[accessKey]int{}, conflicts: conflictIndex{}, hosts: map[string]*SharedHost{}}
	switch {
	case env.GatewayServiceFound:
		b.plan.GatewayPorts = env.GatewayServicePorts
		b.plan.GatewayPortsSource = fmt.Sprintf("Service %s/%s in the input", s.GatewayNamespace, s.GatewayService)
	case s.GatewayPortsSet:
		b.plan.GatewayPorts = s.GatewayPorts
		b.plan.GatewayPortsSource = "functionConfig gatewayPorts"
	default:
		b.plan.GatewayPorts = s.GatewayPorts
		b.plan.GatewayPortsSource = "the UDS Core default (80 and 443)"
	}
	return b
}

// add admits one sidecar Package, or rejects it on a conflict.
func (b *sidecarBuilder) add(a schemas.Subject) {
	reqs := requestsOf(a.Package)
	if f := b.conflicts.check(a, reqs); f != nil {
		b.findings = append(b.findings, *f)
		return
	}
	if len(reqs) == 0 {
		return
	}
	clear(b.access)
	clear(b.local)
	pkg := &SidecarPackage{ID: a.ID(), Generation: a.Package.Metadata.Generation, UID: a.Package.Metadata.UID, ref: a.Ref}
	local := map[string]int{}
	firstPath := map[string]string{} // host -> path of the entry that first named it
	sidecars := map[string]int{}     // selector Identity -> index in pkg.Sidecars
	selIDs := map[int]string{}       // allow entry index -> its selector's Identity
	ns := pkg.ID.Namespace
	seNames := namesOf(b.names, ns, kinds.ServiceEntry)
	scNames := namesOf(b.names, ns, kinds.Sidecar)
	owner := "package " + pkg.ID.String() + " "
	warned := map[string]bool{}
	for i := range reqs {
		r := &reqs[i]
		if j, ok := local[r.host]; ok {
			pkg.ServiceEntries[j].Ports = b.local.add(pkg.ServiceEntries[j].Ports, owner, r.host, r.pp)
		} else {
			local[r.host] = len(pkg.ServiceEntries)
			firstPath[r.host] = r.path
			pkg.ServiceEntries = append(pkg.ServiceEntries, LocalServiceEntry{Host: r.host, Ports: b.local.add(nil, owner, r.host, r.pp)})
		}
		sel := selectorOf(r.entry)
		selID, ok := selIDs[r.index]
		if !ok {
			selID = sel.Identity()
			selIDs[r.index] = selID
		}
		sc, ok := sidecars[selID]
		if !ok {
			sc = len(pkg.Sidecars)
			sidecars[selID] = sc
			name := b.claim(scNames, sidecarBaseName(pkg.ID.Name, sel), owner+"selector "+selID, sel.Canonical(), a.Ref, r.path+".selector")
			pkg.Sidecars = append(pkg.Sidecars, WorkloadSidecar{Name: name, Selector: sel})
		}
		b.addAccess(&pkg.ServiceEntries[local[r.host]], owner, selID, sc, r.pp, sel, Source{Package: pkg.ID, Entry: r.index})
		b.share(a, r)
		b.warnPort(a, r)
		if !warned[r.host] {
			warned[r.host] = true
			b.warnClaims(a, r)
		}
	}
	for i := range pkg.ServiceEntries {
		se := &pkg.ServiceEntries[i]
		se.Name = b.claim(seNames, localServiceEntryBase(pkg.ID.Name, se), owner+"host "+se.Host, se.Host, a.Ref, firstPath[se.Host]+".remoteHost")
	}
	pkg.compact()
	b.plan.Packages = append(b.plan.Packages, pkg)
}

// compact drops the spare capacity appending left in the Package's lists:
// a plan holds tens of thousands of them.
func (pkg *SidecarPackage) compact() {
	pkg.ServiceEntries = exact(pkg.ServiceEntries)
	pkg.Sidecars = exact(pkg.Sidecars)
	for i := range pkg.ServiceEntries {
		se := &pkg.ServiceEntries[i]
		se.Ports, se.Access = exact(se.Ports), exact(se.Access)
	}
}

// exact is s in an array of its length.
func exact[S ~[]E, E any](s S) S {
	if cap(s) == len(s) {
		return s
	}
	return append(S(nil), s...)
}

// accessKey identifies one access of a package-local ServiceEntry.
type accessKey struct {
	owner, host, selector string
	pp                    PortProtocol
}

// addAccess records that the entry src, with selector sel, asked for pp.
func (b *sidecarBuilder) addAccess(se *LocalServiceEntry, owner, selID string, sidecar int, pp PortProtocol, sel schemas.Labels, src Source) {
	k := accessKey{owner, se.Host, selID, pp}
	if i, ok := b.access[k]; ok {
		a := &se.Access[i]
		if !slices.Contains(a.Sources, src) {
			a.Sources = append(a.Sources, src)
		}
		return
	}
	b.access[k] = len(se.Access)
	se.Access = append(se.Access, SidecarAccess{Port: pp, Selector: sel, Reach: reachOf(sel, b.settings.SidecarScope), Sidecar: sidecar, Sources: []Source{src}})
}

// selectorOf returns the entry's selector, nil for "all pods" (no selector
// or selector: {}).
func selectorOf(a *schemas.Allow) schemas.Labels {
	if len(a.Selector) == 0 {
		return nil
	}
	return a.Selector
}

func sidecarBaseName(pkg string, sel schemas.Labels) string {
	if sel == nil {
		return naming.Sanitize(pkg + "-egress-default")
	}
	parts := make([]string, 0, 2*len(sel))
	for _, kv := range sel {
		parts = append(parts, kv.Key, kv.Value)
	}
	return naming.Sanitize(pkg + "-egress-" + strings.Join(parts, "-"))
}

func localServiceEntryBase(pkg string, se *LocalServiceEntry) string {
	parts := make([]string, 0, 2*len(se.Ports))
	for _, pp := range se.Ports {
		parts = append(parts, fmt.Sprint(pp.Port), strings.ToLower(pp.Protocol))
	}
	return naming.Sanitize(pkg + "-egress-" + se.Host + "-" + strings.Join(parts, "-"))
}

func (b *sidecarBuilder) claim(r *naming.Registry, base, owner, key string, ref *diag.Ref, path string) string {
	name, hashed := r.ClaimFor(base, owner, key)
	if hashed {
		b.findings = append(b.findings, hashedWarning(ref, path, key, name))
	}
	return name
}

func (b *sidecarBuilder) share(a schemas.Subject, r *hostRequest) {
	h := b.hosts[r.host]
	if h == nil {
		h = &SharedHost{Host: r.host, firstPath: r.path, ref: a.Ref}
		b.hosts[r.host] = h
		b.plan.Hosts = append(b.plan.Hosts, h)
	}
	h.Ports = b.seen.add(h.Ports, "gateway", h.Host, r.pp)
	if h.portNS == nil {
		h.portNS = map[PortProtocol]map[string]bool{}
	}
	if h.portNS[r.pp] == nil {
		h.portNS[r.pp] = map[string]bool{}
	}
	h.portNS[r.pp][a.ID().Namespace] = true
	h.Users.Add(a.ID())
}

// gatewayHost is the in-cluster name of the egress gateway Service.
func (b *sidecarBuilder) gatewayHost() string {
	s := b.settings
	return fmt.Sprintf("%s.%s.svc.%s", s.GatewayService, s.GatewayNamespace, s.ClusterDomain)
}

func (b *sidecarBuilder) warnPort(a schemas.Subject, r *hostRequest) {
	if slices.Contains(b.plan.GatewayPorts, r.pp.Port) {
		return
	}
	b.findings = append(b.findings, diag.New(diag.GatewayPort, a.Ref, portPath(r),
		"the egress gateway does not expose port %d (its ports: %s, from %s), so traffic to %s:%d will not leave the mesh; istioctl analyze reports: Referenced host:port not found: %q. Add the port to the egress gateway Service (service.ports override of the istio-egress-gateway gateway chart)",
		r.pp.Port, joinInts(b.plan.GatewayPorts), b.plan.GatewayPortsSource, r.host, r.pp.Port, fmt.Sprintf("%s:%d", b.gatewayHost(), r.pp.Port)))
}

// portPath points at the field that produced the port.
func portPath(r *hostRequest) string {
	if i := slices.Index(r.entry.Ports, r.pp.Port); i >= 0 {
		return fmt.Sprintf("%s.ports[%d]", r.path, i)
	}
	if r.entry.Port != nil {
		return r.path + ".port"
	}
	return r.path + ".remoteHost"
}

func (b *sidecarBuilder) warnClaims(a schemas.Subject, r *hostRequest) {
	claims := b.env.Claims[r.host]
	if len(claims) == 0 {
		return
	}
	b.findings = append(b.findings, diag.New(diag.HostClaimed, a.Ref, r.path+".remoteHost",
		"host %s is already claimed by %s in the input; Istio will not behave properly when several Gateways or VirtualServices use the same host (istioctl analyze: Conflict with gateways / The VirtualServices ... define the same host). Remove the other object's claim or drop this entry",
		r.host, strings.Join(claims, ", ")))
}

func joinInts(ports []int) string {
	s := make([]string, len(ports))
	for i, p := range ports {
		s[i] = fmt.Sprint(p)
	}
	return strings.Join(s, ", ")
}

func (b *sidecarBuilder) finish() (SidecarPlan, []diag.Finding) {
	ns := b.settings.GatewayNamespace
	gw := namesOf(b.names, ns, kinds.IstioGateway)
	vs := namesOf(b.names, ns, kinds.VirtualService)
	se := namesOf(b.names, ns, kinds.ServiceEntry)
	for _, h := range b.plan.Hosts {
		path := h.firstPath + ".remoteHost"
		owner := "gateway host " + h.Host
		h.GatewayName = b.claim(gw, naming.Sanitize("gateway-"+h.Host), owner, h.Host, h.ref, path)
		h.VirtualServiceName = b.claim(vs, naming.Sanitize("egress-vs-"+h.Host), owner, h.Host, h.ref, path)
		h.ServiceEntryName = b.claim(se, naming.Sanitize("service-entry-"+h.Host), owner, h.Host, h.ref, path)
		h.Namespaces = make([][]string, len(h.Ports))
		for i, pp := range h.Ports {
			h.Namespaces[i] = slices.Sorted(maps.Keys(h.portNS[pp]))
		}
		h.portNS = nil
		h.Users.compact()
	}
	if b.settings.SidecarScope == schemas.SidecarScopeWorkload {
		for _, pkg := range b.plan.Packages {
			b.listeners(pkg)
		}
	}
	if len(b.plan.Hosts) > 0 {
		b.findings = append(b.findings, diag.New(diag.GatewayPortSource, nil, "",
			"sidecar egress: the egress gateway exposes ports %s (from %s)", joinInts(b.plan.GatewayPorts), b.plan.GatewayPortsSource))
	}
	return b.plan, b.findings
}

// listeners gives each Sidecar of a sidecarScope: workload Package the
// port-bound egress listeners its pods need to reach exactly the host:ports
// their entries asked for. A Sidecar imports a host by name, which brings
// every port of the namespace's ServiceEntry for it (and the shared
// VirtualService's routes for those ports): when the selector asked some
// host on fewer ports, each asked port gets a listener of its own importing
// the hosts asked on it, and the catch-all listener imports only in-cluster
// Services. (One Package per namespace: the Package's ServiceEntries are
// all the namespace has.)
func (b *sidecarBuilder) listeners(pkg *SidecarPackage) {
	for i := range pkg.Sidecars {
		sc := &pkg.Sidecars[i]
		type asked struct {
			host  string
			ports []PortProtocol
		}
		var hosts []asked
		narrower := false
		for _, se := range pkg.ServiceEntries {
			var ports []PortProtocol
			for _, a := range se.Access {
				if picks(a.Selector, sc.Selector) && !slices.Contains(ports, a.Port) {
					ports = append(ports, a.Port)
				}
			}
			if len(ports) == 0 {
				continue
			}
			narrower = narrower || len(ports) < len(se.Ports)
			hosts = append(hosts, asked{se.Host, ports})
		}
		if !narrower {
			continue
		}
		byPort := map[int]*SidecarListener{}
		var ls []*SidecarListener
		mixed := map[int][]string{}
		for _, h := range hosts {
			for _, pp := range h.ports {
				l := byPort[pp.Port]
				if l == nil {
					l = &SidecarListener{Port: PortProtocol{Port: pp.Port, Protocol: pp.Protocol}}
					byPort[pp.Port] = l
					ls = append(ls, l)
				} else if l.Port.Protocol != pp.Protocol && mixed[pp.Port] == nil {
					mixed[pp.Port] = []string{fmt.Sprintf("%s (%s)", l.Hosts[0], l.Port.Protocol), fmt.Sprintf("%s (%s)", h.host, pp.Protocol)}
				}
				l.Hosts = append(l.Hosts, h.host)
			}
		}
		if len(mixed) > 0 {
			port := slices.Min(slices.Collect(maps.Keys(mixed)))
			b.findings = append(b.findings, diag.New(diag.SidecarPortMixed, pkg.ref, "spec.network.allow",
				"sidecarScope workload: the pods of Sidecar %s/%s ask for port %d of %s and of %s; a Sidecar egress listener has one protocol per port, so this Sidecar imports its hosts on every port the Package asked for them (its pods may reach those hosts on ports only other selectors asked for): use one protocol per port number for these pods",
				pkg.ID.Namespace, sc.Name, port, mixed[port][0], mixed[port][1]))
			continue
		}
		slices.SortFunc(ls, func(a, b *SidecarListener) int { return a.Port.Port - b.Port.Port })
		sc.Listeners = make([]SidecarListener, len(ls))
		for j, l := range ls {
			sc.Listeners[j] = *l
		}
	}
}

// picks reports whether an entry's selector picks every pod a Sidecar with
// selector sel selects (an entry without a selector picks every pod).
func picks(entry, sel schemas.Labels) bool {
	for _, kv := range entry {
		if !slices.Contains(sel, kv) {
			return false
		}
	}
	return true
}
