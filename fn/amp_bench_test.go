package fn

import (
	"bytes"
	"io"
	"testing"

	"github.com/uds-egress-fn/uds-egress-fn/internal/fleetgen"
)

// BenchmarkRunAmplification is Run on one tenant's 50 KB Package whose
// output is about 23 MB (internal/fleetgen.Amplification).
func BenchmarkRunAmplification(b *testing.B) {
	in := fleetgen.Amplification(50000)
	b.ReportAllocs()
	b.SetBytes(int64(len(in)))
	for b.Loop() {
		Run(bytes.NewReader(in), io.Discard, io.Discard)
	}
}
