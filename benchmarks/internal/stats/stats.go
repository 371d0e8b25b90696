// Package stats reduces repeated measurements to medians and compares the
// wasm variant with the native one, row by row.
//
// A row is one benchmark at one rank count and one message size. Its ratio
// is wasm/native of the medians; because some units are times (lower is
// better) and others are rates (higher is better), every row also carries a
// slowdown that always reads the same way: above 1 wasm is slower, below 1
// wasm is faster.
package stats

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/wasmpi/wasmpi/benchmarks/internal/result"
)

// Variant names, as in result.Sample.Variant.
const (
	Native = "native"
	Wasm   = "wasm"
)

// Summary is the distribution of one variant's repetitions.
type Summary struct {
	N                int
	Median, Min, Max float64
}

// Row is one benchmark at one rank count and size.
type Row struct {
	Bench  string
	Ranks  int
	Size   int64 // result.NoSize when the benchmark has none
	Unit   string
	Native Summary
	Wasm   Summary
}

// LowerIsBetter reports whether smaller values of unit are better: times
// are, rates (MB/s, GFLOP/s, MLUP/s) are not.
func LowerIsBetter(unit string) bool {
	switch unit {
	case "ns", "us", "ms", "s":
		return true
	}
	return false
}

// Median returns the median of xs (the mean of the middle two for an even
// count), or NaN for none. xs is not modified.
func Median(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	m := len(s) / 2
	if len(s)%2 == 1 {
		return s[m]
	}
	return (s[m-1] + s[m]) / 2
}

func summarize(xs []float64) Summary {
	if len(xs) == 0 {
		return Summary{Median: math.NaN(), Min: math.NaN(), Max: math.NaN()}
	}
	return Summary{N: len(xs), Median: Median(xs), Min: slices.Min(xs), Max: slices.Max(xs)}
}

// Ratio is wasm/native of the medians, NaN when either is missing or the
// native median is zero.
func (r Row) Ratio() float64 {
	if r.Native.N == 0 || r.Wasm.N == 0 || r.Native.Median == 0 {
		return math.NaN()
	}
	return r.Wasm.Median / r.Native.Median
}

// Slowdown is how many times slower wasm is than native: the ratio for a
// time, its inverse for a rate. Above 1 wasm is slower, below 1 faster.
func (r Row) Slowdown() float64 {
	q := r.Ratio()
	if LowerIsBetter(r.Unit) || math.IsNaN(q) {
		return q
	}
	if q == 0 {
		return math.Inf(1)
	}
	return 1 / q
}

// Verdict says in words whether wasm is faster: "wasm 2.31x slower",
// "wasm 1.40x faster", "same", or "-" when a variant is missing.
func (r Row) Verdict() string {
	s := r.Slowdown()
	switch {
	case math.IsNaN(s):
		return "-"
	case math.Abs(s-1) < 0.005:
		return "same"
	case s > 1:
		return fmt.Sprintf("wasm %.2fx slower", s)
	default:
		return fmt.Sprintf("wasm %.2fx faster", 1/s)
	}
}

// Noise is the larger relative spread (max-min)/median of the two
// variants, NaN when neither has two repetitions.
func (r Row) Noise() float64 {
	n := math.NaN()
	for _, s := range []Summary{r.Native, r.Wasm} {
		if s.N < 2 || s.Median == 0 {
			continue
		}
		if v := (s.Max - s.Min) / math.Abs(s.Median); math.IsNaN(n) || v > n {
			n = v
		}
	}
	return n
}

type key struct {
	bench string
	ranks int
	size  int64
	unit  string
}

// Summarize groups samples into rows. Benchmarks keep the order in which
// they first appear in samples; within one, rows go by rank count, then
// size.
func Summarize(samples []result.Sample) []Row {
	order := map[string]int{}
	vals := map[key]map[string][]float64{}
	for _, s := range samples {
		if _, ok := order[s.Bench]; !ok {
			order[s.Bench] = len(order)
		}
		k := key{s.Bench, s.Ranks, s.Size, s.Unit}
		if vals[k] == nil {
			vals[k] = map[string][]float64{}
		}
		vals[k][s.Variant] = append(vals[k][s.Variant], s.Value)
	}
	rows := make([]Row, 0, len(vals))
	for k, v := range vals {
		rows = append(rows, Row{Bench: k.bench, Ranks: k.ranks, Size: k.size, Unit: k.unit,
			Native: summarize(v[Native]), Wasm: summarize(v[Wasm])})
	}
	slices.SortFunc(rows, func(a, b Row) int {
		if c := order[a.Bench] - order[b.Bench]; c != 0 {
			return c
		}
		if a.Ranks != b.Ranks {
			return a.Ranks - b.Ranks
		}
		if a.Size != b.Size {
			if a.Size < b.Size {
				return -1
			}
			return 1
		}
		return strings.Compare(a.Unit, b.Unit)
	})
	return rows
}

// FormatSize writes a byte count compactly (0 B, 8 B, 4 KiB, 4 MiB), or
// "-" for result.NoSize.
func FormatSize(n int64) string {
	switch {
	case n < 0:
		return "-"
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d B", n)
}

func formatValue(s Summary) string {
	if s.N == 0 {
		return "-"
	}
	return FormatNumber(s.Median)
}

// FormatNumber writes v with four significant digits, without an exponent
// up to 10^9.
func FormatNumber(v float64) string {
	if a := math.Abs(v); a >= 1e4 && a < 1e9 {
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.4g", v)
}

// Overall summarises the slowdowns of rows that have both variants: their
// geometric mean, and in how many of them wasm was faster.
type Overall struct {
	Rows, WasmFaster int
	GeoMean          float64 // NaN when Rows is 0
	Best, Worst      Row     // smallest and largest slowdown
}

// Summarise computes the Overall of rows.
func Summarise(rows []Row) Overall {
	o := Overall{GeoMean: math.NaN()}
	logSum := 0.0
	for _, r := range rows {
		s := r.Slowdown()
		if math.IsNaN(s) || math.IsInf(s, 0) || s <= 0 {
			continue
		}
		if o.Rows == 0 || s < o.Best.Slowdown() {
			o.Best = r
		}
		if o.Rows == 0 || s > o.Worst.Slowdown() {
			o.Worst = r
		}
		o.Rows++
		logSum += math.Log(s)
		if s < 1 {
			o.WasmFaster++
		}
	}
	if o.Rows > 0 {
		o.GeoMean = math.Exp(logSum / float64(o.Rows))
	}
	return o
}

// Describe names a row compactly: "allreduce 8 ranks 64 B".
func (r Row) Describe() string {
	s := fmt.Sprintf("%s %d ranks", r.Bench, r.Ranks)
	if r.Size != result.NoSize {
		s += " " + FormatSize(r.Size)
	}
	return s
}

func formatFloat(f float64, format string) string {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return "-"
	}
	return fmt.Sprintf(format, f)
}

// formatNoise writes a relative spread as a percentage; above 999% it
// only says so (one preempted repetition on a loaded machine).
func formatNoise(n float64) string {
	if n > 9.995 {
		return ">999%"
	}
	return formatFloat(100*n, "%.0f%%")
}

func cells(r Row) []string {
	unit := r.Unit
	if LowerIsBetter(unit) {
		unit += " (lower=better)"
	} else {
		unit += " (higher=better)"
	}
	return []string{r.Bench, fmt.Sprint(r.Ranks), FormatSize(r.Size), unit, formatValue(r.Native), formatValue(r.Wasm),
		formatFloat(r.Ratio(), "%.3f"), r.Verdict(), formatNoise(r.Noise())}
}

// header names the table's columns; noise is the larger (max-min)/median
// of the two variants' repetitions.
func header() []string {
	return []string{"benchmark", "ranks", "size", "unit", "native", "wasm", "wasm/native", "verdict", "noise"}
}

// WriteText writes rows as an aligned plain-text table of medians.
func WriteText(w io.Writer, rows []Row) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(header(), "\t")+"\t")
	for _, r := range rows {
		fmt.Fprintln(tw, strings.Join(cells(r), "\t")+"\t")
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("writing table: %w", err)
	}
	return nil
}

// WriteMarkdown writes rows as a Markdown table of medians.
func WriteMarkdown(w io.Writer, rows []Row) error {
	var b strings.Builder
	b.WriteString("| " + strings.Join(header(), " | ") + " |\n")
	b.WriteString("|---|--:|--:|---|--:|--:|--:|---|--:|\n")
	for _, r := range rows {
		b.WriteString("| " + strings.Join(cells(r), " | ") + " |\n")
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("writing table: %w", err)
	}
	return nil
}
