package rank

import (
	"context"
	"math"

	"github.com/wasmpi/wasmpi/collective"
	"github.com/wasmpi/wasmpi/comm"
)

// User-defined operations in the nonblocking and persistent reductions
// (MPI_Ireduce, MPI_Allreduce_init, ...).
//
// The communication runs on the collective's own goroutine like any other
// nonblocking collective, but the operation is a guest function and may
// only run on the rank's goroutine. So the collective's goroutine only
// moves the packed contributions, with the data-movement algorithms of
// package collective, to the ranks that need them, and the combining is the
// collective's post step, run by the Wait or Test that completes the
// request (rank/mpi_icoll.go), in rank order ((x0 op x1) op x2 ...), as the
// blocking reductions with user operations do (rank/mpi_op.go):
//
//   - Ireduce: the contributions are gathered at the root, which folds them;
//   - Iallreduce, Iscan, Iexscan: every rank gets every contribution
//     (allgather) and folds the ones it needs (all, 0..me, 0..me-1), so
//     all ranks compute the same bits;
//   - Ireduce_scatter(_block): rank r gets block r of every rank's vector
//     (alltoallv) and folds those.

// prepUserReduction resolves a nonblocking or persistent reduction whose
// operation (argument 4) is user-defined. kind is that of prepReduceLike,
// or "reduce_scatter_block" / "reduce_scatter".
func (c *call) prepUserReduction(kind string, cs *commState) (collRun, error) {
	// (sendbuf, recvbuf, count | recvcount | recvcounts[], datatype, op, [root,] comm)
	sp, rp, dtH := c.u32(0), c.u32(1), c.u32(3)
	n, me := cs.c.Size(), cs.c.Rank()
	root := 0
	if kind == "reduce" {
		root = c.int(5)
		if err := checkRootArg(cs, root); err != nil {
			return collRun{}, err
		}
		if inPlace(sp) && me != root {
			return collRun{}, comm.Errorf(comm.ErrBuffer, "MPI_IN_PLACE is only allowed at the root")
		}
	}
	// counts[r] is rank r's share of the result in elements of the
	// datatype: the whole vector for the reductions, a block for the
	// reduce-scatters.
	var counts []int
	total := 0
	switch kind {
	case "reduce_scatter_block":
		k := c.int(2)
		if k < 0 {
			return collRun{}, comm.Errorf(comm.ErrCount, "negative recvcount %d", k)
		}
		counts = make([]int, n)
		for i := range counts {
			counts[i] = k
		}
	case "reduce_scatter":
		var err error
		if counts, err = c.countInts(2, n, "recvcounts"); err != nil {
			return collRun{}, err
		}
	default:
		total = c.int(2)
	}
	for i, k := range counts {
		if k < 0 {
			return collRun{}, comm.Errorf(comm.ErrCount, "recvcounts[%d] = %d is negative", i, k)
		}
		total += k
		if total > math.MaxInt32 {
			return collRun{}, comm.Errorf(comm.ErrCount, "the recvcounts add up to more than wasm32 memory")
		}
	}
	u, err := c.newUserRed(nil, c.u32(4), dtH, total)
	if err != nil {
		return collRun{}, err
	}
	esize := int(u.d.tm.Size())

	// own is this rank's packed contribution (the whole vector).
	own, err := c.contribution(sp, rp, total, dtH)
	if err != nil {
		return collRun{}, err
	}
	// the receive buffer: the result (or this rank's block of it)
	var recv []byte
	var rt typedBuf
	mine := total
	if counts != nil {
		mine = counts[me]
	}
	if kind != "reduce" || me == root {
		// In place, own may view this very memory: the result is only
		// written after the communication has read it.
		if recv, rt, err = c.recvBuffer(rp, mine, dtH, "receive buffer"); err != nil {
			return collRun{}, err
		}
	}

	var run func(ctx context.Context, cm *comm.Comm) error
	var parts []byte // what this rank folds: nparts blocks of one share
	nparts, share := n, mine
	switch kind {
	case "reduce":
		if me == root {
			parts = make([]byte, n*u.size)
		}
		run = func(ctx context.Context, cm *comm.Comm) error {
			return collective.Gather(ctx, cm, own, parts, u.size, root)
		}
	case "allreduce", "scan", "exscan":
		parts = make([]byte, n*u.size)
		run = func(ctx context.Context, cm *comm.Comm) error {
			return collective.Allgather(ctx, cm, own, parts, u.size)
		}
		switch kind {
		case "scan":
			nparts = me + 1
		case "exscan":
			nparts = me
		}
	default:
		// block r of every rank's vector goes to rank r
		scounts, sdispls := make([]int, n), make([]int, n)
		rcounts, rdispls := make([]int, n), make([]int, n)
		off := 0
		for r := range counts {
			scounts[r], sdispls[r] = counts[r]*esize, off
			off += counts[r] * esize
			rcounts[r], rdispls[r] = counts[me]*esize, r*counts[me]*esize
		}
		parts = make([]byte, n*counts[me]*esize)
		run = func(ctx context.Context, cm *comm.Comm) error {
			return collective.Alltoallv(ctx, cm, own, scounts, sdispls, parts, rcounts, rdispls)
		}
	}
	post := u.foldPost(parts, nparts, share, recv, rt)
	if recv == nil || nparts == 0 {
		// not the root of a Reduce; rank 0 of an Exscan (its receive
		// buffer is undefined: left as it is)
		post = nil
	}
	return collRun{cs: cs, run: run, post: post}, nil
}

// foldPost is the post step that folds nparts packed contributions of
// share elements each, which parts holds one after the other, in that order
// and puts the result into recv (unpacked by rt).
func (u *userRed) foldPost(parts []byte, nparts, share int, recv []byte, rt typedBuf) func(*call) error {
	return func(pc *call) error {
		// Fold on the completing call: guest callbacks run in its instance.
		fu := *u
		fu.c, fu.err = pc, nil
		blk := share * int(u.d.tm.Size())
		if len(parts) < nparts*blk {
			return comm.Errorf(comm.ErrIntern, "%s: %d bytes of contributions where %d were expected", pc.name, len(parts), nparts*blk)
		}
		out := make([]byte, blk)
		if err := fu.fold(nparts, share, func(i int, buf []byte) error {
			copy(buf, parts[i*blk:(i+1)*blk])
			return nil
		}, out); err != nil {
			return err
		}
		if fu.err != nil {
			return fu.err
		}
		copy(recv, out)
		return rt.unpack(recv)
	}
}
