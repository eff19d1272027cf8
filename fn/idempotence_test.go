package fn

import (
	"bytes"
	"reflect"

	"go.yaml.in/yaml/v3"

	"github.com/uds-egress-fn/uds-egress-fn/internal/diag"
)

// sameAfterRerun reports whether out2, the output of a run over out1, is
// what idempotence asks for: byte-identical, except that the
// stale-object-removed results of the first run (it removed earlier
// output; the second has nothing left to remove) are gone and nothing else
// changed.
func sameAfterRerun(out1, out2 []byte) bool {
	if bytes.Equal(out1, out2) {
		return true
	}
	if !bytes.Contains(out1, []byte("code: "+string(diag.StaleObjectRemoved))) {
		return false
	}
	a, okA := withoutStale(out1)
	b, okB := withoutStale(out2)
	return okA && okB && reflect.DeepEqual(a, b)
}

// withoutStale is the output as data without stale-object-removed results.
func withoutStale(out []byte) (map[string]any, bool) {
	var rl map[string]any
	if yaml.Unmarshal(out, &rl) != nil || rl == nil {
		return nil, false
	}
	results, _ := rl["results"].([]any)
	var kept []any
	for _, r := range results {
		m, _ := r.(map[string]any)
		tags, _ := m["tags"].(map[string]any)
		if tags["code"] != string(diag.StaleObjectRemoved) {
			kept = append(kept, r)
		}
	}
	delete(rl, "results")
	if len(kept) > 0 {
		rl["results"] = kept
	}
	return rl, true
}
