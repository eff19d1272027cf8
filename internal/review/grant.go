package review

import (
	"cmp"
	"slices"
	"strings"

	"github.com/uds-egress-fn/uds-egress-fn/generators/plan"
	"github.com/uds-egress-fn/uds-egress-fn/schemas"
)

// Grant is one identity's access to one port of one external host.
type Grant struct {
	Mode      string `json:"mode"` // schemas.ModeAmbient or schemas.ModeSidecar
	Namespace string `json:"namespace"`
	// ServiceAccount is empty when the whole namespace may connect.
	ServiceAccount string `json:"serviceAccount"`
	// Selector is the workload selector of a sidecar-mode entry ({} = every
	// pod of the namespace); absent in ambient mode.
	Selector map[string]string `json:"selector,omitzero"`
	// Reach is who can use a sidecar-mode grant as Istio computes it:
	// ReachNamespace (every pod of the namespace: the entry has no selector,
	// or sidecarScope is namespace, where the Package's ServiceEntries are
	// exported to the namespace and its Sidecars import everything visible)
	// or ReachSelector (only the pods the selector picks: sidecarScope
	// workload). Absent in ambient mode.
	Reach    string `json:"reach,omitzero"`
	Host     string `json:"host"`
	Port     int    `json:"port"`
	Protocol string `json:"protocol"`
	// Anywhere is true when a remoteGenerated: Anywhere participant gives
	// the access.
	Anywhere bool `json:"anywhere"`
	// Sources are "<ns>/<package> spec.network.allow[i]".
	Sources []string `json:"sources"`
	// HTTP lists, when the host's policy in the EgressConfig (spec.hosts)
	// restricts this HTTP port, the methods and paths each covering http
	// rule allows; absent when the port is not restricted.
	HTTP []HTTPAllow `json:"http,omitempty"`
}

// HTTPAllow is what one http rule of a host policy allows a grant: the
// methods and paths (empty: any).
type HTTPAllow struct {
	Methods []string `json:"methods,omitempty"`
	Paths   []string `json:"paths,omitempty"`
}

// String is "GET,HEAD /get /status/*", "any method /x" or "GET any path".
func (a HTTPAllow) String() string {
	m, p := "any method", "any path"
	if len(a.Methods) > 0 {
		m = strings.Join(a.Methods, ",")
	}
	if len(a.Paths) > 0 {
		p = strings.Join(a.Paths, " ")
	}
	return m + " " + p
}

// HTTPText is the L7 restriction of a grant for people ("" when none).
func (g Grant) HTTPText() string {
	parts := make([]string, len(g.HTTP))
	for i, a := range g.HTTP {
		parts[i] = a.String()
	}
	return strings.Join(parts, "; ")
}

// Reaches of a sidecar-mode grant, as the plan decides them.
const (
	ReachNamespace = string(plan.ReachNamespace)
	ReachSelector  = string(plan.ReachSelector)
)

// NamespaceWide reports whether every workload of the namespace may use
// the grant as Istio computes it: an ambient grant without a
// ServiceAccount, or a sidecar grant that reaches the namespace (no
// selector, or sidecarScope namespace). A sidecar grant without Reach (a
// hand-made one) is judged by its selector.
func (g Grant) NamespaceWide() bool {
	if g.Mode == schemas.ModeSidecar {
		return len(g.Selector) == 0 || g.Reach == ReachNamespace
	}
	return g.ServiceAccount == ""
}

// scopeWidened reports a sidecar grant written for some pods that every pod
// of the namespace can use (sidecarScope: namespace).
func (g Grant) scopeWidened() bool {
	return g.Mode == schemas.ModeSidecar && len(g.Selector) > 0 && g.Reach == ReachNamespace
}

// Widening reports whether the grant reaches beyond one named workload.
func (g Grant) Widening() bool { return g.NamespaceWide() || g.Anywhere }

// Identity names who may connect, for people: "team-a/sa/exporter",
// "team-a (namespace-wide)", "team-b {app=web}" or "team-b (all pods)".
func (g Grant) Identity() string {
	switch {
	case g.Mode == schemas.ModeSidecar && len(g.Selector) == 0:
		return g.Namespace + " (all pods)"
	case g.scopeWidened():
		return g.Namespace + " (all pods; asked for {" + selectorText(g.Selector) + "})"
	case g.Mode == schemas.ModeSidecar:
		return g.Namespace + " {" + selectorText(g.Selector) + "}"
	case g.ServiceAccount == "":
		return g.Namespace + " (namespace-wide)"
	}
	return g.Namespace + "/sa/" + g.ServiceAccount
}

// identityKey identifies who may connect, across modes.
func (g Grant) identityKey() string {
	return g.Mode + "|" + g.Namespace + "|" + g.ServiceAccount + "|" + selectorText(g.Selector)
}

// key identifies the grant: identity and host:port.
func (g Grant) key() string {
	return g.identityKey() + "|" + g.Host + "|" + itoa(g.Port)
}

// Endpoint is "host:port".
func (g Grant) Endpoint() string { return g.Host + ":" + itoa(g.Port) }

// selectorText spells a grant's selector as schemas.Labels.Canonical does
// ("k=v,k2=v2"): the one spelling of a selector.
func selectorText(sel map[string]string) string {
	l := make(schemas.Labels, 0, len(sel))
	for k, v := range sel {
		l = append(l, schemas.Label{Key: k, Value: v})
	}
	return l.Canonical()
}

// Grants lists the access a plan gives, sorted by host, port, namespace,
// serviceAccount (then mode and selector, so the order is total).
func Grants(p plan.Plan) []Grant {
	var out []Grant
	for _, h := range p.Ambient.Hosts {
		protocols := map[int]string{}
		for _, pp := range h.Ports {
			protocols[pp.Port] = pp.Protocol
		}
		// With http rules in the host's policy one identity can have several
		// rules on a port: one grant, listing what each rule allows.
		seen := map[string]int{}
		for r := range h.Rules {
			rule := &h.Rules[r]
			access := rule.Access()
			for j := range access {
				g := ambientGrant(h.Host, rule.Port, protocols[rule.Port], &access[j])
				allow := HTTPAllow{Methods: rule.Methods, Paths: rule.Paths}
				if i, ok := seen[g.key()]; ok && rule.HTTP {
					out[i].HTTP = append(out[i].HTTP, allow)
					continue
				}
				if rule.HTTP {
					g.HTTP = []HTTPAllow{allow}
				}
				seen[g.key()] = len(out)
				out = append(out, g)
			}
		}
	}
	for _, pkg := range p.Sidecar.Packages {
		for _, se := range pkg.ServiceEntries {
			for j := range se.Access {
				out = append(out, sidecarGrant(pkg, se.Host, &se.Access[j]))
			}
		}
	}
	sortGrants(out)
	return out
}

// ambientGrant is the grant of an ambient access to host:port.
func ambientGrant(host string, port int, protocol string, a *plan.Access) Grant {
	return Grant{
		Mode: schemas.ModeAmbient, Namespace: a.Identity.Namespace, ServiceAccount: a.Identity.ServiceAccount(),
		Host: host, Port: port, Protocol: protocol,
		Anywhere: a.Anywhere, Sources: sourceStrings(a.Sources),
	}
}

// sidecarGrant is the grant of a sidecar Package's access to host.
func sidecarGrant(pkg *plan.SidecarPackage, host string, a *plan.SidecarAccess) Grant {
	return Grant{
		Mode: schemas.ModeSidecar, Namespace: pkg.ID.Namespace,
		Selector: selectorMap(a.Selector), Reach: string(a.Reach),
		Host: host, Port: a.Port.Port, Protocol: a.Port.Protocol,
		Sources: sourceStrings(a.Sources),
	}
}

func sortGrants(gs []Grant) { slices.SortFunc(gs, compareGrants) }

// compareGrants orders grants by host, port, namespace, serviceAccount,
// mode and selector.
func compareGrants(a, b Grant) int {
	return cmp.Or(
		cmp.Compare(a.Host, b.Host),
		cmp.Compare(a.Port, b.Port),
		cmp.Compare(a.Namespace, b.Namespace),
		cmp.Compare(a.ServiceAccount, b.ServiceAccount),
		cmp.Compare(a.Mode, b.Mode),
		cmp.Compare(selectorText(a.Selector), selectorText(b.Selector)))
}

func sourceStrings(srcs []plan.Source) []string {
	out := make([]string, len(srcs))
	for i, s := range srcs {
		out[i] = s.String()
	}
	return out
}

// selectorMap returns the selector as a map; an absent selector is the
// empty map (every pod).
func selectorMap(l schemas.Labels) map[string]string {
	if l == nil {
		return map[string]string{}
	}
	return l.Map()
}
