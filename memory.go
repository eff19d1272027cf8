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
// output is written as it is rendered and the decoded Packages are let go
// once planned, so what stays live is the input's bytes (the pass-through
// items are written from them), the plan and the results: about 3 times
// the input at 10,000 and 50,000 Packages. Go's collector lets the heap
// grow to twice that before it runs, which keeps those fleets under their
// bound on its own.
//
// Once the whole input is read, the function also sets a soft memory limit
// (runtime/debug.SetMemoryLimit) at memoryFloor + memoryPerInputByte x
// size: a backstop for an input whose live data is larger than the
// fleets', which keeps it well inside the any-input bound by making the
// collector run earlier near the limit. On the bench fleets it never takes
// effect: their collection traces show every heap goal at twice the live
// heap (internal/gctrace; the e2e memory tests and make bench check it).
// A GOMEMLIMIT in the environment wins.
const (
	memoryFloor        = 64 << 20
	memoryPerInputByte = 12
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
