package main

import (
	"io"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// The soft memory limit is set once the input is read, from its size.
func TestBoundedStdinSetsTheMemoryLimitAtEOF(t *testing.T) {
	t.Setenv("GOMEMLIMIT", "")
	before := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(before) })

	in := &boundedStdin{r: strings.NewReader(strings.Repeat("x", 1000))}
	buf := make([]byte, 300)
	_, err := in.Read(buf)
	require.NoError(t, err)
	require.Equal(t, before, debug.SetMemoryLimit(-1), "no limit before the end of the input")
	data, err := io.ReadAll(in)
	require.NoError(t, err)
	require.Len(t, data, 700)
	require.Equal(t, memoryLimit(1000), debug.SetMemoryLimit(-1))
	require.Equal(t, int64(64<<20+12*1000), memoryLimit(1000))
}
