package schemas

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/uds-egress-fn/uds-egress-fn/internal/diag"
)

// FuzzConfigStrict: a value tagged !!bool is accepted only when it is a
// YAML 1.2 boolean, and then read as that boolean; a ConfigMap selector is
// accepted only when no key repeats, and then holds every pair.
func FuzzConfigStrict(f *testing.F) {
	for _, s := range []string{"true", "False", "yes", "banana", "", "TRUE", "on", "1", "app=a,app=b", "app=a", "a=b,c=d", "a=b, a=c"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		q, _ := json.Marshal(v)
		s, fs := decodeConfigText(t, "apiVersion: fn.uds-egress.dev/v1alpha1\nkind: EgressConfig\nspec: {waypointEnabled: !!bool "+string(q)+"}")
		want, isBool := map[string]bool{"true": true, "True": true, "TRUE": true, "false": false, "False": false, "FALSE": false}[v]
		if isBool == diag.HasErrors(fs) {
			t.Fatalf("!!bool %q: accepted=%v, a YAML boolean=%v (%v)", v, !diag.HasErrors(fs), isBool, fs)
		}
		if isBool && s.WaypointEnabled != want {
			t.Fatalf("!!bool %q read as %v", v, s.WaypointEnabled)
		}

		s, fs = decodeConfigText(t, "apiVersion: v1\nkind: ConfigMap\ndata: {gatewaySelector: "+string(q)+"}")
		if diag.HasErrors(fs) {
			return
		}
		var keys []string
		for _, kv := range s.GatewaySelector {
			if slices.Contains(keys, kv.Key) {
				t.Fatalf("gatewaySelector %q accepted with the key %q twice", v, kv.Key)
			}
			keys = append(keys, kv.Key)
		}
		if len(keys) != len(strings.Split(v, ",")) {
			t.Fatalf("gatewaySelector %q: %d pairs read from %d", v, len(keys), len(strings.Split(v, ",")))
		}
	})
}

func decodeConfigText(t *testing.T, text string) (Settings, []diag.Finding) {
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(text), &doc); err != nil {
		t.Skip("not YAML")
	}
	return DecodeConfig(&doc)
}
