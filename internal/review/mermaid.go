package review

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strings"
)

// Limits that keep a Mermaid graph readable in a pull-request comment.
// Beyond MaxIdentities the graph draws one node per namespace; beyond
// MaxNamespaces and MaxHosts the least-used namespaces and hosts are
// collapsed into one "more" node each. The graph says when it collapsed.
const (
	MaxIdentities = 60
	MaxNamespaces = 40
	MaxHosts      = 40
)

type edge struct{ from, to string }

// graph is what is drawn: sources (identities or namespaces) → hosts.
type graph struct {
	groups   map[string][]string // namespace → source nodes in it
	hosts    []string
	ports    map[edge][]int
	widening map[edge]bool
	notes    []string
}

// WriteMermaid writes a flowchart of identities → hosts, grouped by
// namespace, as a fenced block GitHub renders.
func WriteMermaid(w io.Writer, r Report) error {
	g := buildGraph(r.Grants)
	var b strings.Builder
	b.WriteString("```mermaid\nflowchart LR\n")
	for _, n := range g.notes {
		fmt.Fprintf(&b, "  %%%% %s\n", n)
	}
	if len(g.notes) > 0 {
		fmt.Fprintf(&b, "  note[\"%s\"]\n", label(strings.Join(g.notes, "; ")))
	}
	if len(r.Grants) == 0 {
		b.WriteString("  none[\"no egress grants\"]\n")
	}
	ids := map[string]string{}
	id := func(prefix, name string) string {
		if v, ok := ids[prefix+name]; ok {
			return v
		}
		v := fmt.Sprintf("%s%d", prefix, len(ids))
		ids[prefix+name] = v
		return v
	}
	namespaces := sortedKeys(g.groups)
	for _, ns := range namespaces {
		fmt.Fprintf(&b, "  subgraph %s[\"%s\"]\n", id("n", ns), label(ns))
		for _, src := range g.groups[ns] {
			fmt.Fprintf(&b, "    %s[\"%s\"]\n", id("i", src), label(src))
		}
		b.WriteString("  end\n")
	}
	for _, h := range g.hosts {
		fmt.Fprintf(&b, "  %s([\"%s\"])\n", id("h", h), label(h))
	}
	edges := make([]edge, 0, len(g.ports))
	for e := range g.ports {
		edges = append(edges, e)
	}
	slices.SortFunc(edges, func(a, b edge) int { return cmp.Or(cmp.Compare(a.from, b.from), cmp.Compare(a.to, b.to)) })
	for _, e := range edges {
		arrow := "-->"
		if g.widening[e] {
			arrow = "-.->" // namespace-wide or Anywhere
		}
		fmt.Fprintf(&b, "  %s %s|\"%s\"| %s\n", id("i", e.from), arrow, joinPorts(g.ports[e]), id("h", e.to))
	}
	b.WriteString("```\n")
	_, err := io.WriteString(w, b.String())
	return err
}

func buildGraph(gs []Grant) graph {
	identities := map[string]bool{}
	for _, gr := range gs {
		identities[gr.Identity()] = true
	}
	perNamespace := len(identities) > MaxIdentities
	node := func(gr Grant) string {
		if perNamespace {
			return gr.Namespace + " (namespace)"
		}
		return gr.Identity()
	}
	g := graph{groups: map[string][]string{}, ports: map[edge][]int{}, widening: map[edge]bool{}}
	if perNamespace {
		g.notes = append(g.notes, fmt.Sprintf("%d identities: drawn one node per namespace (limit %d)", len(identities), MaxIdentities))
	}
	keepNS := keepMost(gs, func(gr Grant) string { return gr.Namespace }, MaxNamespaces)
	keepHost := keepMost(gs, func(gr Grant) string { return gr.Host }, MaxHosts)
	moreNS, moreHosts := countDropped(gs, keepNS, func(gr Grant) string { return gr.Namespace }), countDropped(gs, keepHost, func(gr Grant) string { return gr.Host })
	if moreNS > 0 {
		g.notes = append(g.notes, fmt.Sprintf("%d namespaces with the fewest grants collapsed into one node (limit %d)", moreNS, MaxNamespaces))
	}
	if moreHosts > 0 {
		g.notes = append(g.notes, fmt.Sprintf("%d hosts with the fewest grants collapsed into one node (limit %d)", moreHosts, MaxHosts))
	}
	seenHost, seenNode := map[string]bool{}, map[string]bool{}
	for _, gr := range gs {
		ns, from, to := gr.Namespace, node(gr), gr.Host
		if !keepNS[ns] {
			ns = fmt.Sprintf("%d more namespaces", moreNS)
			from = ns
		}
		if !keepHost[to] {
			to = fmt.Sprintf("%d more hosts", moreHosts)
		}
		if !seenNode[from] {
			seenNode[from] = true
			g.groups[ns] = append(g.groups[ns], from)
		}
		if !seenHost[to] {
			seenHost[to] = true
			g.hosts = append(g.hosts, to)
		}
		e := edge{from, to}
		if !slices.Contains(g.ports[e], gr.Port) {
			g.ports[e] = append(g.ports[e], gr.Port)
		}
		g.widening[e] = g.widening[e] || gr.Widening()
	}
	for _, nodes := range g.groups {
		slices.Sort(nodes)
	}
	slices.Sort(g.hosts)
	return g
}

// keepMost returns the limit values of key with the most grants (ties by
// name); all of them when there are at most limit.
func keepMost(gs []Grant, key func(Grant) string, limit int) map[string]bool {
	n := map[string]int{}
	for _, g := range gs {
		n[key(g)]++
	}
	vals := sortedKeys(n)
	slices.SortStableFunc(vals, func(a, b string) int { return cmp.Compare(n[b], n[a]) })
	keep := map[string]bool{}
	for i, v := range vals {
		if i < limit || len(vals) <= limit {
			keep[v] = true
		}
	}
	return keep
}

func countDropped(gs []Grant, keep map[string]bool, key func(Grant) string) int {
	dropped := map[string]bool{}
	for _, g := range gs {
		if !keep[key(g)] {
			dropped[key(g)] = true
		}
	}
	return len(dropped)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func joinPorts(ports []int) string {
	slices.Sort(ports)
	s := make([]string, len(ports))
	for i, p := range ports {
		s[i] = itoa(p)
	}
	return strings.Join(s, ", ")
}

// label escapes text for a quoted Mermaid label.
func label(s string) string {
	return strings.NewReplacer(`"`, "#quot;", "<", "#lt;", ">", "#gt;").Replace(s)
}
