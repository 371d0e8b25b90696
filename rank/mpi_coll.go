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
		if isUserOpHandle(h) {
			return 0, comm.Errorf(comm.ErrOp, "user-defined operation %#x cannot be used with %s", h, c.name)
		}
		return 0, comm.Errorf(comm.ErrOp, "invalid operation handle %#x", h)
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
// (in extents of the datatype; arguments countsArg and displsArg point to
// them, read with countInts so that the _c variants derive) into one byte slice plus byte counts and
// displacements into it. For a predefined datatype, or a derived one whose
// elements are dense (data at offset 0, extent = size), the slice is a view
// of guest memory: displacements are relative to ptr and may be negative
// (the standard puts no sign restriction on them), and the view starts at
// the lowest block actually used. Otherwise the blocks are packed one after
// the other into a host buffer (filled from guest memory when pack is set)
// and the returned typedBuf unpacks them. The displacement of a block with
// count 0 is not significant and comes back as 0.
func (c *call) vector(ptr uint32, countsArg, displsArg int, n int, dt uint32, pack bool, what string) ([]byte, []int, []int, typedBuf, error) {
	fail := func(err error) ([]byte, []int, []int, typedBuf, error) { return nil, nil, nil, typedBuf{}, err }
	d, err := c.datatype(dt)
	if err != nil {
		return fail(err)
	}
	if !d.committed {
		return fail(comm.Errorf(comm.ErrType, "the datatype has not been committed (call MPI_Type_commit before using it in communication)"))
	}
	tm := d.tm
	if err := tm.Flatten(); err != nil {
		return fail(err)
	}
	counts, err := c.countInts(countsArg, n, what+" counts")
	if err != nil {
		return fail(err)
	}
	displs, err := c.countInts(displsArg, n, what+" displacements")
	if err != nil {
		return fail(err)
	}
	size := int(tm.Size())
	for i := range counts {
		if counts[i] < 0 {
			return fail(comm.Errorf(comm.ErrCount, "%s count %d for rank %d is negative", what, counts[i], i))
		}
		if int64(counts[i])*int64(size) > math.MaxInt32 {
			return fail(comm.Errorf(comm.ErrCount, "%s count %d for rank %d is larger than wasm32 memory", what, counts[i], i))
		}
	}
	if off, ok := tm.Contiguous(2); size == 0 || (ok && off == 0 && tm.Extent() == tm.Size()) {
		lo, hi, used := 0, 0, false
		for i := range counts {
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
			return fail(comm.Errorf(comm.ErrBuffer, "%s block at displacement %d bytes from %#x lies outside the rank's memory", what, lo, ptr))
		}
		for i := range displs {
			if counts[i] == 0 {
				displs[i] = 0
			} else {
				displs[i] -= lo
			}
		}
		buf, err := c.view(uint32(base), hi-lo, what)
		return buf, counts, displs, typedBuf{dt: d}, err
	}
	// Non-contiguous elements: pack the blocks.
	total := int64(0)
	for _, n := range counts {
		total += int64(n) * int64(size)
	}
	if total > math.MaxInt32 {
		return fail(comm.Errorf(comm.ErrCount, "%s: the blocks hold more than wasm32 memory", what))
	}
	data := make([]byte, total)
	tb := typedBuf{dt: d, mem: c.mem, copied: true}
	off := 0
	for i := range counts {
		if counts[i] == 0 {
			displs[i] = 0
			continue
		}
		addr := int64(ptr) + int64(displs[i])*tm.Extent()
		span, origin, err := typedSpan(c.mem, addr, int64(counts[i]), tm, what)
		if err != nil {
			return fail(err)
		}
		nb := counts[i] * size
		if pack {
			tm.Pack(data[off:off+nb], span, origin, int64(counts[i]))
		}
		tb.more = append(tb.more, bufSeg{addr: addr, count: int64(counts[i]), off: int64(off)})
		counts[i], displs[i] = nb, off
		off += nb
	}
	return data, counts, displs, tb, nil
}

// reduceArgs resolves (sendbuf, recvbuf, count, datatype, op) with
// MPI_IN_PLACE support: the returned send slice is nil for in place. rt
// unpacks the receive buffer; t is the predefined type the operation
// combines (a derived datatype must be made of one predefined type).
func (c *call) reduceArgs(sp, rp uint32, count int, dt, oh uint32, needRecv bool) (send, recv []byte, rt typedBuf, t comm.Datatype, o collective.Op, err error) {
	if o, err = c.op(oh); err != nil {
		return
	}
	if needRecv || inPlace(sp) {
		if recv, rt, err = c.buffer(rp, count, dt, "receive buffer"); err != nil {
			return
		}
	}
	if !inPlace(sp) {
		if send, _, err = c.buffer(sp, count, dt, "send buffer"); err != nil {
			return
		}
	}
	d, err := c.datatype(dt)
	if err != nil {
		return
	}
	t, err = reductionType(d)
	return
}

// perElement is the number of elements of t in one element of d (a derived
// datatype made of t only).
func perElement(d *dtype, t comm.Datatype) int {
	if s := t.Size(); s > 0 {
		return int(d.tm.Size()) / s
	}
	return 0
}

// collectiveFunctions are the blocking collectives, resolved by the same
// code as their nonblocking and persistent forms (collTable) and run on the
// calling goroutine, plus MPI_Reduce_local.
func collectiveFunctions() []mpiFunc {
	fs := []mpiFunc{
		{name: "MPI_Reduce_local", params: params(5), fn: func(c *call) error {
			// (inbuf, inoutbuf, count, datatype, op)
			o, err := c.op(c.u32(4))
			if err != nil {
				return err
			}
			in, it, err := c.buffer(c.u32(0), c.int(2), c.u32(3), "input buffer")
			if err != nil {
				return err
			}
			inout, iot, err := c.buffer(c.u32(1), c.int(2), c.u32(3), "input/output buffer")
			if err != nil {
				return err
			}
			t, err := it.elem()
			if err != nil {
				return err
			}
			return iot.done(inout, collective.ReduceLocal(in, inout, t, o))
		}},
	}
	for _, e := range collTable() {
		fs = append(fs, blockingCollFunc("MPI_"+e.name, e.nargs, e.prep))
	}
	return fs
}

// blockingCollFunc runs a resolved collective to completion and unpacks
// its receive buffers.
func blockingCollFunc(name string, nargs int, prep collPrep) mpiFunc {
	return mpiFunc{name: name, params: params(nargs), countAware: true, fn: func(c *call) error {
		cr, err := prep(c)
		if err != nil {
			return err
		}
		if err := cr.run(c.ctx, cr.cs.c); err != nil {
			return err
		}
		if cr.post != nil {
			return cr.post(c)
		}
		return nil
	}}
}

// wblocks resolves the per-peer blocks of an Alltoallw buffer: counts in
// elements of per-peer datatypes, displacements in bytes. Blocks of
// non-contiguous datatypes are packed copies that the returned typedBufs
// unpack.
func (c *call) wblocks(ptr uint32, countsArg, displsArg, typesArg int, n int, what string) ([][]byte, []typedBuf, error) {
	counts, err := c.countInts(countsArg, n, what+" counts")
	if err != nil {
		return nil, nil, err
	}
	displs, err := c.countInts(displsArg, n, what+" displacements")
	if err != nil {
		return nil, nil, err
	}
	types, err := c.ints(c.u32(typesArg), n, what+" datatypes")
	if err != nil {
		return nil, nil, err
	}
	out := make([][]byte, n)
	tbs := make([]typedBuf, n)
	for i := 0; i < n; i++ {
		// Byte displacements may be negative; that of an empty block is
		// not significant.
		addr := int64(ptr) + int64(displs[i])
		if counts[i] == 0 {
			addr = int64(ptr)
		} else if addr < 0 || addr > math.MaxUint32 {
			return nil, nil, comm.Errorf(comm.ErrBuffer, "%s block for rank %d at displacement %d bytes from %#x lies outside the rank's memory", what, i, displs[i], ptr)
		}
		b, tb, err := c.buffer(uint32(addr), counts[i], uint32(types[i]), what)
		if err != nil {
			return nil, nil, err
		}
		out[i], tbs[i] = b, tb
	}
	return out, tbs, nil
}
