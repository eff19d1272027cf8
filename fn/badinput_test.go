package fn

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/uds-egress-fn/uds-egress-fn/internal/diag"
	"github.com/uds-egress-fn/uds-egress-fn/internal/krmio/krmiotest"
	"github.com/uds-egress-fn/uds-egress-fn/schemas"
)

// This file is a catalogue of bad inputs driven through Run() — the whole
// binary path. Every case is embedded in a ResourceList that also holds two
// innocent pass-through items (a commented ConfigMap before, a Deployment
// after) and one GOOD Package in another namespace. For every case:
//
//   - Run() does not panic and writes a ResourceList;
//   - the error/warning results are exactly the expected ones (code,
//     severity, resourceRef name/namespace, field.path), and their severity
//     is the catalogue's;
//   - the exit code is 1 when an error is expected, 0 otherwise;
//   - every input item comes out byte-for-byte as a no-op round trip writes
//     it, first and in input order;
//   - the good Package still generates its objects (unless the functionConfig
//     is invalid: then nothing is generated and all items pass through);
//   - a rejected Package contributes no generated object at all.
//
// Placeholders in the case YAML: {{bad}} is a host only a rejected Package
// asks for (it must not appear in any generated object); {{ok}} is a host
// only an accepted Package asks for (it must appear).

// wantResult is one expected result. name/ns "" means the resourceRef has no
// such field (or no resourceRef at all when both are "" and noRef is set).
type wantResult struct {
	code     diag.Code
	severity diag.Severity
	name, ns string
	path     string
}

func E(code diag.Code, name, ns, path string) wantResult {
	return wantResult{code, diag.Error, name, ns, path}
}

func W(code diag.Code, name, ns, path string) wantResult {
	return wantResult{code, diag.Warning, name, ns, path}
}

func I(code diag.Code, name, ns, path string) wantResult {
	return wantResult{code, diag.Info, name, ns, path}
}

// pkgRef names a Package that must contribute nothing. An empty name skips
// the annotation and label checks (the name is shared with an accepted
// Package, or there is none); the {{bad}} host check always applies.
type pkgRef struct{ name, ns string }

type badCase struct {
	name string
	// items are list entries inserted between the good Package and the
	// trailing Deployment.
	items string
	// raw replaces the whole input when unreadable is set.
	raw        string
	unreadable bool
	// config is a functionConfig (a YAML value written under functionConfig:).
	config string
	want   []wantResult
	// rejected Packages contribute nothing.
	rejected []pkgRef
	// noRef: the error results have no resourceRef.
	noRef bool
	// bug describes the bug the case was the failing regression test for.
	bug string
	// outputBudget, when set, replaces the output budget's floor and bytes
	// per input byte (fn/size.go) for the case, so that a small input
	// reaches it.
	outputBudget *[2]int
}

const innocentHead = `# innocent ConfigMap: its comments and layout must survive
- apiVersion: v1
  kind: ConfigMap
  metadata:
    name: settings # a line comment
    namespace: good-ns
    annotations:
      quoted: "0123"
      single: 'it''s'
  data:
    script: |
      echo "hello"
      # not a comment, part of the block
    flow: "{a: b}"
    empty: ""
`

const goodPackage = `- apiVersion: uds.dev/v1alpha1
  kind: Package
  metadata: {name: good, namespace: good-ns}
  spec:
    network:
      allow:
      - direction: Egress
        selector: {app: good}
        remoteHost: good.example.com
        serviceAccount: good
        description: good egress
`

const innocentTail = `# innocent Deployment, after every Package
- apiVersion: apps/v1
  kind: Deployment
  metadata:
    name: web
    namespace: web # where it runs
    labels: {app: web}
  spec:
    replicas: 2
    template:
      spec:
        containers: [{name: c, image: "nginx:1.27", args: ["--port", "8080"]}]
`

// pkg builds a Package item in block style. entries are allow entries
// (usually flow maps), written as "      - <entry>"; a valid remoteHost entry
// to {{bad}} is appended so that a Package that is not rejected as a whole
// would visibly generate something.
func pkg(name, ns, mode string, entries ...string) string {
	return pkgWith(name, ns, mode, "{{bad}}", entries...)
}

// okPkg is pkg whose Package is expected to be accepted ({{ok}} host).
func okPkg(name, ns, mode string, entries ...string) string {
	return pkgWith(name, ns, mode, "{{ok}}", entries...)
}

func pkgWith(name, ns, mode, marker string, entries ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "- apiVersion: uds.dev/v1alpha1\n  kind: Package\n  metadata: {name: %s, namespace: %s}\n  spec:\n    network:\n", name, ns)
	if mode != "" {
		fmt.Fprintf(&b, "      serviceMesh: {mode: %s}\n", mode)
	}
	b.WriteString("      allow:\n")
	for _, e := range entries {
		b.WriteString("      - " + e + "\n")
	}
	fmt.Fprintf(&b, "      - {direction: Egress, remoteHost: %s, description: valid marker entry}\n", marker)
	return b.String()
}

// hostPolicyConfig is an EgressConfig named cfg with one host policy.
func hostPolicyConfig(policy string) string {
	return "{apiVersion: fn.uds-egress.dev/v1alpha1, kind: EgressConfig, metadata: {name: cfg}, spec: {hosts: [" + policy + "]}}"
}

// entry is pkg with one bad allow entry, in namespace bad-ns.
func entryCase(name, entry string, want ...wantResult) badCase {
	return badCase{name: name, items: pkg("bad", "bad-ns", "", entry), want: want, rejected: []pkgRef{{"bad", "bad-ns"}}}
}

// sidecarEntryCase is entryCase in sidecar mode.
func sidecarEntryCase(name, entry string, want ...wantResult) badCase {
	return badCase{name: name, items: pkg("bad", "bad-ns", "sidecar", entry), want: want, rejected: []pkgRef{{"bad", "bad-ns"}}}
}

// rawPkgCase is a case whose bad item is written out in full.
func rawPkgCase(name, item string, rejected pkgRef, want ...wantResult) badCase {
	return badCase{name: name, items: item, want: want, rejected: []pkgRef{rejected}}
}

// Bugs this catalogue found; the cases that carry them guard the fixes.
const (
	bugMetaTwice      = "metadata.name/namespace of the wrong YAML type is reported twice: invalid-type, and a false missing-field \"missing or empty\" (schemas/decode_package.go metadata())"
	bugDeletedChecked = "a Package with metadata.deletionTimestamp is still checked: a wrong apiVersion (or a bad type in metadata) is an error next to the info that says it is ignored; docs/behaviour.md section 1 says ignored entirely (schemas/decode_package.go DecodePackage checks apiVersion before Deleted; fn/classify.go appends the findings before the Deleted check)"
	bugUnknownNS      = "namespace _unknown_ is reported as invalid-value (not a DNS label) instead of namespace-reserved, the code rule 2.11 and the README give it (schemas/decode_package.go metadata(): the DNS-label check pre-empts validate's reserved check)"
)

func (c badCase) withBug(bug string) badCase { c.bug = bug; return c }

// unreadableCase is an input that is no ResourceList at all.
func unreadableCase(name, raw string) badCase {
	return badCase{name: name, raw: raw, unreadable: true, noRef: true, want: []wantResult{E(diag.InputInvalid, "", "", "")}}
}

const a0 = "spec.network.allow[0]"

func p0(field string) string { return a0 + "." + field }

// aliasedPorts: the first entry writes ports 1..65535 under an anchor, the
// others alias it.
func aliasedPorts(entries int) []string {
	ports := make([]string, 65535)
	for i := range ports {
		ports[i] = strconv.Itoa(i + 1)
	}
	out := []string{"{direction: Egress, remoteHost: p0.example.com, description: entry 0 of many, ports: &p [" + strings.Join(ports, ", ") + "]}"}
	for i := 1; i < entries; i++ {
		out = append(out, fmt.Sprintf("{direction: Egress, remoteHost: p%d.example.com, description: entry %d of many, ports: *p}", i, i))
	}
	return out
}

// manyPorts: n entries of 100 distinct ports each, all to one host, so
// its ServiceEntry and AuthorizationPolicy get n*100 ports.
func manyPorts(n int) []string {
	var out []string
	for i := 0; i < n; i++ {
		ports := make([]string, 100)
		for k := range ports {
			ports[k] = strconv.Itoa(i*100 + k + 1)
		}
		out = append(out, fmt.Sprintf("{direction: Egress, remoteHost: big.example.com, description: entry %d of many, ports: [%s]}", i, strings.Join(ports, ", ")))
	}
	return out
}

// anywhereTimesHosts: participants Anywhere entries with their own
// serviceAccount and hosts entries of 10 ports each; every host's
// AuthorizationPolicy lists every participant on every port.
func anywhereTimesHosts(participants, hosts int) []string {
	var out []string
	for i := 0; i < participants; i++ {
		out = append(out, fmt.Sprintf("{direction: Egress, remoteGenerated: Anywhere, serviceAccount: sa-%d, description: participant %d of many}", i, i))
	}
	for i := 0; i < hosts; i++ {
		out = append(out, fmt.Sprintf("{direction: Egress, remoteHost: h%d.{{bad}}, remoteProtocol: TLS, ports: [8001, 8002, 8003, 8004, 8005, 8006, 8007, 8008, 8009, 8010], description: host %d of many}", i, i))
	}
	return out
}

// aliasAmplification: ~4 KB whose cross-item aliases expand to 4.4M nodes.
func aliasAmplification() string {
	var b strings.Builder
	b.WriteString("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n")
	b.WriteString("- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: anchors, namespace: lol}\n  data:\n")
	b.WriteString("    a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n")
	for i := 1; i <= 4; i++ {
		fmt.Fprintf(&b, "    a%d: &a%d [*a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d]\n", i, i, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1)
	}
	for i := 0; i < 40; i++ {
		fmt.Fprintf(&b, "- {apiVersion: v1, kind: ConfigMap, metadata: {name: u%d, namespace: lol}, data: {x: *a4}}\n", i)
	}
	return b.String()
}

func badInputCases() []badCase {
	const (
		bad = "bad"
		ns  = "bad-ns"
	)
	e := func(code diag.Code, path string) wantResult { return E(code, bad, ns, path) }
	w := func(code diag.Code, path string) wantResult { return W(code, bad, ns, path) }
	egressTo := func(extra string) string { return "{direction: Egress, remoteHost: x.example.com, " + extra + "}" }
	long63 := strings.Repeat("a", 64)
	host254 := strings.Repeat(strings.Repeat("h", 62)+".", 4)[:250] + ".com" // 254 characters

	cases := []badCase{
		// ---- metadata -------------------------------------------------
		rawPkgCase("metadata.name missing", `- apiVersion: uds.dev/v1alpha1
  kind: Package
  metadata: {namespace: bad-ns}
  spec: {network: {allow: [{direction: Egress, remoteHost: "{{bad}}"}]}}
`, pkgRef{"", "bad-ns"}, E(diag.MissingField, "", ns, "metadata.name")),
		rawPkgCase("metadata.name empty", `- apiVersion: uds.dev/v1alpha1
  kind: Package
  metadata: {name: "", namespace: bad-ns}
  spec: {network: {allow: [{direction: Egress, remoteHost: "{{bad}}"}]}}
`, pkgRef{"", "bad-ns"}, E(diag.MissingField, "", ns, "metadata.name")),
		rawPkgCase("metadata.namespace missing", `- apiVersion: uds.dev/v1alpha1
  kind: Package
  metadata: {name: bad}
  spec: {network: {allow: [{direction: Egress, remoteHost: "{{bad}}"}]}}
`, pkgRef{"bad", ""}, E(diag.MissingField, bad, "", "metadata.namespace")),
		rawPkgCase("metadata.namespace empty", `- apiVersion: uds.dev/v1alpha1
  kind: Package
  metadata: {name: bad, namespace: ""}
  spec: {network: {allow: [{direction: Egress, remoteHost: "{{bad}}"}]}}
`, pkgRef{"bad", ""}, E(diag.MissingField, bad, "", "metadata.namespace")),
		rawPkgCase("metadata missing", `- apiVersion: uds.dev/v1alpha1
  kind: Package
  spec: {network: {allow: [{direction: Egress, remoteHost: "{{bad}}"}]}}
`, pkgRef{}, E(diag.MissingField, "", "", "metadata")),
		rawPkgCase("metadata null", `- apiVersion: uds.dev/v1alpha1
  kind: Package
  metadata:
  spec: {network: {allow: [{direction: Egress, remoteHost: "{{bad}}"}]}}
`, pkgRef{}, E(diag.MissingField, "", "", "metadata")),
		rawPkgCase("metadata a list", `- apiVersion: uds.dev/v1alpha1
  kind: Package
  metadata: [bad, bad-ns]
  spec: {network: {allow: [{direction: Egress, remoteHost: "{{bad}}"}]}}
`, pkgRef{}, E(diag.InvalidType, "", "", "metadata"),
			E(diag.MissingField, "", "", "metadata.name"), E(diag.MissingField, "", "", "metadata.namespace")),
		rawPkgCase("metadata a string", `- apiVersion: uds.dev/v1alpha1
  kind: Package
  metadata: bad
  spec: {network: {allow: [{direction: Egress, remoteHost: "{{bad}}"}]}}
`, pkgRef{}, E(diag.InvalidType, "", "", "metadata"),
			E(diag.MissingField, "", "", "metadata.name"), E(diag.MissingField, "", "", "metadata.namespace")),
		rawPkgCase("metadata.name an integer", `- apiVersion: uds.dev/v1alpha1
  kind: Package
  metadata: {name: 123, namespace: bad-ns}
  spec: {network: {allow: [{direction: Egress, remoteHost: "{{bad}}"}]}}
`, pkgRef{"123", "bad-ns"}, E(diag.InvalidType, "123", ns, "metadata.name")).withBug(bugMetaTwice),
		rawPkgCase("metadata.namespace a map", `- apiVersion: uds.dev/v1alpha1
  kind: Package
  metadata: {name: bad, namespace: {name: bad-ns}}
  spec: {network: {allow: [{direction: Egress, remoteHost: "{{bad}}"}]}}
`, pkgRef{"bad", ""}, E(diag.InvalidType, bad, "", "metadata.namespace")).withBug(bugMetaTwice),
		rawPkgCase("metadata.generation a string", `- apiVersion: uds.dev/v1alpha1
  kind: Package
  metadata: {name: bad, namespace: bad-ns, generation: "3"}
  spec: {network: {serviceMesh: {mode: sidecar}, allow: [{direction: Egress, remoteHost: "{{bad}}"}]}}
`, pkgRef{"bad", "bad-ns"}, E(diag.InvalidType, bad, ns, "metadata.generation")),
		rawPkgCase("metadata.uid a number", `- apiVersion: uds.dev/v1alpha1
  kind: Package
  metadata: {name: bad, namespace: bad-ns, uid: 42}
  spec: {network: {serviceMesh: {mode: sidecar}, allow: [{direction: Egress, remoteHost: "{{bad}}"}]}}
`, pkgRef{"bad", "bad-ns"}, E(diag.InvalidType, bad, ns, "metadata.uid")),
		// A Package name Kubernetes would never accept must not end up in a
		// label value or annotation key of a generated object.
		rawPkgCase("metadata.name not a DNS name (space)", `- apiVersion: uds.dev/v1alpha1
  kind: Package
  metadata: {name: "bad pkg", namespace: bad-ns}
  spec: {network: {allow: [{direction: Egress, remoteHost: "{{bad}}"}]}}
`, pkgRef{"bad pkg", "bad-ns"}, E(diag.InvalidValue, "bad pkg", ns, "metadata.name")),
		rawPkgCase("metadata.namespace not a DNS label (upper case)", `- apiVersion: uds.dev/v1alpha1
  kind: Package
  metadata: {name: bad, namespace: Bad_NS}
  spec: {network: {serviceMesh: {mode: sidecar}, allow: [{direction: Egress, remoteHost: "{{bad}}"}]}}
`, pkgRef{"bad", "Bad_NS"}, E(diag.InvalidValue, bad, "Bad_NS", "metadata.namespace")),
		rawPkgCase("wrong apiVersion uds.dev/v1beta1", `- apiVersion: uds.dev/v1beta1
  kind: Package
  metadata: {name: bad, namespace: bad-ns}
  spec: {network: {allow: [{direction: Egress, remoteHost: "{{bad}}"}]}}
`, pkgRef{"bad", "bad-ns"}, E(diag.UnsupportedAPI, bad, ns, "apiVersion")),
		rawPkgCase("apiVersion without a version", `- apiVersion: uds.dev
  kind: Package
  metadata: {name: bad, namespace: bad-ns}
  spec: {network: {allow: [{direction: Egress, remoteHost: "{{bad}}"}]}}
`, pkgRef{"bad", "bad-ns"}, E(diag.UnsupportedAPI, bad, ns, "apiVersion")),
		rawPkgCase("a top-level key twice", `- apiVersion: uds.dev/v1alpha1
  kind: Package
  metadata: {name: bad, namespace: bad-ns}
  spec: {network: {allow: [{direction: Egress, remoteHost: "{{bad}}"}]}}
  spec: {network: {allow: [{direction: Egress, remoteHost: "{{bad}}", port: 8443}]}}
`, pkgRef{"bad", "bad-ns"}, E(diag.ItemInvalid, bad, ns, "spec")),

		// ---- typos above the allow entries (issue 22): the Package CRD
		// rejects these keys, so they are errors with "did you mean" ----
		rawPkgCase("spec.netwrok", `- apiVersion: uds.dev/v1alpha1
  kind: Package
  metadata: {name: bad, namespace: bad-ns}
  spec: {netwrok: {allow: [{direction: Egress, remoteHost: "{{bad}}"}]}}
`, pkgRef{"bad", "bad-ns"}, E(diag.UnknownField, bad, ns, "spec.netwrok")),
		rawPkgCase("spec.Network (case)", `- apiVersion: uds.dev/v1alpha1
  kind: Package
  metadata: {name: bad, namespace: bad-ns}
  spec: {Network: {allow: [{direction: Egress, remoteHost: "{{bad}}"}]}}
`, pkgRef{"bad", "bad-ns"}, E(diag.UnknownField, bad, ns, "spec.Network")),
		rawPkgCase("spec.network.alow", `- apiVersion: uds.dev/v1alpha1
  kind: Package
  metadata: {name: bad, namespace: bad-ns}
  spec: {network: {alow: [{direction: Egress, remoteHost: "{{bad}}"}], allow: [{direction: Egress, remoteHost: "{{bad}}", port: 8443}]}}
`, pkgRef{"bad", "bad-ns"}, E(diag.UnknownField, bad, ns, "spec.network.alow")),
		rawPkgCase("spec.network.serviceMesh.mod", `- apiVersion: uds.dev/v1alpha1
  kind: Package
  metadata: {name: bad, namespace: bad-ns}
  spec: {network: {serviceMesh: {mod: sidecar}, allow: [{direction: Egress, remoteHost: "{{bad}}"}]}}
`, pkgRef{"bad", "bad-ns"}, E(diag.UnknownField, bad, ns, "spec.network.serviceMesh.mod")),
		rawPkgCase("spec.network.servicemesh", `- apiVersion: uds.dev/v1alpha1
  kind: Package
  metadata: {name: bad, namespace: bad-ns}
  spec: {network: {servicemesh: {mode: sidecar}, allow: [{direction: Egress, remoteHost: "{{bad}}"}]}}
`, pkgRef{"bad", "bad-ns"}, E(diag.UnknownField, bad, ns, "spec.network.servicemesh")),
		// A key of spec far from every UDS field is left alone (UDS may
		// add fields); the typos above are errors.
		{name: "spec key far from UDS fields passes", items: `- apiVersion: uds.dev/v1alpha1
  kind: Package
  metadata: {name: bad, namespace: bad-ns}
  spec: {somethingElse: {x: 1}, network: {allow: [{direction: Egress, remoteHost: "{{ok}}"}]}}
`},
		// Near misses of a Package are not Packages: a warning naming what
		// they are close to; they pass through unevaluated.
		{name: "kind package (case)", items: `- apiVersion: uds.dev/v1alpha1
  kind: package
  metadata: {name: bad, namespace: bad-ns}
  spec: {network: {allow: [{direction: Egress, remoteHost: "{{bad}}"}]}}
`, want: []wantResult{w(diag.PackageNearMiss, "kind")}},
		{name: "kind Packages", items: `- apiVersion: uds.dev/v1alpha1
  kind: Packages
  metadata: {name: bad, namespace: bad-ns}
  spec: {network: {allow: [{direction: Egress, remoteHost: "{{bad}}"}]}}
`, want: []wantResult{w(diag.PackageNearMiss, "kind")}},
		{name: "apiVersion uds.io/v1alpha1", items: `- apiVersion: uds.io/v1alpha1
  kind: Package
  metadata: {name: bad, namespace: bad-ns}
  spec: {network: {allow: [{direction: Egress, remoteHost: "{{bad}}"}]}}
`, want: []wantResult{w(diag.PackageNearMiss, "apiVersion")}},
		{name: "apiVersion uds.dve/v1alpha1", items: `- apiVersion: uds.dve/v1alpha1
  kind: Package
  metadata: {name: bad, namespace: bad-ns}
  spec: {network: {allow: [{direction: Egress, remoteHost: "{{bad}}"}]}}
`, want: []wantResult{w(diag.PackageNearMiss, "apiVersion")}},

		// ---- spec and spec.network ------------------------------------
		rawPkgCase("spec missing", `- apiVersion: uds.dev/v1alpha1
  kind: Package
  metadata: {name: bad, namespace: bad-ns}
`, pkgRef{"bad", "bad-ns"}, E(diag.MissingField, bad, ns, "spec")),
		rawPkgCase("spec null", `- apiVersion: uds.dev/v1alpha1
  kind: Package
  metadata: {name: bad, namespace: bad-ns}
  spec: ~
`, pkgRef{"bad", "bad-ns"}, E(diag.MissingField, bad, ns, "spec")),
		rawPkgCase("spec a list", `- apiVersion: uds.dev/v1alpha1
  kind: Package
  metadata: {name: bad, namespace: bad-ns}
  spec: [{network: {allow: [{direction: Egress, remoteHost: "{{bad}}"}]}}]
`, pkgRef{"bad", "bad-ns"}, E(diag.InvalidType, bad, ns, "spec")),
		rawPkgCase("spec.network a list", `- apiVersion: uds.dev/v1alpha1
  kind: Package
  metadata: {name: bad, namespace: bad-ns}
  spec:
    network:
    - allow: [{direction: Egress, remoteHost: "{{bad}}"}]
`, pkgRef{"bad", "bad-ns"}, E(diag.InvalidType, bad, ns, "spec.network")),
		rawPkgCase("spec.network a string", `- apiVersion: uds.dev/v1alpha1
  kind: Package
  metadata: {name: bad, namespace: bad-ns}
  spec: {network: "{{bad}}"}
`, pkgRef{"bad", "bad-ns"}, E(diag.InvalidType, bad, ns, "spec.network")),
		rawPkgCase("spec.network.serviceMesh a string", `- apiVersion: uds.dev/v1alpha1
  kind: Package
  metadata: {name: bad, namespace: bad-ns}
  spec: {network: {serviceMesh: sidecar, allow: [{direction: Egress, remoteHost: "{{bad}}"}]}}
`, pkgRef{"bad", "bad-ns"}, E(diag.InvalidType, bad, ns, "spec.network.serviceMesh")),
		{name: "serviceMesh.mode Ambient", items: pkg(bad, ns, "Ambient"), rejected: []pkgRef{{bad, ns}},
			want: []wantResult{e(diag.InvalidValue, "spec.network.serviceMesh.mode")}},
		{name: "serviceMesh.mode unknown", items: pkg(bad, ns, "istio"), rejected: []pkgRef{{bad, ns}},
			want: []wantResult{e(diag.InvalidValue, "spec.network.serviceMesh.mode")}},
		{name: "serviceMesh.mode an integer", items: pkg(bad, ns, "1"), rejected: []pkgRef{{bad, ns}},
			want: []wantResult{e(diag.InvalidType, "spec.network.serviceMesh.mode")}},
		{name: "serviceMesh.mode a list", items: pkg(bad, ns, "[sidecar]"), rejected: []pkgRef{{bad, ns}},
			want: []wantResult{e(diag.InvalidType, "spec.network.serviceMesh.mode")}},
		rawPkgCase("allow a map", `- apiVersion: uds.dev/v1alpha1
  kind: Package
  metadata: {name: bad, namespace: bad-ns}
  spec:
    network:
      allow:
        direction: Egress
        remoteHost: "{{bad}}"
`, pkgRef{"bad", "bad-ns"}, E(diag.InvalidType, bad, ns, "spec.network.allow")),
		rawPkgCase("allow a string", `- apiVersion: uds.dev/v1alpha1
  kind: Package
  metadata: {name: bad, namespace: bad-ns}
  spec: {network: {allow: "{{bad}}"}}
`, pkgRef{"bad", "bad-ns"}, E(diag.InvalidType, bad, ns, "spec.network.allow")),

		// ---- allow entries: wrong YAML types ---------------------------
		entryCase("allow entry a string", `just a string`, e(diag.InvalidType, a0)),
		entryCase("allow entry a list", `[direction, Egress]`, e(diag.InvalidType, a0)),
		entryCase("allow entry null", `~`, e(diag.InvalidType, a0)),
		entryCase("allow entry with a merge key", `{<<: {direction: Egress}, remoteHost: x.example.com}`,
			e(diag.InvalidType, a0), e(diag.MissingField, p0("direction"))),
		entryCase("allow entry key twice", `{direction: Egress, remoteHost: x.example.com, remoteHost: y.example.com}`, e(diag.InvalidType, p0("remoteHost"))),
		entryCase("direction missing", `{remoteHost: x.example.com}`, e(diag.MissingField, p0("direction"))),
		entryCase("direction null", `{direction: null, remoteHost: x.example.com}`, e(diag.MissingField, p0("direction"))),
		entryCase("direction lowercase", `{direction: egress, remoteHost: x.example.com}`, e(diag.InvalidValue, p0("direction"))),
		entryCase("direction a list", `{direction: [Egress], remoteHost: x.example.com}`, e(diag.InvalidType, p0("direction"))),
		entryCase("port a quoted string", egressTo(`port: "443"`), e(diag.InvalidType, p0("port"))),
		entryCase("port 0", egressTo(`port: 0`), e(diag.PortInvalid, p0("port"))),
		entryCase("port 65536", egressTo(`port: 65536`), e(diag.PortInvalid, p0("port"))),
		entryCase("port -1", egressTo(`port: -1`), e(diag.PortInvalid, p0("port"))),
		entryCase("port beyond int32", egressTo(`port: 4294967296`), e(diag.PortInvalid, p0("port"))),
		// YAML resolves an integer beyond uint64 as a float.
		entryCase("port beyond uint64", egressTo(`port: 99999999999999999999`), e(diag.InvalidType, p0("port"))),
		entryCase("port 1e3", egressTo(`port: 1e3`), e(diag.InvalidType, p0("port"))),
		entryCase("port 44.5", egressTo(`port: 44.5`), e(diag.InvalidType, p0("port"))),
		entryCase("port 443.0", egressTo(`port: 443.0`), e(diag.InvalidType, p0("port"))),
		entryCase("port true", egressTo(`port: true`), e(diag.InvalidType, p0("port"))),
		entryCase("port a map", egressTo(`port: {number: 443}`), e(diag.InvalidType, p0("port"))),
		entryCase("port a list", egressTo(`port: [443]`), e(diag.InvalidType, p0("port"))),
		entryCase("ports with a null", egressTo(`ports: [443, null]`), e(diag.InvalidType, p0("ports[1]"))),
		entryCase("ports a string", egressTo(`ports: "443"`), e(diag.InvalidType, p0("ports"))),
		entryCase("ports a number", egressTo(`ports: 443`), e(diag.InvalidType, p0("ports"))),
		entryCase("ports a map", egressTo(`ports: {https: 443}`), e(diag.InvalidType, p0("ports"))),
		entryCase("ports with a quoted port", egressTo(`ports: [443, "8443"]`), e(diag.InvalidType, p0("ports[1]"))),
		entryCase("ports with a nested list", egressTo(`ports: [[443]]`), e(diag.InvalidType, p0("ports[0]"))),
		entryCase("ports out of range", egressTo(`ports: [0, 443, 70000]`),
			e(diag.PortInvalid, p0("ports[0]")), e(diag.PortInvalid, p0("ports[2]"))),
		entryCase("selector with a non-string value", egressTo(`selector: {app: 1}`), e(diag.InvalidType, p0("selector.app"))),
		entryCase("selector with a boolean value", egressTo(`selector: {enabled: true}`), e(diag.InvalidType, p0("selector.enabled"))),
		entryCase("selector with a null value", egressTo(`selector: {app: null}`), e(diag.InvalidType, p0("selector.app"))),
		entryCase("selector with a dotted key and a number", egressTo(`selector: {app.kubernetes.io/version: 1.2}`),
			e(diag.InvalidType, p0(`selector["app.kubernetes.io/version"]`))),
		entryCase("selector a list", egressTo(`selector: [app]`), e(diag.InvalidType, p0("selector"))),
		entryCase("selector a string", egressTo(`selector: app=web`), e(diag.InvalidType, p0("selector"))),
		entryCase("serviceAccount a list", egressTo(`serviceAccount: [app]`), e(diag.InvalidType, p0("serviceAccount"))),
		entryCase("serviceAccount not a DNS name", egressTo(`serviceAccount: My_SA`), e(diag.InvalidValue, p0("serviceAccount"))),
		entryCase("remoteHost a map", `{direction: Egress, remoteHost: {name: x.example.com}}`, e(diag.InvalidType, p0("remoteHost"))),
		entryCase("remoteHost an integer", `{direction: Egress, remoteHost: 42}`, e(diag.InvalidType, p0("remoteHost"))),
		entryCase("remoteHost a list", `{direction: Egress, remoteHost: [x.example.com]}`, e(diag.InvalidType, p0("remoteHost"))),
		entryCase("remoteProtocol lowercase", egressTo(`remoteProtocol: tls`), e(diag.InvalidValue, p0("remoteProtocol"))),
		entryCase("remoteProtocol unknown", egressTo(`remoteProtocol: GRPC`), e(diag.InvalidValue, p0("remoteProtocol"))),
		entryCase("remoteGenerated lowercase", `{direction: Egress, remoteGenerated: anywhere}`, e(diag.InvalidValue, p0("remoteGenerated"))),
		entryCase("remoteNamespace a list", `{direction: Egress, remoteNamespace: [a, b]}`, e(diag.InvalidType, p0("remoteNamespace"))),
		entryCase("remoteCidr a map", `{direction: Egress, remoteCidr: {ip: 10.0.0.0/8}}`, e(diag.InvalidType, p0("remoteCidr"))),
		entryCase("description an integer", egressTo(`description: 7`), e(diag.InvalidType, p0("description"))),
		entryCase("labels a list", egressTo(`labels: [a]`), e(diag.InvalidType, p0("labels"))),
		entryCase("podLabels a string", egressTo(`podLabels: app`), e(diag.InvalidType, p0("podLabels"))),

		// ---- rules 2.1-2.5 -------------------------------------------
		entryCase("2.1 no remote", `{direction: Egress, selector: {app: x}, port: 443}`, e(diag.MissingRemote, a0)),
		entryCase("2.1 no remote, typo of remoteHost", `{direction: Egress, remotehost: x.example.com}`,
			e(diag.UnknownField, p0("remotehost")), e(diag.MissingRemote, a0)),
		entryCase("2.2 remoteGenerated with remoteHost", `{direction: Egress, remoteGenerated: Anywhere, remoteHost: x.example.com}`,
			e(diag.ConflictingRemote, p0("remoteHost"))),
		entryCase("2.2 remoteGenerated with remoteNamespace", `{direction: Egress, remoteGenerated: KubeAPI, remoteNamespace: other}`,
			e(diag.ConflictingRemote, p0("remoteNamespace"))),
		entryCase("2.2 remoteGenerated with TLS", `{direction: Egress, remoteGenerated: Anywhere, remoteProtocol: TLS}`,
			e(diag.ConflictingRemote, p0("remoteProtocol"))),
		entryCase("2.2 empty remoteNamespace with remoteHost", `{direction: Egress, remoteNamespace: "", remoteHost: x.example.com}`,
			e(diag.ConflictingRemote, p0("remoteHost"))),
		entryCase("2.2 remoteSelector with remoteCidr", `{direction: Egress, remoteSelector: {app: db}, remoteCidr: 10.0.0.0/8}`,
			e(diag.ConflictingRemote, p0("remoteCidr"))),
		entryCase("2.2 remoteSelector with HTTP", `{direction: Egress, remoteSelector: {app: db}, remoteProtocol: HTTP}`,
			e(diag.ConflictingRemote, p0("remoteProtocol"))),
		entryCase("2.2 remoteCidr with remoteHost", `{direction: Egress, remoteCidr: 10.0.0.0/8, remoteHost: x.example.com}`,
			e(diag.ConflictingRemote, p0("remoteHost"))),
		entryCase("2.2 remoteCidr with HTTP", `{direction: Egress, remoteCidr: 10.0.0.0/8, remoteProtocol: HTTP}`,
			e(diag.ConflictingRemote, p0("remoteProtocol"))),
		entryCase("2.3 UDP with KubeAPI", `{direction: Egress, remoteGenerated: KubeAPI, remoteProtocol: UDP}`, e(diag.UDPGenerated, p0("remoteProtocol"))),
		entryCase("2.3 UDP with KubeNodes", `{direction: Egress, remoteGenerated: KubeNodes, remoteProtocol: UDP}`, e(diag.UDPGenerated, p0("remoteProtocol"))),
		entryCase("2.3 UDP with CloudMetadata", `{direction: Egress, remoteGenerated: CloudMetadata, remoteProtocol: UDP}`, e(diag.UDPGenerated, p0("remoteProtocol"))),
		entryCase("2.4 remoteHost with TCP", egressTo(`remoteProtocol: TCP`), e(diag.HostProtocol, p0("remoteProtocol"))),
		entryCase("2.4 remoteHost with UDP", egressTo(`remoteProtocol: UDP`), e(diag.HostProtocol, p0("remoteProtocol"))),
		entryCase("2.5 remoteHost on Ingress", `{direction: Ingress, remoteHost: x.example.com, remoteProtocol: HTTP}`, e(diag.HostIngress, p0("direction"))),

		// ---- rules 2.6-2.7: hosts ------------------------------------
		entryCase("2.6 wildcard prefix", `{direction: Egress, remoteHost: "*.example.com"}`, e(diag.HostWildcard, p0("remoteHost"))),
		entryCase("2.6 wildcard inside", `{direction: Egress, remoteHost: "api.*.example.com"}`, e(diag.HostWildcard, p0("remoteHost"))),
		entryCase("2.6 wildcard alone", `{direction: Egress, remoteHost: "*"}`, e(diag.HostWildcard, p0("remoteHost"))),
		entryCase("2.7 host with a space", `{direction: Egress, remoteHost: "api example.com"}`, e(diag.HostInvalid, p0("remoteHost"))),
		entryCase("2.7 host with a leading space", `{direction: Egress, remoteHost: " api.example.com"}`, e(diag.HostInvalid, p0("remoteHost"))),
		entryCase("2.7 host with a tab", `{direction: Egress, remoteHost: "api.example.com\t"}`, e(diag.HostInvalid, p0("remoteHost"))),
		entryCase("2.7 host unicode", `{direction: Egress, remoteHost: bücher.example.de}`, e(diag.HostInvalid, p0("remoteHost"))),
		entryCase("2.7 host with http://", `{direction: Egress, remoteHost: "http://api.example.com"}`, e(diag.HostInvalid, p0("remoteHost"))),
		entryCase("2.7 host with https:// and a path", `{direction: Egress, remoteHost: "https://api.example.com/v1"}`, e(diag.HostInvalid, p0("remoteHost"))),
		entryCase("2.7 host with a path", `{direction: Egress, remoteHost: api.example.com/v1/users}`, e(diag.HostInvalid, p0("remoteHost"))),
		entryCase("2.7 host with a query", `{direction: Egress, remoteHost: "api.example.com?x=1"}`, e(diag.HostInvalid, p0("remoteHost"))),
		entryCase("2.7 host with a port suffix", `{direction: Egress, remoteHost: "api.example.com:5000"}`, e(diag.HostInvalid, p0("remoteHost"))),
		entryCase("2.7 host with a trailing dot", `{direction: Egress, remoteHost: api.example.com.}`, e(diag.HostInvalid, p0("remoteHost"))),
		entryCase("2.7 host with a leading dot", `{direction: Egress, remoteHost: .example.com}`, e(diag.HostInvalid, p0("remoteHost"))),
		entryCase("2.7 host with an empty label", `{direction: Egress, remoteHost: api..example.com}`, e(diag.HostInvalid, p0("remoteHost"))),
		entryCase("2.7 host of 254 characters", fmt.Sprintf(`{direction: Egress, remoteHost: %s}`, host254), e(diag.HostInvalid, p0("remoteHost"))),
		entryCase("2.7 host label over 63 characters", fmt.Sprintf(`{direction: Egress, remoteHost: %s.example.com}`, long63), e(diag.HostInvalid, p0("remoteHost"))),
		entryCase("2.7 host label with an underscore", `{direction: Egress, remoteHost: my_api.example.com}`, e(diag.HostInvalid, p0("remoteHost"))),
		entryCase("2.7 host label starting with a hyphen", `{direction: Egress, remoteHost: -api.example.com}`, e(diag.HostInvalid, p0("remoteHost"))),
		entryCase("2.7 host IPv4 literal", `{direction: Egress, remoteHost: 10.0.0.1}`, e(diag.HostInvalid, p0("remoteHost"))),
		entryCase("2.7 host IPv4 literal with port", `{direction: Egress, remoteHost: "10.0.0.1:443"}`, e(diag.HostInvalid, p0("remoteHost"))),
		entryCase("2.7 host IPv6 literal", `{direction: Egress, remoteHost: "2001:db8::1"}`, e(diag.HostInvalid, p0("remoteHost"))),
		entryCase("2.7 host bracketed IPv6 with port", `{direction: Egress, remoteHost: "[2001:db8::1]:443"}`, e(diag.HostInvalid, p0("remoteHost"))),
		entryCase("2.7 host all-numeric last label", `{direction: Egress, remoteHost: api.123}`, e(diag.HostInvalid, p0("remoteHost"))),
		entryCase("2.7 host short IPv4 127.1", `{direction: Egress, remoteHost: "127.1"}`, e(diag.HostInvalid, p0("remoteHost"))),
		entryCase("2.7 host IPv4 as one number", `{direction: Egress, remoteHost: "2130706433"}`, e(diag.HostInvalid, p0("remoteHost"))),
		entryCase("2.7 host hex-looking IPv4 0x7f.1", `{direction: Egress, remoteHost: 0x7f.1}`, e(diag.HostInvalid, p0("remoteHost"))),
		entryCase("2.7 host single label", `{direction: Egress, remoteHost: localhost}`, e(diag.HostInvalid, p0("remoteHost"))),
		sidecarEntryCase("2.7 host single label in sidecar mode", `{direction: Egress, remoteHost: kubernetes}`, e(diag.HostInvalid, p0("remoteHost"))),
		entryCase("host in-cluster API server", `{direction: Egress, remoteHost: kubernetes.default.svc.cluster.local}`, e(diag.HostInCluster, p0("remoteHost"))),
		sidecarEntryCase("host in-cluster API server in sidecar mode", `{direction: Egress, remoteHost: kubernetes.default.svc.cluster.local}`, e(diag.HostInCluster, p0("remoteHost"))),
		entryCase("host in-cluster .svc", `{direction: Egress, remoteHost: db.shop.svc}`, e(diag.HostInCluster, p0("remoteHost"))),
		entryCase("host in-cluster under the cluster domain", `{direction: Egress, remoteHost: 10-0-0-1.shop.pod.cluster.local}`, e(diag.HostInCluster, p0("remoteHost"))),
		sidecarEntryCase("selector value with a comma and equals", egressTo(`selector: {a: "b,c=d"}`), e(diag.SelectorInvalid, p0("selector.a"))),
		sidecarEntryCase("selector with an empty key", egressTo(`selector: {"": x}`), e(diag.SelectorInvalid, p0(`selector[""]`))),
		sidecarEntryCase("selector key *", egressTo(`selector: {"*": x}`), e(diag.SelectorInvalid, p0("selector.*"))),
		entryCase("selector value too long", egressTo(`selector: {app: `+strings.Repeat("v", 64)+`}`), e(diag.SelectorInvalid, p0("selector.app"))),
		entryCase("remoteSelector key with a space", `{direction: Egress, remoteSelector: {"app name": db}}`, e(diag.SelectorInvalid, p0(`remoteSelector["app name"]`))),
		{name: "2.7 host upper case is a warning", items: okPkg(bad, ns, "", `{direction: Egress, remoteHost: API.Example.COM, serviceAccount: app, description: upper}`),
			want: []wantResult{w(diag.HostUppercase, p0("remoteHost"))}},

		// ---- rules 2.8-2.10 ------------------------------------------
		sidecarEntryCase("2.8 serviceAccount in sidecar mode", egressTo(`serviceAccount: app`), e(diag.ServiceAccount, p0("serviceAccount"))),
		entryCase("2.8 serviceAccount on a remoteNamespace entry", `{direction: Egress, remoteNamespace: other, serviceAccount: app}`, e(diag.ServiceAccount, p0("serviceAccount"))),
		entryCase("2.8 serviceAccount on an Ingress Anywhere entry", `{direction: Ingress, remoteGenerated: Anywhere, serviceAccount: app}`, e(diag.ServiceAccount, p0("serviceAccount"))),
		sidecarEntryCase("2.8 serviceAccount on Anywhere in sidecar mode", `{direction: Egress, remoteGenerated: Anywhere, serviceAccount: app}`, e(diag.ServiceAccount, p0("serviceAccount"))),
		{name: "2.10 same policy name without description", rejected: []pkgRef{{bad, ns}},
			items: pkg(bad, ns, "", `{direction: Egress, selector: {app: a}, remoteHost: x.example.com}`, `{direction: Egress, selector: {app: a}, remoteHost: y.example.com}`),
			want:  []wantResult{e(diag.PolicyNameTaken, "spec.network.allow[1]")}},
		{name: "2.10 same description", rejected: []pkgRef{{bad, ns}},
			items: pkg(bad, ns, "", `{direction: Egress, remoteHost: x.example.com, description: api}`, `{direction: Egress, remoteHost: y.example.com, description: api}`),
			want:  []wantResult{e(diag.PolicyNameTaken, "spec.network.allow[1].description")}},
		{name: "sidecar Package name over 63 characters", rejected: []pkgRef{{long63, ns}},
			items: pkg(long63, ns, "sidecar"),
			want:  []wantResult{E(diag.NameTooLong, long63, ns, "metadata.name")}},

		// ---- rule 2.11 and duplicates -------------------------------
		{name: "2.11 two Packages in one namespace", rejected: []pkgRef{{"second", "shared-ns"}},
			items: okPkg("first", "shared-ns", "") + pkg("second", "shared-ns", ""),
			want:  []wantResult{E(diag.NamespaceTaken, "second", "shared-ns", "metadata.namespace")}},
		{name: "2.11 second Package in the good Package's namespace", rejected: []pkgRef{{"intruder", "good-ns"}},
			items: pkg("intruder", "good-ns", ""),
			want:  []wantResult{E(diag.NamespaceTaken, "intruder", "good-ns", "metadata.namespace")}},
		{name: "2.11 first Package in a namespace is itself broken", rejected: []pkgRef{{"first", "shared-ns"}, {"second", "shared-ns"}},
			items: pkg("first", "shared-ns", "", `{direction: Egress, remoteHost: "*.x.com"}`) + pkg("second", "shared-ns", ""),
			want: []wantResult{E(diag.HostWildcard, "first", "shared-ns", p0("remoteHost")),
				E(diag.NamespaceTaken, "second", "shared-ns", "metadata.namespace")}},
		{name: "2.11 duplicate Package", rejected: []pkgRef{{}},
			items: okPkg("dup", "dup-ns", "") + pkg("dup", "dup-ns", ""),
			want:  []wantResult{E(diag.DuplicatePackage, "dup", "dup-ns", "metadata.name")}},
		{name: "2.11 reserved kube-system", items: pkg("sys", "kube-system", ""), rejected: []pkgRef{{"sys", "kube-system"}},
			want: []wantResult{E(diag.NamespaceReserved, "sys", "kube-system", "metadata.namespace")}},
		{name: "2.11 reserved kube-public", items: pkg("sys", "kube-public", ""), rejected: []pkgRef{{"sys", "kube-public"}},
			want: []wantResult{E(diag.NamespaceReserved, "sys", "kube-public", "metadata.namespace")}},
		{name: "2.11 reserved _unknown_", items: pkg("sys", "_unknown_", ""), rejected: []pkgRef{{"sys", "_unknown_"}}, bug: bugUnknownNS,
			want: []wantResult{E(diag.NamespaceReserved, "sys", "_unknown_", "metadata.namespace")}},
		{name: "2.11 reserved pepr-system", items: pkg("sys", "pepr-system", "sidecar"), rejected: []pkgRef{{"sys", "pepr-system"}},
			want: []wantResult{E(diag.NamespaceReserved, "sys", "pepr-system", "metadata.namespace")}},

		// ---- section 5: conflicts ---------------------------------------
		{name: "5 same host and port, two protocols in one Package", rejected: []pkgRef{{bad, ns}},
			items: pkg(bad, ns, "", `{direction: Egress, remoteHost: x.example.com, port: 8080, remoteProtocol: HTTP, description: a}`,
				`{direction: Egress, remoteHost: x.example.com, ports: [8443, 8080], description: b}`),
			want: []wantResult{e(diag.HostPortConflict, "spec.network.allow[1].remoteProtocol")}},
		{name: "5 same host and port, two protocols in one sidecar Package", rejected: []pkgRef{{bad, ns}},
			items: pkg(bad, ns, "sidecar", `{direction: Egress, remoteHost: x.example.com, port: 8080, remoteProtocol: HTTP, description: a}`,
				`{direction: Egress, remoteHost: x.example.com, port: 8080, remoteProtocol: TLS, description: b}`),
			want: []wantResult{e(diag.HostPortConflict, "spec.network.allow[1].remoteProtocol")}},
		{name: "5 conflict with the good Package", rejected: []pkgRef{{bad, ns}},
			items: pkg(bad, ns, "", `{direction: Egress, remoteHost: good.example.com, remoteProtocol: HTTP, port: 443, description: clash}`),
			want:  []wantResult{e(diag.HostPortConflict, p0("remoteProtocol"))}},

		// ---- warnings only -------------------------------------------
		entryCase("unknown allow field is an error", `{direction: Egress, remoteHost: x.example.com, prot: 443, description: typo}`,
			e(diag.UnknownField, p0("prot"))),
		{name: "deprecated podLabels is a warning", items: okPkg(bad, ns, "", `{direction: Egress, podLabels: {app: x}, remoteHost: x.example.com, description: old}`),
			want: []wantResult{w(diag.DeprecatedField, p0("podLabels"))}},
		{name: "deleted Package with a wrong apiVersion is ignored too", rejected: []pkgRef{{bad, ns}}, bug: bugDeletedChecked, items: `- apiVersion: uds.dev/v1beta1
  kind: Package
  metadata: {name: bad, namespace: bad-ns, deletionTimestamp: "2026-01-01T00:00:00Z"}
  spec: {network: {allow: [{direction: Egress, remoteHost: "{{bad}}"}]}}
`, want: []wantResult{I(diag.PackageDeleted, bad, ns, "metadata.deletionTimestamp")}},
		{name: "deleted Package is ignored", rejected: []pkgRef{{bad, ns}}, items: `- apiVersion: uds.dev/v1alpha1
  kind: Package
  metadata: {name: bad, namespace: bad-ns, deletionTimestamp: "2026-01-01T00:00:00Z"}
  spec: {network: {allow: [{direction: Egress, remoteHost: "{{bad}}"}]}}
`, want: []wantResult{I(diag.PackageDeleted, bad, ns, "metadata.deletionTimestamp")}},

		// ---- items that are not objects --------------------------------
		{name: "item a scalar", items: "- just a string\n", noRef: true, want: []wantResult{E(diag.ItemInvalid, "", "", "")}},
		{name: "item a quoted scalar with comment", items: "# about the scalar\n- \"42\" # the answer\n", noRef: true, want: []wantResult{E(diag.ItemInvalid, "", "", "")}},
		{name: "item a list", items: "- [a, b]\n- - c\n  - d\n", noRef: true,
			want: []wantResult{E(diag.ItemInvalid, "", "", ""), E(diag.ItemInvalid, "", "", "")}},
		{name: "item null", items: "- ~\n", noRef: true, want: []wantResult{E(diag.ItemInvalid, "", "", "")}},
		{name: "item empty (a bare dash)", items: "-\n", noRef: true, want: []wantResult{E(diag.ItemInvalid, "", "", "")}},
		{name: "item only a comment", items: "- # nothing here\n", noRef: true, want: []wantResult{E(diag.ItemInvalid, "", "", "")}},
		{name: "item a map without apiVersion", items: "- {kind: ConfigMap, metadata: {name: x}}\n", noRef: true, want: []wantResult{E(diag.ItemInvalid, "", "", "")}},
		{name: "item a Package without kind", items: "- apiVersion: uds.dev/v1alpha1\n  metadata: {name: x, namespace: x}\n  spec: {network: {allow: [{direction: Egress, remoteHost: \"{{bad}}\"}]}}\n",
			noRef: true, want: []wantResult{E(diag.ItemInvalid, "", "", "")}},

		// ---- bounded work ---------------------------------------------
		{name: "a ports list of 1..65535 aliased by eight entries", rejected: []pkgRef{{bad, ns}},
			items: pkg(bad, ns, "", aliasedPorts(8)...),
			want: func() []wantResult {
				var w []wantResult
				for i := 0; i < 8; i++ {
					w = append(w, e(diag.PortLimit, fmt.Sprintf("spec.network.allow[%d].ports", i)))
				}
				return w
			}()},
		{name: "a generated object over 1 MiB", rejected: []pkgRef{{bad, ns}},
			items: pkg(bad, ns, "", manyPorts(120)...),
			want:  []wantResult{e(diag.ObjectTooLarge, "spec.network.allow")}},
		{name: "a generated object over 1 MiB: only its largest contributor is rejected", rejected: []pkgRef{{bad, ns}},
			items: okPkg("victim", "victim-ns", "", "{direction: Egress, remoteHost: big.example.com, remoteProtocol: TLS, port: 443, serviceAccount: api, description: one port}") +
				pkg(bad, ns, "", manyPorts(120)...),
			want: []wantResult{e(diag.ObjectTooLarge, "spec.network.allow")}},
		{name: "the output over its budget: Anywhere participants times hosts", rejected: []pkgRef{{bad, ns}},
			outputBudget: &[2]int{0, 8},
			items:        pkg(bad, ns, "", anywhereTimesHosts(20, 10)...),
			want:         []wantResult{e(diag.OutputTooLarge, "spec.network.allow")}},
		unreadableCase("aliases across items beyond the run's budget", aliasAmplification()),

		// ---- nothing removed or shadowed silently ---------------------
		{name: "an unlabelled allow-all AuthorizationPolicy with a generated name", items: `- apiVersion: security.istio.io/v1
  kind: AuthorizationPolicy
  metadata: {name: ambient-ap-good-example-com, namespace: istio-egress-ambient}
  spec: {action: ALLOW, rules: [{}]}
`, want: []wantResult{E(diag.ObjectShadowed, "ambient-ap-good-example-com", "istio-egress-ambient", "metadata.name")}},
		{name: "an unlabelled ServiceEntry with a generated name in another version", items: `- apiVersion: networking.istio.io/v1beta1
  kind: ServiceEntry
  metadata: {name: ambient-se-good-example-com, namespace: istio-egress-ambient}
  spec: {hosts: [evil.example.com], location: MESH_EXTERNAL, resolution: DNS, ports: [{name: tls, number: 443, protocol: TLS}]}
`, want: []wantResult{E(diag.ObjectShadowed, "ambient-se-good-example-com", "istio-egress-ambient", "metadata.name")}},
		{name: "a labelled DENY AuthorizationPolicy is kept", items: `- apiVersion: security.istio.io/v1
  kind: AuthorizationPolicy
  metadata: {name: deny-all, namespace: quiet, labels: {app.kubernetes.io/managed-by: uds-egress-fn}}
  spec: {action: DENY, rules: [{}]}
`, want: []wantResult{W(diag.ManagedForeign, "deny-all", "quiet", "metadata.labels")}},
		{name: "a labelled AuthorizationPolicy without an action is kept", items: `- apiVersion: security.istio.io/v1
  kind: AuthorizationPolicy
  metadata: {name: allow-some, namespace: quiet, labels: {app.kubernetes.io/managed-by: uds-egress-fn}}
  spec: {rules: [{from: [{source: {namespaces: [quiet]}}]}]}
`, want: []wantResult{W(diag.ManagedForeign, "allow-some", "quiet", "metadata.labels")}},
		{name: "a labelled ALLOW_ANY Sidecar is kept", items: `- apiVersion: networking.istio.io/v1
  kind: Sidecar
  metadata: {name: open, namespace: quiet, labels: {app.kubernetes.io/managed-by: uds-egress-fn}}
  spec: {outboundTrafficPolicy: {mode: ALLOW_ANY}}
`, want: []wantResult{W(diag.ManagedForeign, "open", "quiet", "metadata.labels")}},
		{name: "a labelled ConfigMap is kept", items: `- apiVersion: v1
  kind: ConfigMap
  metadata: {name: notes, namespace: quiet, labels: {app.kubernetes.io/managed-by: uds-egress-fn}}
`, want: []wantResult{W(diag.ManagedForeign, "notes", "quiet", "metadata.labels")}},
		{name: "a labelled DENY policy with a generated name", items: `- apiVersion: security.istio.io/v1
  kind: AuthorizationPolicy
  metadata: {name: ambient-ap-good-example-com, namespace: istio-egress-ambient, labels: {app.kubernetes.io/managed-by: uds-egress-fn}}
  spec: {action: DENY, rules: [{}]}
`, want: []wantResult{W(diag.ManagedForeign, "ambient-ap-good-example-com", "istio-egress-ambient", "metadata.labels"),
			E(diag.ObjectShadowed, "ambient-ap-good-example-com", "istio-egress-ambient", "metadata.name")}},
		{name: "an input Sidecar overlapping a generated one", items: okPkg(bad, ns, "sidecar", `{direction: Egress, selector: {app: web}, remoteHost: x.example.com, description: web}`) + `- apiVersion: networking.istio.io/v1
  kind: Sidecar
  metadata: {name: mine, namespace: bad-ns}
  spec: {workloadSelector: {labels: {app: web, tier: front}}, outboundTrafficPolicy: {mode: REGISTRY_ONLY}}
`, want: []wantResult{ // the same pods as bad-egress-app-web, and over bad-egress-default (the marker entry's)
			W(diag.SidecarOverlap, "mine", ns, "spec.workloadSelector"), W(diag.SidecarOverlap, "mine", ns, "spec.workloadSelector")}},
		{name: "an input ALLOW_ANY Sidecar overlapping a generated one", items: okPkg(bad, ns, "sidecar", `{direction: Egress, selector: {app: web}, remoteHost: x.example.com, description: web}`) + `- apiVersion: networking.istio.io/v1
  kind: Sidecar
  metadata: {name: mine, namespace: bad-ns}
  spec: {workloadSelector: {labels: {app: web, tier: front}}, outboundTrafficPolicy: {mode: ALLOW_ANY}}
`, want: []wantResult{E(diag.SidecarOverride, "mine", ns, "spec.outboundTrafficPolicy"), E(diag.SidecarOverride, "mine", ns, "spec.outboundTrafficPolicy")}},
		{name: "an input namespace-wide Sidecar next to a generated one", items: okPkg(bad, ns, "sidecar", `{direction: Egress, remoteHost: x.example.com, description: all}`) + `- apiVersion: networking.istio.io/v1
  kind: Sidecar
  metadata: {name: mine, namespace: bad-ns}
  spec: {outboundTrafficPolicy: {mode: REGISTRY_ONLY}}
`, want: []wantResult{W(diag.SidecarOverlap, "mine", ns, "spec.workloadSelector")}},
		{name: "an input namespace-wide ALLOW_ANY Sidecar next to a generated one", items: okPkg(bad, ns, "sidecar", `{direction: Egress, remoteHost: x.example.com, description: all}`) + `- apiVersion: networking.istio.io/v1
  kind: Sidecar
  metadata: {name: mine, namespace: bad-ns}
  spec: {outboundTrafficPolicy: {mode: ALLOW_ANY}}
`, want: []wantResult{E(diag.SidecarOverride, "mine", ns, "spec.outboundTrafficPolicy")}},
		{name: "an input Sidecar with a selector over a generated namespace-wide one", items: okPkg(bad, ns, "sidecar", `{direction: Egress, remoteHost: x.example.com, description: all}`) + `- apiVersion: networking.istio.io/v1
  kind: Sidecar
  metadata: {name: mine, namespace: bad-ns}
  spec: {workloadSelector: {labels: {app: legacy}}, outboundTrafficPolicy: {mode: REGISTRY_ONLY}}
`, want: []wantResult{W(diag.SidecarOverlap, "mine", ns, "spec.workloadSelector")}},
		{name: "an input Sidecar with a selector and no outboundTrafficPolicy over a generated namespace-wide one", items: okPkg(bad, ns, "sidecar", `{direction: Egress, remoteHost: x.example.com, description: all}`) + `- apiVersion: networking.istio.io/v1
  kind: Sidecar
  metadata: {name: mine, namespace: bad-ns}
  spec: {workloadSelector: {labels: {app: legacy}}, egress: [{hosts: ["./*"]}]}
`, want: []wantResult{E(diag.SidecarOverride, "mine", ns, "spec.outboundTrafficPolicy")}},
		{name: "sidecarScope workload: one selector asks one port with HTTP and TLS", config: "{apiVersion: fn.uds-egress.dev/v1alpha1, kind: EgressConfig, metadata: {name: cfg}, spec: {sidecarScope: workload}}",
			items: okPkg(bad, ns, "sidecar",
				`{direction: Egress, selector: {app: web}, remoteHost: a.example.com, remoteProtocol: HTTP, port: 80, description: web a}`,
				`{direction: Egress, selector: {app: web}, remoteHost: b.example.com, remoteProtocol: TLS, port: 80, description: web b}`,
				`{direction: Egress, selector: {app: api}, remoteHost: a.example.com, remoteProtocol: TLS, port: 443, description: api a}`),
			want: []wantResult{W(diag.SidecarPortMixed, bad, ns, "spec.network.allow")}},

		// ---- Packages hidden from evaluation ---------------------------
		rawPkgCase("kind ConfigMap then kind Package", `- apiVersion: uds.dev/v1alpha1
  kind: ConfigMap
  kind: Package
  metadata: {name: bad, namespace: bad-ns}
  spec: {network: {allow: [{direction: Egress, remoteHost: "{{bad}}"}]}}
`, pkgRef{"bad", "bad-ns"}, wantResult{diag.ItemInvalid, diag.Error, bad, ns, "kind"}),
		rawPkgCase("apiVersion twice", `- apiVersion: v1
  apiVersion: uds.dev/v1alpha1
  kind: Package
  metadata: {name: bad, namespace: bad-ns}
  spec: {network: {allow: [{direction: Egress, remoteHost: "{{bad}}"}]}}
`, pkgRef{"bad", "bad-ns"}, E(diag.ItemInvalid, bad, ns, "apiVersion")),
		rawPkgCase("kind twice through an alias key", `- apiVersion: uds.dev/v1alpha1
  &k kind: ConfigMap
  *k : Package
  metadata: {name: bad, namespace: bad-ns}
  spec: {network: {allow: [{direction: Egress, remoteHost: "{{bad}}"}]}}
`, pkgRef{"bad", "bad-ns"}, E(diag.ItemInvalid, bad, ns, "kind")),
		rawPkgCase("metadata.namespace twice", `- apiVersion: uds.dev/v1alpha1
  kind: Package
  metadata: {name: bad, namespace: bad-ns, namespace: good-ns}
  spec: {network: {allow: [{direction: Egress, remoteHost: "{{bad}}"}]}}
`, pkgRef{"bad", "bad-ns"}, E(diag.ItemInvalid, bad, ns, "metadata.namespace")),
		rawPkgCase("metadata.name twice on a ConfigMap", `- apiVersion: v1
  kind: ConfigMap
  metadata: {name: bad, name: other, namespace: bad-ns}
`, pkgRef{}, E(diag.ItemInvalid, bad, ns, "metadata.name")),
		rawPkgCase("a Package inside a v1 List", `- apiVersion: v1
  kind: List
  metadata: {name: bad, namespace: bad-ns}
  items:
  - {apiVersion: v1, kind: ConfigMap, metadata: {name: cm, namespace: bad-ns}}
  - apiVersion: uds.dev/v1alpha1
    kind: Package
    metadata: {name: hidden, namespace: bad-ns}
    spec: {network: {allow: [{direction: Egress, remoteHost: "{{bad}}"}]}}
`, pkgRef{"hidden", "bad-ns"}, E(diag.ItemInvalid, bad, ns, "items[1]")),
		rawPkgCase("a Package in a List in a PackageList", `- apiVersion: uds.dev/v1alpha1
  kind: PackageList
  metadata: {name: bad, namespace: bad-ns}
  items:
  - apiVersion: v1
    kind: List
    items:
    - {apiVersion: uds.dev/v1alpha1, kind: Package, metadata: {name: hidden, namespace: bad-ns}, spec: {network: {allow: [{direction: Egress, remoteHost: "{{bad}}"}]}}}
`, pkgRef{"hidden", "bad-ns"}, E(diag.ItemInvalid, bad, ns, "items[0].items[0]")),
		unreadableCase("a second YAML document", "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: []\n---\napiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- {apiVersion: uds.dev/v1alpha1, kind: Package, metadata: {name: x, namespace: x}, spec: {network: {allow: [{direction: Egress, remoteHost: a.example.com}]}}}\n"),
		unreadableCase("a second YAML document that is not YAML", "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: []\n---\nitems: [\n"),
		unreadableCase("a second document after an end marker", "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: []\n...\n--- {kind: Package}\n"),

		// ---- unreadable input ------------------------------------------
		unreadableCase("empty input", ""),
		unreadableCase("only a comment", "# nothing here\n"),
		unreadableCase("not YAML", "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: [\n"),
		unreadableCase("binary", "\x00\xff\xfe"),
		unreadableCase("items a map", "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: {apiVersion: v1, kind: ConfigMap}\n"),
		unreadableCase("items a string", "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: everything\n"),
		unreadableCase("wrong kind", "apiVersion: v1\nkind: List\nitems: []\n"),
		unreadableCase("a bare list of objects", "- apiVersion: v1\n  kind: ConfigMap\n"),

		// ---- functionConfig ---------------------------------------------
		{name: "config unknown setting", config: "{apiVersion: fn.uds-egress.dev/v1alpha1, kind: EgressConfig, metadata: {name: cfg}, spec: {gatewayPort: [443]}}",
			want: []wantResult{E(diag.ConfigUnknownKey, "cfg", "", "spec.gatewayPort")}},
		{name: "config waypointEnabled !!bool yes", config: "{apiVersion: fn.uds-egress.dev/v1alpha1, kind: EgressConfig, metadata: {name: cfg}, spec: {waypointEnabled: !!bool yes}}",
			want: []wantResult{E(diag.ConfigInvalid, "cfg", "", "spec.waypointEnabled")}},
		{name: "config waypointEnabled !!bool banana", config: "{apiVersion: fn.uds-egress.dev/v1alpha1, kind: EgressConfig, metadata: {name: cfg}, spec: {waypointEnabled: !!bool \"banana\"}}",
			want: []wantResult{E(diag.ConfigInvalid, "cfg", "", "spec.waypointEnabled")}},
		{name: "config ConfigMap selector key twice", config: "{apiVersion: v1, kind: ConfigMap, metadata: {name: cm}, data: {gatewaySelector: \"app=a,app=b\"}}",
			want: []wantResult{E(diag.ConfigInvalid, "cm", "", "data.gatewaySelector")}},
		{name: "config unknown top-level key", config: "{apiVersion: fn.uds-egress.dev/v1alpha1, kind: EgressConfig, metadata: {name: cfg}, data: {}}",
			want: []wantResult{E(diag.ConfigUnknownKey, "cfg", "", "data")}},
		{name: "config wrong kind", config: "{apiVersion: fn.uds-egress.dev/v1alpha1, kind: EgressSettings, metadata: {name: cfg}, spec: {}}",
			want: []wantResult{E(diag.ConfigInvalid, "cfg", "", "kind")}},
		{name: "config port 0", config: "{apiVersion: fn.uds-egress.dev/v1alpha1, kind: EgressConfig, metadata: {name: cfg}, spec: {gatewayPorts: [443, 0]}}",
			want: []wantResult{E(diag.ConfigInvalid, "cfg", "", "spec.gatewayPorts[1]")}},
		{name: "config port a string", config: "{apiVersion: fn.uds-egress.dev/v1alpha1, kind: EgressConfig, metadata: {name: cfg}, spec: {gatewayPorts: [\"443\"]}}",
			want: []wantResult{E(diag.ConfigInvalid, "cfg", "", "spec.gatewayPorts[0]")}},
		{name: "config ConfigMap bad port list", config: "{apiVersion: v1, kind: ConfigMap, metadata: {name: cm}, data: {gatewayPorts: \"80,https\"}}",
			want: []wantResult{E(diag.ConfigInvalid, "cm", "", "data.gatewayPorts")}},
		{name: "config ConfigMap unknown key", config: "{apiVersion: v1, kind: ConfigMap, metadata: {name: cm}, data: {ambientNamespce: x}}",
			want: []wantResult{E(diag.ConfigUnknownKey, "cm", "", "data.ambientNamespce")}},
		{name: "config ambientNamespace not a DNS label", config: "{apiVersion: fn.uds-egress.dev/v1alpha1, kind: EgressConfig, metadata: {name: cfg}, spec: {ambientNamespace: Istio_Egress}}",
			want: []wantResult{E(diag.ConfigInvalid, "cfg", "", "spec.ambientNamespace")}},

		// ---- host policies (EgressConfig spec.hosts) --------------------
		{name: "host policy lower-case method", config: hostPolicyConfig("{host: x.example.com, http: [{methods: [get]}]}"),
			want: []wantResult{E(diag.HostPolicyInvalid, "cfg", "", "spec.hosts[0].http[0].methods[0]")}},
		{name: "host policy subjectAltNames empty", config: hostPolicyConfig("{host: x.example.com, tlsOrigination: {subjectAltNames: []}}"),
			want: []wantResult{E(diag.HostPolicyInvalid, "cfg", "", "spec.hosts[0].tlsOrigination.subjectAltNames")}},
		{name: "host policy subjectAltNames not a name", config: hostPolicyConfig("{host: x.example.com, tlsOrigination: {subjectAltNames: [x.example.com, \"bad name\", x.example.com]}}"),
			want: []wantResult{E(diag.HostPolicyInvalid, "cfg", "", "spec.hosts[0].tlsOrigination.subjectAltNames[1]"),
				E(diag.HostPolicyInvalid, "cfg", "", "spec.hosts[0].tlsOrigination.subjectAltNames[2]")}},
		{name: "host policy path with a * in the middle", config: hostPolicyConfig("{host: x.example.com, http: [{paths: [\"/a*b\"]}]}"),
			want: []wantResult{E(diag.HostPolicyInvalid, "cfg", "", "spec.hosts[0].http[0].paths[0]")}},
		{name: "host policy header name with a space", config: hostPolicyConfig("{host: x.example.com, requestHeaders: {add: {\"x y\": z}}}"),
			want: []wantResult{E(diag.HostPolicyInvalid, "cfg", "", "spec.hosts[0].requestHeaders.add.x y")}},
		{name: "host policy in a ConfigMap", config: "{apiVersion: v1, kind: ConfigMap, metadata: {name: cm}, data: {hosts: x.example.com}}",
			want: []wantResult{E(diag.ConfigInvalid, "cm", "", "data.hosts")}},
		{name: "host policy: tlsOrigination port asked for with TLS",
			items:    pkg("bad", "bad-ns", "", "{direction: Egress, remoteHost: \"{{bad}}\", remoteProtocol: TLS, port: 80}"),
			config:   hostPolicyConfig("{host: \"{{bad}}\", tlsOrigination: {port: 80}}"),
			rejected: []pkgRef{{"bad", "bad-ns"}},
			want: []wantResult{E(diag.HostPolicyPortClash, "cfg", "", "spec.hosts[0].tlsOrigination.port"),
				W(diag.HostPolicyUnused, "cfg", "", "spec.hosts[0].host")}},
		{name: "host policy: sidecar Package asks for the host",
			items:    pkg("bad", "bad-ns", "sidecar"),
			config:   hostPolicyConfig("{host: \"{{bad}}\", http: [{methods: [GET]}]}"),
			rejected: []pkgRef{{"bad", "bad-ns"}},
			want:     []wantResult{E(diag.HostPolicySidecar, "cfg", "", "spec.hosts[0].host")}},
		{name: "host policy: http rules on a TLS-only host",
			config: hostPolicyConfig("{host: good.example.com, http: [{methods: [GET]}]}"),
			want:   []wantResult{E(diag.HostPolicyNeedsHTTP, "cfg", "", "spec.hosts[0].http")}},

		// The ownership guard: a namespace the platform expects holds no
		// Package (a per-team partial render).
		{name: "config expectedNamespaces without a Package", config: "{apiVersion: fn.uds-egress.dev/v1alpha1, kind: EgressConfig, metadata: {name: cfg}, spec: {expectedNamespaces: [good-ns, team-gone]}}",
			want: []wantResult{E(diag.ExpectedNamespace, "cfg", "", "spec.expectedNamespaces[1]")}},
		{name: "config ConfigMap expectedNamespaces without a Package", config: "{apiVersion: v1, kind: ConfigMap, metadata: {name: cm}, data: {expectedNamespaces: \"team-gone,good-ns\"}}",
			want: []wantResult{E(diag.ExpectedNamespace, "cm", "", "data.expectedNamespaces")}},
		// A functionConfig that is no object at all has no resourceRef to
		// give (and certainly not an invented kind "functionConfig"), and
		// its message must not blame items[0].
		{name: "config a list", config: "[a, b]", noRef: true,
			want: []wantResult{E(diag.ConfigInvalid, "", "", "")}},
		{name: "config without apiVersion and kind", config: "{spec: {}}", noRef: true,
			want: []wantResult{E(diag.ConfigInvalid, "", "", "kind")}},
	}
	return cases
}

// TestBadInputCatalogue drives every case through Run().
// TestBadInputCatalogueDump writes every catalogue input to the directory
// $BADINPUT_DUMP (one file per case, named by its index), for e2e's
// memory-bound test of the real binary. Without the variable it does
// nothing.
func TestBadInputCatalogueDump(t *testing.T) {
	dir := os.Getenv("BADINPUT_DUMP")
	if dir == "" {
		t.Skip("BADINPUT_DUMP not set")
	}
	for i, tc := range badInputCases() {
		in, _, _ := badInput(i, tc)
		require.NoError(t, os.WriteFile(filepath.Join(dir, fmt.Sprintf("%03d.yaml", i)), []byte(in), 0o644))
	}
}

func TestBadInputCatalogue(t *testing.T) {
	cases := badInputCases()
	require.GreaterOrEqual(t, len(cases), 70)
	seen := map[string]bool{}
	for i, tc := range cases {
		require.False(t, seen[tc.name], "duplicate case name %q", tc.name)
		seen[tc.name] = true
		t.Run(tc.name, func(t *testing.T) {
			if tc.bug != "" {
				t.Logf("regression test for: %s", tc.bug)
			}
			checkBadCase(t, i, tc)
		})
	}
}

type parsedResult struct {
	Message     string `yaml:"message"`
	Severity    string `yaml:"severity"`
	ResourceRef *struct {
		APIVersion string `yaml:"apiVersion"`
		Kind       string `yaml:"kind"`
		Name       string `yaml:"name"`
		Namespace  string `yaml:"namespace"`
	} `yaml:"resourceRef"`
	Field *struct {
		Path string `yaml:"path"`
	} `yaml:"field"`
	Tags map[string]string `yaml:"tags"`
}

func (r parsedResult) key() wantResult {
	w := wantResult{code: diag.Code(r.Tags["code"]), severity: diag.Severity(r.Severity)}
	if r.ResourceRef != nil {
		w.name, w.ns = r.ResourceRef.Name, r.ResourceRef.Namespace
	}
	if r.Field != nil {
		w.path = r.Field.Path
	}
	return w
}

func (w wantResult) String() string {
	return fmt.Sprintf("%s %s ref=%s/%s path=%q", w.severity, w.code, w.ns, w.name, w.path)
}

// parsedOutput is the output ResourceList.
type parsedOutput struct {
	items   []*yaml.Node
	results []parsedResult
}

func parseOutput(t testing.TB, out string) parsedOutput {
	t.Helper()
	var doc yaml.Node
	require.NoError(t, yaml.Unmarshal([]byte(out), &doc), "the output is not YAML:\n%s", out)
	require.Len(t, doc.Content, 1)
	root := doc.Content[0]
	require.Equal(t, "ResourceList", text(root, "kind"), "the output is not a ResourceList:\n%s", out)
	var p parsedOutput
	if items := lookup(root, "items"); items != nil {
		require.Equal(t, yaml.SequenceNode, items.Kind)
		p.items = items.Content
	}
	if rs := lookup(root, "results"); rs != nil {
		require.NoError(t, rs.Decode(&p.results))
	}
	return p
}

func generatedItems(items []*yaml.Node) []*yaml.Node {
	var out []*yaml.Node
	for _, it := range items {
		if viewOf(it, schemas.DefaultSettings()).managed {
			out = append(out, it)
		}
	}
	return out
}

// badInput returns the ResourceList of case i, and the hosts that only the
// rejected ({{bad}}) and accepted ({{ok}}) Packages ask for.
func badInput(i int, tc badCase) (in, badHost, okHost string) {
	badHost = fmt.Sprintf("bad-%d.example.com", i)
	okHost = fmt.Sprintf("ok-%d.example.com", i)
	expand := func(s string) string {
		return strings.NewReplacer("{{bad}}", badHost, "{{ok}}", okHost).Replace(s)
	}
	if tc.unreadable {
		return expand(tc.raw), badHost, okHost
	}
	in = resourceList1(innocentHead + goodPackage + expand(tc.items) + innocentTail)
	if tc.config != "" {
		in += "functionConfig: " + expand(tc.config) + "\n"
	}
	return in, badHost, okHost
}

func checkBadCase(t *testing.T, i int, tc badCase) {
	in, badHost, okHost := badInput(i, tc)
	if b := tc.outputBudget; b != nil {
		floor, perByte := outputBudgetFloor, outputBudgetPerInputByte
		outputBudgetFloor, outputBudgetPerInputByte = b[0], b[1]
		defer func() { outputBudgetFloor, outputBudgetPerInputByte = floor, perByte }()
	}

	var out, stderr bytes.Buffer
	var code int
	require.NotPanics(t, func() { code = Run(strings.NewReader(in), &out, &stderr) }, "input:\n%s", in)
	parsed := parseOutput(t, out.String())

	// Results: the errors and warnings are exactly the expected ones.
	var got, gotAll []wantResult
	wantErr := false
	for _, w := range tc.want {
		wantErr = wantErr || w.severity == diag.Error
		assert.Equal(t, diag.SeverityOf(w.code), w.severity, "the case disagrees with the catalogue about %s", w.code)
	}
	for _, r := range parsed.results {
		assert.NotEmpty(t, r.Message, "a result without a message")
		assert.NotEmpty(t, r.Tags["code"], "a result without a code")
		k := r.key()
		assert.Equal(t, diag.SeverityOf(k.code), k.severity, "severity of %s is not the catalogue's", k.code)
		gotAll = append(gotAll, k)
		if k.severity != diag.Info {
			got = append(got, k)
		}
		if k.severity == diag.Error || k.severity == diag.Warning {
			assert.Contains(t, stderr.String(), "("+string(k.code)+")", "errors and warnings are printed to stderr")
		}
	}
	var want []wantResult
	for _, w := range tc.want {
		if w.severity != diag.Info {
			want = append(want, w)
		} else {
			assert.Contains(t, gotAll, w, "the expected info result is missing")
		}
	}
	assert.Equal(t, sortedStrings(want), sortedStrings(got), "results (errors and warnings); all results:\n%s", resultsText(parsed.results))
	if tc.noRef {
		for _, r := range parsed.results {
			if r.Severity == string(diag.Error) {
				assert.Nil(t, r.ResourceRef, "%s: no resourceRef expected", r.Message)
				assert.NotRegexp(t, regexp.MustCompile(`^items\[\d+\]: .*functionConfig`), r.Message, "a functionConfig result must not point at an item")
			}
		}
	}
	if wantErr {
		assert.Equal(t, 1, code, "exit code")
	} else {
		assert.Equal(t, 0, code, "exit code")
	}

	if tc.unreadable {
		assert.Empty(t, parsed.items, "unreadable input yields a ResourceList with no items")
		return
	}

	// Every input item comes out exactly as a no-op round trip writes it,
	// first and in input order.
	noop := noopRoundTrip(t, in)
	configBroken := false
	for _, w := range tc.want {
		configBroken = configBroken || w.code == diag.ConfigInvalid || w.code == diag.ConfigUnknownKey || w.code == diag.HostPolicyInvalid
	}
	if configBroken {
		assert.Equal(t, beforeResults(noop), beforeResults(out.String()), "with an invalid functionConfig every item passes through and nothing is generated")
		assert.Empty(t, generatedItems(parsed.items))
		return
	}
	assert.True(t, strings.HasPrefix(itemsPart(out.String()), itemsPart(noop)),
		"pass-through items changed:\n--- got\n%s\n--- no-op\n%s", itemsPart(out.String()), itemsPart(noop))

	gen := generatedItems(parsed.items)
	var genText strings.Builder
	for _, g := range gen {
		genText.Write(encode(t, g))
		genText.WriteString("---\n")
	}
	// The good Package still generates its objects.
	goodSE := false
	for _, g := range gen {
		if text(g, "kind") == "ServiceEntry" && text(g, "metadata", "name") == "ambient-se-good-example-com" &&
			text(g, "metadata", "annotations", "uds.dev/user-good-good-ns") == "user" {
			goodSE = true
		}
	}
	assert.True(t, goodSE, "the good Package lost its ServiceEntry")
	assert.Contains(t, genText.String(), "cluster.local/ns/good-ns/sa/good")

	// A rejected Package contributes nothing.
	for _, g := range gen {
		assert.NotContains(t, string(encode(t, g)), badHost, "a rejected Package generated %s %s/%s",
			text(g, "kind"), text(g, "metadata", "namespace"), text(g, "metadata", "name"))
	}
	for _, r := range tc.rejected {
		if r.name == "" {
			continue
		}
		key := "uds.dev/user-" + r.name + "-" + r.ns
		for _, g := range gen {
			ann := lookup(g, "metadata", "annotations")
			assert.Empty(t, text(ann, key), "%s %s carries %s", text(g, "kind"), text(g, "metadata", "name"), key)
			assert.NotEqual(t, r.name, text(g, "metadata", "labels", "uds/package"), "%s %s is labelled uds/package: %s", text(g, "kind"), text(g, "metadata", "name"), r.name)
		}
	}
	// An accepted Package does generate.
	if strings.Contains(tc.items, "{{ok}}") {
		assert.Contains(t, genText.String(), okHost, "an accepted Package generated nothing")
	}

	// A second run over the output changes nothing.
	var again bytes.Buffer
	Run(bytes.NewReader(out.Bytes()), &again, &bytes.Buffer{})
	assert.Equal(t, out.String(), again.String(), "a second run over the output must change nothing")
}

// itemsPart is the items section of a written ResourceList, up to
// functionConfig or results, newline included.
func itemsPart(out string) string {
	i := strings.Index(out, "items:")
	if i < 0 {
		return ""
	}
	rest := out[i:]
	for _, end := range []string{"\nfunctionConfig:", "\nresults:"} {
		if j := strings.Index(rest, end); j >= 0 {
			rest = rest[:j+1]
		}
	}
	return rest
}

// beforeResults is everything a written ResourceList holds before results.
func beforeResults(out string) string {
	if j := strings.Index(out, "\nresults:"); j >= 0 {
		return out[:j+1]
	}
	return out
}

func sortedStrings(ws []wantResult) string {
	ss := make([]string, len(ws))
	for i, w := range ws {
		ss[i] = w.String()
	}
	sort.Strings(ss)
	return strings.Join(ss, "\n")
}

func resultsText(rs []parsedResult) string {
	var b strings.Builder
	for _, r := range rs {
		fmt.Fprintf(&b, "  %s | %s\n", r.key(), r.Message)
	}
	return b.String()
}

// TestBadInputCatalogueCoversCodes makes sure the catalogue exercises every
// error code a bad input can produce.
func TestBadInputCatalogueCoversCodes(t *testing.T) {
	covered := map[diag.Code]bool{}
	for _, tc := range badInputCases() {
		for _, w := range tc.want {
			covered[w.code] = true
		}
	}
	for _, c := range appliedCases() { // the review's codes (ProcessApplied)
		covered[c.code] = true
	}
	var missing []string
	for _, e := range diag.Catalogue {
		if e.Severity != diag.Error || e.Code == diag.EffectDiffers {
			continue // effect-differs is the review's: TestReviewEffectDiffers
		}
		if !covered[e.Code] {
			missing = append(missing, string(e.Code))
		}
	}
	sort.Strings(missing)
	assert.Empty(t, missing, "error codes without a bad-input case")
}

// Regression tests for bugs found by the fuzzers and by hand (each is also
// a committed corpus file under testdata/fuzz/FuzzPipeline/bug-*).

// An item's position in result messages ("items[1]: ...") must be the same
// on a second run over the output, where the objects generated by the first
// run no longer sit before it.
func TestRegressionItemPositionsStableAcrossRuns(t *testing.T) {
	in := resourceList1(`- apiVersion: v1
  kind: ConfigMap
  metadata: {name: old, labels: {app.kubernetes.io/managed-by: uds-egress-fn}}
- just a scalar
- apiVersion: uds.dev/v1alpha1
  kind: Package
  metadata: {namespace: no-name}
  spec: {}
`)
	out, _, code := runString(t, in)
	require.Equal(t, 1, code)
	again, _, _ := runString(t, out)
	assert.Equal(t, out, again, "a second run over the output must change nothing")
}

// Items are written one by one, before functionConfig: an alias in a kept
// item to an anchor in functionConfig, or in an item that is dropped (an
// earlier output of the function), must not leave the output with an alias
// to an anchor it does not define.
func TestRegressionAliasesOutliveTheirAnchors(t *testing.T) {
	for name, in := range map[string]string{
		"anchor in functionConfig": `apiVersion: config.kubernetes.io/v1
kind: ResourceList
functionConfig: {apiVersion: v1, kind: ConfigMap, metadata: {name: c, annotations: &a {x: y}}}
items:
- apiVersion: v1
  kind: ConfigMap
  metadata: {name: user, annotations: *a}
`,
		"anchor in a dropped generated item": resourceList1(`- apiVersion: networking.istio.io/v1
  kind: ServiceEntry
  metadata: {name: old, labels: {app.kubernetes.io/managed-by: uds-egress-fn}, annotations: &a {x: y}}
- apiVersion: v1
  kind: ConfigMap
  metadata: {name: user, annotations: *a}
`),
	} {
		t.Run(name, func(t *testing.T) {
			out, stderr, code := runString(t, in)
			assert.Equal(t, 0, code, stderr)
			var doc yaml.Node
			require.NoError(t, yaml.Unmarshal([]byte(out), &doc), "the output is not YAML:\n%s", out)
			parsed := parseOutput(t, out)
			require.Len(t, parsed.items, 1)
			assert.Equal(t, "y", text(parsed.items[0], "metadata", "annotations", "x"), "the kept item lost its aliased annotations")
			again, _, _ := runString(t, out)
			assert.True(t, sameAfterRerun([]byte(out), []byte(again)), "a second run changed more than the stale results:\n%s\n---\n%s", out, again)
			if name == "anchor in a dropped generated item" {
				assert.Contains(t, out, "code: stale-object-removed", "the dropped ServiceEntry is named")
			}
		})
	}
}

// Only objects the function generates are dropped as earlier output. A
// Package is never one of them: a Package that carries the managed-by label
// (copied from a generated object, say) must not vanish without a word.
func TestRegressionPackageWithManagedByLabelIsNotLost(t *testing.T) {
	in := resourceList1(goodPackage + `- apiVersion: uds.dev/v1alpha1
  kind: Package
  metadata:
    name: labelled
    namespace: labelled
    labels: {app.kubernetes.io/managed-by: uds-egress-fn}
  spec: {network: {allow: [{direction: Egress, remoteHost: labelled.example.com, serviceAccount: app}]}}
`)
	out, _, _ := runString(t, in)
	assert.True(t, strings.HasPrefix(itemsPart(out), itemsPart(noopRoundTrip(t, in))), "an input Package was dropped:\n%s", out)
}

// The reader must mean what a YAML parser means. Each input here is read by
// yaml.v3 as a ResourceList whose items say one thing; the function must
// keep them (their meaning, at least) and process them as such.
func TestRegressionReaderAgreesWithYAML(t *testing.T) {
	keepBeforeConfig := `apiVersion: config.kubernetes.io/v1
kind: ResourceList
items:
- apiVersion: v1
  kind: ConfigMap
  metadata: {name: a}
  data:
    keep: |+
      kept


functionConfig: {apiVersion: v1, kind: ConfigMap, metadata: {name: c}}
`
	keepAtEnd := `apiVersion: config.kubernetes.io/v1
kind: ResourceList
items:
- apiVersion: v1
  kind: ConfigMap
  metadata: {name: a}
  data:
    keep: |+
      kept

`
	bom := "\ufeffitems:\n" + strings.TrimPrefix(goodPackage, "") + "kind: ResourceList\napiVersion: config.kubernetes.io/v1\n"
	aliasItem := resourceList1("- &a {apiVersion: v1, kind: ConfigMap, metadata: {name: a}}\n- *a\n")
	for name, in := range map[string]string{
		"keep-chomped block scalar at the end of items, before functionConfig": keepBeforeConfig,
		"keep-chomped block scalar at the end of the input":                    keepAtEnd,
		"byte order mark, then items as the first key":                         bom,
		"an item that is an alias to an earlier item":                          aliasItem,
		"literal block scalar at the end of an input without a final newline":  "kind: ResourceList\nitems:\n- |\n  00",
		// Flow-style input is parsed whole and written with yaml.v3, which
		// writes an empty null in a flow map as '' (an empty string).
		"null values in a flow-style item":       "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: [{apiVersion: v1, kind: ConfigMap, metadata: {name: a}, data: {x: , y}}]\n",
		"null values in a flow-style item, CRLF": "apiVersion: config.kubernetes.io/v1\r\nkind: ResourceList\r\nitems:\r\n- {apiVersion: v1, kind: ConfigMap, metadata: {name: a}, spec: {x: , y, z: ~}}\r\n",
		// Without the final newline the input takes the full parser, which
		// kept a null functionConfig and wrote "functionConfig:" + blank
		// lines; the second run (block path) then dropped it.
		"null functionConfig, no final newline": "kind: ResourceList\nfunctionConfig:",
		"a line of spaces after the last item":  "kind: ResourceList\nitems:\n  -\n  \n",
	} {
		t.Run(name, func(t *testing.T) {
			want, ok := krmiotest.FullParse([]byte(in))
			require.True(t, ok, "the test input is a ResourceList")
			out, _, code := runString(t, in)
			parsed := parseOutput(t, out)
			require.GreaterOrEqual(t, len(parsed.items), len(want.Items), "items were lost:\n%s", out)
			for i, w := range want.Items {
				wc, _ := canon(w)
				gc, _ := canon(parsed.items[i])
				assert.Equal(t, wc, gc, "item %d changed its meaning", i)
			}
			if strings.Contains(in, "uds.dev/v1alpha1") {
				assert.Contains(t, out, "ambient-se-good-example-com", "the Package was not processed")
			}
			again, _, code2 := runString(t, out)
			assert.Equal(t, out, again, "a second run over the output must change nothing")
			assert.Equal(t, code, code2)
		})
	}
}

// Input that is not YAML is input-invalid even when the broken part is a
// top-level key the function does not otherwise read.
func TestRegressionInvalidYAMLAnywhereIsInputInvalid(t *testing.T) {
	for name, in := range map[string]string{
		"unclosed flow list in results":    "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: []\nresults: [unclosed\n",
		"empty key":                        "kind: ResourceList\n:",
		"invalid UTF-8 in a comment":       "# \xff\nkind: ResourceList\nitems: []\n",
		"a control character in a comment": "#\x1c control character\nkind: ResourceList\nitems: []\n",
		// "- 00\n  :" is not YAML in a list, but "00\n:" alone parses; the
		// output then was not YAML either.
		"an item that parses only on its own": "kind: ResourceList\nitems:\n- 00\n  :",
	} {
		t.Run(name, func(t *testing.T) {
			out, _, code := runString(t, in)
			assert.Equal(t, 1, code)
			assert.Contains(t, out, "code: input-invalid")
		})
	}
}
