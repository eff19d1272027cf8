package render_test

import (
	"fmt"
	"testing"

	"github.com/uds-egress-fn/uds-egress-fn/generators/plan"
	"github.com/uds-egress-fn/uds-egress-fn/generators/render"
	"github.com/uds-egress-fn/uds-egress-fn/internal/benchcpu"
	"github.com/uds-egress-fn/uds-egress-fn/internal/fleetgen"
)

// BenchmarkRender renders the plan of the internal/fleetgen fleet (planned
// once, outside the loop) into objects, with path annotations as under kpt.
func BenchmarkRender(b *testing.B) {
	for _, n := range []int{100, 1000, 10000} {
		in, err := fleetgen.Input(n, 1)
		if err != nil {
			b.Fatal(err)
		}
		p, _ := plan.Build(in)
		b.Run(fmt.Sprintf("packages=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			stop := benchcpu.Start(b)
			for b.Loop() {
				if objs := render.Render(p, in.Settings, render.Options{Paths: true}); len(objs) == 0 {
					b.Fatal("nothing rendered")
				}
			}
			stop()
		})
	}
}
