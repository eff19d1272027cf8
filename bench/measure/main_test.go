package main

import (
	"math"
	"testing"
)

func TestParseBenchAndGrowth(t *testing.T) {
	out := `goos: linux
BenchmarkBuild/packages=1000-2     100   10000000 ns/op    9000000 cpu-ns/op   3000000 B/op   30000 allocs/op
BenchmarkBuild/packages=10000-2     10  100000000 ns/op  100000000 cpu-ns/op  30000000 B/op  300000 allocs/op
BenchmarkBuild/packages=1000-2     100   12000000 ns/op    9000000 cpu-ns/op   3000000 B/op   30000 allocs/op
BenchmarkBuild/packages=1000-2     100   11000000 ns/op    9000000 cpu-ns/op   3000000 B/op   30000 allocs/op
BenchmarkRender/packages=1000      100    5000000 ns/op    5000000 cpu-ns/op   4000000 B/op   30000 allocs/op
BenchmarkRender/packages=10000      10   60000000 ns/op   60000000 cpu-ns/op  40000000 B/op  300000 allocs/op
PASS
`
	bs := parseBench(out)
	if len(bs) != 4 {
		t.Fatalf("%d benchmarks parsed, want 4: %+v", len(bs), bs)
	}
	if b := bs[0]; b.Name != "plan" || b.Packages != 1000 || b.NsOp != 11000000 || b.Samples != 3 {
		t.Errorf("plan 1k = %+v, want the median of 3 samples, 11000000 ns/op", b)
	}
	if b := bs[2]; b.Name != "render" || b.Packages != 1000 {
		t.Errorf("a line without the GOMAXPROCS suffix: %+v", b)
	}
	g := growth(bs)
	if len(g) != 3 || g[2].Name != "plan+render" {
		t.Fatalf("growth = %+v", g)
	}
	if want := 160e6 / 16e6; math.Abs(g[2].Wall-want) > 1e-9 {
		t.Errorf("plan+render growth %.3f, want %.3f", g[2].Wall, want)
	}
}

func TestMedian(t *testing.T) {
	for _, c := range []struct {
		xs   []float64
		want float64
	}{{nil, 0}, {[]float64{3}, 3}, {[]float64{5, 1, 3}, 3}, {[]float64{4, 1, 3, 2}, 2.5}} {
		if got := median(c.xs); got != c.want {
			t.Errorf("median(%v) = %v, want %v", c.xs, got, c.want)
		}
	}
}
