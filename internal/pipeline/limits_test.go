package pipeline

import (
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Hostile shapes finish quickly, within bounded memory, with a coded
// result when they cannot be processed. (Scale runs of 100k Packages and a
// 100 MB input live in e2e/limits_test.go.)

// billionLaughs nests 10 aliases per level, 12 levels deep: expanded, it
// would be 10^12 nodes.
func billionLaughs(indent string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%sl0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n", indent)
	for i := 1; i <= 12; i++ {
		refs := strings.TrimSuffix(strings.Repeat(fmt.Sprintf("*l%d, ", i-1), 10), ", ")
		fmt.Fprintf(&b, "%sl%d: &l%d [%s]\n", indent, i, i, refs)
	}
	return b.String()
}

func TestAliasBombIsNeverExpanded(t *testing.T) {
	cases := map[string]string{
		"in a pass-through item": resourceList1(`
- apiVersion: v1
  kind: ConfigMap
  metadata: {name: lol, namespace: lol}
  data:
` + billionLaughs("    ")),
		"as a Package's allow list": resourceList1(`
- apiVersion: uds.dev/v1alpha1
  kind: Package
  metadata: {name: lol, namespace: lol}
  spec:
    network:
` + billionLaughs("      ") + "      allow: *l12\n"),
		"as a selector": resourceList1(`
- apiVersion: uds.dev/v1alpha1
  kind: Package
  metadata: {name: lol, namespace: lol}
  x:
` + billionLaughs("    ") + `  spec:
    network:
      allow:
      - {direction: Egress, remoteHost: a.example.com, selector: *l12}
`),
	}
	for name, in := range cases {
		t.Run(name, func(t *testing.T) {
			var before runtime.MemStats
			runtime.ReadMemStats(&before)
			out, _, _ := runString(t, in)
			var after runtime.MemStats
			runtime.ReadMemStats(&after)
			assert.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(64<<20), "an alias bomb must not be expanded")
			assert.Less(t, len(out), 64<<10)
			assert.Contains(t, out, "kind: ResourceList")
		})
	}
}

func TestAliasBombAcrossItemsIsBounded(t *testing.T) {
	// An item aliasing another item's bomb must be expanded to stand on its
	// own; the expansion budget stops it with a clear result.
	in := resourceList1(`
- apiVersion: v1
  kind: ConfigMap
  metadata: {name: lol, namespace: lol}
  data:
` + billionLaughs("    ") + `- apiVersion: v1
  kind: ConfigMap
  metadata: {name: user, namespace: lol}
  data: {x: *l12}
`)
	out, _, code := runString(t, in)
	assert.Equal(t, 1, code)
	assert.Contains(t, out, "code: input-invalid")
	assert.Contains(t, out, "expand to more than")
}

func TestDeepNesting(t *testing.T) {
	deepFlow := strings.Repeat("[", 9000) + strings.Repeat("]", 9000)
	var block strings.Builder
	for i := 0; i < 10050; i++ {
		block.WriteString(strings.Repeat(" ", 4+i) + "k:\n")
	}
	cases := map[string]struct {
		in       string
		wantCode int
		want     string
	}{
		"9000-deep flow sequence passes through": {resourceList1(`
- apiVersion: v1
  kind: ConfigMap
  metadata: {name: deep, namespace: d}
  data:
    x: ` + deepFlow + "\n"), 0, "kind: ConfigMap"},
		"10k-deep block mapping is rejected by the parser": {resourceList1(`
- apiVersion: v1
  kind: ConfigMap
  metadata: {name: deep, namespace: d}
  data:
` + block.String()), 1, "exceeded max depth"},
		"deep nesting inside a Package field": {resourceList1(`
- apiVersion: uds.dev/v1alpha1
  kind: Package
  metadata: {name: deep, namespace: d}
  spec:
    network:
      allow:
      - direction: Egress
        remoteHost: a.example.com
        selector: {app: ` + deepFlow + `}
`), 1, "invalid-type"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			out, _, code := runString(t, tc.in)
			require.Equal(t, tc.wantCode, code, out[max(0, len(out)-2000):])
			assert.Contains(t, out, tc.want)
		})
	}
}
