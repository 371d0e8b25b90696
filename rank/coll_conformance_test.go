package rank_test

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/wasmpi/wasmpi/rank/sdk"
)

// collBuilds caches the modules built by collBuild. (buildC in
// harness_test.go puts a NUL byte of its cache key into the output file
// name, which makes every build fail with "invalid argument"; this is the
// same build with a clean file name.)
var collBuilds sync.Map // name -> *buildResult

func collBuild(t *testing.T, name string) []byte {
	t.Helper()
	requireToolchain(t)
	v, _ := collBuilds.LoadOrStore(name, &buildResult{})
	br := v.(*buildResult)
	br.once.Do(func() {
		dir, err := os.MkdirTemp("", "wasmpi-coll-build")
		if err != nil {
			br.err = err.Error()
			return
		}
		src, err := filepath.Abs(filepath.Join("testdata", name))
		if err != nil {
			br.err = err.Error()
			return
		}
		out := filepath.Join(dir, strings.ReplaceAll(name, ".", "_")+".wasm")
		var stdout, stderr bytes.Buffer
		args := []string{"-O2", "-g", "-o", out, src}
		code, err := sdk.Run(context.Background(), sdk.C, args, &stdout, &stderr)
		if err != nil || code != 0 {
			br.err = fmt.Sprintf("mpicc %s: %s %v", strings.Join(args, " "), stderr.String(), err)
			return
		}
		br.wasm, err = os.ReadFile(out)
		if err != nil {
			br.err = err.Error()
		}
		os.RemoveAll(dir)
	})
	if br.err != "" {
		t.Fatalf("building %s: %s", name, br.err)
	}
	return br.wasm
}

// collExpectPass is expectPass on a module built by collBuild.
func collExpectPass(t *testing.T, name string, np int, args ...string) jobOutput {
	t.Helper()
	out := runJob(t, collBuild(t, name), np, args...)
	if out.Result.ExitCode != 0 || out.Result.Failure != nil || !strings.Contains(out.Stdout, "No Errors") || strings.Contains(out.Stdout+out.Stderr, "FAIL") {
		t.Fatalf("%s with %d ranks: exit %d, failure %v\nstdout:\n%s\nstderr:\n%s", name, np, out.Result.ExitCode, out.Result.Failure, out.Stdout, out.Stderr)
	}
	return out
}

// rankCounts are the job sizes every conformance program runs with: the
// trivial communicator, powers of two, and sizes that leave the binomial
// trees and rings unbalanced.
var rankCounts = []int{1, 2, 3, 4, 7, 8}

// runAll runs a self-checking program with every rank count.
func runAll(t *testing.T, name string) {
	t.Parallel()
	for _, np := range rankCounts {
		t.Run(fmt.Sprintf("np%d", np), func(t *testing.T) {
			t.Parallel()
			collExpectPass(t, name, np)
		})
	}
}

// TestCollMove: Barrier, Bcast, Gather(v), Scatter(v), Allgather(v),
// Alltoall(v,w) with every root, in place, irregular counts, 1 MiB+
// buffers, and on MPI_COMM_SELF.
func TestCollMove(t *testing.T) { runAll(t, "coll_move.c") }

// TestCollReduce: Reduce, Allreduce, Reduce_scatter(_block), Scan, Exscan,
// Reduce_local with every root, in place, large and unaligned buffers, and
// on MPI_COMM_SELF.
func TestCollReduce(t *testing.T) { runAll(t, "coll_reduce.c") }

// TestOpAll: every predefined op on every predefined C datatype, and
// MPI_ERR_OP for every pair the standard does not define.
func TestOpAll(t *testing.T) { runAll(t, "op_all.c") }

// TestCollMixed: collectives interleaved with point-to-point traffic,
// argument errors, and reproducible floating-point sums: the bits rank 0
// prints must be those of the bracketing documented in
// collective/coll_reduce.go and the same in a second run.
func TestCollMixed(t *testing.T) {
	t.Parallel()
	for _, np := range rankCounts {
		t.Run(fmt.Sprintf("np%d", np), func(t *testing.T) {
			t.Parallel()
			first := detBits(t, collExpectPass(t, "coll_mixed.c", np).Stdout)
			want := make([]string, detCount)
			for i := range want {
				vals := make([]float64, np)
				for r := range vals {
					vals[r] = detVal(r, i)
				}
				want[i] = fmt.Sprintf("%016x", math.Float64bits(treeSum(vals)))
			}
			if !slices.Equal(first, want) {
				t.Errorf("%d ranks: Allreduce bits\n got %v\nwant %v (binomial bracketing)", np, first, want)
			}
			if np < 7 {
				return
			}
			second := detBits(t, collExpectPass(t, "coll_mixed.c", np).Stdout)
			if !slices.Equal(first, second) {
				t.Errorf("%d ranks: Allreduce bits differ between runs:\n%v\n%v", np, first, second)
			}
		})
	}
}

// detCount and detVal mirror NDET and det_val in coll_mixed.c.
const detCount = 16

func detVal(r, i int) float64 {
	x := 0x9E3779B97F4A7C15 * uint64(r*131+i+1)
	x ^= x >> 31
	v := math.Ldexp(float64(x%1000003+1), int((x>>20)%81)-40)
	if (x>>40)&1 != 0 {
		v = -v
	}
	return v
}

// treeSum adds vals in the order documented in collective/coll_reduce.go:
// node r, for mask = 1, 2, 4, ... while r&mask == 0 and r+mask < n,
// acc(r) = acc(r) + acc(r+mask).
func treeSum(vals []float64) float64 {
	acc := slices.Clone(vals)
	for mask := 1; mask < len(acc); mask <<= 1 {
		for r := 0; r+mask < len(acc); r += 2 * mask {
			acc[r] = acc[r] + acc[r+mask]
		}
	}
	return acc[0]
}

// detBits extracts the hex words of the "BITS" line.
func detBits(t *testing.T, stdout string) []string {
	t.Helper()
	for _, line := range strings.Split(stdout, "\n") {
		if f := strings.Fields(line); len(f) > 0 && f[0] == "BITS" {
			if len(f) != detCount+1 {
				t.Fatalf("malformed line %q", line)
			}
			return f[1:]
		}
	}
	t.Fatalf("no BITS line in output:\n%s", stdout)
	return nil
}
