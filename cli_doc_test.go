package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/uds-egress-fn/uds-egress-fn/internal/diag"
)

// --help and --doc are rendered from doc.md: it must name every result code.
func TestDocNamesEveryCode(t *testing.T) {
	for _, e := range diag.Catalogue {
		assert.True(t, strings.Contains(string(docMarkdown), string(e.Code)), "doc.md does not mention %s", e.Code)
	}
}

// TestDocJSON pins the bytes of --doc, the JSON kpt's function catalogue
// reads. testdata/doc.json was written by the kpt SDK's renderer (v1.1.1),
// which the binary used before it stopped linking the SDK; the renderer
// in help.go must give the same bytes. After a change to doc.md or
// metadata.yaml, UPDATE_DOCS=1 rewrites the file: review the diff.
func TestDocJSON(t *testing.T) {
	o := runCLI("", "--doc")
	require.Zero(t, o.code, o.errOut)
	path := filepath.Join("testdata", "doc.json")
	if os.Getenv("UPDATE_DOCS") == "1" {
		require.NoError(t, os.WriteFile(path, []byte(o.out), 0o644))
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, string(want), o.out, "--doc differs from %s (UPDATE_DOCS=1 rewrites it)", path)
	var doc map[string]any
	require.NoError(t, json.Unmarshal([]byte(o.out), &doc))
	for _, key := range []string{"short", "long", "examples", "image", "description", "tags", "sourceURL", "license"} {
		assert.NotEmpty(t, doc[key], "--doc has %s", key)
	}
}
