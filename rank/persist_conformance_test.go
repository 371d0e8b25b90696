package rank_test

import (
	"fmt"
	"testing"
)

// Persistent requests, matched probes and nonblocking / persistent
// collectives (rank/mpi_persist.go, rank/mpi_mprobe.go, rank/mpi_icoll.go).

func TestPersistentP2P(t *testing.T) {
	t.Parallel()
	for _, np := range []int{1, 2, 3, 8} {
		t.Run(fmt.Sprintf("np%d", np), func(t *testing.T) {
			t.Parallel()
			pass(t, "persist_p2p.c", np)
		})
	}
}

func TestMatchedProbe(t *testing.T) {
	t.Parallel()
	for _, np := range []int{1, 2, 3, 8} {
		t.Run(fmt.Sprintf("np%d", np), func(t *testing.T) {
			t.Parallel()
			pass(t, "mprobe_basic.c", np)
		})
	}
}

func TestNonblockingCollectives(t *testing.T) {
	t.Parallel()
	for _, np := range []int{1, 2, 3, 4, 8} {
		t.Run(fmt.Sprintf("np%d", np), func(t *testing.T) {
			t.Parallel()
			pass(t, "icoll_basic.c", np)
		})
	}
}

func TestPersistentCollectives(t *testing.T) {
	t.Parallel()
	for _, np := range []int{1, 2, 3, 8} {
		t.Run(fmt.Sprintf("np%d", np), func(t *testing.T) {
			t.Parallel()
			pass(t, "persist_coll.c", np)
		})
	}
}
