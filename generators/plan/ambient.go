package plan

import (
	"fmt"
	"slices"
	"strings"

	"github.com/uds-egress-fn/uds-egress-fn/generators/kinds"
	"github.com/uds-egress-fn/uds-egress-fn/internal/diag"
	"github.com/uds-egress-fn/uds-egress-fn/internal/naming"
	"github.com/uds-egress-fn/uds-egress-fn/schemas"
)

// Identity is who may connect: a ServiceAccount of a namespace or, when the
// entry names no ServiceAccount, the whole namespace. Principal is the
// ServiceAccount's SPIFFE principal ("<trustDomain>/ns/<ns>/sa/<sa>"),
// what the AuthorizationPolicy lists; empty for a whole namespace. Two
// strings: an Access holds one per identity, rule and host, so the plan
// of an Anywhere-heavy fleet holds hundreds of thousands.
type Identity struct {
	Namespace string
	Principal string
}

// ServiceAccount is the identity's ServiceAccount, "" for a whole
// namespace: the end of the principal the plan built from it (a
// ServiceAccount name holds no slash), not a copy.
func (id Identity) ServiceAccount() string {
	if id.Principal == "" {
		return ""
	}
	return id.Principal[strings.LastIndex(id.Principal, "/sa/")+len("/sa/"):]
}

// Listed is how the AuthorizationPolicy lists the identity: its principal,
// or the namespace.
func (id Identity) Listed() string {
	if id.Principal != "" {
		return id.Principal
	}
	return id.Namespace
}

// PortRule is one AuthorizationPolicy rule: the identities allowed to reach
// one port of a host (Access, Identities).
type PortRule struct {
	Port int
	// HTTP is set on a rule made from an http rule of the host's policy
	// (an HTTP port); Methods and Paths then restrict it (nil: any).
	HTTP    bool
	Methods []string
	Paths   []string

	// own are the identities of the entries naming the host (accessesOf);
	// participants the port's Anywhere participants, merged once per port
	// and shared by every host's rule. They are merged only when asked
	// for, so the plan holds each participant once, not once per host: a
	// fleet's plan stays the size of its input while its output is hosts x
	// participants (docs/performance.md).
	own, participants []Access
}

// Access is who may connect and why: the identities, principals first,
// each kind sorted, each with the allow entries that gave it. The
// AuthorizationPolicy rule of the port is made of exactly these identities,
// so what a review reports is what the objects allow. It may be shared with
// the plan: read-only.
func (r *PortRule) Access() []Access {
	switch {
	case len(r.participants) == 0:
		return r.own
	case len(r.own) == 0:
		return r.participants
	}
	return mergeSorted(r.own, r.participants)
}

// Identities are the sorted principal and namespace lists of the
// AuthorizationPolicy rule: the identities of Access, without building it.
func (r *PortRule) Identities() (principals, namespaces []string) {
	principals, namespaces = []string{}, []string{}
	add := func(id Identity) {
		if id.Principal != "" {
			principals = append(principals, id.Principal)
		} else {
			namespaces = append(namespaces, id.Namespace)
		}
	}
	a, b := r.own, r.participants
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case j == len(b):
			add(a[i].Identity)
			i++
		case i == len(a):
			add(b[j].Identity)
			j++
		default:
			c := compareIdentities(a[i].Identity, b[j].Identity)
			if c <= 0 {
				add(a[i].Identity)
				i++
				if c == 0 {
					j++
				}
			} else {
				add(b[j].Identity)
				j++
			}
		}
	}
	return principals, namespaces
}

// AmbientHost is the shared egress intent for one external host.
type AmbientHost struct {
	Host string
	// Ports in first-seen order (ServiceEntry ports).
	Ports []PortProtocol
	// Rules, one per port in ascending order (AuthorizationPolicy rules).
	Rules []PortRule
	// Users are the Packages owning a rule on this host.
	Users Users
	// ServiceEntryName and PolicyName are the object names.
	ServiceEntryName string
	PolicyName       string

	// Policy is the host's policy from the config, nil when it has none.
	Policy *schemas.HostPolicy
	// Origination is the TLS origination in effect (defaults filled in),
	// nil when none applies; its port carries TargetPort in Ports.
	Origination *schemas.TLSOrigination
	// Headers are the request header operations in effect, nil when none.
	Headers *schemas.RequestHeaders
	// DestinationRuleName and VirtualServiceName name the objects of
	// Origination and Headers.
	DestinationRuleName string
	VirtualServiceName  string

	// owners are what the entries naming the host asked for, one per
	// request, until finish sorts them into Rules (a list: a map per port
	// and host held a third of the planner's memory at 50,000 Packages).
	owners []request
	// firstPath is the path of the first entry naming the host (not the
	// request: that would hold its Package's allow entries).
	firstPath string
	ref       *diag.Ref
}

// AmbientPlan is everything ambient mode generates.
type AmbientPlan struct {
	Hosts []*AmbientHost
	// Users are all Packages owning any host rule (the waypoint's users).
	Users Users
}

// participant is a remoteGenerated: Anywhere entry: its identity joins every
// host's rules, on all ports (ports == nil) or only the listed ones.
type participant struct {
	id     Identity
	ports  []int
	source Source
	// widening is the identity-namespace info for a participant without a
	// serviceAccount; it is only reported when some host exists.
	widening *diag.Finding
}

type ambientBuilder struct {
	settings     schemas.Settings
	seen         seenPorts
	names        *naming.Names
	conflicts    conflictIndex
	hosts        map[string]*AmbientHost
	plan         AmbientPlan
	participants []participant
	findings     []diag.Finding
	policies     policyIndex
}

func newAmbientBuilder(s schemas.Settings, policies policyIndex, names *naming.Names) *ambientBuilder {
	return &ambientBuilder{settings: s, names: names, seen: seenPorts{}, conflicts: conflictIndex{}, hosts: map[string]*AmbientHost{}, policies: policies}
}

// identity returns who an entry speaks for, and the info finding that names
// a namespace-wide identity.
func (b *ambientBuilder) identity(a schemas.Subject, entry *schemas.Allow, path string) (Identity, *diag.Finding) {
	ns := a.Package.Metadata.Namespace
	if entry.ServiceAccount != "" {
		return Identity{Namespace: ns, Principal: fmt.Sprintf("%s/ns/%s/sa/%s", b.settings.TrustDomain, ns, entry.ServiceAccount)}, nil
	}
	f := diag.New(diag.NamespaceIdentity, a.Ref, path,
		"%s names no serviceAccount, so every workload in namespace %q is allowed (namespace-wide source); set serviceAccount to narrow it to one identity", path, ns)
	return Identity{Namespace: ns}, &f
}

// add admits one ambient Package, or rejects it on a conflict.
func (b *ambientBuilder) add(a schemas.Subject) {
	reqs := requestsOf(a.Package)
	if f := b.policies.originationClash(a, reqs); f != nil {
		b.findings = append(b.findings, *f)
		return
	}
	if f := b.conflicts.check(a, reqs); f != nil {
		b.findings = append(b.findings, *f)
		return
	}
	id := a.ID()
	identities := map[int]Identity{}
	for i := range reqs {
		r := &reqs[i]
		ident, ok := identities[r.index]
		if !ok {
			var widening *diag.Finding
			ident, widening = b.identity(a, r.entry, r.path)
			identities[r.index] = ident
			if widening != nil {
				b.findings = append(b.findings, *widening)
			}
		}
		h := b.hosts[r.host]
		if h == nil {
			h = &AmbientHost{Host: r.host, firstPath: r.path, ref: a.Ref}
			b.hosts[r.host] = h
			b.plan.Hosts = append(b.plan.Hosts, h)
		}
		h.Ports = b.seen.add(h.Ports, schemas.ModeAmbient, h.Host, r.pp)
		h.owners = append(h.owners, request{port: r.pp.Port, id: ident, src: Source{Package: id, Entry: r.index}})
		h.Users.Add(id)
		b.plan.Users.Add(id)
	}
	for i := range a.Package.AllowEntries() {
		e := &a.Package.Spec.Network.Allow[i]
		if e.RemoteGenerated != schemas.RemoteAnywhere || e.Direction != schemas.DirectionEgress || e.RemoteProtocol == schemas.ProtocolUDP {
			continue
		}
		ident, widening := b.identity(a, e, fmt.Sprintf("spec.network.allow[%d]", i))
		b.participants = append(b.participants, participant{id: ident, ports: e.ExplicitPorts(), source: Source{Package: id, Entry: i, Anywhere: true}, widening: widening})
	}
}

// finish computes rules and names once every Package is in.
func (b *ambientBuilder) finish() (AmbientPlan, []diag.Finding) {
	var anyPort []request
	onPort := map[int][]request{}
	for _, p := range b.participants {
		if p.widening != nil && len(b.plan.Hosts) > 0 {
			b.findings = append(b.findings, *p.widening)
		}
		if p.ports == nil {
			anyPort = append(anyPort, request{id: p.id, src: p.source})
			continue
		}
		for _, port := range p.ports {
			onPort[port] = append(onPort[port], request{id: p.id, src: p.source})
		}
	}
	// The participants of a port are the same on every host: merged once
	// per port and shared (read-only) by every host's rule, so a fleet of
	// hosts x participants allocates one Access per identity and rule, not
	// a copy of each participant's sources.
	participantsByPort := map[int][]Access{}
	participantsOn := func(port int) []Access {
		if l, ok := participantsByPort[port]; ok {
			return l
		}
		l := accessesOf(sortRequests(slices.Concat(anyPort, onPort[port])))
		participantsByPort[port] = l
		return l
	}
	ns := b.settings.AmbientNamespace
	seNames := namesOf(b.names, ns, kinds.ServiceEntry)
	apNames := namesOf(b.names, ns, kinds.AuthorizationPolicy)
	for _, h := range b.plan.Hosts {
		for port, own := range byPort(h.owners) {
			h.Rules = append(h.Rules, PortRule{Port: port, own: own, participants: participantsOn(port)})
		}
		h.owners = nil // in the rules now
		h.Users.compact()
		h.ServiceEntryName = b.claim(seNames, "ambient-se-", h)
		h.PolicyName = b.claim(apNames, "ambient-ap-", h)
		if pol := b.policies[h.Host]; pol != nil {
			b.applyPolicy(h, pol)
		}
	}
	b.plan.Users.compact()
	b.findings = append(b.findings, b.policies.unused(b.hosts)...)
	return b.plan, b.findings
}

func (b *ambientBuilder) claim(r *naming.Registry, prefix string, h *AmbientHost) string {
	name, hashed := r.ClaimFor(naming.Sanitize(prefix+h.Host), "ambient host "+h.Host, h.Host)
	if hashed {
		b.findings = append(b.findings, hashedWarning(h.ref, h.firstPath+".remoteHost", h.Host, name))
	}
	return name
}

func hashedWarning(ref *diag.Ref, path, key, name string) diag.Finding {
	return diag.New(diag.NameHashed, ref, path,
		"the UDS name formula gives %q no usable name of its own (empty, too long for the kind — Istio Gateway names are at most 63 characters — or the same as another host's or selector's), so its object is named %q", key, name)
}
