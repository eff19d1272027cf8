package pipeline

import (
	"bytes"
	"fmt"
	"io"
	"testing"

	"github.com/uds-egress-fn/uds-egress-fn/internal/benchcpu"
	"github.com/uds-egress-fn/uds-egress-fn/internal/fleetgen"
	"github.com/uds-egress-fn/uds-egress-fn/internal/review"
)

// BenchmarkReport is `uds-egress-fn report --format json` in process on the
// fleet of internal/fleetgen (seed 1); `make bench` times the binary too.
func BenchmarkReport(b *testing.B) {
	for _, n := range []int{100, 1000, 10000} {
		in := fleetgen.Bytes(n, 1)
		b.Run(fmt.Sprintf("packages=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(in)))
			stop := benchcpu.Start(b)
			for b.Loop() {
				env := review.Env{Stdin: bytes.NewReader(in), Stdout: io.Discard, Stderr: io.Discard, Analyze: Review}
				if code := review.Main([]string{"report", "--format", "json"}, env); code != 0 {
					b.Fatalf("exit code %d", code)
				}
			}
			stop()
		})
	}
}
