// Package plots draws the harness's PNG figures with gonum.org/v1/plot:
// line charts (optionally log-log, several in a grid) and bar charts.
// It knows nothing about benchmarks; the harness decides what to draw.
package plots

import (
	"errors"
	"fmt"
	"image/color"
	"math"
	"os"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// ErrNoData is returned for a chart that has nothing to draw.
var ErrNoData = errors.New("plots: no data to draw")

// Point is one (x, y) value.
type Point struct{ X, Y float64 }

// Series is one line of a chart.
type Series struct {
	Label  string
	Points []Point
	// Style picks color and marker (0 native-blue, 1 wasm-orange, ...);
	// Dashed draws a dashed line.
	Style  int
	Dashed bool
}

// Chart is one line chart.
type Chart struct {
	Title, XLabel, YLabel string
	LogX, LogY            bool
	// XBytes labels a log x axis in bytes (1 B, 16 B, 256 B, 4 KiB, ...).
	XBytes bool
	Series []Series
}

// Size is the size of a single chart; a grid scales it by its columns and
// rows.
const (
	Width  = 7 * vg.Inch
	Height = 4.5 * vg.Inch
)

func style(i int) (color.Color, draw.GlyphDrawer) {
	palette := []color.Color{
		color.RGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff}, // blue
		color.RGBA{R: 0xff, G: 0x7f, B: 0x0e, A: 0xff}, // orange
		color.RGBA{R: 0x2c, G: 0xa0, B: 0x2c, A: 0xff}, // green
		color.RGBA{R: 0xd6, G: 0x27, B: 0x28, A: 0xff}, // red
	}
	return palette[i%len(palette)], plotutil.Shape(i)
}

// build turns a chart into a plot. Points that a log axis cannot show
// (zero or negative) are left out; a chart left with no point is
// ErrNoData.
func build(c Chart) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = c.Title
	p.X.Label.Text = c.XLabel
	p.Y.Label.Text = c.YLabel
	p.Legend.Top = false // bottom right: the curves here mostly rise to the right
	p.Add(plotter.NewGrid())
	xmin, xmax, ymin, ymax := math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
	drawn := 0
	for _, s := range c.Series {
		var xys plotter.XYs
		for _, pt := range s.Points {
			if (c.LogX && pt.X <= 0) || (c.LogY && pt.Y <= 0) || math.IsNaN(pt.X) || math.IsNaN(pt.Y) {
				continue
			}
			xys = append(xys, plotter.XY{X: pt.X, Y: pt.Y})
			xmin, xmax = math.Min(xmin, pt.X), math.Max(xmax, pt.X)
			ymin, ymax = math.Min(ymin, pt.Y), math.Max(ymax, pt.Y)
		}
		if len(xys) == 0 {
			continue
		}
		line, points, err := plotter.NewLinePoints(xys)
		if err != nil {
			return nil, fmt.Errorf("plots: series %q: %w", s.Label, err)
		}
		col, glyph := style(s.Style)
		line.Color = col
		line.Width = vg.Points(1.5)
		if s.Dashed {
			line.Dashes = []vg.Length{vg.Points(5), vg.Points(3)}
		}
		points.Color = col
		points.Shape = glyph
		p.Add(line, points)
		p.Legend.Add(s.Label, line, points)
		drawn++
	}
	if drawn == 0 {
		return nil, fmt.Errorf("%w: %q", ErrNoData, c.Title)
	}
	axis(&p.X, c.LogX, xmin, xmax)
	axis(&p.Y, c.LogY, ymin, ymax)
	if c.LogX && c.XBytes {
		p.X.Tick.Marker = byteTicks{}
	}
	return p, nil
}

// byteTicks marks powers of two on a byte axis, labelling every fourth.
type byteTicks struct{}

// Ticks implements plot.Ticker.
func (byteTicks) Ticks(lo, hi float64) []plot.Tick {
	var ticks []plot.Tick
	for e := 0; e <= 62; e++ {
		v := math.Ldexp(1, e)
		if v < lo || v > hi {
			continue
		}
		t := plot.Tick{Value: v}
		if e%4 == 0 {
			t.Label = byteLabel(e)
		}
		ticks = append(ticks, t)
	}
	return ticks
}

func byteLabel(exp int) string {
	units := []string{"B", "KiB", "MiB", "GiB"}
	u := min(exp/10, len(units)-1)
	return fmt.Sprintf("%d %s", 1<<(exp-10*u), units[u])
}

// axis sets the scale and widens a degenerate range so that the ticker has
// something to divide.
func axis(a *plot.Axis, log bool, lo, hi float64) {
	if log {
		a.Scale = plot.LogScale{}
		a.Tick.Marker = plot.LogTicks{Prec: -1}
		if lo == hi || hi/lo < 10 {
			mid := math.Sqrt(lo * hi)
			lo, hi = math.Min(lo, mid/4), math.Max(hi, mid*4)
		}
		a.Min, a.Max = lo/1.3, hi*1.3
		return
	}
	if lo == hi {
		lo, hi = lo-1, hi+1
	}
	pad := (hi - lo) * 0.05
	a.Min, a.Max = lo-pad, hi+pad
	if lo >= 0 && a.Min < 0 {
		a.Min = 0
	}
}

// Lines draws one chart into a PNG file.
func Lines(path string, c Chart) error {
	p, err := build(c)
	if err != nil {
		return err
	}
	if err := p.Save(Width, Height, path); err != nil {
		return fmt.Errorf("plots: saving %s: %w", path, err)
	}
	return nil
}

// Grid draws charts in a grid of cols columns into one PNG file. Charts
// without data are left blank; if none has data the result is ErrNoData.
func Grid(path string, cols int, charts []Chart) error {
	if cols < 1 {
		cols = 1
	}
	rows := (len(charts) + cols - 1) / cols
	grid := make([][]*plot.Plot, rows)
	drawn := false
	for i := range grid {
		grid[i] = make([]*plot.Plot, cols)
	}
	for i, c := range charts {
		p, err := build(c)
		if errors.Is(err, ErrNoData) {
			continue
		}
		if err != nil {
			return err
		}
		grid[i/cols][i%cols] = p
		drawn = true
	}
	if !drawn {
		return fmt.Errorf("%w: grid %s", ErrNoData, path)
	}
	w, h := Width*vg.Length(cols)*0.75, Height*vg.Length(rows)*0.75
	img := vgimg.New(w, h)
	dc := draw.New(img)
	tiles := draw.Tiles{Rows: rows, Cols: cols, PadX: vg.Millimeter * 4, PadY: vg.Millimeter * 4,
		PadTop: vg.Millimeter * 2, PadBottom: vg.Millimeter * 2, PadLeft: vg.Millimeter * 2, PadRight: vg.Millimeter * 2}
	canvases := plot.Align(grid, tiles, dc)
	for j := range grid {
		for i, p := range grid[j] {
			if p != nil {
				p.Draw(canvases[j][i])
			}
		}
	}
	return savePNG(path, img)
}

func savePNG(path string, img *vgimg.Canvas) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("plots: %w", err)
	}
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(f); err != nil {
		f.Close()
		return fmt.Errorf("plots: writing %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("plots: writing %s: %w", path, err)
	}
	return nil
}

// Bars draws a bar chart of values (one bar per label) with a dashed
// horizontal reference line at ref (skipped when ref is NaN), into a PNG
// file. NaN values are drawn as empty bars.
func Bars(path, title, ylabel string, labels []string, values []float64, ref float64) error {
	if len(values) == 0 || len(labels) != len(values) {
		return fmt.Errorf("%w: %q", ErrNoData, title)
	}
	vs := make(plotter.Values, len(values))
	top := 0.0
	for i, v := range values {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			v = 0
		}
		vs[i] = v
		top = math.Max(top, v)
	}
	p := plot.New()
	p.Title.Text = title
	p.Y.Label.Text = ylabel
	p.Add(plotter.NewGrid())
	bars, err := plotter.NewBarChart(vs, vg.Points(28))
	if err != nil {
		return fmt.Errorf("plots: %w", err)
	}
	bars.Color, _ = style(1)
	bars.LineStyle.Width = vg.Length(0)
	p.Add(bars)
	labelsXY := make([]plotter.XY, len(values))
	texts := make([]string, len(values))
	for i, v := range values {
		labelsXY[i] = plotter.XY{X: float64(i), Y: vs[i]}
		texts[i] = "-"
		if !math.IsNaN(v) {
			texts[i] = fmt.Sprintf("%.2f", v)
		}
	}
	l, err := plotter.NewLabels(plotter.XYLabels{XYs: labelsXY, Labels: texts})
	if err != nil {
		return fmt.Errorf("plots: %w", err)
	}
	for i := range l.TextStyle {
		l.TextStyle[i].XAlign = draw.XCenter
		l.TextStyle[i].YAlign = draw.YBottom
	}
	p.Add(l)
	if !math.IsNaN(ref) {
		f := plotter.NewFunction(func(float64) float64 { return ref })
		f.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
		f.Color = color.Gray{Y: 0x40}
		p.Add(f)
		top = math.Max(top, ref)
	}
	p.NominalX(labels...)
	p.Y.Min, p.Y.Max = 0, top*1.15+1e-9
	p.X.Min, p.X.Max = -0.6, float64(len(values))-0.4
	if err := p.Save(vg.Length(len(values)+2)*0.9*vg.Inch+2*vg.Inch, Height, path); err != nil {
		return fmt.Errorf("plots: saving %s: %w", path, err)
	}
	return nil
}
