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

func TestParseShapes(t *testing.T) {
	got, err := parseShapes("anywhere:10000, amplification:50000")
	if err != nil || len(got) != 2 || got[0] != (shape{"anywhere", 10000}) || got[1] != (shape{"amplification", 50000}) {
		t.Fatalf("parseShapes = %v, %v", got, err)
	}
	if got[0].String() != "Anywhere-heavy, 10k Packages" || got[1].String() != "amplification, 50 KB" {
		t.Errorf("names %q, %q", got[0], got[1])
	}
	for _, bad := range []string{"anywhere", "anywhere:x", "other:5", "amplification:0"} {
		if _, err := parseShapes(bad); err == nil {
			t.Errorf("parseShapes(%q) accepted", bad)
		}
	}
	if got, err := parseShapes(""); err != nil || got != nil {
		t.Errorf("parseShapes(\"\") = %v, %v", got, err)
	}
	if b := rssBoundMiB(1 << 20); b != 72 {
		t.Errorf("bound for 1 MiB = %v MiB, want 72", b)
	}
}
