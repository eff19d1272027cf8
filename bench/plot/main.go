// Command plot draws docs/performance.png from the results of `make bench`
// (bench/results/latest.json): wall time and peak RSS against the number of
// Packages, for uds-egress-fn and for the SDK no-op baseline. Standard
// library only (image/png and a built-in 5x7 bitmap font).
//
//	go run ./bench/plot [-in bench/results/latest.json] [-out docs/performance.png]
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"strings"
)

// results is the part of bench/results/latest.json the plot reads.
type results struct {
	Machine struct {
		CPU   string `json:"cpu"`
		Cores int    `json:"cores"`
		Go    string `json:"go"`
	} `json:"machine"`
	Reps int `json:"reps"`
	Seed int `json:"seed"`
	E2E  []struct {
		Packages int  `json:"packages"`
		Function runs `json:"function"`
		Baseline runs `json:"baseline"`
	} `json:"e2e"`
}

type runs struct {
	Wall float64 `json:"median_wall_s"`
	RSS  float64 `json:"median_rss_mib"`
}

var (
	white      = color.RGBA{255, 255, 255, 255}
	black      = color.RGBA{20, 20, 20, 255}
	grey       = color.RGBA{110, 110, 110, 255}
	grid       = color.RGBA{225, 225, 225, 255}
	fnColor    = color.RGBA{31, 119, 180, 255} // blue
	baseColor  = color.RGBA{230, 110, 0, 255}  // orange
	textScale  = 2
	glyphW     = 6 * textScale // 5 columns and a gap
	glyphH     = 7 * textScale
	canvasSize = image.Rect(0, 0, 1280, 660)
)

func main() {
	in := flag.String("in", "bench/results/latest.json", "results of make bench")
	out := flag.String("out", "docs/performance.png", "PNG to write")
	flag.Parse()
	data, err := os.ReadFile(*in)
	check(err)
	var res results
	check(json.Unmarshal(data, &res))
	if len(res.E2E) == 0 {
		check(fmt.Errorf("%s has no end-to-end results", *in))
	}

	img := image.NewRGBA(canvasSize)
	fill(img, img.Bounds(), white)
	text(img, 40, 24, fmt.Sprintf("uds-egress-fn and the SDK no-op baseline on the same ResourceList (median of %d runs)", res.Reps), black)

	var xs, fnWall, baseWall, fnRSS, baseRSS []float64
	for _, r := range res.E2E {
		xs = append(xs, float64(r.Packages))
		fnWall, baseWall = append(fnWall, r.Function.Wall), append(baseWall, r.Baseline.Wall)
		fnRSS, baseRSS = append(fnRSS, r.Function.RSS), append(baseRSS, r.Baseline.RSS)
	}
	series := func(fn, base []float64) []line {
		return []line{
			{label: "SDK no-op baseline (bench/noop)", ys: base, c: baseColor},
			{label: "uds-egress-fn", ys: fn, c: fnColor},
		}
	}
	panel(img, image.Rect(90, 90, 520, 540), "wall time (s)", xs, series(fnWall, baseWall), "%.1f s")
	panel(img, image.Rect(730, 90, 1160, 540), "peak RSS (MiB)", xs, series(fnRSS, baseRSS), "%.0f MiB")

	text(img, 40, 604, fmt.Sprintf("Fleet: bench/fleetgen seed %d (3 entries/Package on average, hosts shared, 20 Anywhere participants)", res.Seed), grey)
	text(img, 40, 628, fmt.Sprintf("Measured by make bench on %s, %d cores, %s.", res.Machine.CPU, res.Machine.Cores, res.Machine.Go), grey)

	f, err := os.Create(*out)
	check(err)
	check(png.Encode(f, img))
	check(f.Close())
	fmt.Fprintf(os.Stderr, "plot: wrote %s\n", *out)
}

type line struct {
	label string
	ys    []float64
	c     color.RGBA
}

// panel draws one chart: axes from zero, ticks, grid, a legend, and the
// lines with a marker per point and their last value.
func panel(img *image.RGBA, r image.Rectangle, ylabel string, xs []float64, lines []line, valueFormat string) {
	xmax, ymax := 0.0, 0.0
	for _, x := range xs {
		xmax = math.Max(xmax, x)
	}
	for _, l := range lines {
		for _, y := range l.ys {
			ymax = math.Max(ymax, y)
		}
	}
	xstep, xtop := niceAxis(xmax)
	ystep, ytop := niceAxis(ymax * 1.08)
	px := func(x float64) int { return r.Min.X + int(math.Round(x/xtop*float64(r.Dx()))) }
	py := func(y float64) int { return r.Max.Y - int(math.Round(y/ytop*float64(r.Dy()))) }

	for y := 0.0; y <= ytop+ystep/2; y += ystep {
		fill(img, image.Rect(r.Min.X, py(y), r.Max.X, py(y)+1), grid)
		label := trimFloat(y)
		text(img, r.Min.X-10-len(label)*glyphW, py(y)-glyphH/2, label, black)
	}
	for x := 0.0; x <= xtop+xstep/2; x += xstep {
		fill(img, image.Rect(px(x), r.Min.Y, px(x)+1, r.Max.Y), grid)
		fill(img, image.Rect(px(x), r.Max.Y, px(x)+1, r.Max.Y+6), black)
		label := thousands(x)
		text(img, px(x)-len(label)*glyphW/2, r.Max.Y+12, label, black)
	}
	fill(img, image.Rect(r.Min.X, r.Min.Y, r.Min.X+2, r.Max.Y+1), black) // y axis
	fill(img, image.Rect(r.Min.X, r.Max.Y, r.Max.X, r.Max.Y+2), black)   // x axis
	text(img, r.Min.X-10, r.Min.Y-30, ylabel, black)
	text(img, r.Max.X-len("Packages")*glyphW, r.Max.Y+38, "Packages", black)

	// Legend, top left inside the panel.
	lx, ly := r.Min.X+16, r.Min.Y+12
	for i, l := range lines {
		y := ly + i*26
		thickLine(img, lx, y+glyphH/2, lx+30, y+glyphH/2, 2, l.c)
		disk(img, lx+15, y+glyphH/2, 4, l.c)
		text(img, lx+40, y, l.label, black)
	}
	// The lines, a marker per point, and the last value written to the
	// right of the panel (nudged apart when the two ends are close).
	var ends []int
	for _, l := range lines {
		for i := 1; i < len(xs); i++ {
			thickLine(img, px(xs[i-1]), py(l.ys[i-1]), px(xs[i]), py(l.ys[i]), 2, l.c)
		}
		for i := range xs {
			disk(img, px(xs[i]), py(l.ys[i]), 5, l.c)
		}
		ends = append(ends, py(l.ys[len(l.ys)-1])-glyphH/2)
	}
	if len(ends) == 2 && abs(ends[0]-ends[1]) < glyphH+6 {
		mid, half := (ends[0]+ends[1])/2, (glyphH+6)/2
		if ends[0] <= ends[1] {
			ends[0], ends[1] = mid-half, mid+half
		} else {
			ends[0], ends[1] = mid+half, mid-half
		}
	}
	for i, l := range lines {
		text(img, r.Max.X+12, ends[i], fmt.Sprintf(valueFormat, l.ys[len(l.ys)-1]), l.c)
	}
}

// niceAxis returns a tick step of 1, 2 or 5 x 10^k giving about five ticks,
// and the axis top (a multiple of the step at or above v).
func niceAxis(v float64) (step, top float64) {
	if v <= 0 {
		return 1, 1
	}
	raw := v / 5
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5, 10} {
		if step = m * mag; step >= raw {
			break
		}
	}
	return step, math.Ceil(v/step-1e-9) * step
}

func trimFloat(v float64) string {
	s := fmt.Sprintf("%.2f", v)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	return s
}

func thousands(v float64) string {
	if v >= 1000 && math.Mod(v, 1000) == 0 {
		return fmt.Sprintf("%.0fk", v/1000)
	}
	return trimFloat(v)
}

func fill(img *image.RGBA, r image.Rectangle, c color.RGBA) {
	r = r.Intersect(img.Bounds())
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			img.SetRGBA(x, y, c)
		}
	}
}

func disk(img *image.RGBA, cx, cy, rad int, c color.RGBA) {
	for y := -rad; y <= rad; y++ {
		for x := -rad; x <= rad; x++ {
			if x*x+y*y <= rad*rad {
				if (image.Point{cx + x, cy + y}).In(img.Bounds()) {
					img.SetRGBA(cx+x, cy+y, c)
				}
			}
		}
	}
}

// thickLine draws a line of half-width w by stamping disks along it.
func thickLine(img *image.RGBA, x0, y0, x1, y1, w int, c color.RGBA) {
	steps := max(abs(x1-x0), abs(y1-y0), 1)
	for i := 0; i <= steps; i++ {
		t := float64(i) / float64(steps)
		disk(img, x0+int(math.Round(t*float64(x1-x0))), y0+int(math.Round(t*float64(y1-y0))), w, c)
	}
}

// text draws s with its top-left corner at (x, y).
func text(img *image.RGBA, x, y int, s string, c color.RGBA) {
	for _, r := range s {
		g, ok := font[r]
		if !ok {
			g = unknownGlyph
		}
		top := y + descent[r]*textScale
		for row := 0; row < 7; row++ {
			for col := 0; col < 5; col++ {
				if g[row]&(1<<(4-col)) != 0 {
					fill(img, image.Rect(x+col*textScale, top+row*textScale, x+(col+1)*textScale, top+(row+1)*textScale), c)
				}
			}
		}
		x += glyphW
	}
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "plot:", err)
		os.Exit(1)
	}
}
