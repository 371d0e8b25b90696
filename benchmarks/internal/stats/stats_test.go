package stats

import (
	"bytes"
	"math"
	"strings"
	"testing"

	"github.com/wasmpi/wasmpi/benchmarks/internal/result"
)

func TestMedian(t *testing.T) {
	cases := []struct {
		in   []float64
		want float64
	}{
		{[]float64{3}, 3},
		{[]float64{5, 1, 3}, 3},
		{[]float64{4, 1, 3, 2}, 2.5},
		{[]float64{2, 2, 9, 1, 2}, 2},
	}
	for _, c := range cases {
		in := append([]float64(nil), c.in...)
		if got := Median(c.in); got != c.want {
			t.Errorf("Median(%v) = %v, want %v", c.in, got, c.want)
		}
		for i := range in {
			if in[i] != c.in[i] {
				t.Fatalf("Median modified its input")
			}
		}
	}
	if !math.IsNaN(Median(nil)) {
		t.Error("Median(nil) is not NaN")
	}
}

func sample(bench, variant string, ranks int, size int64, value float64, unit string) result.Sample {
	return result.Sample{Bench: bench, Variant: variant, Ranks: ranks, Size: size, Value: value, Unit: unit}
}

func TestSummarizeAndRatios(t *testing.T) {
	var s []result.Sample
	// a latency (lower is better): wasm 2x slower
	for i, v := range []float64{1, 1.2, 0.9} {
		s = append(s, sample("pingpong", Native, 2, 8, v, "us"))
		s = append(s, sample("pingpong", Wasm, 2, 8, 2*[]float64{1, 1.2, 0.9}[i], "us"))
	}
	// a bandwidth (higher is better): wasm twice the native rate, so faster
	s = append(s, sample("bandwidth", Native, 2, 1<<20, 1000, "MB/s"), sample("bandwidth", Wasm, 2, 1<<20, 2000, "MB/s"))
	// a rate where wasm is 4x lower: 4x slower
	s = append(s, sample("dgemm", Native, 2, result.NoSize, 8, "GFLOP/s"), sample("dgemm", Wasm, 2, result.NoSize, 2, "GFLOP/s"))
	// wasm only (--no-native)
	s = append(s, sample("cg", Wasm, 2, result.NoSize, 10, "us"))
	// rows sort by first appearance, then ranks, then size
	s = append(s, sample("pingpong", Native, 2, 0, 0.5, "us"), sample("pingpong", Wasm, 2, 0, 0.5, "us"))

	rows := Summarize(s)
	if len(rows) != 5 {
		t.Fatalf("got %d rows: %+v", len(rows), rows)
	}
	want := []struct {
		bench    string
		size     int64
		ratio    float64
		slowdown float64
		verdict  string
	}{
		{"pingpong", 0, 1, 1, "same"},
		{"pingpong", 8, 2, 2, "wasm 2.00x slower"},
		{"bandwidth", 1 << 20, 2, 0.5, "wasm 2.00x faster"},
		{"dgemm", result.NoSize, 0.25, 4, "wasm 4.00x slower"},
		{"cg", result.NoSize, math.NaN(), math.NaN(), "-"},
	}
	for i, w := range want {
		r := rows[i]
		if r.Bench != w.bench || r.Size != w.size {
			t.Fatalf("row %d is %s/%d, want %s/%d", i, r.Bench, r.Size, w.bench, w.size)
		}
		if !near(r.Ratio(), w.ratio) || !near(r.Slowdown(), w.slowdown) || r.Verdict() != w.verdict {
			t.Errorf("%s/%d: ratio %v slowdown %v verdict %q; want %v %v %q", r.Bench, r.Size,
				r.Ratio(), r.Slowdown(), r.Verdict(), w.ratio, w.slowdown, w.verdict)
		}
	}
	pp := rows[1]
	if pp.Native.N != 3 || pp.Native.Median != 1 || pp.Native.Min != 0.9 || pp.Native.Max != 1.2 || pp.Wasm.Median != 2 {
		t.Errorf("pingpong 8 B summaries: %+v %+v", pp.Native, pp.Wasm)
	}
	if got := pp.Noise(); !near(got, 0.3) {
		t.Errorf("noise = %v, want 0.3", got)
	}
	if !math.IsNaN(rows[4].Noise()) {
		t.Errorf("noise of a single sample = %v, want NaN", rows[4].Noise())
	}
}

func near(a, b float64) bool {
	if math.IsNaN(a) || math.IsNaN(b) {
		return math.IsNaN(a) && math.IsNaN(b)
	}
	return math.Abs(a-b) < 1e-9
}

func TestLowerIsBetter(t *testing.T) {
	for u, want := range map[string]bool{"us": true, "ms": true, "s": true, "MB/s": false, "GFLOP/s": false, "MLUP/s": false} {
		if LowerIsBetter(u) != want {
			t.Errorf("LowerIsBetter(%q) = %v", u, !want)
		}
	}
}

func TestFormatSize(t *testing.T) {
	for n, want := range map[int64]string{result.NoSize: "-", 0: "0 B", 8: "8 B", 1000: "1000 B", 4096: "4 KiB", 4 << 20: "4 MiB", 1536: "1536 B"} {
		if got := FormatSize(n); got != want {
			t.Errorf("FormatSize(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestTables(t *testing.T) {
	rows := Summarize([]result.Sample{
		sample("allreduce", Native, 8, 64, 10, "us"), sample("allreduce", Wasm, 8, 64, 5, "us"),
	})
	var md, txt bytes.Buffer
	if err := WriteMarkdown(&md, rows); err != nil {
		t.Fatal(err)
	}
	if err := WriteText(&txt, rows); err != nil {
		t.Fatal(err)
	}
	wantRow := "| allreduce | 8 | 64 B | us (lower=better) | 10 | 5 | 0.500 | wasm 2.00x faster | - |"
	if !strings.Contains(md.String(), wantRow) {
		t.Errorf("markdown table lacks %q:\n%s", wantRow, md.String())
	}
	if lines := strings.Split(strings.TrimSpace(md.String()), "\n"); len(lines) != 3 {
		t.Errorf("markdown table has %d lines, want 3", len(lines))
	}
	for _, w := range []string{"benchmark", "allreduce", "wasm 2.00x faster", "0.500"} {
		if !strings.Contains(txt.String(), w) {
			t.Errorf("text table lacks %q:\n%s", w, txt.String())
		}
	}
}

func TestSummarise(t *testing.T) {
	rows := Summarize([]result.Sample{
		sample("a", Native, 2, 8, 1, "us"), sample("a", Wasm, 2, 8, 4, "us"), // 4x slower
		sample("b", Native, 2, 8, 100, "MB/s"), sample("b", Wasm, 2, 8, 400, "MB/s"), // 4x faster
		sample("c", Native, 2, 8, 1, "us"), sample("c", Wasm, 2, 8, 1, "us"), // same
		sample("d", Wasm, 2, 8, 1, "us"), // no native: ignored
	})
	o := Summarise(rows)
	if o.Rows != 3 || o.WasmFaster != 1 || !near(o.GeoMean, 1) || o.Best.Bench != "b" || o.Worst.Bench != "a" {
		t.Errorf("Summarise = %+v", o)
	}
	if o := Summarise(nil); o.Rows != 0 || !math.IsNaN(o.GeoMean) {
		t.Errorf("Summarise(nil) = %+v", o)
	}
	if got := rows[0].Describe(); got != "a 2 ranks 8 B" {
		t.Errorf("Describe = %q", got)
	}
}

func TestFormatNumber(t *testing.T) {
	for v, want := range map[float64]string{0.4636: "0.4636", 14150.2: "14150", 1.5e10: "1.5e+10", 3: "3", 123.456: "123.5"} {
		if got := FormatNumber(v); got != want {
			t.Errorf("FormatNumber(%v) = %q, want %q", v, got, want)
		}
	}
}

func TestFormatNoise(t *testing.T) {
	for n, want := range map[float64]string{math.NaN(): "-", 0.3: "30%", 9.99: "999%", 87299: ">999%"} {
		if got := formatNoise(n); got != want {
			t.Errorf("formatNoise(%v) = %q, want %q", n, got, want)
		}
	}
}
