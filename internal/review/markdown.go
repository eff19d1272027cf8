package review

import (
	"fmt"
	"io"
	"strings"
)

// maxWidenings bounds the widening table of a Markdown report; the JSON
// output always has everything.
const maxWidenings = 50

// WriteReportMarkdown writes a report for a pull-request comment: a summary
// line, the widenings, a table per host, and the error and warning results.
func WriteReportMarkdown(w io.Writer, r Report) error {
	var b strings.Builder
	s := Summarize(r.Grants)
	b.WriteString("### Egress access report\n\n")
	if r.effectOnly() {
		fmt.Fprintf(&b, "Results: %s.\n\n", resultCounts(r.Results))
	} else {
		fmt.Fprintf(&b, "**%s** may reach **%s** (%s): **%s**, **%s**. Results: %s.\n\n",
			plural(s.Identities, "identity", "identities"), plural(s.Hosts, "host", "hosts"), plural(s.Grants, "grant", "grants"),
			plural(s.NamespaceWide, "namespace-wide grant", "namespace-wide grants"),
			plural(s.Anywhere, "grant through an Anywhere participant", "grants through Anywhere participants"),
			resultCounts(r.Results))
	}
	writeErrorNote(&b, count(r.Results, "error"), "the input")
	if r.effectOnly() {
		gs := r.Effect.Grants()
		fmt.Fprintf(&b, "The input holds no Package: this is the effect of its objects as Istio applies them (%s allowed).\n\n", plural(len(gs), "connection", "connections"))
		writeEffectTable(&b, gs)
	} else if len(r.Grants) == 0 {
		b.WriteString("No identity may reach an external host.\n\n")
	}
	writeWidenings(&b, r.Grants)
	for _, host := range hostGroups(r.Grants) {
		fmt.Fprintf(&b, "#### `%s`\n\n", host[0].Host)
		b.WriteString("| port | protocol | mode | identity | widening | sources |\n|---:|---|---|---|---|---|\n")
		for _, g := range host {
			fmt.Fprintf(&b, "| %d | %s | %s | `%s` | %s | %s |\n", g.Port, protocolText(g), g.Mode, g.Identity(), widening(g), sources(g.Sources))
		}
		b.WriteString("\n")
	}
	writeResults(&b, "Results", problems(r.Results))
	if n := len(r.Results) - len(problems(r.Results)); n > 0 {
		fmt.Fprintf(&b, "Info results (namespace-wide identities and the like): %d, listed by `--format json`.\n", n)
	}
	_, err := io.WriteString(w, strings.TrimRight(b.String(), "\n")+"\n")
	return err
}

// WriteDiffMarkdown writes a diff for a pull-request comment, added access
// first.
func WriteDiffMarkdown(w io.Writer, d Diff) error {
	var b strings.Builder
	b.WriteString("### Egress access diff\n\n")
	switch {
	case d.Empty() && d.Errors() > 0:
		// Never "no change" over an input with errors (an edited policy
		// is an object-drift error): the grants read from the Packages
		// may not be what gets applied.
		b.WriteString("**No change in the grants the Packages give, but the input has errors**: what gets applied may differ from them (see the results below).\n\n")
	case d.Empty():
		b.WriteString("**No change in egress access.**\n\n")
	default:
		widenings := 0
		for _, g := range d.Added {
			if g.Widening() {
				widenings++
			}
		}
		fmt.Fprintf(&b, "**%s added** (%s), **%s removed**, **%s changed**.\n\n",
			plural(len(d.Added), "grant", "grants"), plural(widenings, "widening", "widenings"),
			plural(len(d.Removed), "grant", "grants"), plural(len(d.Changed), "grant", "grants"))
	}
	writeErrorNote(&b, count(d.Results.Head, "error"), "the head")
	writeErrorNote(&b, count(d.Results.Base, "error"), "the base")
	if len(d.Added) > 0 {
		b.WriteString("#### Added\n\n")
		writeGrantTable(&b, d.Added)
	}
	if len(d.Changed) > 0 {
		b.WriteString("#### Changed\n\n| identity | host:port | before | after |\n|---|---|---|---|\n")
		for _, c := range d.Changed {
			fmt.Fprintf(&b, "| `%s` | `%s` | %s | %s |\n", c.After.Identity(), c.After.Endpoint(), grantState(c.Before), grantState(c.After))
		}
		b.WriteString("\n")
	}
	if len(d.Removed) > 0 {
		b.WriteString("#### Removed\n\n")
		writeGrantTable(&b, d.Removed)
	}
	if !d.Effect.empty() {
		fmt.Fprintf(&b, "#### Effect of the objects\n\n**%s allowed only in the head, %s only in the base, %s changed.**\n\n",
			plural(len(d.Effect.Added), "connection", "connections"), plural(len(d.Effect.Removed), "connection", "connections"), plural(len(d.Effect.Changed), "connection", "connections"))
		if len(d.Effect.Added) > 0 {
			b.WriteString("Only in the head:\n\n")
			writeEffectTable(&b, d.Effect.Added)
		}
		if len(d.Effect.Removed) > 0 {
			b.WriteString("Only in the base:\n\n")
			writeEffectTable(&b, d.Effect.Removed)
		}
		if len(d.Effect.Changed) > 0 {
			b.WriteString("Changed (base, then head):\n\n")
			var gs []EffectGrant
			for _, c := range d.Effect.Changed {
				gs = append(gs, c.Before, c.After)
			}
			writeEffectTable(&b, gs)
		}
	}
	shown, known := newInHead(d.Results)
	writeResults(&b, "Results of the head", shown)
	if known > 0 {
		fmt.Fprintf(&b, "Warnings the base has too: %d, not repeated here (`--format json` lists them).\n", known)
	}
	_, err := io.WriteString(w, strings.TrimRight(b.String(), "\n")+"\n")
	return err
}

// newInHead returns the head's errors and the warnings the base does not
// have, and how many warnings were left out: a pull-request comment shows
// what the change brings.
func newInHead(rs DiffResults) ([]Result, int) {
	inBase := map[Result]bool{}
	for _, r := range rs.Base {
		inBase[r] = true
	}
	var shown []Result
	known := 0
	for _, r := range rs.Head {
		if r.Severity == "warning" && inBase[r] {
			known++
			continue
		}
		shown = append(shown, r)
	}
	return shown, known
}

func writeGrantTable(b *strings.Builder, gs []Grant) {
	b.WriteString("| identity | host:port | protocol | mode | widening | sources |\n|---|---|---|---|---|---|\n")
	for _, g := range gs {
		fmt.Fprintf(b, "| `%s` | `%s` | %s | %s | %s | %s |\n", g.Identity(), g.Endpoint(), protocolText(g), g.Mode, widening(g), sources(g.Sources))
	}
	b.WriteString("\n")
}

// protocolText is the protocol, with the methods and paths a host policy
// allows on the port: "HTTP (GET /get; POST /post)".
func protocolText(g Grant) string {
	if len(g.HTTP) == 0 {
		return g.Protocol
	}
	return g.Protocol + " (" + strings.ReplaceAll(g.HTTPText(), "|", "\\|") + ")"
}

// grantState is what can change about a grant.
func grantState(g Grant) string {
	s := protocolText(g)
	if g.Anywhere {
		s += ", **Anywhere**"
	}
	return s + "; " + sources(g.Sources)
}

func writeErrorNote(b *strings.Builder, errors int, what string) {
	if errors == 0 {
		return
	}
	fmt.Fprintf(b, "> [!CAUTION]\n> %s has %s: the Packages they name grant nothing here, and the command exits 1. See the results below.\n\n",
		capitalize(what), plural(errors, "error result", "error results"))
}

func writeWidenings(b *strings.Builder, gs []Grant) {
	var ws []Grant
	for _, g := range gs {
		if g.Widening() {
			ws = append(ws, g)
		}
	}
	if len(ws) == 0 {
		return
	}
	b.WriteString("#### Widenings\n\n| identity | host:port | widening | sources |\n|---|---|---|---|\n")
	for i, g := range ws {
		if i == maxWidenings {
			fmt.Fprintf(b, "\n… and %d more (all are in the tables below and in `--format json`).\n", len(ws)-maxWidenings)
			break
		}
		fmt.Fprintf(b, "| `%s` | `%s` | %s | %s |\n", g.Identity(), g.Endpoint(), widening(g), sources(g.Sources))
	}
	b.WriteString("\n")
}

func writeResults(b *strings.Builder, title string, rs []Result) {
	if len(rs) == 0 {
		return
	}
	fmt.Fprintf(b, "#### %s\n\n| severity | code | object | field | message |\n|---|---|---|---|---|\n", title)
	for _, r := range rs {
		fmt.Fprintf(b, "| %s | `%s` | %s | %s | %s |\n", r.Severity, r.Code, code(r.Object), code(r.Field), cell(r.Message))
	}
	b.WriteString("\n")
}

func resultCounts(rs []Result) string {
	return fmt.Sprintf("%s, %s", plural(count(rs, "error"), "error", "errors"), plural(count(rs, "warning"), "warning", "warnings"))
}

// widening names why a grant reaches beyond one workload.
func widening(g Grant) string {
	var why []string
	switch {
	case g.scopeWidened():
		why = append(why, "**namespace-wide** (sidecarScope: namespace)")
	case g.NamespaceWide():
		why = append(why, "**namespace-wide**")
	}
	if g.Anywhere {
		why = append(why, "**Anywhere**")
	}
	return strings.Join(why, ", ")
}

func sources(srcs []string) string {
	parts := make([]string, len(srcs))
	for i, s := range srcs {
		parts[i] = "`" + s + "`"
	}
	return strings.Join(parts, "<br>")
}

// hostGroups splits sorted grants into runs of one host.
func hostGroups(gs []Grant) [][]Grant {
	var out [][]Grant
	for i := 0; i < len(gs); {
		j := i
		for j < len(gs) && gs[j].Host == gs[i].Host {
			j++
		}
		out = append(out, gs[i:j])
		i = j
	}
	return out
}

func code(s string) string {
	if s == "" {
		return ""
	}
	return "`" + strings.ReplaceAll(s, "`", "'") + "`"
}

// cell makes text safe inside a Markdown table cell.
func cell(s string) string {
	s = strings.ReplaceAll(s, "|", `\|`)
	return strings.Join(strings.Fields(s), " ")
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
