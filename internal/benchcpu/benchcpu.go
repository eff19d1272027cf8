// Package benchcpu adds a cpu-ns/op metric to Go benchmarks: the CPU time
// (user + system, all threads, garbage collector included) the process
// spent per operation. On a shared machine wall time (ns/op) waits for
// other processes; CPU time does not, so the growth factors `make bench`
// prints use it.
package benchcpu

import (
	"testing"
	"time"
)

// Start begins measuring; call the returned function right after the
// benchmark loop to report cpu-ns/op.
//
//	stop := benchcpu.Start(b)
//	for b.Loop() { ... }
//	stop()
func Start(b *testing.B) (stop func()) {
	start := cpuTime()
	return func() {
		if start < 0 || b.N == 0 {
			return
		}
		b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
	}
}

// cpuTime is the process's user + system time, or -1 where unknown.
var cpuTime = func() time.Duration { return -1 }
