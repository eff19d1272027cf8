package main

import (
	"errors"
	"io"
	"os"
	"runtime/debug"
)

// Memory bound of the function (docs/security.md, Bounds): peak RSS stays
// under 64 MiB plus 8 times the input size on the bench fleets and the
// bad-input catalogue, and under 64 MiB plus 25 times on any input. The
// output is written as it is rendered, so what stays live is the input:
// its bytes (the pass-through items are written from them), the decoded
// Packages and the plan, about 6 times the input at 10,000 Packages. Go's
// collector lets the heap grow to twice the live data before it runs, which
// alone would take the 10k fleets to about 140 MiB (over their 126 MiB), so
// once the whole input is read the function sets a soft memory limit
// (runtime/debug.SetMemoryLimit) at memoryFloor + memoryPerInputByte x
// size: near it the collector runs earlier instead of letting the heap
// double (docs/performance.md measures both). A GOMEMLIMIT in the
// environment wins.
const (
	memoryFloor        = 40 << 20
	memoryPerInputByte = 8
)

// boundedStdin counts what the function reads and sets the memory limit at
// the end of the input.
type boundedStdin struct {
	r    io.Reader
	n    int64
	done bool
}

func (b *boundedStdin) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	b.n += int64(n)
	if errors.Is(err, io.EOF) && !b.done {
		b.done = true
		if os.Getenv("GOMEMLIMIT") == "" {
			debug.SetMemoryLimit(memoryLimit(b.n))
		}
	}
	return n, err
}

// memoryLimit is the soft limit for an input of size bytes.
func memoryLimit(size int64) int64 {
	return memoryFloor + memoryPerInputByte*size
}
