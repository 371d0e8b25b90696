package rank

import (
	"math"

	"github.com/wasmpi/wasmpi/collective"
	"github.com/wasmpi/wasmpi/comm"
	"github.com/wasmpi/wasmpi/rank/abi"
)

// inPlace reports whether a buffer argument is MPI_IN_PLACE.
func inPlace(ptr uint32) bool { return ptr == abi.InPlace }

// op resolves an operation handle.
func (c *call) op(h uint32) (collective.Op, error) {
	o, ok := abi.Op(h)
	if !ok || o == collective.OpNull {
		if h == abi.OpHandle(collective.OpNull) {
			return 0, comm.Errorf(comm.ErrOp, "MPI_OP_NULL is not a valid operation")
		}
		return 0, comm.Errorf(comm.ErrOp, "invalid operation handle %#x (user-defined operations are not supported yet)", h)
	}
	return o, nil
}

// ints reads n ints from guest memory.
func (c *call) ints(ptr uint32, n int, what string) ([]int, error) {
	if _, err := c.view(ptr, 4*n, what); err != nil {
		return nil, err
	}
	out := make([]int, n)
	for i := range out {
		v, _ := c.mem.ReadUint32Le(ptr + uint32(4*i))
		out[i] = int(int32(v))
	}
	return out, nil
}

// vector resolves a buffer addressed by per-rank counts and displacements
// (in elements of t) into one view plus byte counts and displacements
// relative to the view. Displacements are relative to ptr and may be
// negative (the standard puts no sign restriction on them); the view starts
// at the lowest block actually used. The displacement of a block with count
// 0 is not significant and comes back as 0.
func (c *call) vector(ptr uint32, countsPtr, displsPtr uint32, n int, dt uint32, what string) ([]byte, []int, []int, error) {
	t, err := c.datatype(dt)
	if err != nil {
		return nil, nil, nil, err
	}
	counts, err := c.ints(countsPtr, n, what+" counts")
	if err != nil {
		return nil, nil, nil, err
	}
	displs, err := c.ints(displsPtr, n, what+" displacements")
	if err != nil {
		return nil, nil, nil, err
	}
	size := t.Size()
	lo, hi, used := 0, 0, false
	for i := range counts {
		if counts[i] < 0 {
			return nil, nil, nil, comm.Errorf(comm.ErrCount, "%s count %d for rank %d is negative", what, counts[i], i)
		}
		counts[i] *= size
		displs[i] *= size
		if counts[i] == 0 {
			continue
		}
		if !used || displs[i] < lo {
			lo = displs[i]
		}
		if !used || displs[i]+counts[i] > hi {
			hi = displs[i] + counts[i]
		}
		used = true
	}
	base := int64(ptr) + int64(lo)
	if base < 0 || base > math.MaxUint32 {
		return nil, nil, nil, comm.Errorf(comm.ErrBuffer, "%s block at displacement %d bytes from %#x lies outside the rank's memory", what, lo, ptr)
	}
	for i := range displs {
		if counts[i] == 0 {
			displs[i] = 0
		} else {
			displs[i] -= lo
		}
	}
	buf, err := c.view(uint32(base), hi-lo, what)
	return buf, counts, displs, err
}

// reduceArgs resolves (sendbuf, recvbuf, count, datatype, op) with
// MPI_IN_PLACE support: the returned send slice is nil for in place.
func (c *call) reduceArgs(sp, rp uint32, count int, dt, oh uint32, needRecv bool) (send, recv []byte, t comm.Datatype, o collective.Op, err error) {
	if o, err = c.op(oh); err != nil {
		return
	}
	if needRecv || inPlace(sp) {
		if recv, t, err = c.buffer(rp, count, dt, "receive buffer"); err != nil {
			return
		}
	}
	if !inPlace(sp) {
		if send, t, err = c.buffer(sp, count, dt, "send buffer"); err != nil {
			return
		}
	}
	return
}

func collectiveFunctions() []mpiFunc {
	return []mpiFunc{
		{name: "MPI_Barrier", params: params(1), fn: func(c *call) error {
			cs, err := c.comm(c.u32(0))
			if err != nil {
				return err
			}
			return collective.Barrier(c.ctx, cs.c)
		}},
		{name: "MPI_Bcast", params: params(5), fn: func(c *call) error {
			// (buf, count, datatype, root, comm)
			cs, err := c.comm(c.u32(4))
			if err != nil {
				return err
			}
			buf, _, err := c.buffer(c.u32(0), c.int(1), c.u32(2), "buffer")
			if err != nil {
				return err
			}
			return collective.Bcast(c.ctx, cs.c, buf, c.int(3))
		}},
		{name: "MPI_Reduce", params: params(7), fn: func(c *call) error {
			// (sendbuf, recvbuf, count, datatype, op, root, comm)
			cs, err := c.comm(c.u32(6))
			if err != nil {
				return err
			}
			root := c.int(5)
			isRoot := root == cs.c.Rank()
			if inPlace(c.u32(0)) && !isRoot {
				return comm.Errorf(comm.ErrBuffer, "MPI_IN_PLACE is only allowed at the root")
			}
			send, recv, t, o, err := c.reduceArgs(c.u32(0), c.u32(1), c.int(2), c.u32(3), c.u32(4), isRoot)
			if err != nil {
				return err
			}
			return collective.Reduce(c.ctx, cs.c, send, recv, t, o, root)
		}},
		{name: "MPI_Allreduce", params: params(6), fn: func(c *call) error {
			cs, err := c.comm(c.u32(5))
			if err != nil {
				return err
			}
			send, recv, t, o, err := c.reduceArgs(c.u32(0), c.u32(1), c.int(2), c.u32(3), c.u32(4), true)
			if err != nil {
				return err
			}
			return collective.Allreduce(c.ctx, cs.c, send, recv, t, o)
		}},
		{name: "MPI_Reduce_local", params: params(5), fn: func(c *call) error {
			// (inbuf, inoutbuf, count, datatype, op)
			o, err := c.op(c.u32(4))
			if err != nil {
				return err
			}
			in, t, err := c.buffer(c.u32(0), c.int(2), c.u32(3), "input buffer")
			if err != nil {
				return err
			}
			inout, _, err := c.buffer(c.u32(1), c.int(2), c.u32(3), "input/output buffer")
			if err != nil {
				return err
			}
			return collective.ReduceLocal(in, inout, t, o)
		}},
		{name: "MPI_Scan", params: params(6), fn: func(c *call) error {
			cs, err := c.comm(c.u32(5))
			if err != nil {
				return err
			}
			send, recv, t, o, err := c.reduceArgs(c.u32(0), c.u32(1), c.int(2), c.u32(3), c.u32(4), true)
			if err != nil {
				return err
			}
			return collective.Scan(c.ctx, cs.c, send, recv, t, o)
		}},
		{name: "MPI_Exscan", params: params(6), fn: func(c *call) error {
			cs, err := c.comm(c.u32(5))
			if err != nil {
				return err
			}
			send, recv, t, o, err := c.reduceArgs(c.u32(0), c.u32(1), c.int(2), c.u32(3), c.u32(4), true)
			if err != nil {
				return err
			}
			return collective.Exscan(c.ctx, cs.c, send, recv, t, o)
		}},
		{name: "MPI_Reduce_scatter_block", params: params(6), fn: func(c *call) error {
			// (sendbuf, recvbuf, recvcount, datatype, op, comm)
			cs, err := c.comm(c.u32(5))
			if err != nil {
				return err
			}
			o, err := c.op(c.u32(4))
			if err != nil {
				return err
			}
			n, size := c.int(2), cs.c.Size()
			var send, recv []byte
			var t comm.Datatype
			if inPlace(c.u32(0)) {
				recv, t, err = c.buffer(c.u32(1), n*size, c.u32(3), "receive buffer")
			} else {
				if send, t, err = c.buffer(c.u32(0), n*size, c.u32(3), "send buffer"); err == nil {
					recv, _, err = c.buffer(c.u32(1), n, c.u32(3), "receive buffer")
				}
			}
			if err != nil {
				return err
			}
			return collective.ReduceScatterBlock(c.ctx, cs.c, send, recv, n, t, o)
		}},
		{name: "MPI_Reduce_scatter", params: params(6), fn: func(c *call) error {
			// (sendbuf, recvbuf, recvcounts[], datatype, op, comm)
			cs, err := c.comm(c.u32(5))
			if err != nil {
				return err
			}
			o, err := c.op(c.u32(4))
			if err != nil {
				return err
			}
			counts, err := c.ints(c.u32(2), cs.c.Size(), "recvcounts")
			if err != nil {
				return err
			}
			total := 0
			for i, n := range counts {
				if n < 0 {
					return comm.Errorf(comm.ErrCount, "recvcounts[%d] = %d is negative", i, n)
				}
				total += n
			}
			var send, recv []byte
			var t comm.Datatype
			if inPlace(c.u32(0)) {
				recv, t, err = c.buffer(c.u32(1), total, c.u32(3), "receive buffer")
			} else {
				if send, t, err = c.buffer(c.u32(0), total, c.u32(3), "send buffer"); err == nil {
					recv, _, err = c.buffer(c.u32(1), counts[cs.c.Rank()], c.u32(3), "receive buffer")
				}
			}
			if err != nil {
				return err
			}
			return collective.ReduceScatter(c.ctx, cs.c, send, recv, counts, t, o)
		}},
		{name: "MPI_Gather", params: params(8), fn: func(c *call) error {
			// (sendbuf, sendcount, sendtype, recvbuf, recvcount, recvtype, root, comm)
			cs, err := c.comm(c.u32(7))
			if err != nil {
				return err
			}
			root := c.int(6)
			isRoot := root == cs.c.Rank()
			var send, recv []byte
			block := 0
			if isRoot {
				var t comm.Datatype
				if recv, t, err = c.buffer(c.u32(3), c.int(4)*cs.c.Size(), c.u32(5), "receive buffer"); err != nil {
					return err
				}
				block = c.int(4) * t.Size()
			}
			if inPlace(c.u32(0)) {
				if !isRoot {
					return comm.Errorf(comm.ErrBuffer, "MPI_IN_PLACE is only allowed at the root")
				}
			} else {
				var t comm.Datatype
				if send, t, err = c.buffer(c.u32(0), c.int(1), c.u32(2), "send buffer"); err != nil {
					return err
				}
				if !isRoot {
					block = c.int(1) * t.Size()
				}
			}
			return collective.Gather(c.ctx, cs.c, send, recv, block, root)
		}},
		{name: "MPI_Gatherv", params: params(9), fn: func(c *call) error {
			// (sendbuf, sendcount, sendtype, recvbuf, recvcounts[], displs[], recvtype, root, comm)
			cs, err := c.comm(c.u32(8))
			if err != nil {
				return err
			}
			root := c.int(7)
			isRoot := root == cs.c.Rank()
			var send, recv []byte
			var counts, displs []int
			if isRoot {
				if recv, counts, displs, err = c.vector(c.u32(3), c.u32(4), c.u32(5), cs.c.Size(), c.u32(6), "receive buffer"); err != nil {
					return err
				}
			}
			if inPlace(c.u32(0)) {
				if !isRoot {
					return comm.Errorf(comm.ErrBuffer, "MPI_IN_PLACE is only allowed at the root")
				}
			} else if send, _, err = c.buffer(c.u32(0), c.int(1), c.u32(2), "send buffer"); err != nil {
				return err
			}
			return collective.Gatherv(c.ctx, cs.c, send, recv, counts, displs, root)
		}},
		{name: "MPI_Scatter", params: params(8), fn: func(c *call) error {
			// (sendbuf, sendcount, sendtype, recvbuf, recvcount, recvtype, root, comm)
			cs, err := c.comm(c.u32(7))
			if err != nil {
				return err
			}
			root := c.int(6)
			isRoot := root == cs.c.Rank()
			var send, recv []byte
			block := 0
			if isRoot {
				var t comm.Datatype
				if send, t, err = c.buffer(c.u32(0), c.int(1)*cs.c.Size(), c.u32(2), "send buffer"); err != nil {
					return err
				}
				block = c.int(1) * t.Size()
			}
			if inPlace(c.u32(3)) {
				if !isRoot {
					return comm.Errorf(comm.ErrBuffer, "MPI_IN_PLACE is only allowed at the root")
				}
			} else {
				var t comm.Datatype
				if recv, t, err = c.buffer(c.u32(3), c.int(4), c.u32(5), "receive buffer"); err != nil {
					return err
				}
				if !isRoot {
					block = c.int(4) * t.Size()
				}
			}
			return collective.Scatter(c.ctx, cs.c, send, recv, block, root)
		}},
		{name: "MPI_Scatterv", params: params(9), fn: func(c *call) error {
			// (sendbuf, sendcounts[], displs[], sendtype, recvbuf, recvcount, recvtype, root, comm)
			cs, err := c.comm(c.u32(8))
			if err != nil {
				return err
			}
			root := c.int(7)
			isRoot := root == cs.c.Rank()
			var send, recv []byte
			var counts, displs []int
			if isRoot {
				if send, counts, displs, err = c.vector(c.u32(0), c.u32(1), c.u32(2), cs.c.Size(), c.u32(3), "send buffer"); err != nil {
					return err
				}
			}
			if inPlace(c.u32(4)) {
				if !isRoot {
					return comm.Errorf(comm.ErrBuffer, "MPI_IN_PLACE is only allowed at the root")
				}
			} else if recv, _, err = c.buffer(c.u32(4), c.int(5), c.u32(6), "receive buffer"); err != nil {
				return err
			}
			return collective.Scatterv(c.ctx, cs.c, send, counts, displs, recv, root)
		}},
		{name: "MPI_Allgather", params: params(7), fn: func(c *call) error {
			// (sendbuf, sendcount, sendtype, recvbuf, recvcount, recvtype, comm)
			cs, err := c.comm(c.u32(6))
			if err != nil {
				return err
			}
			recv, t, err := c.buffer(c.u32(3), c.int(4)*cs.c.Size(), c.u32(5), "receive buffer")
			if err != nil {
				return err
			}
			var send []byte
			if !inPlace(c.u32(0)) {
				if send, _, err = c.buffer(c.u32(0), c.int(1), c.u32(2), "send buffer"); err != nil {
					return err
				}
			}
			return collective.Allgather(c.ctx, cs.c, send, recv, c.int(4)*t.Size())
		}},
		{name: "MPI_Allgatherv", params: params(8), fn: func(c *call) error {
			// (sendbuf, sendcount, sendtype, recvbuf, recvcounts[], displs[], recvtype, comm)
			cs, err := c.comm(c.u32(7))
			if err != nil {
				return err
			}
			recv, counts, displs, err := c.vector(c.u32(3), c.u32(4), c.u32(5), cs.c.Size(), c.u32(6), "receive buffer")
			if err != nil {
				return err
			}
			var send []byte
			if !inPlace(c.u32(0)) {
				if send, _, err = c.buffer(c.u32(0), c.int(1), c.u32(2), "send buffer"); err != nil {
					return err
				}
			}
			return collective.Allgatherv(c.ctx, cs.c, send, recv, counts, displs)
		}},
		{name: "MPI_Alltoall", params: params(7), fn: func(c *call) error {
			cs, err := c.comm(c.u32(6))
			if err != nil {
				return err
			}
			recv, t, err := c.buffer(c.u32(3), c.int(4)*cs.c.Size(), c.u32(5), "receive buffer")
			if err != nil {
				return err
			}
			var send []byte
			if !inPlace(c.u32(0)) {
				if send, _, err = c.buffer(c.u32(0), c.int(1)*cs.c.Size(), c.u32(2), "send buffer"); err != nil {
					return err
				}
			}
			return collective.Alltoall(c.ctx, cs.c, send, recv, c.int(4)*t.Size())
		}},
		{name: "MPI_Alltoallv", params: params(9), fn: func(c *call) error {
			// (sendbuf, sendcounts[], sdispls[], sendtype, recvbuf, recvcounts[], rdispls[], recvtype, comm)
			cs, err := c.comm(c.u32(8))
			if err != nil {
				return err
			}
			n := cs.c.Size()
			recv, rcounts, rdispls, err := c.vector(c.u32(4), c.u32(5), c.u32(6), n, c.u32(7), "receive buffer")
			if err != nil {
				return err
			}
			var send []byte
			var scounts, sdispls []int
			if !inPlace(c.u32(0)) {
				if send, scounts, sdispls, err = c.vector(c.u32(0), c.u32(1), c.u32(2), n, c.u32(3), "send buffer"); err != nil {
					return err
				}
			}
			return collective.Alltoallv(c.ctx, cs.c, send, scounts, sdispls, recv, rcounts, rdispls)
		}},
		{name: "MPI_Alltoallw", params: params(9), fn: func(c *call) error {
			// (sendbuf, sendcounts[], sdispls[] (bytes), sendtypes[], recvbuf, recvcounts[], rdispls[], recvtypes[], comm)
			cs, err := c.comm(c.u32(8))
			if err != nil {
				return err
			}
			n := cs.c.Size()
			recv, err := c.wblocks(c.u32(4), c.u32(5), c.u32(6), c.u32(7), n, "receive buffer")
			if err != nil {
				return err
			}
			var send [][]byte
			if !inPlace(c.u32(0)) {
				if send, err = c.wblocks(c.u32(0), c.u32(1), c.u32(2), c.u32(3), n, "send buffer"); err != nil {
					return err
				}
			}
			return collective.Alltoallw(c.ctx, cs.c, send, recv)
		}},
	}
}

// wblocks resolves the per-peer blocks of an Alltoallw buffer: counts in
// elements of per-peer datatypes, displacements in bytes.
func (c *call) wblocks(ptr, countsPtr, displsPtr, typesPtr uint32, n int, what string) ([][]byte, error) {
	counts, err := c.ints(countsPtr, n, what+" counts")
	if err != nil {
		return nil, err
	}
	displs, err := c.ints(displsPtr, n, what+" displacements")
	if err != nil {
		return nil, err
	}
	types, err := c.ints(typesPtr, n, what+" datatypes")
	if err != nil {
		return nil, err
	}
	out := make([][]byte, n)
	for i := 0; i < n; i++ {
		// Byte displacements may be negative; that of an empty block is
		// not significant.
		addr := int64(ptr) + int64(displs[i])
		if counts[i] == 0 {
			addr = int64(ptr)
		} else if addr < 0 || addr > math.MaxUint32 {
			return nil, comm.Errorf(comm.ErrBuffer, "%s block for rank %d at displacement %d bytes from %#x lies outside the rank's memory", what, i, displs[i], ptr)
		}
		b, _, err := c.buffer(uint32(addr), counts[i], uint32(types[i]), what)
		if err != nil {
			return nil, err
		}
		out[i] = b
	}
	return out, nil
}
