package schemas

import (
	"testing"

	"github.com/uds-egress-fn/uds-egress-fn/internal/sourcescan"
)

// ModeAmbient and ModeSidecar are the one spelling of the modes: a string
// literal equal to either in a non-test Go file of the module outside
// schemas (nested modules such as e2e/istio excluded) fails.
func TestNoModeLiteralsOutsideSchemas(t *testing.T) {
	modes := map[string]bool{ModeAmbient: true, ModeSidecar: true}
	for _, lit := range sourcescan.StringLiterals(t, "..", ".") {
		if modes[lit.Value] {
			t.Errorf("%s:%d: the mode %q is spelled outside schemas: use schemas.ModeAmbient or schemas.ModeSidecar", lit.File, lit.Line, lit.Value)
		}
	}
}
