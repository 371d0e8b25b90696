package plots

import (
	"errors"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"testing"
)

func checkPNG(t *testing.T, path string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if b := img.Bounds(); b.Dx() < 100 || b.Dy() < 100 {
		t.Fatalf("%s: image is only %v", path, b)
	}
}

func sweep(scale float64) []Point {
	var pts []Point
	for s := 1.0; s <= 1<<22; s *= 4 {
		pts = append(pts, Point{s, scale * (1 + s/1e4)})
	}
	return append(pts, Point{0, 1}) // size 0: not drawable on a log axis
}

func TestLines(t *testing.T) {
	dir := t.TempDir()
	c := Chart{Title: "latency", XLabel: "bytes", YLabel: "us", LogX: true, LogY: true, XBytes: true,
		Series: []Series{{Label: "native", Points: sweep(1)}, {Label: "wasm", Points: sweep(2), Style: 1, Dashed: true}}}
	path := filepath.Join(dir, "l.png")
	if err := Lines(path, c); err != nil {
		t.Fatal(err)
	}
	checkPNG(t, path)

	// one point on log axes still draws
	one := Chart{Title: "one", LogX: true, LogY: true, Series: []Series{{Label: "x", Points: []Point{{8, 3}}}}}
	if err := Lines(filepath.Join(dir, "one.png"), one); err != nil {
		t.Fatal(err)
	}
	empty := Chart{Title: "empty", LogX: true, Series: []Series{{Label: "x", Points: []Point{{0, 1}}}}}
	if err := Lines(filepath.Join(dir, "e.png"), empty); !errors.Is(err, ErrNoData) {
		t.Fatalf("empty chart: %v, want ErrNoData", err)
	}
}

func TestGrid(t *testing.T) {
	dir := t.TempDir()
	charts := []Chart{
		{Title: "a", LogX: true, LogY: true, Series: []Series{{Label: "native", Points: sweep(1)}}},
		{Title: "b (no data)"},
		{Title: "c", Series: []Series{{Label: "wasm", Points: []Point{{2, 5}, {4, 7}, {8, 9}}, Style: 1}}},
	}
	path := filepath.Join(dir, "g.png")
	if err := Grid(path, 2, charts); err != nil {
		t.Fatal(err)
	}
	checkPNG(t, path)
	if err := Grid(filepath.Join(dir, "none.png"), 2, []Chart{{Title: "x"}}); !errors.Is(err, ErrNoData) {
		t.Fatalf("grid without data: %v", err)
	}
}

func TestBars(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "b.png")
	if err := Bars(path, "kernels", "slowdown", []string{"triad", "dgemm", "cg"}, []float64{1.2, 8, math.NaN()}, 1); err != nil {
		t.Fatal(err)
	}
	checkPNG(t, path)
	if err := Bars(path, "none", "", nil, nil, 1); !errors.Is(err, ErrNoData) {
		t.Fatalf("bars without data: %v", err)
	}
}

func TestByteTicks(t *testing.T) {
	ticks := byteTicks{}.Ticks(1, 4<<20)
	if len(ticks) != 23 {
		t.Fatalf("%d ticks from 1 B to 4 MiB, want 23", len(ticks))
	}
	var labels []string
	for _, tk := range ticks {
		if tk.Label != "" {
			labels = append(labels, tk.Label)
		}
	}
	want := []string{"1 B", "16 B", "256 B", "4 KiB", "64 KiB", "1 MiB"}
	if len(labels) != len(want) {
		t.Fatalf("labels %v, want %v", labels, want)
	}
	for i := range want {
		if labels[i] != want[i] {
			t.Fatalf("labels %v, want %v", labels, want)
		}
	}
}
