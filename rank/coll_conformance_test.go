package rank_test

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/wasmpi/wasmpi/rank/abi"
)

// collExpectPass is expectPass with the build workaround above.
func collExpectPass(t *testing.T, name string, np int) jobOutput {
	t.Helper()
	return expectPass(t, name, np)
}

// collRankCounts are the job sizes every conformance program runs with: the
// trivial communicator, powers of two, and sizes that leave the binomial
// trees and rings unbalanced.
var collRankCounts = []int{1, 2, 3, 4, 7, 8}

// collRunAll runs a self-checking program with every rank count.
func collRunAll(t *testing.T, name string) {
	t.Parallel()
	for _, np := range collRankCounts {
		t.Run(fmt.Sprintf("np%d", np), func(t *testing.T) {
			t.Parallel()
			collExpectPass(t, name, np)
		})
	}
}

// TestCollMove: Barrier, Bcast, Gather(v), Scatter(v), Allgather(v),
// Alltoall(v,w) with every root, in place, irregular counts, 1 MiB+
// buffers, and on MPI_COMM_SELF.
func TestCollMove(t *testing.T) { collRunAll(t, "coll_move.c") }

// TestCollReduce: Reduce, Allreduce, Reduce_scatter(_block), Scan, Exscan,
// Reduce_local with every root, in place, large and unaligned buffers, and
// on MPI_COMM_SELF.
func TestCollReduce(t *testing.T) { collRunAll(t, "coll_reduce.c") }

// TestOpAll: every predefined op on every predefined C datatype, and
// MPI_ERR_OP for every pair the standard does not define.
func TestOpAll(t *testing.T) { collRunAll(t, "op_all.c") }

// TestCollMixed: collectives interleaved with point-to-point traffic,
// argument errors, and reproducible floating-point sums: the bits rank 0
// prints must be those of the bracketing documented in
// collective/coll_reduce.go and the same in a second run.
func TestCollMixed(t *testing.T) {
	t.Parallel()
	for _, np := range collRankCounts {
		t.Run(fmt.Sprintf("np%d", np), func(t *testing.T) {
			t.Parallel()
			first := collDetBits(t, collExpectPass(t, "coll_mixed.c", np).Stdout)
			want := make([]string, collDetCount)
			for i := range want {
				vals := make([]float64, np)
				for r := range vals {
					vals[r] = collDetVal(r, i)
				}
				want[i] = fmt.Sprintf("%016x", math.Float64bits(collTreeSum(vals)))
			}
			if !slices.Equal(first, want) {
				t.Errorf("%d ranks: Allreduce bits\n got %v\nwant %v (binomial bracketing)", np, first, want)
			}
			if np < 7 {
				return
			}
			second := collDetBits(t, collExpectPass(t, "coll_mixed.c", np).Stdout)
			if !slices.Equal(first, second) {
				t.Errorf("%d ranks: Allreduce bits differ between runs:\n%v\n%v", np, first, second)
			}
		})
	}
}

// collDetCount and collDetVal mirror NDET and det_val in coll_mixed.c.
const collDetCount = 16

func collDetVal(r, i int) float64 {
	x := 0x9E3779B97F4A7C15 * uint64(r*131+i+1)
	x ^= x >> 31
	v := math.Ldexp(float64(x%1000003+1), int((x>>20)%81)-40)
	if (x>>40)&1 != 0 {
		v = -v
	}
	return v
}

// collTreeSum adds vals in the order documented in collective/coll_reduce.go:
// node r, for mask = 1, 2, 4, ... while r&mask == 0 and r+mask < n,
// acc(r) = acc(r) + acc(r+mask).
func collTreeSum(vals []float64) float64 {
	acc := slices.Clone(vals)
	for mask := 1; mask < len(acc); mask <<= 1 {
		for r := 0; r+mask < len(acc); r += 2 * mask {
			acc[r] = acc[r] + acc[r+mask]
		}
	}
	return acc[0]
}

// collDetBits extracts the hex words of the "BITS" line.
func collDetBits(t *testing.T, stdout string) []string {
	t.Helper()
	for _, line := range strings.Split(stdout, "\n") {
		if f := strings.Fields(line); len(f) > 0 && f[0] == "BITS" {
			if len(f) != collDetCount+1 {
				t.Fatalf("malformed line %q", line)
			}
			return f[1:]
		}
	}
	t.Fatalf("no BITS line in output:\n%s", stdout)
	return nil
}

// TestCollFatalErrors: an erroneous collective call on every rank under the
// default MPI_ERRORS_ARE_FATAL ends the job with that error class as the
// exit code, without a hang.
func TestCollFatalErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		arg  string
		code int32
		want []string
	}{
		{"fatal-op", abi.ErrOp, []string{"MPI_Allreduce", "MPI_SUM", "MPI_BYTE", "MPI_ERR_OP"}},
		{"fatal-root", abi.ErrRoot, []string{"MPI_Bcast", "root 4", "MPI_ERR_ROOT"}},
	} {
		t.Run(tc.arg, func(t *testing.T) {
			t.Parallel()
			out := runJob(t, buildC(t, "coll_mixed.c"), 4, tc.arg)
			res := out.Result
			if res.Failure == nil {
				t.Fatalf("no failure; stdout:\n%s\nstderr:\n%s", out.Stdout, out.Stderr)
			}
			msg := res.Failure.Err.Error()
			for _, w := range tc.want {
				if !strings.Contains(msg, w) {
					t.Errorf("Failure.Err = %q, want it to contain %q", msg, w)
				}
			}
			if res.ExitCode != int(tc.code) {
				t.Errorf("exit code %d, want %d", res.ExitCode, tc.code)
			}
			for _, o := range res.Ranks {
				if !o.Finished {
					t.Errorf("rank %d still running", o.Rank)
				}
			}
			if strings.Contains(out.Stdout, "survived") {
				t.Errorf("a rank went on after a fatal error:\n%s", out.Stdout)
			}
		})
	}
}

// TestCollReduceLocalErrhandler: MPI_Reduce_local involves no communicator,
// so since MPI-4.0 its errors are raised on MPI_COMM_SELF: with
// MPI_ERRORS_RETURN there and MPI_ERRORS_ARE_FATAL on MPI_COMM_WORLD the
// error must come back as a return code.

func TestCollReduceLocalErrhandler(t *testing.T) {
	t.Parallel()
	out := runJob(t, buildC(t, "coll_mixed.c"), 2, "self-errhandler")
	if out.Result.ExitCode != 0 || out.Result.Failure != nil || !strings.Contains(out.Stdout, "No Errors") || strings.Contains(out.Stdout, "FAIL") {
		t.Fatalf("exit %d, failure %v\nstdout:\n%s\nstderr:\n%s", out.Result.ExitCode, out.Result.Failure, out.Stdout, out.Stderr)
	}
}
