package validate

import (
	"strconv"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/util/validation"
)

// FuzzHostRules: whatever remoteHost says, an accepted host is one Istio's
// ServiceEntry validation accepts (every label a DNS-1123 label, the last
// one not numeric, at most 253 characters) and that is external: two labels
// or more, not under the cluster domain, not ending in .svc.
func FuzzHostRules(f *testing.F) {
	for _, s := range []string{
		"api.github.com", "localhost", "api.123", "127.1", "2130706433", "0x7f.1", "api.99999999999999999999",
		"kubernetes.default.svc.cluster.local", "db.ns.svc", "cluster.local", "a..b", "A.B.C", "x.com:443",
		"xn--bcher-kva.de", "foo.com-c83dbdeb", "a.b.c.d.e.f", "-a.com", "a-.com", "a.com.",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, host string) {
		problem := hostProblem(host)
		h := strings.ToLower(host)
		if problem != "" || strings.Contains(h, "*") {
			return
		}
		if len(h) > 253 {
			t.Fatalf("%q accepted with %d characters", host, len(h))
		}
		labels := strings.Split(h, ".")
		if len(labels) < 2 {
			t.Fatalf("single label %q accepted", host)
		}
		for _, l := range labels {
			if errs := validation.IsDNS1123Label(l); len(errs) > 0 {
				t.Fatalf("%q accepted with label %q: %v", host, l, errs)
			}
		}
		if _, err := strconv.Atoi(labels[len(labels)-1]); err == nil {
			t.Fatalf("%q accepted with a numeric last label (Istio rejects it)", host)
		}
		inCluster := strings.HasSuffix(h, ".svc") || h == "cluster.local" || strings.HasSuffix(h, ".cluster.local")
		if got := len(ruleHostInClusterOf(h, "cluster.local")) > 0; got != inCluster {
			t.Fatalf("%q: in-cluster rule says %v, want %v", host, got, inCluster)
		}
	})
}
