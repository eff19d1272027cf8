package fn

import (
	"bytes"
	"fmt"
	"io"
	"testing"

	"github.com/uds-egress-fn/uds-egress-fn/internal/benchcpu"
	"github.com/uds-egress-fn/uds-egress-fn/internal/fleetgen"
)

// BenchmarkRun is the whole function in process: read the ResourceList,
// decode, validate, plan, render and write it, on the fleet of
// internal/fleetgen (seed 1). `make bench` reports it with the binary's wall
// time; `make bench-smoke` runs it once per size.
func BenchmarkRun(b *testing.B) {
	benchFleets(b, func(in []byte) int {
		return Run(bytes.NewReader(in), io.Discard, io.Discard)
	})
}

// benchFleets runs one command (given the input, returning its exit code)
// on the fleets of 100, 1,000 and 10,000 Packages, with allocations, bytes
// per second and CPU time reported; a non-zero exit code fails it.
func benchFleets(b *testing.B, run func(in []byte) int) {
	for _, n := range []int{100, 1000, 10000} {
		in := fleetgen.Bytes(n, 1)
		b.Run(fmt.Sprintf("packages=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(in)))
			stop := benchcpu.Start(b)
			for b.Loop() {
				if code := run(in); code != 0 {
					b.Fatalf("exit code %d", code)
				}
			}
			stop()
		})
	}
}

// BenchmarkRunAnywhere is Run on the Anywhere-heavy fleet of 10,000
// Packages (5% of the ambient Packages add an Anywhere participant; the
// output is about 5 times the input), the shape issue 21 measures.
func BenchmarkRunAnywhere(b *testing.B) {
	in := fleetgen.AnywhereHeavy(10000, 1).Bytes()
	b.ReportAllocs()
	b.SetBytes(int64(len(in)))
	stop := benchcpu.Start(b)
	for b.Loop() {
		if code := Run(bytes.NewReader(in), io.Discard, io.Discard); code != 0 {
			b.Fatalf("exit code %d", code)
		}
	}
	stop()
}
