package review

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/uds-egress-fn/uds-egress-fn/schemas"
)

func grant(ns, sa, host string, port int, src ...string) Grant {
	return Grant{Mode: schemas.ModeAmbient, Namespace: ns, ServiceAccount: sa, Host: host, Port: port, Protocol: "TLS", Sources: src}
}

func TestDiff(t *testing.T) {
	keep := grant("a", "app", "x.example.com", 443, "a/a spec.network.allow[0]")
	gone := grant("a", "app", "y.example.com", 443, "a/a spec.network.allow[1]")
	narrow := grant("b", "app", "x.example.com", 443, "b/b spec.network.allow[0]")
	wide := grant("c", "", "x.example.com", 443, "c/c spec.network.allow[0]")
	proto := keep
	proto.Protocol = "HTTP"
	anywhere := keep
	anywhere.Anywhere = true
	moved := keep
	moved.Sources = []string{"a/a spec.network.allow[3]"}
	sidecarAll := Grant{Mode: schemas.ModeSidecar, Namespace: "d", Selector: map[string]string{}, Host: "x.example.com", Port: 443, Protocol: "TLS", Sources: []string{"d/d spec.network.allow[0]"}}
	sidecarApp := sidecarAll
	sidecarApp.Selector = map[string]string{"app": "web"}
	sidecarApp.Reach = ReachSelector // sidecarScope: workload
	sidecarAppNS := sidecarApp
	sidecarAppNS.Reach = ReachNamespace // sidecarScope: namespace (the default)

	cases := map[string]struct {
		base, head              []Grant
		added, removed, changed int
		widening                bool
	}{
		"same":                                    {[]Grant{keep}, []Grant{keep}, 0, 0, 0, false},
		"removed only":                            {[]Grant{keep, gone}, []Grant{keep}, 0, 1, 0, false},
		"narrow added":                            {[]Grant{keep}, []Grant{keep, narrow}, 1, 0, 0, false},
		"namespace-wide added":                    {[]Grant{keep}, []Grant{keep, wide}, 1, 0, 0, true},
		"protocol changed":                        {[]Grant{keep}, []Grant{proto}, 0, 0, 1, false},
		"became Anywhere":                         {[]Grant{keep}, []Grant{anywhere}, 0, 0, 1, true},
		"no longer Anywhere":                      {[]Grant{anywhere}, []Grant{keep}, 0, 0, 1, false},
		"sources changed":                         {[]Grant{keep}, []Grant{moved}, 0, 0, 1, false},
		"sidecar all pods added":                  {nil, []Grant{sidecarAll}, 1, 0, 0, true},
		"sidecar selector added":                  {nil, []Grant{sidecarApp}, 1, 0, 0, false},
		"sidecar selector, namespace scope added": {nil, []Grant{sidecarAppNS}, 1, 0, 0, true},
		"scope widened to the namespace":          {[]Grant{sidecarApp}, []Grant{sidecarAppNS}, 0, 0, 1, true},
		"selector is part of who":                 {[]Grant{sidecarAll}, []Grant{sidecarApp}, 1, 1, 0, false},
		"serviceAccount is part of who":           {[]Grant{wide}, []Grant{grant("c", "app", "x.example.com", 443, "c/c spec.network.allow[0]")}, 1, 1, 0, false},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			d := NewDiff(Report{Grants: c.base}, Report{Grants: c.head})
			assert.Len(t, d.Added, c.added)
			assert.Len(t, d.Removed, c.removed)
			assert.Len(t, d.Changed, c.changed)
			assert.Equal(t, c.widening, d.AddedWidening())
			var b strings.Builder
			require.NoError(t, WriteDiffMarkdown(&b, d))
			assert.Equal(t, d.Empty(), strings.Contains(b.String(), "No change in egress access"))
			if c.added > 0 {
				assert.Less(t, strings.Index(b.String(), "#### Added"), strings.Index(b.String()+"#### Removed", "#### Removed"), "added leads")
			}
		})
	}
}

func TestReportMarkdownSummary(t *testing.T) {
	wide := grant("c", "", "x.example.com", 443, "c/c spec.network.allow[0]")
	any := grant("b", "app", "y.example.com", 8443, "b/b spec.network.allow[2]")
	any.Anywhere = true
	r := Report{Grants: []Grant{grant("a", "app", "x.example.com", 443, "a/a spec.network.allow[0]"), wide, any},
		Results: []Result{{Severity: "error", Code: "host-wildcard", Object: "Package d/d", Field: "spec.network.allow[0].remoteHost", Message: "a | pipe"}, {Severity: "info", Code: "identity-namespace"}}}
	var b strings.Builder
	require.NoError(t, WriteReportMarkdown(&b, r))
	out := b.String()
	assert.Contains(t, out, "**3 identities** may reach **2 hosts** (3 grants): **1 namespace-wide grant**, **1 grant through an Anywhere participant**. Results: 1 error, 0 warnings.")
	assert.Contains(t, out, "> The input has 1 error result")
	assert.Contains(t, out, "#### Widenings")
	assert.Contains(t, out, "#### `x.example.com`")
	assert.Contains(t, out, `a \| pipe`)
	assert.Contains(t, out, "Info results (namespace-wide identities and the like): 1")
}

// A graph of 50 Packages stays readable: per namespace beyond
// MaxIdentities identities, at most MaxNamespaces + 1 namespace groups and
// MaxHosts + 1 host nodes, and it says what it collapsed.
func TestMermaidCollapses(t *testing.T) {
	small := []Grant{grant("a", "app", "x.example.com", 443, "a/a spec.network.allow[0]"), grant("a", "app", "x.example.com", 8443, "a/a spec.network.allow[0]")}
	var b strings.Builder
	require.NoError(t, WriteMermaid(&b, Report{Grants: small}))
	assert.Contains(t, b.String(), `-->|"443, 8443"|`, "one edge per identity and host, ports merged")
	assert.NotContains(t, b.String(), "%%")

	var fleet []Grant
	for p := 0; p < 50; p++ {
		for sa := 0; sa < 2; sa++ {
			for h := 0; h < 3; h++ {
				fleet = append(fleet, grant(fmt.Sprintf("team-%02d", p), fmt.Sprintf("sa-%d", sa), fmt.Sprintf("h%02d.example.com", (p*3+h)%60), 443, "x/y spec.network.allow[0]"))
			}
		}
	}
	b.Reset()
	require.NoError(t, WriteMermaid(&b, Report{Grants: fleet}))
	out := b.String()
	assert.Contains(t, out, "100 identities: drawn one node per namespace")
	assert.Contains(t, out, "10 namespaces with the fewest grants collapsed")
	assert.Contains(t, out, "20 hosts with the fewest grants collapsed")
	assert.Equal(t, MaxNamespaces+1, strings.Count(out, "subgraph "))
	assert.Equal(t, MaxHosts+1, strings.Count(out, `(["`))
	assert.True(t, strings.HasPrefix(out, "```mermaid\nflowchart LR\n"))
}

func TestParseObjectRef(t *testing.T) {
	r, err := ParseObjectRef("Gateway.gateway.networking.k8s.io/istio-egress-ambient/egress-waypoint")
	require.NoError(t, err)
	assert.Equal(t, ObjectRef{Kind: "Gateway", Group: "gateway.networking.k8s.io", Namespace: "istio-egress-ambient", Name: "egress-waypoint"}, r)
	r, err = ParseObjectRef("Namespace/istio-egress-ambient") // cluster-scoped
	require.NoError(t, err)
	assert.Equal(t, ObjectRef{Kind: "Namespace", Name: "istio-egress-ambient"}, r)
	for _, bad := range []string{"Gateway/", "/x", "Gateway", "a/b/c/d", "/ns/name", "Kind//name"} {
		_, err := ParseObjectRef(bad)
		assert.Error(t, err, bad)
	}
}

// A diff comment shows the head's errors and its new warnings only.
func TestDiffMarkdownResults(t *testing.T) {
	old := Result{Severity: "warning", Code: "gateway-port-not-exposed", Object: "Package a/a", Message: "port 8443"}
	fresh := Result{Severity: "warning", Code: "host-claimed", Object: "Package b/b", Message: "claimed"}
	broken := Result{Severity: "error", Code: "host-wildcard", Object: "Package c/c", Message: "wildcard"}
	d := NewDiff(Report{Results: []Result{old}}, Report{Results: []Result{old, fresh, broken, {Severity: "info", Code: "identity-namespace"}}})
	assert.Len(t, d.Results.Head, 3, "JSON: every error and warning")
	var b strings.Builder
	require.NoError(t, WriteDiffMarkdown(&b, d))
	out := b.String()
	assert.Contains(t, out, "host-claimed")
	assert.Contains(t, out, "host-wildcard")
	assert.NotContains(t, out, "gateway-port-not-exposed")
	assert.Contains(t, out, "Warnings the base has too: 1, not repeated")
}

// TestSidecarReach: a sidecar grant with a selector is namespace-wide when
// every pod of the namespace can use it (sidecarScope: namespace, as Istio
// computes it: the xDS suite in e2e/istio/xds shows it), and not with
// sidecarScope: workload.
func TestSidecarReach(t *testing.T) {
	g := Grant{Mode: schemas.ModeSidecar, Namespace: "ci", Selector: map[string]string{"app": "runner"}, Host: "github.com", Port: 443,
		Protocol: "TLS", Sources: []string{"ci/runner spec.network.allow[0]"}, Reach: ReachNamespace}
	assert.True(t, g.NamespaceWide())
	assert.Equal(t, "ci (all pods; asked for {app=runner})", g.Identity())
	assert.Equal(t, "**namespace-wide** (sidecarScope: namespace)", widening(g))
	g.Reach = ReachSelector
	assert.False(t, g.NamespaceWide())
	assert.Equal(t, "ci {app=runner}", g.Identity())
	assert.Empty(t, widening(g))
	g.Selector = map[string]string{}
	g.Reach = ReachNamespace
	assert.Equal(t, "ci (all pods)", g.Identity())
	assert.Equal(t, "**namespace-wide**", widening(g))
}

// A grant's selector is spelled as schemas.Labels.Canonical spells the
// entry's selector, also where sorting keys and sorting pairs disagree
// ("app" and "app.kubernetes.io/name").
func TestSelectorTextIsCanonical(t *testing.T) {
	sel := schemas.Labels{{Key: "app", Value: "web"}, {Key: "app.kubernetes.io/name", Value: "shop"}}
	g := Grant{Mode: schemas.ModeSidecar, Namespace: "shop", Selector: selectorMap(sel), Host: "x.example.com", Port: 443}
	assert.Equal(t, "shop {"+sel.Canonical()+"}", g.Identity())
	assert.Equal(t, "shop {app.kubernetes.io/name=shop,app=web}", g.Identity())
}
