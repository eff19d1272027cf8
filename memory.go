package main

import (
	"errors"
	"io"
	"os"
	"runtime/debug"
)

// Memory bound of the function (README, Security model): peak RSS stays
// under 64 MiB plus 25 times the input size. Go's collector lets the heap
// grow to twice the live data before it runs, and on a loaded machine it
// runs late, so without a limit a large input can pass the bound while its
// live data is well inside it. Once the whole input is read, the function
// sets a soft memory limit (runtime/debug.SetMemoryLimit) at
// memoryFloor + memoryPerInputByte × size: the collector then works harder
// near the limit instead of letting the heap grow. A GOMEMLIMIT in the
// environment wins.
const (
	memoryFloor        = 48 << 20
	memoryPerInputByte = 18
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
