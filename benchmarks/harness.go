package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/wasmpi/wasmpi/benchmarks/internal/machine"
	"github.com/wasmpi/wasmpi/benchmarks/internal/result"
	"github.com/wasmpi/wasmpi/benchmarks/internal/stats"
)

// report is results.json: the settings, the machine, every run and every
// repetition's measurements.
type report struct {
	Command     []string        `json:"command"`
	Started     time.Time       `json:"started"`
	Seconds     float64         `json:"duration_seconds"`
	Quick       bool            `json:"quick"`
	Reps        int             `json:"reps"`
	Budget      float64         `json:"budget_seconds_per_size"`
	Machine     machine.Info    `json:"machine"`
	LoadEnd     string          `json:"load_end"`
	NativeBuild []string        `json:"native_build,omitempty"`
	WasmBuild   []string        `json:"wasm_build"`
	Wazero      string          `json:"wazero"`
	Runs        []runRecord     `json:"runs"`
	Samples     []result.Sample `json:"samples"`
}

// run is the command: it returns the exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o, err := parseFlags(args, stderr)
	if errors.Is(err, pflag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "benchmarks:", err)
		return 2
	}
	if err := harness(ctx, o, args, stdout, stderr); err != nil {
		fmt.Fprintln(stderr, "benchmarks:", err)
		return 1
	}
	return 0
}

// harness builds, runs and reports. Failed runs do not stop it: it writes
// everything it measured and then returns an error naming them.
func harness(ctx context.Context, o options, args []string, stdout, log io.Writer) error {
	start := time.Now()
	sel, err := selectBenchmarks(o.only)
	if err != nil {
		return err
	}
	p := fullPlan()
	if o.quick {
		p = quickPlan()
	}
	if o.budget >= 0 {
		p.budget = o.budget
	}
	js := jobs(sel, p, o)

	var nativeCC, nativeRun string
	variants := []string{stats.Native, stats.Wasm}
	if o.noNative {
		variants = []string{stats.Wasm}
		fmt.Fprintln(log, "--no-native: running only the wasm variant")
	} else if nativeCC, nativeRun, err = findOpenMPI(ctx, o.nativeMpicc, o.nativeMpirun); err != nil {
		return err
	}

	work, err := os.MkdirTemp("", "wasmpi-bench-")
	if err != nil {
		return fmt.Errorf("creating the build directory: %w", err)
	}
	if o.keepWork {
		fmt.Fprintln(log, "build directory (kept):", work)
	} else {
		defer os.RemoveAll(work)
	}
	wasmRun := o.wasmMpirun
	if wasmRun != "" {
		if wasmRun, err = filepath.Abs(wasmRun); err != nil {
			return fmt.Errorf("--wasmpi-mpirun: %w", err)
		}
	}
	progs, err := build(ctx, work, nativeCC, wasmRun, sources(js), log)
	if err != nil {
		return err
	}
	fmt.Fprintf(log, "built in %.1fs\n", time.Since(start).Seconds())

	rep := report{
		Command: append([]string{"go run ./benchmarks"}, args...), Started: start, Quick: o.quick, Reps: o.reps, Budget: p.budget,
		Machine:   machine.Describe(ctx, machine.Tools{NativeMpirun: nativeRun, NativeMpicc: nativeCC, WasmCC: wasmCompiler(ctx)}),
		WasmBuild: append([]string{"mpicc (wasmpi)"}, wasmFlags()...),
	}
	if out, err := exec.CommandContext(ctx, "go", "list", "-m", "-f", "{{.Version}}", "github.com/tetratelabs/wazero").Output(); err == nil {
		rep.Wazero = strings.TrimSpace(string(out))
	}
	if nativeCC != "" {
		rep.NativeBuild = append([]string{"mpicc (Open MPI)"}, nativeFlags()...)
	}
	r := &runner{work: work, progs: progs, nativeMpirun: nativeRun, timeout: o.timeout, log: log}
	recs, samples, runErr := r.runAll(ctx, js, variants, o.reps)
	rep.Runs, rep.Samples = recs, samples
	if rep.Samples == nil {
		rep.Samples = []result.Sample{}
	}
	rep.Seconds = time.Since(start).Seconds()
	rep.LoadEnd = machine.LoadAverage()

	rows := stats.Summarize(samples)
	fmt.Fprintln(stdout)
	if err := stats.WriteText(stdout, rows); err != nil {
		return err
	}
	fmt.Fprintln(stdout)
	if err := writeSummary(stdout, rows, false); err != nil {
		return err
	}

	if err := os.MkdirAll(o.out, 0o755); err != nil {
		return fmt.Errorf("creating %s: %w", o.out, err)
	}
	jsonPath := filepath.Join(o.out, "results.json")
	if err := writeJSON(jsonPath, rep); err != nil {
		return err
	}
	figs, err := drawFigures(o.out, rows)
	if err != nil {
		return fmt.Errorf("drawing plots: %w", err)
	}
	fmt.Fprintf(stdout, "\nwrote %s and %d plots in %s\n", jsonPath, len(figs), o.out)
	if o.resultsMD != "" {
		if err := writeMarkdown(o.resultsMD, o.out, rep, rows, figs, sel); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "wrote %s\n", o.resultsMD)
	}
	fmt.Fprintf(stdout, "total %.0fs\n", time.Since(start).Seconds())

	if runErr != nil {
		return runErr
	}
	var failed []string
	for _, rec := range recs {
		if rec.Error != "" {
			failed = append(failed, fmt.Sprintf("%s (%s): %s", rec.Job, rec.Variant, rec.Error))
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("%d runs failed (details in %s):\n  %s", len(failed), jsonPath, strings.Join(failed, "\n  "))
	}
	return nil
}

func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding %s: %w", path, err)
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("writing results: %w", err)
	}
	return nil
}
