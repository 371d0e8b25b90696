package rank

import (
	"math"

	"github.com/wasmpi/wasmpi/comm"
	"github.com/wasmpi/wasmpi/rank/abi"
)

// User-defined reduction operations (MPI_Op_create) and the reductions
// that use them.
//
// The operation is a guest function, which may only run on the rank's own
// goroutine (guestcall.go), so the collective algorithms of package
// collective (which combine wherever data meets) cannot apply it. The
// reductions with a user operation therefore use simple algorithms of
// their own in which every combination happens on the goroutine of the
// rank that holds the data:
//
//   - Reduce: every rank sends its contribution to the root, which
//     combines them in rank order, ((x0 op x1) op x2) op ..., as the
//     standard requires for non-commutative operations (and does for
//     commutative ones too: one order, reproducible results).
//   - Allreduce, Reduce_scatter(_block): Reduce to rank 0, then rank 0
//     sends the result (or each rank's block) to every rank.
//   - Scan and Exscan: a chain; rank i receives the prefix of ranks
//     0..i-1 from rank i-1, combines its own value and passes the new
//     prefix on.
//   - Reduce_local: the operation is called on the guest's own buffers.
//
// The function gets its vectors in guest memory laid out with the user's
// datatype (holes and all), the element count in *len and the user's
// datatype handle in *datatype: the data moves between ranks packed and is
// unpacked into host-owned guest scratch memory (guestHeap) for the call.
// Messages travel on the communicator's collective context with tags far
// above the collective layer's (userOpTag) that carry the collective's
// sequence number. A rank that detects an error sends empty messages in
// place of data, and the ranks that receive them fail too, so no rank is
// left waiting.

// userOp is an operation made by MPI_Op_create(_c).
type userOp struct {
	fn      uint32 // table index of the function
	commute bool
	big     bool // MPI_Op_create_c: *len is an MPI_Count
}

func isUserOpHandle(h uint32) bool { return h >= opHandles.first && h <= opHandles.last }

func (c *call) userOp(h uint32) (*userOp, error) {
	c.r.ext.mu.Lock()
	o := c.r.ext.ops[h]
	c.r.ext.mu.Unlock()
	if o == nil {
		return nil, comm.Errorf(comm.ErrOp, "invalid operation handle %#x (freed?)", h)
	}
	return o, nil
}

func opFunctions() []mpiFunc {
	create := func(name string, big bool) mpiFunc {
		return mpiFunc{name: name, params: params(3), fn: func(c *call) error {
			// (user_fn, commute, op*)
			fn := c.u32(0)
			if err := c.checkGuestFunc(fn, sigUserOp); err != nil {
				return err
			}
			if err := c.checkOut(c.u32(2), "op"); err != nil {
				return err
			}
			x := &c.r.ext
			x.mu.Lock()
			if x.ops == nil {
				x.ops = map[uint32]*userOp{}
			}
			h, err := allocHandle(&x.opAlloc, opHandles, x.ops, &userOp{fn: fn, commute: c.int(1) != 0, big: big})
			x.mu.Unlock()
			if err != nil {
				return err
			}
			return c.putI32(c.u32(2), int32(h), "op")
		}}
	}
	return []mpiFunc{
		create("MPI_Op_create", false),
		create("MPI_Op_create_c", true),
		{name: "MPI_Op_free", params: params(1), fn: func(c *call) error {
			p := c.u32(0)
			h, err := c.getI32(p, "op")
			if err != nil {
				return err
			}
			if !isUserOpHandle(uint32(h)) {
				return comm.Errorf(comm.ErrOp, "operation %#x is not a user-defined operation (predefined operations cannot be freed)", h)
			}
			x := &c.r.ext
			x.mu.Lock()
			_, ok := x.ops[uint32(h)]
			delete(x.ops, uint32(h))
			x.mu.Unlock()
			if !ok {
				return comm.Errorf(comm.ErrOp, "invalid operation handle %#x (freed twice?)", h)
			}
			return c.putI32(p, int32(abi.OpNull), "op")
		}},
		{name: "MPI_Op_commutative", params: params(2), fn: func(c *call) error {
			h := c.u32(0)
			if isUserOpHandle(h) {
				o, err := c.userOp(h)
				if err != nil {
					return err
				}
				return c.putI32(c.u32(1), boolInt(o.commute), "commute")
			}
			if _, err := c.op(h); err != nil {
				return err
			}
			return c.putI32(c.u32(1), 1, "commute")
		}},
	}
}

// opHooks routes the blocking reductions to the user-operation algorithms
// when their op argument (always argument 4) is a user-defined operation.
func opHooks() map[string]hook {
	m := map[string]hook{}
	for name, impl := range map[string]func(*call) error{
		"MPI_Reduce":               (*call).userReduce,
		"MPI_Allreduce":            (*call).userAllreduce,
		"MPI_Reduce_local":         (*call).userReduceLocal,
		"MPI_Scan":                 func(c *call) error { return c.userScan(false) },
		"MPI_Exscan":               func(c *call) error { return c.userScan(true) },
		"MPI_Reduce_scatter_block": func(c *call) error { return c.userReduceScatter(true) },
		"MPI_Reduce_scatter":       func(c *call) error { return c.userReduceScatter(false) },
	} {
		impl := impl
		commArg := map[string]int{"MPI_Reduce": 6, "MPI_Reduce_local": -1}[name]
		if commArg == 0 {
			commArg = 5
		}
		m[name] = func(orig func(*call) error) func(*call) error {
			return func(c *call) error {
				if isUserOpHandle(c.u32(4)) && !c.onInterComm(commArg) {
					return impl(c)
				}
				// predefined operations, and intercommunicators
				// (inter_coll.go), whose reductions fold user-defined
				// operations in their post step
				return orig(c)
			}
		}
	}
	return m
}

// userRed is one reduction with a user-defined operation on one rank.
type userRed struct {
	c     *call
	op    *userOp
	dtH   uint32
	d     *dtype
	count int // elements of the datatype in one contribution
	size  int // packed bytes of one contribution

	sh  *comm.Comm // the collective shadow of the communicator
	seq uint64
	err error // the first local or propagated error
}

// userOpTag: far above the collective layer's tags and the runtime's
// internal tags (internalTag, 1<<40), with the collective's sequence
// number in the low bits so consecutive reductions stay apart.
func userOpTag(seq uint64, phase int) int { return 1<<42 | phase<<32 | int(uint32(seq)) }

// newUserRed resolves the operation and datatype; cs may be nil (local).
func (c *call) newUserRed(cs *commState, opH, dtH uint32, count int) (*userRed, error) {
	o, err := c.userOp(opH)
	if err != nil {
		return nil, err
	}
	d, err := c.datatype(dtH)
	if err != nil {
		return nil, err
	}
	if count < 0 {
		return nil, comm.Errorf(comm.ErrCount, "negative count %d", count)
	}
	if !d.committed {
		return nil, comm.Errorf(comm.ErrType, "the datatype has not been committed (call MPI_Type_commit before using it in communication)")
	}
	if err := d.tm.Flatten(); err != nil {
		return nil, err
	}
	if int64(count)*d.tm.Size() > math.MaxInt32 {
		return nil, comm.Errorf(comm.ErrCount, "count %d of a %d-byte datatype is larger than wasm32 memory", count, d.tm.Size())
	}
	u := &userRed{c: c, op: o, dtH: dtH, d: d, count: count, size: count * int(d.tm.Size())}
	if cs != nil {
		u.sh = cs.c.Collective()
		u.seq = u.sh.NextCollSeq()
	}
	return u, nil
}

func (u *userRed) fail(err error) {
	if u.err == nil && err != nil {
		u.err = err
	}
}

// send sends buf (nothing when the call is poisoned) to dest.
func (u *userRed) send(buf []byte, dest, phase int) error {
	if u.err != nil {
		buf = nil
	}
	return u.sh.Send(u.c.ctx, buf, dest, userOpTag(u.seq, phase), comm.ModeStandard)
}

// recv receives exactly len(buf) bytes from src; a shorter or longer
// message poisons the call. The error is a hard one (cancelled, stopped).
func (u *userRed) recv(buf []byte, src, phase int) error {
	r, err := u.sh.Irecv(buf, src, userOpTag(u.seq, phase))
	if err != nil {
		return err
	}
	st, err := u.sh.Endpoint().Wait(u.c.ctx, r)
	if err != nil {
		return err
	}
	switch {
	case st.Err != nil:
		u.fail(comm.Errorf(comm.ErrTruncate, "%s: rank %d sent more than the %d bytes expected (the ranks passed different counts or datatypes)", u.c.name, src, len(buf)))
	case st.Bytes != len(buf):
		u.fail(comm.Errorf(comm.ErrOther, "%s: rank %d sent %d bytes where %d were expected (the ranks passed different counts or datatypes, or rank %d failed)", u.c.name, src, st.Bytes, len(buf), src))
	}
	return nil
}

// guestVector is count elements of the datatype in host-owned guest
// memory: base is the address the guest function gets.
type guestVector struct {
	region uint32
	base   int64
}

func (u *userRed) allocVector(count int) (guestVector, error) {
	lo, hi, ok := u.d.tm.Span(int64(count))
	if !ok {
		return guestVector{}, comm.Errorf(comm.ErrCount, "%d elements of the datatype span more than wasm32 memory", count)
	}
	n := hi - lo
	if n > math.MaxInt32 {
		return guestVector{}, comm.Errorf(comm.ErrNoMem, "%d elements of the datatype span %d bytes", count, n)
	}
	a, err := u.c.scratch(uint32(max(n, 1)))
	if err != nil {
		return guestVector{}, err
	}
	v := guestVector{region: a, base: int64(a) - lo}
	if v.base < 0 || v.base > math.MaxUint32 {
		u.c.freeScratch(a)
		return guestVector{}, comm.Errorf(comm.ErrNoMem, "the datatype's lower bound %d does not fit the scratch memory at %#x", lo, a)
	}
	return v, nil
}

func (u *userRed) put(v guestVector, count int, packed []byte) error {
	return writeTyped(u.c.mem, v.base, int64(count), u.d.tm, packed)
}

func (u *userRed) get(v guestVector, count int, packed []byte) error {
	if len(packed) == 0 {
		return nil
	}
	span, origin, err := typedSpan(u.c.mem, v.base, int64(count), u.d.tm, "scratch")
	if err != nil {
		return err
	}
	u.d.tm.Pack(packed, span, origin, int64(count))
	return nil
}

// apply calls the operation: inout = in op inout, count elements at the
// guest addresses in and inout.
func (u *userRed) apply(in, inout uint32, count int) error {
	if count == 0 {
		return nil
	}
	args, err := u.c.scratch(16)
	if err != nil {
		return err
	}
	defer u.c.freeScratch(args)
	lenPtr, dtPtr := args, args+8
	if u.op.big {
		u.c.mem.WriteUint64Le(lenPtr, uint64(count))
	} else {
		u.c.mem.WriteUint32Le(lenPtr, uint32(count))
	}
	u.c.mem.WriteUint32Le(dtPtr, u.dtH)
	u.c.callGuest(u.op.fn, sigUserOp, uint64(in), uint64(inout), uint64(lenPtr), uint64(dtPtr))
	return nil
}

// fold combines the packed contributions next(0), next(1), ... next(n-1)
// (each u.size bytes, count elements) in that order and returns the packed
// result: ((x0 op x1) op x2) ... next may return nil for a poisoned
// contribution (the fold then stops combining but goes on calling next so
// that every message is received). A hard error ends it at once.
func (u *userRed) fold(n, count int, next func(i int, buf []byte) error, out []byte) error {
	size := count * int(u.d.tm.Size())
	var acc, x guestVector
	var err error
	if u.err == nil && size > 0 {
		if acc, err = u.allocVector(count); err != nil {
			u.fail(err)
		} else {
			defer u.c.freeScratch(acc.region)
			if x, err = u.allocVector(count); err != nil {
				u.fail(err)
			} else {
				defer u.c.freeScratch(x.region)
			}
		}
	}
	buf := make([]byte, size)
	for i := 0; i < n; i++ {
		if err := next(i, buf); err != nil {
			return err
		}
		if u.err != nil || size == 0 {
			continue
		}
		if i == 0 {
			u.fail(u.put(acc, count, buf))
			continue
		}
		u.fail(u.put(x, count, buf))
		if u.err == nil {
			u.fail(u.apply(uint32(acc.base), uint32(x.base), count))
			acc, x = x, acc
		}
	}
	if u.err == nil && size > 0 {
		u.fail(u.get(acc, count, out))
	}
	return nil
}

// reduceToRoot reduces the contributions (own is this rank's, u.size
// bytes) at root into out (u.size bytes, only at root).
func (u *userRed) reduceToRoot(own, out []byte, root int) error {
	me, n := u.sh.Rank(), u.sh.Size()
	if me != root {
		return u.send(own, root, 0)
	}
	return u.fold(n, u.count, func(i int, buf []byte) error {
		if i == me {
			copy(buf, own)
			return nil
		}
		return u.recv(buf, i, 0)
	}, out)
}

// contribution resolves the send buffer (or the receive buffer with
// MPI_IN_PLACE) as packed bytes.
func (c *call) contribution(sp, rp uint32, count int, dt uint32) ([]byte, error) {
	p := sp
	if inPlace(sp) {
		p = rp
	}
	b, _, err := c.buffer(p, count, dt, "send buffer")
	return b, err
}

func (c *call) userReduce() error {
	// (sendbuf, recvbuf, count, datatype, op, root, comm)
	cs, err := c.comm(c.u32(6))
	if err != nil {
		return err
	}
	root := c.int(5)
	if root < 0 || root >= cs.c.Size() {
		return comm.Errorf(comm.ErrRoot, "invalid root %d (communicator size %d)", root, cs.c.Size())
	}
	isRoot := root == cs.c.Rank()
	u, err := c.newUserRed(cs, c.u32(4), c.u32(3), c.int(2))
	if err != nil {
		return err
	}
	var own, recv []byte
	var rt typedBuf
	if inPlace(c.u32(0)) && !isRoot {
		u.fail(comm.Errorf(comm.ErrBuffer, "MPI_IN_PLACE is only allowed at the root"))
	}
	if isRoot && u.err == nil {
		recv, rt, err = c.buffer(c.u32(1), u.count, u.dtH, "receive buffer")
		u.fail(err)
	}
	if u.err == nil {
		own, err = c.contribution(c.u32(0), c.u32(1), u.count, u.dtH)
		u.fail(err)
	}
	out := make([]byte, u.size)
	if err := u.reduceToRoot(own, out, root); err != nil {
		return err
	}
	if u.err != nil || !isRoot {
		return u.err
	}
	copy(recv, out)
	return rt.unpack(recv)
}

func (c *call) userAllreduce() error {
	// (sendbuf, recvbuf, count, datatype, op, comm)
	cs, err := c.comm(c.u32(5))
	if err != nil {
		return err
	}
	u, err := c.newUserRed(cs, c.u32(4), c.u32(3), c.int(2))
	if err != nil {
		return err
	}
	recv, rt, err := c.buffer(c.u32(1), u.count, u.dtH, "receive buffer")
	u.fail(err)
	var own []byte
	if u.err == nil {
		own, err = c.contribution(c.u32(0), c.u32(1), u.count, u.dtH)
		u.fail(err)
	}
	out := make([]byte, u.size)
	if err := u.reduceToRoot(own, out, 0); err != nil {
		return err
	}
	if err := u.spread(out, func(int) (int, int) { return 0, u.size }); err != nil {
		return err
	}
	if u.err != nil {
		return u.err
	}
	copy(recv, out[:len(recv)])
	return rt.unpack(recv)
}

// spread sends each rank its block [off, off+n) of data from rank 0 (data
// holds the whole result there); the other ranks receive their block into
// data[:n].
func (u *userRed) spread(data []byte, block func(r int) (off, n int)) error {
	me, n := u.sh.Rank(), u.sh.Size()
	if me == 0 {
		for r := 1; r < n; r++ {
			off, k := block(r)
			if err := u.send(data[off:off+k], r, 1); err != nil {
				return err
			}
		}
		return nil
	}
	_, k := block(me)
	return u.recv(data[:k], 0, 1)
}

func (c *call) userReduceLocal() error {
	// (inbuf, inoutbuf, count, datatype, op): the buffers are already in
	// guest memory, laid out as the function expects.
	u, err := c.newUserRed(nil, c.u32(4), c.u32(3), c.int(2))
	if err != nil {
		return err
	}
	if u.size == 0 {
		return nil
	}
	for _, a := range []struct {
		p    uint32
		what string
	}{{c.u32(0), "input buffer"}, {c.u32(1), "input/output buffer"}} {
		if inPlace(a.p) {
			return comm.Errorf(comm.ErrBuffer, "MPI_IN_PLACE is not allowed for the %s of MPI_Reduce_local", a.what)
		}
		if _, _, err := typedSpan(c.mem, int64(a.p), int64(u.count), u.d.tm, a.what); err != nil {
			return err
		}
	}
	return u.apply(c.u32(0), c.u32(1), u.count)
}

// userScan is MPI_Scan (inclusive) or MPI_Exscan along the chain of ranks.
func (c *call) userScan(exclusive bool) error {
	// (sendbuf, recvbuf, count, datatype, op, comm)
	cs, err := c.comm(c.u32(5))
	if err != nil {
		return err
	}
	u, err := c.newUserRed(cs, c.u32(4), c.u32(3), c.int(2))
	if err != nil {
		return err
	}
	recv, rt, err := c.buffer(c.u32(1), u.count, u.dtH, "receive buffer")
	u.fail(err)
	own := make([]byte, u.size)
	if u.err == nil {
		b, err := c.contribution(c.u32(0), c.u32(1), u.count, u.dtH)
		u.fail(err)
		copy(own, b)
	}
	me, n := u.sh.Rank(), u.sh.Size()
	prefix := make([]byte, u.size) // op of ranks 0..me-1
	next := make([]byte, u.size)   // op of ranks 0..me
	if me == 0 {
		copy(next, own)
	} else {
		if err := u.recv(prefix, me-1, 0); err != nil {
			return err
		}
		if err := u.fold(2, u.count, func(i int, buf []byte) error {
			if i == 0 {
				copy(buf, prefix)
			} else {
				copy(buf, own)
			}
			return nil
		}, next); err != nil {
			return err
		}
	}
	if me+1 < n {
		if err := u.send(next, me+1, 0); err != nil {
			return err
		}
	}
	if u.err != nil {
		return u.err
	}
	switch {
	case !exclusive:
		copy(recv, next)
	case me > 0:
		copy(recv, prefix)
	default:
		// MPI_Exscan leaves rank 0's receive buffer undefined: untouched.
		return nil
	}
	return rt.unpack(recv)
}

// userReduceScatter is MPI_Reduce_scatter_block (block) or
// MPI_Reduce_scatter: reduce the whole vector to rank 0, then send every
// rank its block.
func (c *call) userReduceScatter(block bool) error {
	// (sendbuf, recvbuf, recvcount or recvcounts[], datatype, op, comm)
	cs, err := c.comm(c.u32(5))
	if err != nil {
		return err
	}
	n := cs.c.Size()
	var counts []int
	if block {
		k := c.int(2)
		if k < 0 {
			return comm.Errorf(comm.ErrCount, "negative recvcount %d", k)
		}
		counts = make([]int, n)
		for i := range counts {
			counts[i] = k
		}
	} else if counts, err = c.countInts(2, n, "recvcounts"); err != nil {
		return err
	}
	total := 0
	for i, k := range counts {
		if k < 0 {
			return comm.Errorf(comm.ErrCount, "recvcounts[%d] = %d is negative", i, k)
		}
		total += k
		if total > math.MaxInt32 {
			return comm.Errorf(comm.ErrCount, "the recvcounts add up to more than wasm32 memory")
		}
	}
	u, err := c.newUserRed(cs, c.u32(4), c.u32(3), total)
	if err != nil {
		return err
	}
	me := cs.c.Rank()
	esize := int(u.d.tm.Size())
	var own, recv []byte
	var rt typedBuf
	if inPlace(c.u32(0)) {
		// The whole vector is in the receive buffer; the result block goes
		// at its start.
		own, _, err = c.buffer(c.u32(1), total, u.dtH, "receive buffer")
		u.fail(err)
		if u.err == nil {
			recv, rt, err = c.buffer(c.u32(1), counts[me], u.dtH, "receive buffer")
			u.fail(err)
		}
	} else {
		own, _, err = c.buffer(c.u32(0), total, u.dtH, "send buffer")
		u.fail(err)
		if u.err == nil {
			recv, rt, err = c.buffer(c.u32(1), counts[me], u.dtH, "receive buffer")
			u.fail(err)
		}
	}
	out := make([]byte, u.size)
	if err := u.reduceToRoot(own, out, 0); err != nil {
		return err
	}
	offs := make([]int, n)
	for i := 1; i < n; i++ {
		offs[i] = offs[i-1] + counts[i-1]*esize
	}
	if err := u.spread(out, func(r int) (int, int) { return offs[r], counts[r] * esize }); err != nil {
		return err
	}
	if u.err != nil {
		return u.err
	}
	if me == 0 {
		copy(recv, out[:counts[0]*esize])
	} else {
		copy(recv, out[:counts[me]*esize])
	}
	return rt.unpack(recv)
}
