package diag

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// catalogueMarkdown is the code table of docs/result-codes.md, generated
// from Catalogue.
func catalogueMarkdown(t *testing.T) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("| code | severity | meaning |\n|---|---|---|\n")
	seen := map[Code]bool{}
	for _, e := range Catalogue {
		assert.False(t, seen[e.Code], "code %s listed twice in Catalogue", e.Code)
		seen[e.Code] = true
		fmt.Fprintf(&b, "| %#q | %s | %s |\n", e.Code, e.Severity, strings.ReplaceAll(e.Meaning, "|", `\|`))
	}
	return b.String()
}

// TestResultCodesDocTable: docs/result-codes.md lists every code of the
// catalogue, generated from it; UPDATE_DOCS=1 rewrites the table.
func TestResultCodesDocTable(t *testing.T) {
	const path = "../../docs/result-codes.md"
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	text := string(data)
	const begin, end = "<!-- generated: codes", "<!-- end generated: codes -->"
	i := strings.Index(text, begin)
	require.GreaterOrEqual(t, i, 0, "%s has no %q marker", path, begin)
	i += strings.Index(text[i:], "-->\n") + len("-->\n")
	j := strings.Index(text, end)
	require.GreaterOrEqual(t, j, i, "%s has no %q marker after the start", path, end)
	want := catalogueMarkdown(t)
	if os.Getenv("UPDATE_DOCS") == "1" {
		require.NoError(t, os.WriteFile(path, []byte(text[:i]+want+text[j:]), 0o644))
		return
	}
	assert.Equal(t, want, text[i:j], "%s: the code table drifted from the catalogue; run UPDATE_DOCS=1 go test ./internal/diag and review the diff", path)
}

func TestSeverityOf(t *testing.T) {
	assert.Equal(t, Warning, SeverityOf(HostUppercase))
	assert.Equal(t, Info, SeverityOf(NamespaceIdentity))
	assert.Equal(t, Error, SeverityOf(Code("no-such-code")))
}
