// Command mpirun runs an MPI program compiled to WebAssembly as a number of
// ranks. On one host it needs no daemon: the module is compiled once and
// every rank is an instance of it in this process.
//
//	mpirun -np 4 prog.wasm [args...]
//
// Flags follow Open MPI's where they make sense; see mpirun --help.
package main

import (
	"context"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
)

func main() {
	// The Go heap holds only small per-message bookkeeping (guest memories
	// are mapped outside it), so collect less often: fewer GC cycles
	// competing with the ranks for the cores (ping-pong 8 B: ~10% faster).
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
