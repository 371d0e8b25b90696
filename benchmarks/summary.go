package main

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strings"

	"github.com/wasmpi/wasmpi/benchmarks/internal/stats"
)

// groupTitles are the groups in table order with their headings.
func groupTitles() [][2]string {
	return [][2]string{
		{groupP2P, "point to point"},
		{groupColl, "collectives"},
		{groupKernel, "kernels"},
		{groupOpenMP, "openmp"},
		{groupStartup, "startup"},
	}
}

// groupOf returns the group of a benchmark name, or "".
func groupOf(bench string) string {
	i := slices.IndexFunc(catalogue(), func(b benchmark) bool { return b.name == bench })
	if i < 0 {
		return ""
	}
	return catalogue()[i].group
}

// writeSummary writes one line per group: the geometric mean of the
// slowdowns, how often wasm won, and the extremes. markdown selects a
// Markdown table instead of plain text.
func writeSummary(w io.Writer, rows []stats.Row, markdown bool) error {
	var b strings.Builder
	if markdown {
		b.WriteString("| group | rows | geometric mean | wasm faster in | best for wasm | worst for wasm |\n|---|--:|---|--:|---|---|\n")
	}
	for _, g := range groupTitles() {
		o := stats.Summarise(pick(rows, func(r stats.Row) bool { return groupOf(r.Bench) == g[0] }))
		if o.Rows == 0 {
			continue
		}
		gm := "same"
		switch {
		case math.Abs(o.GeoMean-1) < 0.005:
		case o.GeoMean > 1:
			gm = fmt.Sprintf("wasm %.2fx slower", o.GeoMean)
		default:
			gm = fmt.Sprintf("wasm %.2fx faster", 1/o.GeoMean)
		}
		best := fmt.Sprintf("%s: %s", o.Best.Describe(), o.Best.Verdict())
		worst := fmt.Sprintf("%s: %s", o.Worst.Describe(), o.Worst.Verdict())
		if markdown {
			fmt.Fprintf(&b, "| %s | %d | %s | %d of %d | %s | %s |\n", g[1], o.Rows, gm, o.WasmFaster, o.Rows, best, worst)
		} else {
			fmt.Fprintf(&b, "%-15s %3d rows  geometric mean: %-18s  wasm faster in %d of %d;  best %s;  worst %s\n",
				g[1]+":", o.Rows, gm, o.WasmFaster, o.Rows, best, worst)
		}
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("writing summary: %w", err)
	}
	return nil
}
