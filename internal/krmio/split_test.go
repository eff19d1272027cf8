package krmio

import (
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

const cm = "- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: a}\n"

// The splitter cuts only plain block-style input; everything else must be
// declined so that the full parser has the last word. Each input below is
// declined, and Parse then reads it exactly as parseWhole does.
func TestSplitterDeclines(t *testing.T) {
	for name, in := range map[string]string{
		"CRLF line ends":                   "kind: ResourceList\r\nitems:\r\n- apiVersion: v1\r\n  kind: ConfigMap\r\n  metadata: {name: a}\r\n",
		"a tab":                            "kind: ResourceList\nitems:\n" + cm + "  data: {x: \"a\tb\"}\n",
		"a byte order mark":                "\xef\xbb\xbfkind: ResourceList\nitems:\n" + cm,
		"a keep-chomping block scalar":     "kind: ResourceList\nitems:\n" + cm + "  data:\n    x: |+\n      a\n\n",
		"keep chomping with indentation":   "kind: ResourceList\nitems:\n" + cm + "  data:\n    x: >2+\n        a\n\n",
		"no newline at the end":            "kind: ResourceList\nitems:\n" + cm[:len(cm)-1],
		"a control character":              "# \x01\nkind: ResourceList\nitems:\n" + cm,
		"invalid UTF-8 in a comment":       "# \xff\nkind: ResourceList\nitems:\n" + cm,
		"a document start in the middle":   "kind: ResourceList\nitems:\n" + cm + "---\nkind: ResourceList\n",
		"a document end marker":            "kind: ResourceList\nitems:\n" + cm + "...\n",
		"an indented top level":            " kind: ResourceList\n items:\n " + cm,
		"flow-style items":                 "kind: ResourceList\nitems: [{apiVersion: v1, kind: ConfigMap, metadata: {name: a}}]\n",
		"items as a scalar":                "kind: ResourceList\nitems: none\n",
		"items twice":                      "kind: ResourceList\nitems:\n" + cm + "items:\n" + cm,
		"another top-level key twice":      "kind: ResourceList\nkind: ResourceList\nitems:\n" + cm,
		"a quoted top-level key":           "\"kind\": ResourceList\nitems:\n" + cm,
		"an anchor on a top-level key":     "&k kind: ResourceList\nitems:\n" + cm,
		"a complex key":                    "? kind\n: ResourceList\nitems:\n" + cm,
		"an item less indented":            "kind: ResourceList\nitems:\n  - {apiVersion: v1, kind: ConfigMap, metadata: {name: a}}\n - {apiVersion: v1, kind: ConfigMap, metadata: {name: b}}\n",
		"a dash without a space":           "kind: ResourceList\nitems:\n-{a: b}\n",
		"a line outdented in an item":      "kind: ResourceList\nitems:\n  - apiVersion: v1\n    kind: ConfigMap\n    data:\n      x: a\n b\n",
		"top-level keys that are not YAML": "kind: ResourceList\nresults: [unclosed\nitems:\n" + cm,
		"kind is not ResourceList":         "kind: List\nitems:\n" + cm,
		"a top-level key without a value":  "kind: ResourceList\nitems:\n" + cm + "orphan\n",
	} {
		t.Run(name, func(t *testing.T) {
			data := []byte(in)
			_, ok := splitInput(data)
			require.False(t, ok, "the splitter took input it must leave to the full parser")
			got, gotErr := Parse(data)
			want, wantErr := parseWhole(data)
			if wantErr != nil {
				require.Error(t, gotErr)
				assert.Equal(t, wantErr.Error(), gotErr.Error())
				return
			}
			require.NoError(t, gotErr)
			require.Len(t, got.Items, len(want.Items))
			for i := range want.Items {
				assert.Nil(t, got.Items[i].entry, "item %d was split, not parsed", i)
				assert.Equal(t, encodeNode(t, want.Items[i].node), encodeNode(t, got.Items[i].node), "item %d", i)
			}
		})
	}
}

// The controls: plain block-style input is split, item by item.
func TestSplitterTakesBlockStyle(t *testing.T) {
	for name, tc := range map[string]struct {
		in    string
		items int
	}{
		"plain":             {"apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n" + cm + cm, 2},
		"no items":          {"kind: ResourceList\nitems: []\n", 0},
		"comments":          {"# head\nkind: ResourceList\nitems:\n# about a\n" + cm + "  # inside a\n", 1},
		"a functionConfig":  {"kind: ResourceList\nitems:\n" + cm + "functionConfig:\n  kind: ConfigMap\n  data: {a: b}\n", 1},
		"indented sequence": {"kind: ResourceList\nitems:\n  - {apiVersion: v1, kind: ConfigMap, metadata: {name: a}}\n", 1},
	} {
		t.Run(name, func(t *testing.T) {
			rl, ok := splitInput([]byte(tc.in))
			require.True(t, ok)
			require.Len(t, rl.Items, tc.items)
			for i, it := range rl.Items {
				assert.NotNil(t, it.entry, "item %d", i)
				n, err := it.Node()
				require.NoError(t, err)
				assert.Equal(t, "ConfigMap", Text(n, "kind"))
			}
		})
	}
}

func encodeNode(t *testing.T, n *yaml.Node) string {
	t.Helper()
	b, err := yaml.Marshal(n)
	require.NoError(t, err)
	return string(b)
}

func TestKeepChompingMatchesTheRegexp(t *testing.T) {
	re := regexp.MustCompile(`[|>][1-9]?\+`)
	for _, s := range []string{"", "|", "|+", ">+", "|2+", ">9+", "|0+", "|22+", "a: |\n  x\n", "a: >-\n", "x|", "x>1", "|>+", "||+", "key: |1+\n"} {
		if got, want := keepChomping([]byte(s)), re.MatchString(s); got != want {
			t.Errorf("keepChomping(%q) = %v, the regexp says %v", s, got, want)
		}
	}
}
