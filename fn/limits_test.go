package fn

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

// The alias budget is one for the whole run, not one per item: many small
// items that each alias a target just under the budget (1,000,000 nodes
// from ~1 KB of anchors) would otherwise copy it once each — a 1.3 KB input
// took 2.5 GiB and 14 s. Allocation is measured, so the test fails if the
// budget goes back to per item.
func TestAliasBudgetIsOneForTheWholeRun(t *testing.T) {
	var b strings.Builder
	b.WriteString("- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: anchors, namespace: lol}\n  data:\n")
	b.WriteString("    a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n")
	for i := 1; i <= 5; i++ { // 10^6 nodes under a5, just under the budget
		fmt.Fprintf(&b, "    a%d: &a%d [*a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d]\n", i, i, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1)
	}
	for i := 0; i < 40; i++ {
		fmt.Fprintf(&b, "- {apiVersion: v1, kind: ConfigMap, metadata: {name: u%d, namespace: lol}, data: {x: *a4}}\n", i)
	}
	in := resourceList1(b.String())
	require.Less(t, len(in), 5<<10, "a small input")
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	out, _, code := runString(t, in)
	runtime.ReadMemStats(&after)
	assert.Equal(t, 1, code)
	assert.Contains(t, out, "code: input-invalid")
	assert.Contains(t, out, "expand to more than")
	// 40 items x 111,111 nodes each would be 4.4M copied nodes (~600 MB);
	// the run's budget stops after 1M.
	assert.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(400<<20), "alias expansion must stop at one budget per run")
}
