package fn

import (
	"bytes"
	"fmt"
	"math/rand"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/uds-egress-fn/uds-egress-fn/internal/krmio"
)

func runString(t *testing.T, in string) (out string, stderr string, code int) {
	t.Helper()
	var o, e bytes.Buffer
	code = Run(strings.NewReader(in), &o, &e)
	return o.String(), e.String(), code
}

func TestUnreadableInputGetsAResultNotAPanic(t *testing.T) {
	cases := map[string]struct{ in, want string }{
		"not yaml":           {"apiVersion: [unclosed\n  : :", "not valid YAML"},
		"empty":              {"", "the input is empty"},
		"only whitespace":    {"  \n\n", "the input is empty"},
		"a list":             {"- a\n- b\n", "expected a ResourceList"},
		"wrong kind":         {"apiVersion: v1\nkind: ConfigMap\n", `kind is "ConfigMap"`},
		"items not a list":   {"apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: {a: b}\n", "items must be a list"},
		"items is a string":  {"apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: nope\n", "items must be a list"},
		"tab indentation":    {"apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n\t- a\n", "not valid YAML"},
		"binary garbage":     {"\x00\x01\x02\xff", "not valid YAML"},
		"document separator": {"---\n---\n", "ResourceList"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			out, stderr, code := runString(t, tc.in)
			assert.Equal(t, 1, code)
			assert.Contains(t, out, tc.want)
			assert.Contains(t, out, "code: input-invalid")
			assert.Contains(t, stderr, "input-invalid", "kustomize users only see stderr")
			var rl map[string]any
			require.NoError(t, yaml.Unmarshal([]byte(out), &rl), "the output is still a ResourceList")
			assert.Equal(t, "ResourceList", rl["kind"])
		})
	}
}

func TestErrorsGoToStderrAndExitOne(t *testing.T) {
	in := resourceList1(`
- apiVersion: uds.dev/v1alpha1
  kind: Package
  metadata: {name: p, namespace: p}
  spec:
    network:
      allow:
      - direction: Egress
        remoteHost: "*.example.com"
`)
	out, stderr, code := runString(t, in)
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "[error] uds.dev/v1alpha1/Package/p/p spec.network.allow[0].remoteHost")
	assert.Contains(t, stderr, "(host-wildcard)")
	assert.Contains(t, out, "kind: Package", "the full ResourceList is still written")
}

func TestWarningsDoNotFail(t *testing.T) {
	in := resourceList1(`
- apiVersion: uds.dev/v1alpha1
  kind: Package
  metadata: {name: p, namespace: p}
  spec:
    network:
      allow:
      - direction: Egress
        remoteHost: API.Example.com
        serviceAccount: app
`)
	out, stderr, code := runString(t, in)
	assert.Equal(t, 0, code)
	assert.Contains(t, stderr, "host-uppercase")
	assert.Contains(t, out, "- api.example.com")
	assert.NotContains(t, out, "- API.Example.com\n    location")
}

func TestPassThroughItemsAreKeptExactly(t *testing.T) {
	in := resourceList1(`
# head comment of a Deployment
- apiVersion: apps/v1
  kind: Deployment
  metadata:
    name: web # line comment
    namespace: web
    annotations:
      quoted: "0123"
      folded: >
        some text
  spec:
    replicas: 3
    template:
      spec:
        containers:
        - {name: c, image: "nginx:1.27"}
- apiVersion: v1
  kind: ConfigMap
  metadata: {name: z, namespace: web}
  data: {b: "2", a: "1"}
- apiVersion: uds.dev/v1alpha1
  kind: Package
  metadata: {name: web, namespace: web}
  spec:
    network:
      allow:
      - direction: Egress
        remoteHost: example.com
        serviceAccount: web
`)
	out, _, code := runString(t, in)
	require.Equal(t, 0, code)
	noop := noopRoundTrip(t, in)
	// Every input item comes out exactly as a no-op read/write would write
	// it, first and in input order; generated objects follow.
	assert.True(t, strings.HasPrefix(itemsSection(out), itemsSection(noop)), "pass-through items changed:\n%s\n---\n%s", out, noop)
	assert.Contains(t, out, "# line comment")
	assert.Contains(t, out, "# head comment of a Deployment")
}

// noopRoundTrip reads and writes the ResourceList without processing: the
// floor every pass-through item is compared with.
func noopRoundTrip(t *testing.T, in string) string {
	rl, err := krmio.Parse([]byte(in))
	require.NoError(t, err)
	var b bytes.Buffer
	docs := make([]krmio.Document, len(rl.Items))
	for i, it := range rl.Items {
		_, err := it.Node()
		require.NoError(t, err)
		docs[i], err = it.Output()
		require.NoError(t, err)
	}
	require.NoError(t, krmio.Write(&b, docs, nil, rl.FunctionConfig, nil))
	return b.String()
}

func itemsSection(out string) string {
	i := strings.Index(out, "items:\n")
	j := strings.Index(out, "\nresults:")
	if j < 0 {
		j = len(out)
	}
	return out[i:j]
}

func TestOrderOfConflictFreePackagesOnlyChangesPortOrder(t *testing.T) {
	pkgs := fleet(40, 7)
	base := generatedOnly(t, resourceList1(strings.Join(pkgs, "")))
	rng := rand.New(rand.NewSource(1))
	for i := 0; i < 20; i++ {
		shuffled := append([]string(nil), pkgs...)
		rng.Shuffle(len(shuffled), func(a, b int) { shuffled[a], shuffled[b] = shuffled[b], shuffled[a] })
		got := generatedOnly(t, resourceList1(strings.Join(shuffled, "")))
		assert.Equal(t, normalizePortOrder(t, base), normalizePortOrder(t, got))
	}
}

func TestSameInputSameBytes(t *testing.T) {
	in := resourceList1(strings.Join(fleet(60, 3), ""))
	first, _, _ := runString(t, in)
	for i := 0; i < 5; i++ {
		again, _, _ := runString(t, in)
		require.Equal(t, first, again)
	}
}

func TestRemovedPackageLosesExactlyItsObjects(t *testing.T) {
	pkgs := fleet(12, 5)
	out, _, code := runString(t, resourceList1(strings.Join(pkgs, "")))
	require.Equal(t, 0, code)

	// Drop Package 3 from the previous output and run again: the result is
	// what a fresh run without it gives.
	var rl yaml.Node
	require.NoError(t, yaml.Unmarshal([]byte(out), &rl))
	items := lookup(rl.Content[0], "items")
	var kept []*yaml.Node
	for _, it := range items.Content {
		if text(it, "kind") == "Package" && text(it, "metadata", "name") == "app3" {
			continue
		}
		kept = append(kept, it)
	}
	items.Content = kept
	b, err := yaml.Marshal(&rl)
	require.NoError(t, err)
	again, _, _ := runString(t, string(b))

	fresh, _, _ := runString(t, resourceList1(strings.Join(append(append([]string(nil), pkgs[:3]...), pkgs[4:]...), "")))
	// The pass-through items keep the re-marshalled input's indentation, so
	// compare the lists as data.
	// The second run also names each object it removed (info results).
	want, okW := withoutStale([]byte(fresh))
	got, okG := withoutStale([]byte(again))
	require.True(t, okW && okG)
	assert.Equal(t, want, got)
	assert.Contains(t, again, "code: stale-object-removed")
	assert.NotContains(t, again, "user-app3-ns3")
}

// fleet returns n conflict-free Packages (one per namespace) whose hosts are
// drawn from a small pool, in both modes, with Anywhere participants.
func fleet(n int, seed int64) []string {
	rng := rand.New(rand.NewSource(seed))
	hosts := []string{"a.example.com", "b.example.com", "c.example.org", "d.example.net"}
	var out []string
	for i := 0; i < n; i++ {
		mode := "ambient"
		if rng.Intn(3) == 0 {
			mode = "sidecar"
		}
		var entries []string
		for j, h := range rng.Perm(len(hosts))[:1+rng.Intn(3)] {
			port := []int{443, 8443, 9443}[rng.Intn(3)]
			sa := ""
			if mode == "ambient" && rng.Intn(2) == 0 {
				sa = fmt.Sprintf("\n        serviceAccount: sa%d", j)
			}
			entries = append(entries, fmt.Sprintf(`
      - direction: Egress
        selector: {app: app%d}
        remoteHost: %s
        port: %d%s
        description: to %s`, j, hosts[h], port, sa, hosts[h]))
		}
		if mode == "ambient" && rng.Intn(5) == 0 {
			entries = append(entries, `
      - direction: Egress
        remoteGenerated: Anywhere
        description: anywhere`)
		}
		out = append(out, fmt.Sprintf(`
- apiVersion: uds.dev/v1alpha1
  kind: Package
  metadata: {name: app%d, namespace: ns%d}
  spec:
    network:
      serviceMesh: {mode: %s}
      allow:%s
`, i, i, mode, strings.Join(entries, "")))
	}
	return out
}

func resourceList1(items string) string {
	return "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n" + strings.TrimLeft(items, "\n")
}

func generatedOnly(t *testing.T, in string) []map[string]any {
	out, _, code := runString(t, in)
	require.Equal(t, 0, code, out)
	var rl map[string]any
	require.NoError(t, yaml.Unmarshal([]byte(out), &rl))
	var objs []map[string]any
	for _, it := range rl["items"].([]any) {
		obj := it.(map[string]any)
		if obj["kind"] != "Package" {
			objs = append(objs, obj)
		}
	}
	return objs
}

// normalizePortOrder sorts the lists whose order is first-seen port order.
func normalizePortOrder(t *testing.T, objs []map[string]any) string {
	for _, o := range objs {
		spec, _ := o["spec"].(map[string]any)
		for _, key := range []string{"ports", "servers", "tls", "http"} {
			if list, ok := spec[key].([]any); ok {
				sort.Slice(list, func(i, j int) bool { return fmt.Sprint(list[i]) < fmt.Sprint(list[j]) })
			}
		}
	}
	b, err := yaml.Marshal(objs)
	require.NoError(t, err)
	return string(b)
}
