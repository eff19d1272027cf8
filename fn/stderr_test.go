package fn

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/uds-egress-fn/uds-egress-fn/internal/fleetgen"
)

// TestStderrOfABenchFleet: on the 5,000-Package bench fleet (make fleet
// N=5000, seed 1) stderr stays under 100 lines and names every code that
// occurred in the results, while the results keep every finding.
func TestStderrOfABenchFleet(t *testing.T) {
	if testing.Short() {
		t.Skip("5,000 Packages")
	}
	out, stderr, _ := runString(t, string(fleetgen.Bytes(5000, 1)))
	ids, results := resultsOf(t, out)
	require.Greater(t, len(ids), 200, "the fleet has many results (the point of the cap)")
	lines := strings.Split(strings.TrimRight(stderr, "\n"), "\n")
	assert.Less(t, len(lines), 100, "stderr:\n%s", stderr)
	seen := map[string]bool{}
	for _, r := range results {
		code := r.Tags["code"]
		if !seen[code] {
			seen[code] = true
			assert.Contains(t, stderr, code, "stderr names %s", code)
		}
	}
	assert.Contains(t, stderr, "more gateway-port-not-exposed (warnings)")
	assert.Contains(t, lines[len(lines)-1], "set stderr: all in the EgressConfig spec", "the last line says how to see every result")
	t.Logf("%d results, %d codes, %d stderr lines", len(results), len(seen), len(lines))
}
