package diag

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The README's catalogue must list every code with its severity, and no
// code that does not exist.
func TestReadmeCataloguesEveryCode(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	text := string(readme)
	seen := map[Code]bool{}
	for _, e := range Catalogue {
		assert.False(t, seen[e.Code], "code %s listed twice in Catalogue", e.Code)
		seen[e.Code] = true
		row := fmt.Sprintf("| %#q | %s |", e.Code, e.Severity)
		assert.Contains(t, text, row, "README must document %s", e.Code)
	}
	start := strings.Index(text, "## Result codes")
	end := strings.Index(text[start+1:], "\n## ")
	require.True(t, start >= 0 && end > 0)
	for _, line := range strings.Split(text[start:start+1+end], "\n") {
		if strings.HasPrefix(line, "| `") {
			code := Code(strings.Trim(strings.SplitN(line, "|", 3)[1], " `"))
			assert.True(t, seen[code], "README lists unknown code %s", code)
		}
	}
}

func TestSeverityOf(t *testing.T) {
	assert.Equal(t, Warning, SeverityOf(HostUppercase))
	assert.Equal(t, Info, SeverityOf(NamespaceIdentity))
	assert.Equal(t, Error, SeverityOf(Code("no-such-code")))
}
