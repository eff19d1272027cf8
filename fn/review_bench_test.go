package fn_test

import (
	"bytes"
	"io"
	"testing"

	"github.com/uds-egress-fn/uds-egress-fn/fn"
	"github.com/uds-egress-fn/uds-egress-fn/internal/review"
)

// BenchmarkReport is `uds-egress-fn report --format json` in process on the
// fleet of internal/fleetgen (seed 1); `make bench` times the binary too.
func BenchmarkReport(b *testing.B) {
	fn.BenchFleets(b, func(in []byte) int {
		env := review.Env{Stdin: bytes.NewReader(in), Stdout: io.Discard, Stderr: io.Discard}
		return review.Main([]string{"report", "--format", "json"}, env)
	})
}
