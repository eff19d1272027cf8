package fn

import (
	"bytes"
	"io"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

// Every object in every golden output decodes strictly into its istio.io/api
// type and has metadata Kubernetes accepts.
func TestGoldenOutputsAreValidIstio(t *testing.T) {
	dirs, err := filepath.Glob("testdata/golden/*")
	require.NoError(t, err)
	checked := 0
	for _, dir := range dirs {
		var out bytes.Buffer
		Run(bytes.NewReader(goldenInput(t, dir)), &out, io.Discard)
		var rl map[string]any
		require.NoError(t, yaml.Unmarshal(out.Bytes(), &rl))
		items, _ := rl["items"].([]any)
		for _, it := range items {
			obj, ok := it.(map[string]any)
			if !ok || !isGeneratedObject(obj) {
				continue
			}
			checked++
			assert.NoError(t, strictSpec(obj), "%s: %v", dir, obj["metadata"])
			assert.Empty(t, metaProblems(obj), "%s", dir)
		}
	}
	assert.Greater(t, checked, 100)
}

func isGeneratedObject(obj map[string]any) bool {
	md, _ := obj["metadata"].(map[string]any)
	labels, _ := md["labels"].(map[string]any)
	return labels["app.kubernetes.io/managed-by"] == "uds-egress-fn"
}

func TestStrictSpecRejectsUnknownFields(t *testing.T) {
	obj := map[string]any{
		"apiVersion": "networking.istio.io/v1", "kind": "ServiceEntry",
		"spec": map[string]any{"hosts": []any{"a.com"}, "resolutoin": "DNS"},
	}
	assert.Error(t, strictSpec(obj))
	obj["spec"] = map[string]any{"hosts": []any{"a.com"}, "resolution": "DNS"}
	assert.NoError(t, strictSpec(obj))
}
