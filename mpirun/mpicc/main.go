// Command mpicc compiles and links MPI C programs to wasm32-wasi for wasmpi.
//
// It takes the usual C compiler arguments and wraps clang; see package
// github.com/wasmpi/wasmpi/rank/sdk for what it adds. "mpicc -show" prints the
// underlying command.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/wasmpi/wasmpi/rank/sdk"
)

func main() {
	code, err := sdk.Run(context.Background(), sdk.C, os.Args[1:], os.Stdout, os.Stderr)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
	}
	os.Exit(code)
}
