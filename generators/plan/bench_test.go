package plan_test

import (
	"fmt"
	"testing"

	"github.com/uds-egress-fn/uds-egress-fn/generators/plan"
	"github.com/uds-egress-fn/uds-egress-fn/internal/benchcpu"
	"github.com/uds-egress-fn/uds-egress-fn/internal/fleetgen"
)

// benchSizes are the fleet sizes of the planning and rendering benchmarks;
// `make bench` prints the growth 1,000 -> 10,000, which must stay near 10
// (no quadratic step).
var benchSizes = []int{100, 1000, 10000}

// BenchmarkBuild plans the fleet of internal/fleetgen (about 3 allow entries
// per Package, hosts shared from a pool of n/10, a quarter sidecar, 20
// Anywhere participants).
func BenchmarkBuild(b *testing.B) {
	for _, n := range benchSizes {
		in, err := fleetgen.Input(n, 1)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("packages=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			stop := benchcpu.Start(b)
			for b.Loop() {
				p, _ := plan.Build(in)
				if len(p.Ambient.Hosts) == 0 || len(p.Sidecar.Hosts) == 0 {
					b.Fatal("the fleet planned no hosts")
				}
			}
			stop()
		})
	}
}
