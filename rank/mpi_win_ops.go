package rank

import (
	"github.com/tetratelabs/wazero/api"

	"github.com/wasmpi/wasmpi/collective"
	"github.com/wasmpi/wasmpi/comm"
	"github.com/wasmpi/wasmpi/rank/abi"
	"github.com/wasmpi/wasmpi/rma"
)

// Data movement on windows: Put, Get, the accumulate family and
// compare-and-swap, blocking and request-based, with the large-count
// variants. The origin's buffer is described in its own memory, the target
// data by the displacement and the datatype the origin names (MPI-4.1
// §12.3: the target datatype is the origin's, applied to the target
// buffer); the engine copies straight between the two memories.

// rmaArgs are the argument positions of one data-movement function.
type rmaArgs struct {
	origin, ocount, odt int // origin buffer (-1: none)
	result, rcount, rdt int // result buffer (-1: none)
	compare             int // compare buffer of Compare_and_swap (-1: none)
	trank, tdisp        int
	tcount, tdt         int   // tcount -1: one element of odt
	op                  int   // -1: no operation
	win, req            int   // req -1: blocking
	n                   int   // number of parameters
	get                 bool  // Get/Rget: the data moves to the origin
	big                 bool  // the large-count variant
	counts              []int // positions of MPI_Count arguments when big
}

func (a rmaArgs) params() []api.ValueType {
	p := params(a.n)
	if a.big {
		for _, i := range a.counts {
			p[i] = i64
		}
	}
	return p
}

// countArg reads a count argument (MPI_Count in the large-count variants).
func (c *call) countArg(i int, big bool) int64 {
	if big {
		return c.i64(i)
	}
	return int64(c.int(i))
}

// rmaType resolves a committed datatype of an RMA call, flattened.
func (c *call) rmaType(h uint32, what string) (*comm.TypeMap, error) {
	d, err := c.datatype(h)
	if err != nil {
		return nil, err
	}
	if !d.committed {
		return nil, comm.Errorf(comm.ErrType, "the %s datatype has not been committed (call MPI_Type_commit first)", what)
	}
	if err := d.tm.Flatten(); err != nil {
		return nil, err
	}
	return d.tm, nil
}

// localLayout is count elements of datatype dt at ptr in the caller's
// memory.
func (c *call) localLayout(ptr uint32, count int64, dt uint32, what string) (rma.Layout, error) {
	if count < 0 {
		return rma.Layout{}, comm.Errorf(comm.ErrCount, "negative %s count %d", what, count)
	}
	tm, err := c.rmaType(dt, what)
	if err != nil {
		return rma.Layout{}, err
	}
	span, origin, err := typedSpan(c.mem, int64(ptr), count, tm, what+" buffer")
	if err != nil {
		return rma.Layout{}, err
	}
	return rma.Layout{Mem: span, Origin: origin, Type: tm, Count: count}, nil
}

// rmaOp runs one data-movement call described by a.
func (c *call) rmaOp(a rmaArgs) error {
	ws, err := c.win(c.u32(a.win))
	if err != nil {
		return err
	}
	if a.req >= 0 {
		if err := c.checkOut(c.u32(a.req), "request"); err != nil {
			return err
		}
	}
	op := collective.OpNull
	if a.op >= 0 {
		if op, err = c.op(c.u32(a.op)); err != nil {
			return err
		}
	}
	t, skip, err := ws.targetRank(c.int(a.trank))
	if err != nil {
		return err
	}
	if !skip {
		ws.mu.Lock()
		ok := ws.ep.canAccess(t)
		_, locked := ws.ep.locks[t]
		passive := locked || ws.ep.lockAll
		ws.mu.Unlock()
		if !ok {
			return syncErrorf("%s to rank %d outside an access epoch (start one with MPI_Win_fence, MPI_Win_lock, MPI_Win_lock_all or MPI_Win_start)", c.name, t)
		}
		if a.req >= 0 && !passive {
			// MPI-4.1 §12.3.5.
			return syncErrorf("%s to rank %d outside a passive-target epoch: request-based RMA operations need MPI_Win_lock or MPI_Win_lock_all", c.name, t)
		}
		if err := c.moveData(ws, a, t, op); err != nil {
			return rmaError(err)
		}
	}
	if a.req >= 0 {
		// The operation is complete at the origin and the target already.
		req := c.r.ep.NewGenericRequest()
		req.Complete(nil)
		return c.putI32(c.u32(a.req), int32(c.r.addCommRequest(req, ws.errView)), "request")
	}
	return nil
}

func (c *call) moveData(ws *winState, a rmaArgs, t int, op collective.Op) error {
	tgt := rma.Target{Rank: t, Disp: int64(c.int(a.tdisp))}
	if ws.flavor == abi.WinFlavorDynamic {
		// An absolute address: the upper half of a 4 GiB memory is a
		// negative MPI_Aint.
		tgt.Disp = int64(c.u32(a.tdisp))
	}
	if a.tcount >= 0 {
		tgt.Count = c.countArg(a.tcount, a.big)
		if tgt.Count < 0 {
			return comm.Errorf(comm.ErrCount, "negative target count %d", tgt.Count)
		}
		var err error
		if tgt.Type, err = c.rmaType(c.u32(a.tdt), "target"); err != nil {
			return err
		}
	} else {
		// Fetch_and_op and Compare_and_swap: one element of a predefined
		// type.
		d, err := c.datatype(c.u32(a.odt))
		if err != nil {
			return err
		}
		if !d.predefined() {
			return comm.Errorf(comm.ErrType, "%s takes a predefined datatype", c.name)
		}
		tgt.Type, tgt.Count = d.tm, 1
	}
	one := func(i int) int64 {
		if a.tcount < 0 {
			return 1
		}
		return c.countArg(i, a.big)
	}
	if a.compare >= 0 {
		return c.compareAndSwap(ws, a, tgt)
	}
	if op == collective.OpNull {
		origin, err := c.localLayout(c.u32(a.origin), one(a.ocount), c.u32(a.odt), "origin")
		if err != nil {
			return err
		}
		if a.get {
			return ws.eng.Get(tgt, origin)
		}
		return ws.eng.Put(tgt, origin)
	}
	// The accumulate family. With MPI_NO_OP the origin is ignored.
	origin := rma.Layout{Type: tgt.Type}
	if op != collective.OpNoOp {
		var err error
		if origin, err = c.localLayout(c.u32(a.origin), one(a.ocount), c.u32(a.odt), "origin"); err != nil {
			return err
		}
	}
	elem, ok := origin.Type.Elem()
	if origin.Bytes() == 0 {
		elem, ok = tgt.Type.Elem()
	}
	if !ok {
		return comm.Errorf(comm.ErrType, "%s: the datatypes must be built from a single predefined type", c.name)
	}
	var result *rma.Layout
	if a.result >= 0 {
		rdt := c.u32(a.odt)
		if a.rdt >= 0 {
			rdt = c.u32(a.rdt)
		}
		r, err := c.localLayout(c.u32(a.result), one(a.rcount), rdt, "result")
		if err != nil {
			return err
		}
		result = &r
	}
	return ws.eng.Accumulate(tgt, origin, elem, op, result)
}

func (c *call) compareAndSwap(ws *winState, a rmaArgs, tgt rma.Target) error {
	t, _ := tgt.Type.Predefined()
	if !collective.Allowed(collective.OpBand, t) && !collective.Allowed(collective.OpLand, t) {
		return comm.Errorf(comm.ErrType, "MPI_Compare_and_swap takes an integer, logical or byte datatype, not %v", t)
	}
	n := t.Size()
	origin, err := c.view(c.u32(a.origin), n, "origin_addr")
	if err != nil {
		return err
	}
	compare, err := c.view(c.u32(a.compare), n, "compare_addr")
	if err != nil {
		return err
	}
	result, err := c.out(c.u32(a.result), n, "result_addr")
	if err != nil {
		return err
	}
	return ws.eng.CompareAndSwap(tgt, t, origin, compare, result)
}

func winOpFunctions() []mpiFunc {
	var fs []mpiFunc
	add := func(name string, a rmaArgs) {
		fs = append(fs, mpiFunc{name: name, params: a.params(), fn: func(c *call) error { return c.rmaOp(a) }})
		if a.counts != nil {
			big := a
			big.big = true
			fs = append(fs, mpiFunc{name: name + "_c", params: big.params(), fn: func(c *call) error { return c.rmaOp(big) }})
		}
	}
	none := rmaArgs{origin: -1, ocount: -1, odt: -1, result: -1, rcount: -1, rdt: -1, compare: -1, op: -1, req: -1, tcount: -1, tdt: -1}
	// (origin_addr, origin_count, origin_datatype, target_rank, target_disp,
	// target_count, target_datatype, [op,] win [, request])
	putGet := none
	putGet.origin, putGet.ocount, putGet.odt, putGet.trank, putGet.tdisp, putGet.tcount, putGet.tdt, putGet.win, putGet.n = 0, 1, 2, 3, 4, 5, 6, 7, 8
	putGet.counts = []int{1, 5}
	get := putGet
	get.get = true
	add("MPI_Put", putGet)
	add("MPI_Get", get)
	rput, rget := putGet, get
	rput.req, rput.n = 8, 9
	rget.req, rget.n = 8, 9
	add("MPI_Rput", rput)
	add("MPI_Rget", rget)
	acc := putGet
	acc.op, acc.win, acc.n = 7, 8, 9
	add("MPI_Accumulate", acc)
	racc := acc
	racc.req, racc.n = 9, 10
	add("MPI_Raccumulate", racc)
	// (origin_addr, origin_count, origin_datatype, result_addr,
	// result_count, result_datatype, target_rank, target_disp,
	// target_count, target_datatype, op, win [, request])
	gacc := none
	gacc.origin, gacc.ocount, gacc.odt, gacc.result, gacc.rcount, gacc.rdt = 0, 1, 2, 3, 4, 5
	gacc.trank, gacc.tdisp, gacc.tcount, gacc.tdt, gacc.op, gacc.win, gacc.n = 6, 7, 8, 9, 10, 11, 12
	gacc.counts = []int{1, 4, 8}
	add("MPI_Get_accumulate", gacc)
	rgacc := gacc
	rgacc.req, rgacc.n = 12, 13
	add("MPI_Rget_accumulate", rgacc)
	// (origin_addr, result_addr, datatype, target_rank, target_disp, op, win)
	fop := none
	fop.origin, fop.result, fop.odt, fop.trank, fop.tdisp, fop.op, fop.win, fop.n = 0, 1, 2, 3, 4, 5, 6, 7
	add("MPI_Fetch_and_op", fop)
	// (origin_addr, compare_addr, result_addr, datatype, target_rank,
	// target_disp, win)
	cas := none
	cas.origin, cas.compare, cas.result, cas.odt, cas.trank, cas.tdisp, cas.win, cas.n = 0, 1, 2, 3, 4, 5, 6, 7
	add("MPI_Compare_and_swap", cas)
	return fs
}
