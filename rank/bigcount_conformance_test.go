package rank_test

import (
	"fmt"
	"testing"
)

// Large-count (_c) variants (rank/bigcount.go), collectives on
// intercommunicators and user-defined operations in nonblocking and
// persistent reductions.

func TestBigCountP2P(t *testing.T) {
	t.Parallel()
	for _, np := range []int{1, 2, 3} {
		t.Run(fmt.Sprintf("np%d", np), func(t *testing.T) {
			t.Parallel()
			pass(t, "bigcount_p2p.c", np)
		})
	}
}

func TestBigCountCollectives(t *testing.T) {
	t.Parallel()
	for _, np := range []int{1, 2, 3, 5} {
		t.Run(fmt.Sprintf("np%d", np), func(t *testing.T) {
			t.Parallel()
			pass(t, "bigcount_coll.c", np)
		})
	}
}

func TestUserOpNonblocking(t *testing.T) {
	t.Parallel()
	for _, np := range []int{1, 2, 3, 4, 8} {
		t.Run(fmt.Sprintf("np%d", np), func(t *testing.T) {
			t.Parallel()
			pass(t, "op_user_nb.c", np)
		})
	}
}

func TestInterCollectives(t *testing.T) {
	t.Parallel()
	for _, np := range []int{2, 3, 5, 8} {
		t.Run(fmt.Sprintf("np%d", np), func(t *testing.T) {
			t.Parallel()
			pass(t, "inter_coll.c", np)
		})
	}
}

func TestCommIdup(t *testing.T) {
	t.Parallel()
	for _, np := range []int{1, 2, 3, 6} {
		t.Run(fmt.Sprintf("np%d", np), func(t *testing.T) {
			t.Parallel()
			pass(t, "comm_idup.c", np)
		})
	}
}
