// Command plot draws docs/performance.png from the results of `make bench`
// (bench/results/latest.json): wall time and peak RSS against the number of
// Packages, for uds-egress-fn and for the SDK no-op baseline, with
// gonum.org/v1/plot.
//
//	go run ./bench/plot [-in bench/results/latest.json] [-out docs/performance.png]
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"image/color"
	"os"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
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

// series is one line of a panel.
type series struct {
	label string
	color color.Color
	pts   plotter.XYs
}

var (
	fnColor   = color.RGBA{31, 119, 180, 255} // blue
	baseColor = color.RGBA{230, 110, 0, 255}  // orange
	grey      = color.Gray{110}
)

const (
	width, height = 12 * vg.Inch, 6.2 * vg.Inch
	header        = 0.5 * vg.Inch // the title line
	footer        = 0.6 * vg.Inch // two lines saying what was measured where
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
	check(write(res, *out))
	fmt.Fprintf(os.Stderr, "plot: wrote %s\n", *out)
}

// write draws the two panels with a title and a footer into a PNG file.
func write(res results, out string) error {
	wall, rss := panels(res)

	img := vgimg.New(width, height)
	dc := draw.New(img)
	dc.SetColor(color.White)
	dc.Fill(dc.Rectangle.Path())
	say(dc, 14, color.Black, vg.Point{X: dc.Min.X + 0.3*vg.Inch, Y: dc.Max.Y - 0.35*vg.Inch},
		fmt.Sprintf("uds-egress-fn and the SDK no-op baseline on the same ResourceList (median of %d runs)", res.Reps))
	say(dc, 11, grey, vg.Point{X: dc.Min.X + 0.3*vg.Inch, Y: dc.Min.Y + 0.35*vg.Inch},
		fmt.Sprintf("Fleet: internal/fleetgen seed %d (3 entries/Package on average, hosts shared, 20 Anywhere participants)", res.Seed))
	say(dc, 11, grey, vg.Point{X: dc.Min.X + 0.3*vg.Inch, Y: dc.Min.Y + 0.12*vg.Inch},
		fmt.Sprintf("Measured by make bench on %s, %d cores, %s.", res.Machine.CPU, res.Machine.Cores, res.Machine.Go))

	body := draw.Crop(dc, 0, 0, footer, -header)
	tiles := draw.Tiles{Rows: 1, Cols: 2, PadX: 0.6 * vg.Inch, PadTop: 0.1 * vg.Inch, PadBottom: 0.1 * vg.Inch,
		PadLeft: 0.2 * vg.Inch, PadRight: 0.3 * vg.Inch}
	wall.Draw(tiles.At(body, 0, 0))
	rss.Draw(tiles.At(body, 1, 0))

	f, err := os.Create(out)
	if err != nil {
		return err
	}
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// panels builds the wall-time and the peak-RSS chart.
func panels(res results) (wall, rss *plot.Plot) {
	var fnWall, baseWall, fnRSS, baseRSS plotter.XYs
	for _, r := range res.E2E {
		x := float64(r.Packages)
		fnWall = append(fnWall, plotter.XY{X: x, Y: r.Function.Wall})
		baseWall = append(baseWall, plotter.XY{X: x, Y: r.Baseline.Wall})
		fnRSS = append(fnRSS, plotter.XY{X: x, Y: r.Function.RSS})
		baseRSS = append(baseRSS, plotter.XY{X: x, Y: r.Baseline.RSS})
	}
	wall = chart("wall time (s)", []series{
		{"SDK no-op baseline (bench/noop)", baseColor, baseWall},
		{"uds-egress-fn", fnColor, fnWall},
	})
	rss = chart("peak RSS (MiB)", []series{
		{"SDK no-op baseline (bench/noop)", baseColor, baseRSS},
		{"uds-egress-fn", fnColor, fnRSS},
	})
	return wall, rss
}

// chart is one panel: axes from zero, a grid, a line with a marker per
// point for each series, and a legend at the top left.
func chart(ylabel string, lines []series) *plot.Plot {
	p := plot.New()
	p.Title.Text = ylabel
	p.X.Label.Text = "Packages"
	p.X.Tick.Marker = ticks{thousands: true}
	p.Y.Tick.Marker = ticks{}
	p.X.Min, p.Y.Min = 0, 0
	p.Add(plotter.NewGrid())
	p.Legend.Top, p.Legend.Left = true, true
	p.Legend.XOffs, p.Legend.YOffs = 0.15*vg.Inch, -0.1*vg.Inch
	for _, s := range lines {
		l, pts, err := plotter.NewLinePoints(s.pts)
		check(err)
		l.Color, l.Width = s.color, vg.Points(2)
		pts.Color, pts.Shape, pts.Radius = s.color, draw.CircleGlyph{}, vg.Points(3.5)
		p.Add(l, pts)
		p.Legend.Add(s.label, l, pts)
	}
	p.Y.Max *= 1.08 // room above the highest point
	return p
}

// ticks are the default ticks labelled without trailing zeros, and with
// thousands as 25k, 50k on the Package axis.
type ticks struct{ thousands bool }

func (m ticks) Ticks(lo, hi float64) []plot.Tick {
	ticks := plot.DefaultTicks{}.Ticks(lo, hi)
	for i, t := range ticks {
		switch {
		case t.Label == "": // a minor tick
		case m.thousands && t.Value >= 1000 && int(t.Value)%1000 == 0:
			ticks[i].Label = strconv.Itoa(int(t.Value)/1000) + "k"
		default:
			ticks[i].Label = strconv.FormatFloat(t.Value, 'f', -1, 64)
		}
	}
	return ticks
}

func say(dc draw.Canvas, size vg.Length, c color.Color, at vg.Point, s string) {
	dc.FillText(text.Style{
		Color:   c,
		Font:    font.From(plot.DefaultFont, size),
		Handler: plot.DefaultTextHandler,
	}, at, s)
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "plot:", err)
		os.Exit(1)
	}
}
