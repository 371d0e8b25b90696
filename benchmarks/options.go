package main

import (
	"fmt"
	"io"
	"time"

	"github.com/spf13/pflag"
)

// options are the command-line settings.
type options struct {
	only         []string
	ranks        []int // collectives
	kernelRanks  []int
	startupRanks []int
	reps         int
	quick        bool
	out          string
	noNative     bool
	resultsMD    string
	timeout      time.Duration
	budget       float64 // <0: the mode's default
	keepWork     bool
	nativeMpicc  string
	nativeMpirun string
	wasmMpirun   string // "" builds wasmpi's mpirun from this module
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := pflag.NewFlagSet("benchmarks", pflag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: go run ./benchmarks [flags]\n\n"+
			"Builds the C benchmarks in benchmarks/src natively (Open MPI) and to wasm (wasmpi), runs them\n"+
			"alternately, prints a table of medians (wasm/native per row) and writes results.json and plots.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	fs.StringSliceVar(&o.only, "only", nil, "benchmarks to run, by name or group (p2p, collectives, kernels, openmp, startup); default all")
	fs.IntSliceVar(&o.ranks, "ranks", []int{2, 4, 8}, "rank counts for the collectives")
	fs.IntSliceVar(&o.kernelRanks, "kernel-ranks", []int{2}, "rank counts for the kernels")
	fs.IntSliceVar(&o.startupRanks, "startup-ranks", []int{1, 16, 64}, "rank counts for the startup benchmark (--quick: 1,4)")
	fs.IntVar(&o.reps, "reps", 5, "repetitions of every run (--quick: 1)")
	fs.BoolVar(&o.quick, "quick", false, "smoke test: every benchmark once, tiny sizes, no timing assertions")
	fs.StringVar(&o.out, "out", "benchmarks/results", "directory for results.json and the PNG plots")
	fs.BoolVar(&o.noNative, "no-native", false, "skip the native Open MPI variant (when Open MPI is not installed)")
	fs.StringVar(&o.resultsMD, "results-md", "", "also write a Markdown report to this file (bare flag: benchmarks/RESULTS.md)")
	fs.Lookup("results-md").NoOptDefVal = "benchmarks/RESULTS.md"
	fs.DurationVar(&o.timeout, "timeout", 5*time.Minute, "limit for one run of one program")
	fs.Float64Var(&o.budget, "budget", -1, "seconds of timing per message size (default 0.04; --quick: 0, i.e. one iteration)")
	fs.BoolVar(&o.keepWork, "keep-work", false, "keep the temporary build directory and print its path")
	fs.StringVar(&o.nativeMpicc, "native-mpicc", "mpicc", "Open MPI's compiler wrapper")
	fs.StringVar(&o.nativeMpirun, "native-mpirun", "mpirun", "Open MPI's mpirun")
	fs.StringVar(&o.wasmMpirun, "wasmpi-mpirun", "", "use this wasmpi mpirun binary instead of building one with go build")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected argument %q (give a --results-md path as --results-md=PATH)", fs.Arg(0))
	}
	if o.quick {
		if !fs.Changed("reps") {
			o.reps = 1
		}
		if !fs.Changed("startup-ranks") {
			o.startupRanks = []int{1, 4}
		}
	}
	if o.reps < 1 {
		return o, fmt.Errorf("--reps must be at least 1, got %d", o.reps)
	}
	for _, list := range []struct {
		flag string
		v    []int
	}{{"ranks", o.ranks}, {"kernel-ranks", o.kernelRanks}, {"startup-ranks", o.startupRanks}} {
		for _, n := range list.v {
			if n < 1 {
				return o, fmt.Errorf("--%s: rank counts must be at least 1, got %d", list.flag, n)
			}
		}
	}
	if o.timeout <= 0 {
		return o, fmt.Errorf("--timeout must be positive")
	}
	return o, nil
}
