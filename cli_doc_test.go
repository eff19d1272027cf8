package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/uds-egress-fn/uds-egress-fn/internal/diag"
)

// --help and --doc are rendered from doc.md: it must name every result code.
func TestDocNamesEveryCode(t *testing.T) {
	for _, e := range diag.Catalogue {
		assert.True(t, strings.Contains(string(docMarkdown), string(e.Code)), "doc.md does not mention %s", e.Code)
	}
}
