package main

import "testing"

func TestNiceAxis(t *testing.T) {
	for _, c := range []struct{ v, step, top float64 }{
		{50000, 10000, 50000},
		{15.7 * 1.08, 5, 20},
		{5053 * 1.08, 2000, 6000},
		{0.36, 0.1, 0.4},
	} {
		step, top := niceAxis(c.v)
		if step != c.step || top != c.top {
			t.Errorf("niceAxis(%v) = %v, %v; want %v, %v", c.v, step, top, c.step, c.top)
		}
	}
}

func TestFontCoversTheLabels(t *testing.T) {
	for _, s := range []string{"uds-egress-fn", "SDK no-op baseline (bench/noop)", "wall time (s)", "peak RSS (MiB)", "Packages", "0123456789k.", "Intel(R) Xeon(R) Processor, go1.26.8"} {
		for _, r := range s {
			if _, ok := font[r]; !ok {
				t.Errorf("no glyph for %q (in %q)", r, s)
			}
		}
	}
}
