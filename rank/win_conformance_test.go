package rank_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/wasmpi/wasmpi/rank/abi"
)

// One-sided communication (mpi_win*.go, package rma): each program checks
// its results exactly and prints "No Errors".
func TestWinConformance(t *testing.T) {
	t.Parallel()
	cases := []struct {
		prog string
		nps  []int
	}{
		{"win_fence.c", []int{1, 2, 3, 8}},
		{"win_lock.c", []int{1, 2, 5, 8}},
		{"win_pscw.c", []int{1, 2, 4, 7}},
		{"win_dynamic.c", []int{1, 3, 8}},
		{"win_errors.c", []int{1, 3}},
	}
	for _, tc := range cases {
		for _, np := range tc.nps {
			t.Run(fmt.Sprintf("%s/np%d", tc.prog, np), func(t *testing.T) {
				t.Parallel()
				pass(t, tc.prog, np)
			})
		}
	}
}

// TestWinFatal: an out-of-range MPI_Put under the window's default error
// handler (MPI_ERRORS_ARE_FATAL) ends the job with MPI_ERR_RMA_RANGE.
func TestWinFatal(t *testing.T) {
	t.Parallel()
	out := runJob(t, module(t, "win_errors.c"), 3, "fatal")
	res := out.Result
	if res.Failure == nil {
		t.Fatalf("no failure; stdout:\n%s", out.Stdout)
	}
	if res.Failure.Rank != 2 {
		t.Errorf("Failure.Rank = %d, want 2", res.Failure.Rank)
	}
	msg := res.Failure.Err.Error()
	for _, want := range []string{"MPI_Put", "outside the window", "MPI_ERR_RMA_RANGE"} {
		if !strings.Contains(msg, want) {
			t.Errorf("Failure.Err = %q, want it to contain %q", msg, want)
		}
	}
	if want := int(abi.ErrRMARange); res.ExitCode != want {
		t.Errorf("exit code %d, want MPI_ERR_RMA_RANGE = %d", res.ExitCode, want)
	}
	if strings.Contains(out.Stdout, "FAIL") {
		t.Errorf("stdout:\n%s", out.Stdout)
	}
}

// TestWinStuckStops: ranks blocked in MPI_Win_start and MPI_Win_lock return
// when another rank aborts the job.
func TestWinStuckStops(t *testing.T) {
	t.Parallel()
	out := runJob(t, module(t, "win_errors.c"), 3, "stuck")
	res := out.Result
	if res.ExitCode != 3 || res.Failure == nil || res.Failure.Rank != 1 {
		t.Fatalf("exit %d failure %+v, want exit 3 from rank 1\nstdout:\n%s", res.ExitCode, res.Failure, out.Stdout)
	}
	if strings.Contains(out.Stdout, "FAIL") {
		t.Errorf("stdout:\n%s", out.Stdout)
	}
}
