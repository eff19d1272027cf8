package fn

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

// Golden scenarios live in testdata/golden/<name>/:
//
//	input.yaml     a ResourceList (items only)
//	config.yaml    optional functionConfig
//	expected.yaml  the output items, one YAML document each
//	results.yaml   the output results
//
// UPDATE_GOLDEN=1 go test ./fn -run TestGolden rewrites expected.yaml and
// results.yaml from the actual output; review the diff before committing.
var update = os.Getenv("UPDATE_GOLDEN") == "1"

func TestGolden(t *testing.T) {
	dirs, err := filepath.Glob("testdata/golden/*")
	require.NoError(t, err)
	require.NotEmpty(t, dirs)
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			in := goldenInput(t, dir)
			var out, errOut bytes.Buffer
			code := Run(bytes.NewReader(in), &out, &errOut)

			items, results := splitOutput(t, out.Bytes())
			checkGolden(t, filepath.Join(dir, "expected.yaml"), items)
			checkGolden(t, filepath.Join(dir, "results.yaml"), results)

			wantCode := 0
			if strings.Contains(string(results), "severity: error") {
				wantCode = 1
			}
			assert.Equal(t, wantCode, code, "exit code; stderr:\n%s", errOut.String())

			// Idempotence: the output fed back in gives the same output.
			var again bytes.Buffer
			Run(bytes.NewReader(out.Bytes()), &again, &bytes.Buffer{})
			if !sameAfterRerun(out.Bytes(), again.Bytes()) {
				assert.Equal(t, out.String(), again.String(), "a second run over the output must change nothing (but the stale-object-removed results)")
			}
		})
	}
}

// goldenInput returns input.yaml with config.yaml as its functionConfig.
func goldenInput(t *testing.T, dir string) []byte {
	in, err := os.ReadFile(filepath.Join(dir, "input.yaml"))
	require.NoError(t, err)
	cfg, err := os.ReadFile(filepath.Join(dir, "config.yaml"))
	if os.IsNotExist(err) {
		return in
	}
	require.NoError(t, err)
	var doc yaml.Node
	require.NoError(t, yaml.Unmarshal(in, &doc))
	var cfgDoc yaml.Node
	require.NoError(t, yaml.Unmarshal(cfg, &cfgDoc))
	root := doc.Content[0]
	root.Content = append(root.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: "functionConfig"}, cfgDoc.Content[0])
	b, err := yaml.Marshal(&doc)
	require.NoError(t, err)
	return b
}

// splitOutput returns the items as a multi-document stream and the results.
func splitOutput(t *testing.T, out []byte) (items, results []byte) {
	t.Helper()
	var doc yaml.Node
	require.NoError(t, yaml.Unmarshal(out, &doc), "output is not YAML:\n%s", out)
	var itemsBuf bytes.Buffer
	if n := lookup(doc.Content[0], "items"); n != nil {
		for i, item := range n.Content {
			if i > 0 {
				itemsBuf.WriteString("---\n")
			}
			itemsBuf.Write(encode(t, item))
		}
	}
	if n := lookup(doc.Content[0], "results"); n != nil {
		results = encode(t, n)
	}
	return itemsBuf.Bytes(), results
}

func encode(t *testing.T, n *yaml.Node) []byte {
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	enc.CompactSeqIndent()
	require.NoError(t, enc.Encode(n))
	return b.Bytes()
}

func checkGolden(t *testing.T, path string, got []byte) {
	t.Helper()
	if update {
		if len(got) == 0 {
			_ = os.Remove(path)
			return
		}
		require.NoError(t, os.WriteFile(path, got, 0o644))
		return
	}
	want, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		want = nil
	} else {
		require.NoError(t, err)
	}
	assert.Equal(t, string(want), string(got), "%s differs (UPDATE_GOLDEN=1 rewrites it)", path)
}
