package plan

import (
	"fmt"
	"slices"
	"strings"

	"github.com/uds-egress-fn/uds-egress-fn/generators/kinds"
	"github.com/uds-egress-fn/uds-egress-fn/internal/diag"
	"github.com/uds-egress-fn/uds-egress-fn/schemas"
)

// policyIndex maps a host to its policy from the config (ambient only).
type policyIndex map[string]*policyState

// policyState is a host policy and what planning found out about it.
type policyState struct {
	*schemas.HostPolicy
	// sidecarAsked is set when a sidecar Package was rejected for asking
	// for the host (then "unused" would only repeat that).
	sidecarAsked bool
}

func newPolicyIndex(hosts []schemas.HostPolicy) policyIndex {
	idx := policyIndex{}
	for i := range hosts {
		h := &hosts[i]
		if _, dup := idx[h.Host]; !dup && h.Host != "" {
			idx[h.Host] = &policyState{HostPolicy: h}
		}
	}
	return idx
}

// finding is about the functionConfig, at a path inside the policy.
func (p *policyState) finding(code diag.Code, field, format string, args ...any) diag.Finding {
	path := p.Path
	if field != "" {
		path += "." + field
	}
	f := diag.New(code, p.Subject, path, format, args...)
	f.Scope = diag.ScopeConfig
	f.Message = "functionConfig: " + f.Message
	return f
}

// sidecarClash rejects a sidecar-mode Package that asks for a host with a
// policy: the policies are implemented at the ambient waypoint only, and
// generating the sidecar egress without them would quietly bypass them.
func (idx policyIndex) sidecarClash(a schemas.Subject) *diag.Finding {
	if len(idx) == 0 {
		return nil
	}
	for _, r := range requestsOf(a.Package) {
		if p := idx[r.host]; p != nil {
			p.sidecarAsked = true
			f := p.finding(diag.HostPolicySidecar, "host",
				"Package %s is in sidecar mode and asks for %s (%s.remoteHost), which has a host policy; host policies are ambient-only, so the Package is rejected rather than given egress without them: move the Package to ambient mode (spec.network.serviceMesh.mode: ambient) or remove the policy",
				a.ID(), r.host, r.path)
			return &f
		}
	}
	return nil
}

// originationClash rejects an ambient Package that asks for a host's
// tlsOrigination port with TLS: the client speaks plain HTTP on that port.
func (idx policyIndex) originationClash(a schemas.Subject, reqs []hostRequest) *diag.Finding {
	if len(idx) == 0 {
		return nil
	}
	for _, r := range reqs {
		p := idx[r.host]
		if p == nil {
			continue
		}
		o := p.Origination()
		if o == nil || o.Port != r.pp.Port || r.pp.Protocol == schemas.ProtocolHTTP {
			continue
		}
		f := p.finding(diag.HostPolicyPortClash, "tlsOrigination.port",
			"Package %s asks for %s:%d with %s (%s), but tlsOrigination makes port %d plain HTTP from the client (the waypoint opens TLS to port %d); the Package is rejected: ask for port %d with remoteProtocol HTTP, or for port %d with TLS (passthrough)",
			a.ID(), r.host, r.pp.Port, protocolOf(r), r.path, o.Port, o.TargetPort, o.Port, o.TargetPort)
		return &f
	}
	return nil
}

// unused warns about policies for hosts no ambient Package asks for.
func (idx policyIndex) unused(hosts map[string]*AmbientHost) []diag.Finding {
	var out []diag.Finding
	for _, p := range idx.ordered() {
		if hosts[p.Host] == nil && !p.sidecarAsked {
			out = append(out, p.finding(diag.HostPolicyUnused, "host",
				"no ambient Package asks for %s, so its host policy generates nothing; check the host name, or remove the policy", p.Host))
		}
	}
	return out
}

// ordered returns the policies in config order.
func (idx policyIndex) ordered() []*policyState {
	out := make([]*policyState, 0, len(idx))
	for _, p := range idx {
		out = append(out, p)
	}
	slices.SortFunc(out, func(a, b *policyState) int { return strings.Compare(a.Path, b.Path) })
	// Paths are spec.hosts[N]; sort numerically.
	slices.SortStableFunc(out, func(a, b *policyState) int { return len(a.Path) - len(b.Path) })
	return out
}

// applyPolicy adds a host's policy to its plan: the TLS origination port,
// the request headers, and the HTTP rules in place of the plain port rules
// on its HTTP ports.
func (b *ambientBuilder) applyPolicy(h *AmbientHost, p *policyState) {
	h.Policy = p.HostPolicy
	if o := p.Origination(); o != nil {
		i := slices.IndexFunc(h.Ports, func(pp PortProtocol) bool {
			return pp.Port == o.Port && pp.Protocol == schemas.ProtocolHTTP
		})
		if i < 0 {
			b.findings = append(b.findings, p.finding(diag.HostPolicyUnused, "tlsOrigination.port",
				"no ambient Package asks for %s:%d with remoteProtocol HTTP, so there is no TLS origination for it (ports asked for: %s); ask for port %d with HTTP, or set tlsOrigination.port to the HTTP port the clients use",
				h.Host, o.Port, describePorts(h.Ports), o.Port))
		} else {
			h.Ports[i].TargetPort = o.TargetPort
			h.Origination = o
			drNames := namesOf(b.names, b.settings.AmbientNamespace, kinds.DestinationRule)
			h.DestinationRuleName = b.claim(drNames, "ambient-dr-", h)
		}
	}
	if !p.HasL7() {
		return
	}
	httpPorts := map[int]bool{}
	for _, pp := range h.Ports {
		if pp.Protocol == schemas.ProtocolHTTP {
			httpPorts[pp.Port] = true
		}
	}
	if len(httpPorts) == 0 {
		field := "http"
		if !p.RequestHeaders.Empty() {
			field = "requestHeaders"
		}
		b.findings = append(b.findings, p.finding(diag.HostPolicyNeedsHTTP, field,
			"%s is asked for only with TLS (ports: %s): the waypoint passes TLS through and cannot see methods, paths or headers, so the policy's requestHeaders and http rules are not generated; let the Packages ask for an HTTP port (remoteProtocol: HTTP, port: 80) and set tlsOrigination so the waypoint opens TLS to the host",
			h.Host, describePorts(h.Ports)))
		return
	}
	if !p.RequestHeaders.Empty() {
		h.Headers = p.RequestHeaders
		vsNames := namesOf(b.names, b.settings.AmbientNamespace, kinds.VirtualService)
		h.VirtualServiceName = b.claim(vsNames, "ambient-vs-", h)
	}
	if len(p.HTTP) == 0 {
		return
	}
	used := make([]bool, len(p.HTTP))
	var rules []PortRule
	for _, pr := range h.Rules {
		if !httpPorts[pr.Port] {
			rules = append(rules, pr)
			continue
		}
		covered := map[Identity]bool{}
		for j, rule := range p.HTTP {
			var access []Access
			for _, a := range pr.Access() {
				if b.covers(rule.From, a.Identity) {
					access = append(access, a)
					covered[a.Identity] = true
				}
			}
			if len(access) == 0 {
				continue
			}
			used[j] = true
			rules = append(rules, PortRule{Port: pr.Port, own: access, HTTP: true, Methods: rule.Methods, Paths: rule.Paths})
		}
		for _, a := range pr.Access() {
			if covered[a.Identity] {
				continue
			}
			b.findings = append(b.findings, p.finding(diag.HostPolicyUncovered, "http",
				"%s is granted %s:%d by %s, but no http rule of the host policy covers it, so it gets no access on that port; add it to a rule's from (or leave from out of a rule to cover every identity)",
				a.Identity, h.Host, pr.Port, describeSources(a.Sources)))
		}
	}
	h.Rules = rules
	for j, u := range used {
		if !u {
			b.findings = append(b.findings, p.finding(diag.HostPolicyUnused, fmt.Sprintf("http[%d].from", j),
				"http[%d] covers none of the identities granted %s on its HTTP ports, so it allows nothing; check the namespaces and serviceAccounts in from",
				j, h.Host))
		}
	}
}

func describeSources(srcs []Source) string {
	parts := make([]string, len(srcs))
	for i, s := range srcs {
		parts[i] = "Package " + s.String()
		if s.Anywhere {
			parts[i] += " (remoteGenerated: Anywhere)"
		}
	}
	return strings.Join(parts, " and ")
}

// covers reports whether an http rule's from covers an identity. No from
// covers everyone; namespaces cover every identity of the namespace (its
// ServiceAccounts and the namespace-wide grant); serviceAccounts cover that
// principal only — never a namespace-wide grant, which is wider.
func (b *ambientBuilder) covers(from *schemas.HTTPFrom, id Identity) bool {
	if from == nil {
		return true
	}
	if slices.Contains(from.Namespaces, id.Namespace) {
		return true
	}
	account := id.ServiceAccount()
	if account == "" {
		return false
	}
	for _, sa := range from.ServiceAccounts {
		if ns, name, _ := strings.Cut(sa, "/"); ns == id.Namespace && name == account {
			return true
		}
	}
	return false
}

// String names an identity in messages.
func (id Identity) String() string {
	if id.Principal != "" {
		return "principal " + id.Principal
	}
	return fmt.Sprintf("namespace %s (every workload in it)", id.Namespace)
}

func describePorts(ports []PortProtocol) string {
	parts := make([]string, len(ports))
	for i, pp := range ports {
		parts[i] = fmt.Sprintf("%d/%s", pp.Port, pp.Protocol)
	}
	return strings.Join(parts, ", ")
}
