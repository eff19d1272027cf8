package review

import (
	"fmt"
	"slices"
	"strings"

	"github.com/uds-egress-fn/uds-egress-fn/internal/diag"
	"github.com/uds-egress-fn/uds-egress-fn/internal/effect"
	"github.com/uds-egress-fn/uds-egress-fn/schemas"
)

// Effect is the effect section of a report: every identity × endpoint the
// objects and the Packages name, decided from the objects alone.
type Effect struct {
	// Identities and Endpoints are the matrix's axes.
	Identities []effect.Identity `json:"identities"`
	Endpoints  []effect.Endpoint `json:"endpoints"`
	// Cells is the matrix, sparse (effect.Model.Matrix says which pairs are
	// listed and what an unlisted one is), sorted by host, port, protocol,
	// namespace, serviceAccount, labels.
	Cells []effect.Cell `json:"cells"`
	// Unmodelled lists what the model does not evaluate.
	Unmodelled []effect.Unmodelled `json:"unmodelled"`
	effectOnly bool
}

// model builds the effect model of an analysis (nil when it has no objects).
func (s Side) model(mut effect.Mutation) *effect.Model {
	objects := s.effectObjects()
	if objects == nil {
		return nil
	}
	m := effect.NewFromBoth(objects, effect.Options{TrustDomain: s.Out.Settings.TrustDomain, Modes: s.modes, Mutation: mut})
	if m.Empty() && len(m.Unmodelled) == 0 {
		return nil
	}
	return m
}

// intentIdentities and intentEndpoints are what the grants name.
func intentIdentities(gs []Grant) []effect.Identity {
	var out []effect.Identity
	for _, g := range gs {
		if g.Mode == schemas.ModeSidecar {
			out = append(out, effect.Identity{Namespace: g.Namespace, Labels: g.Selector, Mode: effect.Sidecar},
				effect.Identity{Namespace: g.Namespace, Mode: effect.Sidecar})
			continue
		}
		out = append(out, effect.Identity{Namespace: g.Namespace, ServiceAccount: g.ServiceAccount, Mode: effect.Ambient})
	}
	return out
}

func intentEndpoints(gs []Grant) []effect.Endpoint {
	var out []effect.Endpoint
	for _, g := range gs {
		out = append(out, effect.Endpoint{Host: g.Host, Port: g.Port, Protocol: g.Protocol})
	}
	return out
}

// computeEffect fills the report's effect section and, when the input
// holds Packages, compares it with the grants (effect-differs).
func computeEffect(a Side, r *Report, mut effect.Mutation) {
	m := a.model(mut)
	if m == nil {
		return
	}
	ids := m.Identities(intentIdentities(r.Grants))
	eps := m.Endpoints(intentEndpoints(r.Grants))
	want := map[effect.Endpoint][]effect.Identity{}
	for _, g := range r.Grants {
		ep := effect.Endpoint{Host: g.Host, Port: g.Port, Protocol: g.Protocol}
		want[ep] = append(want[ep], intentIdentities([]Grant{g})...)
	}
	e := &Effect{Identities: ids, Endpoints: eps, Cells: m.Matrix(ids, eps, want), Unmodelled: m.Unmodelled}
	for i := range e.Cells {
		// The objects and fields say it; the reasons are can-i's (and the
		// report's size grows with the cells).
		for j := range e.Cells[i].AllowedBy {
			if e.Cells[i].AllowedBy[j].Object.Kind != "" {
				e.Cells[i].AllowedBy[j].Reason = ""
			}
		}
	}
	if e.Unmodelled == nil {
		e.Unmodelled = []effect.Unmodelled{}
	}
	r.Effect = e
	var fs []diag.Finding
	for _, u := range m.Unmodelled {
		fs = append(fs, diag.Finding{Severity: diag.Warning, Code: diag.EffectUnmodelled, Scope: diag.ScopeObject,
			Subject: &diag.Ref{Kind: u.Object.Kind, Namespace: u.Object.Namespace, Name: u.Object.Name}, Path: u.Field,
			Message: u.Why})
	}
	if a.hasPackages {
		fs = append(fs, differs(r.Grants, e.Cells)...)
	}
	r.Results = append(r.Results, results(fs)...)
}

// intentFor is what the grants say about one identity and endpoint: allowed,
// the HTTP restriction ("" none), and whether the Packages put the pod
// under a REGISTRY_ONLY Sidecar (sidecar mode; always true in ambient).
func intentFor(byNS map[string][]Grant, id effect.Identity, ep effect.Endpoint) (allowed bool, http []string, registryOnly bool, sources []string) {
	registryOnly = id.Mode != effect.Sidecar
	unrestricted := false
	for _, g := range byNS[id.Namespace] {
		if id.Mode == effect.Sidecar {
			if g.Mode != schemas.ModeSidecar {
				continue
			}
			if selects(g.Selector, id.Labels) {
				registryOnly = true
			}
		} else if g.Mode != schemas.ModeAmbient || g.ServiceAccount != "" && g.ServiceAccount != id.ServiceAccount {
			continue
		}
		if g.Host != ep.Host || g.Port != ep.Port || g.Protocol != ep.Protocol {
			continue
		}
		if id.Mode == effect.Sidecar && g.Reach != ReachNamespace && !selects(g.Selector, id.Labels) {
			// A selector-reach grant for other pods: the pod gets it only
			// when no Sidecar of the Package picks it (checked below).
			sources = append(sources, "")
			continue
		}
		allowed = true
		sources = append(sources, g.Sources...)
		if len(g.HTTP) == 0 {
			unrestricted = true
		}
		for _, h := range g.HTTP {
			if len(h.Methods)+len(h.Paths) == 0 {
				unrestricted = true // a rule that allows any request
			}
			http = append(http, h.String())
		}
	}
	if id.Mode == effect.Sidecar && !allowed && !registryOnly && slices.Contains(sources, "") {
		allowed = true
	}
	sources = slices.DeleteFunc(sources, func(s string) bool { return s == "" })
	if unrestricted {
		http = nil
	}
	slices.Sort(http)
	return allowed, slices.Compact(http), registryOnly, sources
}

func grantsByNamespace(gs []Grant) map[string][]Grant {
	out := map[string][]Grant{}
	for _, g := range gs {
		out[g.Namespace] = append(out[g.Namespace], g)
	}
	return out
}

func selects(sel, labels map[string]string) bool {
	for k, v := range sel {
		if labels[k] != v {
			return false
		}
	}
	return true
}

// IdentityText names an identity for people: "team-a/sa/app", "team-a
// (any service account)", "team-b {app=web}", "team-b (pods no Sidecar
// selector picks)", "* (any other namespace)".
func IdentityText(id effect.Identity) string {
	switch {
	case id.Namespace == effect.Other:
		return "* (any other namespace)"
	case id.Mode == effect.Sidecar && len(id.Labels) > 0:
		return id.Namespace + " {" + effect.LabelsText(id.Labels) + "}"
	case id.Mode == effect.Sidecar:
		return id.Namespace + " (pods no Sidecar selector picks)"
	case id.ServiceAccount == effect.Other || id.ServiceAccount == "":
		return id.Namespace + " (any other service account)"
	}
	return id.Namespace + "/sa/" + id.ServiceAccount
}

func effectHTTP(d effect.Decision) []string {
	if d.Verdict != effect.Some {
		return nil
	}
	var out []string
	for _, h := range d.HTTP {
		out = append(out, h.String())
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func becauseText(bs []effect.Because) string {
	var parts []string
	for _, b := range bs {
		if b.Object.Kind == "" {
			continue
		}
		s := b.Object.String()
		if b.Field != "" {
			s += " " + b.Field
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, ", ")
}

// differs compares intent (the grants) and effect (the cells).
func differs(grants []Grant, cells []effect.Cell) []diag.Finding {
	gs := grantsByNamespace(grants)
	var out []diag.Finding
	for _, c := range cells {
		if c.Verdict == effect.Unknown {
			continue
		}
		if c.Endpoint == effect.AnyHost {
			// A pod that reaches any host: a difference when the Packages
			// put it under a REGISTRY_ONLY Sidecar.
			if _, _, registryOnly, _ := intentFor(gs, c.Identity, c.Endpoint); registryOnly && c.Identity.Mode == effect.Sidecar {
				out = append(out, diag.New(diag.EffectDiffers, nil, "", "%s can reach any host (%s: %s), but its Package puts it under a REGISTRY_ONLY Sidecar",
					IdentityText(c.Identity), c.Route, orText(becauseText(c.AllowedBy), "the mesh default")))
			}
			continue
		}
		allowed, http, _, sources := intentFor(gs, c.Identity, c.Endpoint)
		ep := fmt.Sprintf("%s:%d (%s)", c.Host, c.Port, c.Protocol)
		who := IdentityText(c.Identity)
		switch {
		case c.Allowed() && !allowed:
			out = append(out, diag.New(diag.EffectDiffers, nil, "", "%s can reach %s through %s (%s), but no Package asks for it",
				who, ep, orText(becauseText(c.AllowedBy), "the mesh default"), c.Route))
		case !c.Allowed() && allowed:
			blocker := "nothing routes it"
			if c.BlockedBy != nil {
				blocker = c.BlockedBy.String()
			}
			out = append(out, diag.New(diag.EffectDiffers, nil, "", "%s cannot reach %s (%s), but %s asks for it",
				who, ep, blocker, strings.Join(sources, ", ")))
		case c.Allowed() && allowed && strings.Join(http, "; ") != strings.Join(effectHTTP(c.Decision), "; "):
			out = append(out, diag.New(diag.EffectDiffers, nil, "", "%s reaches %s for %s through %s, but %s asks for %s",
				who, ep, orText(strings.Join(effectHTTP(c.Decision), "; "), "any request"), becauseText(c.AllowedBy),
				strings.Join(sources, ", "), orText(strings.Join(http, "; "), "any request")))
		}
	}
	return out
}

func orText(s, alt string) string {
	if s == "" {
		return alt
	}
	return s
}

// EffectGrant is one allowed cell of the effect, for people and diffs.
type EffectGrant struct {
	Identity  string   `json:"identity"`
	Host      string   `json:"host"`
	Port      int      `json:"port"`
	Protocol  string   `json:"protocol"`
	Route     string   `json:"route"`
	HTTP      []string `json:"http,omitempty"`
	AllowedBy []string `json:"allowedBy"`
}

func (g EffectGrant) key() string {
	return fmt.Sprintf("%s|%s|%d|%s", g.Identity, g.Host, g.Port, g.Protocol)
}

// Grants lists the allowed cells.
func (e *Effect) Grants() []EffectGrant {
	if e == nil {
		return nil
	}
	var out []EffectGrant
	for _, c := range e.Cells {
		if !c.Allowed() {
			continue
		}
		g := EffectGrant{Identity: IdentityText(c.Identity), Host: c.Host, Port: c.Port, Protocol: c.Protocol, Route: c.Route, HTTP: effectHTTP(c.Decision), AllowedBy: []string{}}
		for _, b := range c.AllowedBy {
			g.AllowedBy = append(g.AllowedBy, b.String())
		}
		out = append(out, g)
	}
	return out
}

// EffectDiff is what the objects of HEAD allow that those of BASE do not
// (added), the reverse (removed), and cells whose route or HTTP
// restriction changed.
type EffectDiff struct {
	Added   []EffectGrant  `json:"added"`
	Removed []EffectGrant  `json:"removed"`
	Changed []EffectChange `json:"changed"`
}

// EffectChange is a cell allowed on both sides, differently.
type EffectChange struct {
	Before EffectGrant `json:"before"`
	After  EffectGrant `json:"after"`
}

func newEffectDiff(base, head *Effect) *EffectDiff {
	d := &EffectDiff{Added: []EffectGrant{}, Removed: []EffectGrant{}, Changed: []EffectChange{}}
	before := map[string]EffectGrant{}
	for _, g := range base.Grants() {
		before[g.key()] = g
	}
	seen := map[string]bool{}
	for _, g := range head.Grants() {
		seen[g.key()] = true
		old, ok := before[g.key()]
		switch {
		case !ok:
			d.Added = append(d.Added, g)
		case old.Route != g.Route || strings.Join(old.HTTP, ";") != strings.Join(g.HTTP, ";"):
			d.Changed = append(d.Changed, EffectChange{Before: old, After: g})
		}
	}
	for _, g := range base.Grants() {
		if !seen[g.key()] {
			d.Removed = append(d.Removed, g)
		}
	}
	return d
}

func (d *EffectDiff) empty() bool {
	return d == nil || len(d.Added)+len(d.Removed)+len(d.Changed) == 0
}

func effectProtocol(g EffectGrant) string {
	if len(g.HTTP) == 0 {
		return g.Protocol
	}
	return g.Protocol + " (" + strings.Join(g.HTTP, "; ") + ")"
}

func writeEffectTable(b *strings.Builder, gs []EffectGrant) {
	b.WriteString("| identity | host:port | protocol | route | allowed by |\n|---|---|---|---|---|\n")
	for _, g := range gs {
		ep := fmt.Sprintf("%s:%d", g.Host, g.Port)
		if g.Host == effect.AnyHost.Host {
			ep = "any host"
		}
		fmt.Fprintf(b, "| `%s` | `%s` | %s | %s | %s |\n", g.Identity, ep, effectProtocol(g), g.Route, strings.Join(g.AllowedBy, "<br>"))
	}
	b.WriteString("\n")
}
