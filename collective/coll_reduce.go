package collective

import (
	"context"
	"errors"

	"github.com/wasmpi/wasmpi/comm"
)

// Reductions and scans.
//
// # Order of combination
//
// Every reduction combines the contributions x0, x1, ..., x(n-1) (indexed by
// rank in the communicator) in rank order, bracketed by a fixed binomial
// tree over the ranks rooted at rank 0, whatever the root of the call:
//
//	node r, for mask = 1, 2, 4, ... while r&mask == 0 and r+mask < n:
//	    acc(r) = acc(r) op acc(r+mask)
//
// so a node's partial result always covers a contiguous run of ranks and the
// lower ranks are always the left operand (Combine's in). For n = 5 the
// result is ((x0 op x1) op (x2 op x3)) op x4; for n = 8 it is
// ((x0 op x1) op (x2 op x3)) op ((x4 op x5) op (x6 op x7)). The bracketing
// depends only on n, so a floating-point result is bit-identical from run to
// run, on every rank, and for every root: Reduce to any root, Allreduce and
// Reduce_scatter produce the same bits. When the root is not rank 0, rank 0
// sends the finished result to it (one extra message).
//
// Scan and Exscan use a linear chain instead: rank r's result is
// (((x0 op x1) op x2) ... op xr), strictly left to right.

// combine applies op into inout unless the call is poisoned.
func (x *xfer) combine(t comm.Datatype, op Op, in, inout []byte) {
	if !x.ok() {
		return
	}
	if err := Combine(op, t, in, inout); err != nil {
		x.fail(prefixErr(x.name, err))
	}
}

// prefixErr puts the name of the MPI function in front of an error's message.
func prefixErr(name string, err error) error {
	var e *comm.Error
	if errors.As(err, &e) {
		return comm.Errorf(e.Class, "%s: %s", name, e.Msg)
	}
	return err
}

// reduceTree combines the contribution in of every rank over the binomial
// tree rooted at rank 0 described above, in the given phase. Every rank must
// pass the same length. Rank 0 gets the result back; it is also stored in
// dst (len(dst) == len(in)) when dst is not nil and the call is healthy.
// Other ranks get nil.
//
// A node receives its children's partial results one at a time, largest
// subtree last, into scratch buffers (two at most, used alternately); the
// last one at rank 0 goes straight into dst when dst does not overlap the
// accumulated value.
func (x *xfer) reduceTree(in, dst []byte, t comm.Datatype, op Op, phase int) ([]byte, error) {
	n := len(in)
	var children []int
	parent := -1
	for mask := 1; mask < x.size; mask <<= 1 {
		if x.me&mask != 0 {
			parent = x.me - mask
			break
		}
		if x.me+mask < x.size {
			children = append(children, x.me+mask)
		}
	}
	if parent >= 0 {
		dst = nil
	}
	acc, accIdx := in, -1 // accIdx: which spare holds acc, -1 for none
	var spare [2][]byte
	for i, child := range children {
		target, tIdx := dst, -1
		if i < len(children)-1 || dst == nil || overlaps(dst, acc) {
			tIdx = 0
			if accIdx == 0 {
				tIdx = 1
			}
			if spare[tIdx] == nil {
				spare[tIdx] = x.scratch(n)
			}
			target = spare[tIdx]
		}
		if err := x.irecv(target, child, phase); err != nil {
			return nil, err
		}
		if err := x.wait(); err != nil {
			return nil, err
		}
		x.combine(t, op, acc, target) // target = acc op child's partial result
		acc, accIdx = target, tIdx
	}
	if parent >= 0 {
		if err := x.isend(acc, parent, phase); err != nil {
			return nil, err
		}
		return nil, x.wait()
	}
	if dst != nil && x.ok() && !sameBuf(dst, acc) {
		copy(dst, acc)
	}
	return acc, nil
}

// Reduce combines sendbuf of every rank with op into recvbuf of root. All
// ranks pass the same length (a whole number of elements of t). recvbuf is
// used at the root only and may be nil elsewhere. In place at the root:
// sendbuf nil, the root's input in recvbuf.
//
// Algorithm: binomial tree to rank 0 (see the order of combination above),
// then rank 0 sends the result to the root if that is another rank. Under a
// context from WithShared, on a communicator whose ranks share the process:
// the ranks combine straight out of each other's memory, in the same order
// (shm.go).
func Reduce(ctx context.Context, c *comm.Comm, sendbuf, recvbuf []byte, t comm.Datatype, op Op, root int) error {
	if s, err := sharedSlot(ctx, c, kindReduce); err != nil || s != nil {
		if err != nil {
			return err
		}
		return s.reduce(ctx, c, sendbuf, recvbuf, t, op, root)
	}
	x, err := begin(ctx, c, kindReduce)
	if err != nil {
		return err
	}
	in, dst, smallRecv, err := x.reduceArgs(sendbuf, recvbuf, t, op, root)
	if err != nil {
		return err
	}
	treeDst := dst
	if root != 0 {
		treeDst = nil
	}
	res, err := x.reduceTree(in, treeDst, t, op, 0)
	if err != nil {
		return err
	}
	if smallRecv {
		x.failf(comm.ErrBuffer, "the receive buffer holds %d bytes, less than the %d-byte input", len(recvbuf), len(in))
	}
	if root == 0 {
		return x.finish()
	}
	switch x.me {
	case 0:
		err = x.isend(res, root, 1)
	case root:
		err = x.irecv(dst, 0, 1)
	}
	if err != nil {
		return err
	}
	if err := x.wait(); err != nil {
		return err
	}
	return x.finish()
}

// Allreduce combines sendbuf of every rank with op into recvbuf of every
// rank. In place: sendbuf nil, the input in recvbuf.
//
// Algorithm: Reduce to rank 0 (binomial tree, see above), then Bcast from
// rank 0 (binomial tree). Every rank ends with the very bits rank 0
// computed. Under a context from WithShared, on a communicator whose ranks
// share the process: the ranks combine straight out of each other's
// memory, in the same order, so the bits are the same (shm.go).
func Allreduce(ctx context.Context, c *comm.Comm, sendbuf, recvbuf []byte, t comm.Datatype, op Op) error {
	if s, err := sharedSlot(ctx, c, kindAllreduce); err != nil || s != nil {
		if err != nil {
			return err
		}
		return s.allreduce(ctx, c, sendbuf, recvbuf, t, op)
	}
	x, err := begin(ctx, c, kindAllreduce)
	if err != nil {
		return err
	}
	if err := checkOp(x.name, t, op); err != nil {
		return err
	}
	in := sendbuf
	if in == nil {
		in = recvbuf
	}
	x.checkElems("input", in, t)
	var dst []byte
	if len(recvbuf) < len(in) {
		x.failf(comm.ErrBuffer, "the receive buffer holds %d bytes, less than the %d-byte input", len(recvbuf), len(in))
	} else if x.ok() {
		dst = recvbuf[:len(in)]
	}
	if _, err := x.reduceTree(in, dst, t, op, 0); err != nil {
		return err
	}
	if !x.ok() {
		dst = nil
	}
	if err := x.bcastTree(dst, 0, 1); err != nil {
		return err
	}
	return x.finish()
}

// ReduceScatter combines sendbuf of every rank with op and scatters the
// result: rank i receives counts[i] elements of t, those after the
// counts[0]+...+counts[i-1] elements of ranks before it. sendbuf holds the
// whole vector (the sum of counts). In place: sendbuf nil, the whole input
// vector in recvbuf, the rank's block written to its start.
//
// Algorithm: Reduce of the whole vector to rank 0 (binomial tree, see
// above), then a linear Scatterv from rank 0.
func ReduceScatter(ctx context.Context, c *comm.Comm, sendbuf, recvbuf []byte, counts []int, t comm.Datatype, op Op) error {
	x, err := begin(ctx, c, kindReduceScatter)
	if err != nil {
		return err
	}
	return x.reduceScatter(sendbuf, recvbuf, counts, t, op)
}

// ReduceScatterBlock is ReduceScatter with count elements for every rank.
func ReduceScatterBlock(ctx context.Context, c *comm.Comm, sendbuf, recvbuf []byte, count int, t comm.Datatype, op Op) error {
	x, err := begin(ctx, c, kindReduceScatterBlock)
	if err != nil {
		return err
	}
	counts := make([]int, x.size)
	for i := range counts {
		counts[i] = count
	}
	return x.reduceScatter(sendbuf, recvbuf, counts, t, op)
}

func (x *xfer) reduceScatter(sendbuf, recvbuf []byte, counts []int, t comm.Datatype, op Op) error {
	if err := checkOp(x.name, t, op); err != nil {
		return err
	}
	es := t.Size()
	if len(counts) < x.size {
		x.failf(comm.ErrArg, "%d counts for %d ranks", len(counts), x.size)
	}
	// blen(i) is the byte length of rank i's block, 0 once the call is
	// poisoned.
	blen := func(i int) int {
		if !x.ok() || counts[i] < 0 {
			return 0
		}
		return counts[i] * es
	}
	total := 0
	for i := 0; x.ok() && i < x.size; i++ {
		if counts[i] < 0 {
			x.failf(comm.ErrCount, "count %d for rank %d is negative", counts[i], i)
		}
		total += blen(i)
	}
	in := sendbuf
	if in == nil {
		in = recvbuf
	}
	if x.ok() && len(in) < total {
		x.failf(comm.ErrBuffer, "the input holds %d bytes, less than the %d of the whole vector", len(in), total)
	}
	mine := blen(x.me)
	if x.ok() && len(recvbuf) < mine {
		x.failf(comm.ErrBuffer, "the receive buffer holds %d bytes, less than the %d of this rank's block", len(recvbuf), mine)
	}
	if x.ok() {
		in = in[:total]
	} else {
		in = nil
	}
	var res []byte
	if x.me == 0 {
		res = x.scratch(len(in))
	}
	if _, err := x.reduceTree(in, res, t, op, 0); err != nil {
		return err
	}
	if x.me == 0 {
		off := blen(0)
		x.copyOwn(x.block(recvbuf, 0, mine), x.block(res, 0, off))
		for i := 1; i < x.size; i++ {
			if err := x.isend(x.block(res, off, blen(i)), i, 1); err != nil {
				return err
			}
			off += blen(i)
		}
	} else if err := x.irecv(x.block(recvbuf, 0, mine), 0, 1); err != nil {
		return err
	}
	if err := x.wait(); err != nil {
		return err
	}
	return x.finish()
}

// Scan computes the inclusive prefix reduction: recvbuf of rank r gets
// x0 op x1 op ... op xr. In place: sendbuf nil, the input in recvbuf.
//
// Algorithm: linear chain. Rank r receives the prefix of rank r-1, combines
// its own input on the right and passes the result to rank r+1.
func Scan(ctx context.Context, c *comm.Comm, sendbuf, recvbuf []byte, t comm.Datatype, op Op) error {
	x, err := begin(ctx, c, kindScan)
	if err != nil {
		return err
	}
	if err := checkOp(x.name, t, op); err != nil {
		return err
	}
	in := sendbuf
	if in == nil {
		in = recvbuf
	}
	x.checkElems("input", in, t)
	n := len(in)
	var out []byte
	if len(recvbuf) < n {
		x.failf(comm.ErrBuffer, "the receive buffer holds %d bytes, less than the %d-byte input", len(recvbuf), n)
	} else if x.ok() {
		out = recvbuf[:n]
	}
	x.copyOwn(out, in)
	if x.me > 0 {
		prev := x.scratch(n)
		if err := x.irecv(prev, x.me-1, 0); err != nil {
			return err
		}
		if err := x.wait(); err != nil {
			return err
		}
		x.combine(t, op, prev, out) // out = prefix(r-1) op x(r)
	}
	if x.me+1 < x.size {
		if err := x.isend(out, x.me+1, 0); err != nil {
			return err
		}
		if err := x.wait(); err != nil {
			return err
		}
	}
	return x.finish()
}

// Exscan computes the exclusive prefix reduction: recvbuf of rank r > 0 gets
// x0 op ... op x(r-1); recvbuf of rank 0 is left untouched. In place:
// sendbuf nil, the input in recvbuf.
//
// Algorithm: linear chain, as Scan.
func Exscan(ctx context.Context, c *comm.Comm, sendbuf, recvbuf []byte, t comm.Datatype, op Op) error {
	x, err := begin(ctx, c, kindExscan)
	if err != nil {
		return err
	}
	if err := checkOp(x.name, t, op); err != nil {
		return err
	}
	in := sendbuf
	if in == nil {
		in = recvbuf
	}
	x.checkElems("input", in, t)
	n := len(in)
	if x.me == 0 {
		if x.size > 1 {
			if err := x.isend(in, 1, 0); err != nil {
				return err
			}
			if err := x.wait(); err != nil {
				return err
			}
		}
		return x.finish()
	}
	var out []byte
	if len(recvbuf) < n {
		x.failf(comm.ErrBuffer, "the receive buffer holds %d bytes, less than the %d-byte input", len(recvbuf), n)
	} else if x.ok() {
		out = recvbuf[:n]
	}
	last := x.me+1 == x.size
	var next []byte
	if !last {
		// Save the input first: in place, the receive below overwrites it.
		next = x.scratch(n)
		copy(next, in)
	}
	if err := x.irecv(out, x.me-1, 0); err != nil {
		return err
	}
	if err := x.wait(); err != nil {
		return err
	}
	if !last {
		x.combine(t, op, out, next) // next = prefix(r-1) op x(r)
		if err := x.isend(next, x.me+1, 0); err != nil {
			return err
		}
		if err := x.wait(); err != nil {
			return err
		}
	}
	return x.finish()
}

// ReduceLocal computes inout = in op inout element-wise (MPI_Reduce_local).
// in and inout must have the same length and must not overlap unless they
// are the same buffer.
func ReduceLocal(in, inout []byte, t comm.Datatype, op Op) error {
	const name = "MPI_Reduce_local"
	if err := checkOp(name, t, op); err != nil {
		return err
	}
	if overlaps(in, inout) && !sameBuf(in, inout) {
		return comm.Errorf(comm.ErrBuffer, "%s: the input and input/output buffers overlap", name)
	}
	if err := Combine(op, t, in, inout); err != nil {
		return prefixErr(name, err)
	}
	return nil
}

// reduceArgs checks Reduce's arguments on x: the input (sendbuf, or the
// root's recvbuf in place) and, at the root, where the result goes (nil
// when recvbuf is too small: smallRecv, which only the root reports, after
// its input went into the combination, so the others are not made to fail
// for it).
func (x *xfer) reduceArgs(sendbuf, recvbuf []byte, t comm.Datatype, op Op, root int) (in, dst []byte, smallRecv bool, err error) {
	if err := x.checkRoot(root); err != nil {
		return nil, nil, false, err
	}
	if err := checkOp(x.name, t, op); err != nil {
		return nil, nil, false, err
	}
	in = sendbuf
	if in == nil && x.me == root {
		in = recvbuf
	}
	x.checkElems("input", in, t)
	smallRecv = x.me == root && len(recvbuf) < len(in)
	if x.me == root && !smallRecv && x.ok() {
		dst = recvbuf[:len(in)]
	}
	return in, dst, smallRecv, nil
}
