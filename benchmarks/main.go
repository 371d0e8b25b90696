// Command benchmarks runs wasmpi's benchmarks side by side with native
// Open MPI and reports how the two compare.
//
//	go run ./benchmarks [--quick] [--only pingpong,allreduce] [--reps 5] [--out DIR] [--results-md]
//
// Every benchmark is a C program in src/, written once and built twice:
// natively with Open MPI's mpicc (-O3 -march=native) and to wasm32 with
// wasmpi's mpicc (-O3 -msimd128). The native build runs under Open MPI's
// mpirun, the wasm build under wasmpi's mpirun (built here with go build).
// The two variants run alternately (native, wasm, native, wasm, ...), each
// --reps times. Each program prints RESULT lines (see package
// internal/result) and checks its own answer, exiting non-zero when it is
// wrong.
//
// The harness prints a table of medians with the ratio wasm/native per row
// and a verdict ("wasm 2.31x slower" / "wasm 1.40x faster") that reads the
// same way for times and for rates; it writes every repetition to
// DIR/results.json, PNG plots to DIR, and with --results-md a RESULTS.md
// describing the machine, the table and the plots.
//
// --quick runs every benchmark once at tiny sizes with no timing
// assertions: it is the smoke test that go test runs. The openmp group
// (construct overheads, a parallel loop's speedup and OpenMP kernels) is
// built with -fopenmp and runs as one rank of OMP_NUM_THREADS=2 threads.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
