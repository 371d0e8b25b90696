package rank_test

import (
	"fmt"
	"testing"
)

// Process topologies and neighbourhood collectives (rank/mpi_topo.go,
// comm/topology.go, collective/neighbor.go).

func TestTopoCart(t *testing.T) {
	t.Parallel()
	for _, np := range []int{1, 2, 4, 6, 8} {
		t.Run(fmt.Sprintf("np%d", np), func(t *testing.T) {
			t.Parallel()
			pass(t, "topo_cart.c", np)
		})
	}
}

func TestTopoGraph(t *testing.T) {
	t.Parallel()
	for _, np := range []int{1, 2, 3, 4, 8} {
		t.Run(fmt.Sprintf("np%d", np), func(t *testing.T) {
			t.Parallel()
			pass(t, "topo_graph.c", np)
		})
	}
}

func TestTopoNeighbor(t *testing.T) {
	t.Parallel()
	for _, np := range []int{1, 2, 3, 4, 6, 8} {
		t.Run(fmt.Sprintf("np%d", np), func(t *testing.T) {
			t.Parallel()
			pass(t, "topo_neighbor.c", np)
		})
	}
}

// TestTopoNeighborLargeCount covers the _c neighbourhood collectives
// (derived from their bases, rank/bigcount.go).
func TestTopoNeighborLargeCount(t *testing.T) {
	t.Parallel()
	for _, np := range []int{1, 2, 5} {
		t.Run(fmt.Sprintf("np%d", np), func(t *testing.T) {
			t.Parallel()
			pass(t, "topo_neighbor_c.c", np)
		})
	}
}
