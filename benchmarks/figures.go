package main

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/wasmpi/wasmpi/benchmarks/internal/plots"
	"github.com/wasmpi/wasmpi/benchmarks/internal/result"
	"github.com/wasmpi/wasmpi/benchmarks/internal/stats"
)

// figure is one PNG written next to results.json.
type figure struct {
	file, title string
}

// variantSeries makes a native and a wasm line of rows' medians, with x
// from xOf.
func variantSeries(rows []stats.Row, label string, dashed bool, xOf func(stats.Row) float64) []plots.Series {
	nat := plots.Series{Label: label + "native", Style: 0, Dashed: dashed}
	was := plots.Series{Label: label + "wasm", Style: 1, Dashed: dashed}
	for _, r := range rows {
		if r.Native.N > 0 {
			nat.Points = append(nat.Points, plots.Point{X: xOf(r), Y: r.Native.Median})
		}
		if r.Wasm.N > 0 {
			was.Points = append(was.Points, plots.Point{X: xOf(r), Y: r.Wasm.Median})
		}
	}
	return []plots.Series{nat, was}
}

// ompOverhead reports whether r is an OpenMP construct overhead (omp_sync's
// microsecond results) rather than a compute kernel.
func ompOverhead(r stats.Row) bool {
	return groupOf(r.Bench) == groupOpenMP && r.Unit == "us"
}

func bySize(r stats.Row) float64  { return float64(r.Size) }
func byRanks(r stats.Row) float64 { return float64(r.Ranks) }

func pick(rows []stats.Row, keep func(stats.Row) bool) []stats.Row {
	var out []stats.Row
	for _, r := range rows {
		if keep(r) {
			out = append(out, r)
		}
	}
	return out
}

// drawFigures writes the plots that rows have data for into dir.
func drawFigures(dir string, rows []stats.Row) ([]figure, error) {
	var figs []figure
	add := func(file, title string, err error) error {
		if errors.Is(err, plots.ErrNoData) {
			return nil
		}
		if err != nil {
			return err
		}
		figs = append(figs, figure{file, title})
		return nil
	}
	bench := func(name string) []stats.Row {
		return pick(rows, func(r stats.Row) bool { return r.Bench == name })
	}

	lat := bench("pingpong")
	title := "Ping-pong latency (half round trip, 2 ranks)"
	err := plots.Lines(filepath.Join(dir, "latency.png"), plots.Chart{Title: title, XLabel: "message size (bytes)",
		YLabel: "latency (us, lower is better)", LogX: true, LogY: true, XBytes: true, Series: variantSeries(lat, "", false, bySize)})
	if err := add("latency.png", title, err); err != nil {
		return figs, err
	}

	title = "Point-to-point bandwidth (2 ranks)"
	series := append(variantSeries(bench("bandwidth"), "one-way ", false, bySize),
		variantSeries(bench("bibw"), "bidirectional ", true, bySize)...)
	err = plots.Lines(filepath.Join(dir, "bandwidth.png"), plots.Chart{Title: title, XLabel: "message size (bytes)",
		YLabel: "bandwidth (MB/s, higher is better)", LogX: true, LogY: true, XBytes: true, Series: series})
	if err := add("bandwidth.png", title, err); err != nil {
		return figs, err
	}

	// collectives: time vs size at the largest rank count, barrier vs ranks
	var coll []string
	for _, b := range catalogue() {
		if b.group == groupColl {
			coll = append(coll, b.name)
		}
	}
	np := 0
	for _, r := range rows {
		if slices.Contains(coll, r.Bench) && r.Size != result.NoSize {
			np = max(np, r.Ranks)
		}
	}
	var charts []plots.Chart
	for _, name := range coll {
		if name == "barrier" {
			continue
		}
		rs := pick(bench(name), func(r stats.Row) bool { return r.Ranks == np })
		charts = append(charts, plots.Chart{Title: fmt.Sprintf("MPI_%s, %d ranks", name, np), XLabel: "bytes per rank",
			YLabel: "us per call", LogX: true, LogY: true, XBytes: true, Series: variantSeries(rs, "", false, bySize)})
	}
	charts = append(charts, plots.Chart{Title: "MPI_barrier", XLabel: "ranks", YLabel: "us per call",
		LogX: true, LogY: true, Series: variantSeries(bench("barrier"), "", false, byRanks)})
	title = fmt.Sprintf("Collectives: time per call vs size at %d ranks (lower is better)", np)
	err = plots.Grid(filepath.Join(dir, "collectives.png"), 3, charts)
	if err := add("collectives.png", title, err); err != nil {
		return figs, err
	}

	// kernels: slowdown bars, the OpenMP kernels (1 rank, several
	// threads) after the MPI ones
	var labels []string
	var values []float64
	for _, b := range catalogue() {
		if b.group != groupKernel && b.group != groupOpenMP {
			continue
		}
		for _, r := range bench(b.name) {
			switch {
			case b.group == groupKernel:
				labels = append(labels, fmt.Sprintf("%s\n%d ranks", b.name, r.Ranks))
			case !ompOverhead(r):
				labels = append(labels, b.name+"\n(OpenMP)")
			default:
				continue
			}
			values = append(values, r.Slowdown())
		}
	}
	if slices.ContainsFunc(values, func(v float64) bool { return v == v }) { // some ratio is not NaN
		title = "Kernels: wasm slowdown vs native (above 1: wasm slower)"
		err = plots.Bars(filepath.Join(dir, "kernels.png"), title, "wasm time / native time", labels, values, 1)
		if err := add("kernels.png", title, err); err != nil {
			return figs, err
		}
	}

	// openmp construct overheads: slowdown bars
	labels, values = nil, nil
	for _, b := range catalogue() {
		if b.group != groupOpenMP {
			continue
		}
		for _, r := range bench(b.name) {
			if !ompOverhead(r) {
				continue
			}
			labels = append(labels, strings.ReplaceAll(strings.TrimPrefix(b.name, "omp_"), "_", "\n"))
			values = append(values, r.Slowdown())
		}
	}
	if slices.ContainsFunc(values, func(v float64) bool { return v == v }) {
		title = fmt.Sprintf("OpenMP construct overheads (1 rank, %d threads): wasm overhead / native overhead", ompThreads)
		err = plots.Bars(filepath.Join(dir, "openmp.png"), title, "wasm overhead / native overhead", labels, values, 1)
		if err := add("openmp.png", title, err); err != nil {
			return figs, err
		}
	}

	title = "Startup: wall time of the whole mpirun command (hello world)"
	err = plots.Lines(filepath.Join(dir, "startup.png"), plots.Chart{Title: title, XLabel: "ranks",
		YLabel: "ms (lower is better)", LogX: true, LogY: true, Series: variantSeries(bench("startup"), "", false, byRanks)})
	if err := add("startup.png", title, err); err != nil {
		return figs, err
	}
	return figs, nil
}
