package collective

import (
	"context"

	"github.com/wasmpi/wasmpi/comm"
)

// Neighbourhood collectives (MPI_Neighbor_allgather, ..._alltoallw and
// their nonblocking and persistent forms): each rank sends one block to
// each of its destinations and receives one block from each of its sources,
// as its communicator's topology lists them (comm.Neighborhood). They draw
// the communicator's collective sequence number like every other
// collective, so their traffic keeps apart from collectives in progress at
// the same time.

// kindNeighbor is the tag kind of the neighbourhood collectives. It follows
// the kinds of algorithms.go and must fit in kindBits as they do.
const kindNeighbor = numKinds

var _ [1<<kindBits - 1 - int(kindNeighbor)]struct{}

// NeighborExchange sends sends[j] to nb.Dests[j] and receives into recvs[i]
// from nb.Sources[i], all at once; blocks of ProcNull neighbours are
// neither sent nor touched. name is the MPI function for error messages.
// Every receive expects exactly len(recvs[i]) bytes: a longer message is
// ErrTruncate, a shorter one ErrOther (the poisoning rules of
// algorithms.go apply). For an allgather every sends[j] is the same slice.
func NeighborExchange(ctx context.Context, c *comm.Comm, name string, nb comm.Neighborhood, sends, recvs [][]byte) error {
	if c == nil {
		return comm.Errorf(comm.ErrComm, "%s: invalid communicator", name)
	}
	if len(sends) != len(nb.Dests) || len(recvs) != len(nb.Sources) {
		return comm.Errorf(comm.ErrIntern, "%s: %d send blocks for %d destinations, %d receive blocks for %d sources", name, len(sends), len(nb.Dests), len(recvs), len(nb.Sources))
	}
	seq := c.NextCollSeq()
	s := c.Collective()
	x := &xfer{ctx: ctx, c: s, kind: kindNeighbor, seq: seq, name: name, me: s.Rank(), size: s.Size()}
	label := func(ls []int, i int) int {
		if ls == nil {
			return 0
		}
		return ls[i]
	}
	for i, src := range nb.Sources {
		if src == comm.ProcNull {
			continue
		}
		if err := x.irecv(recvs[i], src, label(nb.SourceLabels, i)); err != nil {
			return err
		}
	}
	for j, dst := range nb.Dests {
		if dst == comm.ProcNull {
			continue
		}
		if err := x.isend(sends[j], dst, label(nb.DestLabels, j)); err != nil {
			return err
		}
	}
	if err := x.wait(); err != nil {
		return err
	}
	return x.finish()
}
