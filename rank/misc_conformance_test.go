package rank_test

import (
	"fmt"
	"strings"
	"testing"
)

// miscRun runs a self-checking program with 1 to 4 ranks.
func miscRun(t *testing.T, name string, nps ...int) {
	t.Parallel()
	if len(nps) == 0 {
		nps = []int{1, 2, 3, 4}
	}
	for _, np := range nps {
		t.Run(fmt.Sprintf("np%d", np), func(t *testing.T) {
			t.Parallel()
			pass(t, name, np)
		})
	}
}

// TestUserOps: MPI_Op_create with commutative and non-commutative
// operations in every blocking reduction, derived datatypes, large
// vectors (op_user.c).
func TestUserOps(t *testing.T) { miscRun(t, "op_user.c") }

// TestAttributes: keyvals, copy and delete callbacks on dup and free,
// predefined attributes, MPI-1 names, datatype attributes (attr_comm.c).
// MPI_Finalize deletes MPI_COMM_SELF's attributes on every rank.
func TestAttributes(t *testing.T) {
	t.Parallel()
	for _, np := range []int{1, 2, 3, 4} {
		t.Run(fmt.Sprintf("np%d", np), func(t *testing.T) {
			t.Parallel()
			out := pass(t, "attr_comm.c", np)
			if n := strings.Count(out.Stdout, "self attribute 77 deleted at finalize"); n != np || strings.Contains(out.Stdout, "comm ok 0") {
				t.Fatalf("%d ranks ran MPI_COMM_SELF's delete callback in MPI_Finalize correctly, want %d:\n%s", n, np, out.Stdout)
			}
		})
	}
}

// TestInfo: info objects, MPI_INFO_ENV, communicator hints (info_basic.c).
func TestInfo(t *testing.T) {
	miscRun(t, "info_basic.c", 1, 3)
	t.Run("args", func(t *testing.T) {
		t.Parallel()
		pass(t, "info_basic.c", 2, "hello")
	})
}

// TestErrorHandlers: user error handlers, added error classes, codes and
// strings, MPI_Alloc_mem, MPI_Pcontrol (errh_basic.c).
func TestErrorHandlers(t *testing.T) { miscRun(t, "errh_basic.c") }

// TestCallbackFailures: an MPI_Abort or a trap inside a guest callback
// (reduction operation, error handler) ends the job with its code and
// does not leave the other ranks waiting (op_user_fail.c).
func TestCallbackFailures(t *testing.T) {
	t.Parallel()
	mod := module(t, "op_user_fail.c")
	for _, tc := range []struct {
		mode string
		code int
		want string
	}{
		{"abort", 7, "MPI_Abort"},
		{"trap", 1, "trapped"},
		{"errh", 9, "MPI_Abort"},
	} {
		t.Run(tc.mode, func(t *testing.T) {
			t.Parallel()
			out := runJob(t, mod, 3, tc.mode)
			res := out.Result
			if res.Failure == nil || res.ExitCode != tc.code || !strings.Contains(res.Failure.Error(), tc.want) {
				t.Fatalf("exit %d failure %v; want exit %d and %q\nstdout:\n%s\nstderr:\n%s", res.ExitCode, res.Failure, tc.code, tc.want, out.Stdout, out.Stderr)
			}
			if strings.Contains(out.Stdout, "FAIL") {
				t.Fatalf("a call returned after the failure:\n%s", out.Stdout)
			}
		})
	}
	t.Run("handler_returns", func(t *testing.T) {
		t.Parallel()
		pass(t, "op_user_fail.c", 2, "return")
	})
}

// TestStatusAndConversions: status accessors and set_elements, handle
// conversions, the hardware info, removing error codes (misc_status.c).
func TestStatusAndConversions(t *testing.T) { miscRun(t, "misc_status.c", 1, 3) }

// TestSessions: the sessions model without MPI_Init (session_basic.c);
// returning with a session open fails the rank.
func TestSessions(t *testing.T) {
	miscRun(t, "session_basic.c", 1, 2, 5)
	t.Run("leak", func(t *testing.T) {
		t.Parallel()
		out := runJob(t, buildC(t, "session_basic.c"), 2, "leak")
		if out.Result.ExitCode != 1 || !strings.Contains(out.Result.Failure.Error(), "MPI_Session_finalize") {
			t.Fatalf("exit %d, failure %v", out.Result.ExitCode, out.Result.Failure)
		}
	})
}

// TestPartitioned: MPI_Psend_init / MPI_Precv_init / MPI_Pready* /
// MPI_Parrived (part_basic.c).
func TestPartitioned(t *testing.T) { miscRun(t, "part_basic.c", 1, 2, 3) }
