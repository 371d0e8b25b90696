package rank_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/wasmpi/wasmpi/rank"
)

// Communicator and group conformance: self-checking C programs in testdata
// (comm_*.c, group_*.c), each run with several world sizes.

// commPass runs a test program and logs its check count.
func commPass(t *testing.T, name string, np int, args ...string) {
	t.Helper()
	out := expectPass(t, name, np, args...)
	for _, line := range strings.Split(out.Stdout, "\n") {
		if strings.HasPrefix(line, "No Errors") {
			t.Logf("%s -np %d %s: %s", name, np, strings.Join(args, " "), line)
		}
	}
}

func commMatrix(t *testing.T, name string, nps []int, args ...string) {
	for _, np := range nps {
		t.Run(fmt.Sprintf("np%d", np), func(t *testing.T) {
			t.Parallel()
			commPass(t, name, np, args...)
		})
	}
}

// TestCommDup: MPI_Comm_dup/idup/dup_with_info, compare, names, error
// handler inheritance, isolation of a duplicate from its parent, and
// create/free loops (handles recycled, context ids keep working).
func TestCommDup(t *testing.T) {
	t.Parallel()
	commMatrix(t, "comm_basic.c", []int{1, 2, 8})
	// Ranks at MPI_THREAD_MULTIPLE confirm every context id in a second
	// round; "mixed" has only the odd ranks at that level, so the ranks
	// must agree on doing that round.
	t.Run("mixed", func(t *testing.T) { t.Parallel(); commPass(t, "comm_basic.c", 5, "mixed") })
}

// TestCommSplit: MPI_Comm_split/split_type/create/create_group with exact
// member lists, nested, and in loops.
func TestCommSplit(t *testing.T) {
	t.Parallel()
	commMatrix(t, "comm_split.c", []int{1, 2, 5, 8})
	t.Run("mixed", func(t *testing.T) { t.Parallel(); commPass(t, "comm_split.c", 6, "mixed") })
}

// TestCommErrors: exact error classes under MPI_ERRORS_RETURN, errors of
// one process reaching every process of a collective creation.
func TestCommErrors(t *testing.T) {
	t.Parallel()
	commMatrix(t, "comm_errors.c", []int{1, 3, 8})
}

// TestCommInter: intercommunicators (create, point to point, dup, compare,
// merge, collectives refused).
func TestCommInter(t *testing.T) {
	t.Parallel()
	commMatrix(t, "comm_inter.c", []int{1, 2, 3, 8})
	t.Run("mixed", func(t *testing.T) { t.Parallel(); commPass(t, "comm_inter.c", 5, "mixed") })
}

// TestGroupOps: group algebra with exact expected lists.
func TestGroupOps(t *testing.T) {
	t.Parallel()
	commMatrix(t, "group_ops.c", []int{1, 3, 8})
}

// TestCommGroupFunctionsProvided: every function of this area is exported
// by the host module (a missing one would fail the programs above at load
// time with "not supported yet", which would be a regression).
func TestCommGroupFunctionsProvided(t *testing.T) {
	want := []string{
		"MPI_Comm_dup", "MPI_Comm_dup_with_info", "MPI_Comm_idup", "MPI_Comm_idup_with_info",
		"MPI_Comm_split", "MPI_Comm_split_type", "MPI_Comm_create", "MPI_Comm_create_group",
		"MPI_Comm_free", "MPI_Comm_compare", "MPI_Comm_group", "MPI_Comm_set_name", "MPI_Comm_get_name",
		"MPI_Comm_test_inter", "MPI_Comm_remote_size", "MPI_Comm_remote_group", "MPI_Comm_get_parent",
		"MPI_Intercomm_create", "MPI_Intercomm_merge",
		"MPI_Group_size", "MPI_Group_rank", "MPI_Group_translate_ranks", "MPI_Group_compare",
		"MPI_Group_union", "MPI_Group_intersection", "MPI_Group_difference", "MPI_Group_incl",
		"MPI_Group_excl", "MPI_Group_range_incl", "MPI_Group_range_excl", "MPI_Group_free",
	}
	have := map[string]bool{}
	for _, n := range rank.ProvidedFunctions() {
		have[n] = true
	}
	for _, n := range want {
		if !have[n] {
			t.Errorf("%s is not provided", n)
		}
	}
}
