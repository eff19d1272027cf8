package e2e

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestHelp(t *testing.T) {
	o := succeed(t, repoRoot, nil, fnBin, "--help")
	assert.NotEmpty(t, strings.TrimSpace(o.Stdout), "--help prints the documentation")
	assert.Contains(t, o.Stdout, "ResourceList")
}

func TestDoc(t *testing.T) {
	o := succeed(t, repoRoot, nil, fnBin, "--doc")
	require.True(t, json.Valid([]byte(o.Stdout)), "--doc prints JSON:\n%s", o.Stdout)
	var doc map[string]any
	require.NoError(t, json.Unmarshal([]byte(o.Stdout), &doc))
	short, _ := doc["short"].(string)
	assert.NotEmpty(t, strings.TrimSpace(short), "--doc has a short description: %s", o.Stdout)
}
