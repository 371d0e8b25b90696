package rank

import (
	"errors"
	"fmt"
	"sync"

	"github.com/wasmpi/wasmpi/comm"
	"github.com/wasmpi/wasmpi/rank/abi"
	"github.com/wasmpi/wasmpi/rma"
)

// One-sided communication (MPI-4.1 chapter 12): windows, their attributes,
// names, info and error handlers, and their creation and freeing. The
// synchronisation calls are in mpi_win_sync.go, the data movement in
// mpi_win_ops.go; the engine is package rma.
//
// A window is created collectively: every rank of the communicator joins
// the job's rma.Registry under a key naming this creation (the
// communicator's context id and members and how many windows this rank
// created on it before, which every member counts alike) with the view of
// its window memory, and gets the shared engine back. Ranks are separate
// wasm memories, so a shared-memory window (MPI_Win_allocate_shared) can be
// load/store accessible only when the communicator has one rank.
//
// Errors of a call that names a window go to the window's error handler
// (MPI_ERRORS_ARE_FATAL unless set): the window carries a commState of its
// own (errView) whose handle is the window handle, which call.result uses
// like a communicator's.

// winState is a window handle of one rank.
type winState struct {
	handle uint32
	eng    rma.Engine
	// cs is the communicator the window was created on, group the
	// window's group (world ranks), rank the caller's rank in it.
	cs    *commState
	group *comm.Group
	rank  int

	flavor   int32
	base     uint32 // guest address of the local window (0 for dynamic)
	size     int64
	dispUnit int64
	// allocated is the heap block of MPI_Win_allocate(_shared) memory,
	// freed with the window (0 for none).
	allocated uint32
	// attrVals is guest memory holding the values the predefined
	// attributes point to: size, disp_unit, create_flavor, model.
	attrVals uint32
	errView  *commState

	mu    sync.Mutex
	name  string
	hints *infoObj
	ep    epochs
}

// epochs is the caller's synchronisation state on a window.
type epochs struct {
	fence   bool         // a fence opened an access/exposure epoch
	locks   map[int]bool // targets locked by this rank: exclusive?
	lockAll bool
	// PSCW: the targets of the access epoch (Start to Complete) and the
	// origins of the exposure epoch (Post to Wait/Test), window ranks
	accessGroup, exposeGroup []int
	accessing, exposing      bool
}

// winTable is a rank's windows.
type winTable struct {
	mu    sync.Mutex
	m     map[uint32]*winState
	alloc handleAlloc
	// creations counts window creations per communicator (see the key in
	// createWindow).
	creations map[string]uint64
}

func (t *winTable) lookup(h uint32) *winState {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.m[h]
}

// win resolves a window handle and makes its error handler the one that
// applies to this call.
func (c *call) win(h uint32) (*winState, error) {
	ws := c.r.wins.lookup(h)
	if ws == nil {
		if h == abi.WinNull {
			return nil, comm.Errorf(comm.ErrWin, "MPI_WIN_NULL is not a valid window here")
		}
		return nil, comm.Errorf(comm.ErrWin, "invalid window handle %s", describeHandle(h, "window"))
	}
	c.errComm = ws.errView
	return ws, nil
}

// rmaError turns an engine error into the MPI error class it stands for.
func rmaError(err error) error {
	var re *rma.Error
	if !errors.As(err, &re) {
		return err
	}
	switch re.Kind {
	case rma.ErrRange:
		return codeErrorf(abi.ErrRMARange, "%s (MPI_ERR_RMA_RANGE)", re.Msg)
	case rma.ErrSync:
		return codeErrorf(abi.ErrRMASync, "%s (MPI_ERR_RMA_SYNC)", re.Msg)
	case rma.ErrAttach:
		return codeErrorf(abi.ErrRMAAttach, "%s (MPI_ERR_RMA_ATTACH)", re.Msg)
	}
	return err
}

func syncErrorf(format string, args ...any) error {
	return codeErrorf(abi.ErrRMASync, "%s (MPI_ERR_RMA_SYNC)", fmt.Sprintf(format, args...))
}

// windowComm resolves the communicator of a window creation: an
// intracommunicator.
func (c *call) windowComm(h uint32) (*commState, error) {
	cs, err := c.comm(h)
	if err != nil {
		return nil, err
	}
	c.r.mu.Lock()
	inter := c.r.inter[h] != nil
	c.r.mu.Unlock()
	if inter {
		return nil, comm.Errorf(comm.ErrComm, "windows cannot be created on an intercommunicator")
	}
	return cs, nil
}

// createWindow joins the creation of a window on cs with the local memory
// [base, base+size) and registers the handle. allocated is heap memory the
// window owns.
func (c *call) createWindow(cs *commState, flavor int32, base uint32, size, dispUnit int64, allocated uint32, infoH, out uint32) error {
	member := rma.Member{DispUnit: dispUnit, Dynamic: flavor == abi.WinFlavorDynamic}
	if size > 0 {
		b, err := c.view(base, int(size), "window memory")
		if err != nil {
			return err
		}
		member.Region = rma.Region{Base: uint64(base), Mem: b}
	}
	var hints *infoObj
	if infoH != abi.InfoNull {
		o, err := c.infoRead(infoH)
		if err != nil {
			return err
		}
		hints = o.dup()
	}
	attrVals, err := c.scratch(16)
	if err != nil {
		return err
	}
	cc := cs.c
	ranks := make([]int, cc.Size())
	for i := range ranks {
		ranks[i] = cc.WorldRank(i)
	}
	commKey := fmt.Sprintf("%d%v", cc.Context(), ranks)
	t := &c.r.wins
	t.mu.Lock()
	if t.creations == nil {
		t.creations = map[string]uint64{}
	}
	seq := t.creations[commKey]
	t.creations[commKey]++
	t.mu.Unlock()
	eng, err := c.r.job.windows.Join(c.r.job.world.Context(), fmt.Sprintf("%s#%d", commKey, seq), cc.Size(), cc.Rank(), member)
	if err != nil {
		c.freeScratch(attrVals)
		return err
	}
	ws := &winState{
		eng: eng, cs: cs, group: cc.Group(), rank: cc.Rank(),
		flavor: flavor, base: base, size: size, dispUnit: dispUnit,
		allocated: allocated, attrVals: attrVals, hints: hints,
	}
	for i, v := range []int32{int32(size), int32(dispUnit), flavor, abi.WinUnified} {
		c.mem.WriteUint32Le(attrVals+4*uint32(i), uint32(v))
	}
	t.mu.Lock()
	if t.m == nil {
		t.m = map[uint32]*winState{}
	}
	h, err := allocHandle(&t.alloc, winHandles, t.m, ws)
	t.mu.Unlock()
	if err != nil {
		return err
	}
	ws.handle = h
	ws.errView = &commState{handle: h, errhandler: abi.ErrorsAreFatal}
	return c.putI32(out, int32(h), "win")
}

// creationArgs checks the size and displacement unit of a creation.
func creationArgs(size, dispUnit int) error {
	if size < 0 {
		return codeErrorf(abi.ErrSize, "negative window size %d (MPI_ERR_SIZE)", size)
	}
	if dispUnit <= 0 {
		return codeErrorf(abi.ErrDisp, "displacement unit %d is not positive (MPI_ERR_DISP)", dispUnit)
	}
	return nil
}

// allocWindow is MPI_Win_allocate and MPI_Win_allocate_shared:
// (size, disp_unit, info, comm, baseptr, win).
func allocWindow(name string, flavor int32) mpiFunc {
	return mpiFunc{name: name, params: params(6), fn: func(c *call) error {
		cs, err := c.windowComm(c.u32(3))
		if err != nil {
			return err
		}
		size, du := c.int(0), c.int(1)
		if err := creationArgs(size, du); err != nil {
			return err
		}
		if flavor == abi.WinFlavorShared && cs.c.Size() > 1 {
			return comm.Errorf(comm.ErrUnsupportedOperation,
				"a shared-memory window over %d ranks is not supported: every rank is a separate wasm memory, so one rank cannot load or store another's window (MPI_Win_allocate_shared works on a communicator of one rank; use MPI_Win_allocate with MPI_Put/MPI_Get instead)", cs.c.Size())
		}
		if err := c.checkInfo(c.u32(2)); err != nil {
			return err
		}
		if err := c.checkOut(c.u32(4), "baseptr"); err != nil {
			return err
		}
		if err := c.checkOut(c.u32(5), "win"); err != nil {
			return err
		}
		var base uint32
		if size > 0 {
			if base, err = c.r.ext.heap.alloc(c.mem, uint32(size)); err != nil {
				return err
			}
		}
		if err := c.createWindow(cs, flavor, base, int64(size), int64(du), base, c.u32(2), c.u32(5)); err != nil {
			if base != 0 {
				c.r.ext.heap.release(base)
			}
			return err
		}
		return c.putI32(c.u32(4), int32(base), "baseptr")
	}}
}

func createWin(name string) mpiFunc {
	// (base, size, disp_unit, info, comm, win)
	return mpiFunc{name: name, params: params(6), fn: func(c *call) error {
		cs, err := c.windowComm(c.u32(4))
		if err != nil {
			return err
		}
		size, du := c.int(1), c.int(2)
		if err := creationArgs(size, du); err != nil {
			return err
		}
		if err := c.checkInfo(c.u32(3)); err != nil {
			return err
		}
		if err := c.checkOut(c.u32(5), "win"); err != nil {
			return err
		}
		return c.createWindow(cs, abi.WinFlavorCreate, c.u32(0), int64(size), int64(du), 0, c.u32(3), c.u32(5))
	}}
}

// freeWindow is MPI_Win_free: collective, after every epoch of the caller
// has ended.
func (c *call) freeWindow(ptr uint32) error {
	h, err := c.getI32(ptr, "win")
	if err != nil {
		return err
	}
	ws, err := c.win(uint32(h))
	if err != nil {
		return err
	}
	ws.mu.Lock()
	e := ws.ep
	ws.mu.Unlock()
	switch {
	case len(e.locks) > 0 || e.lockAll:
		return syncErrorf("the window is freed while this rank still holds a lock on it (call MPI_Win_unlock first)")
	case e.accessing:
		return syncErrorf("the window is freed inside an access epoch (call MPI_Win_complete first)")
	case e.exposing:
		return syncErrorf("the window is freed inside an exposure epoch (call MPI_Win_wait first)")
	}
	if err := c.deleteAll(attrWin, ws.handle); err != nil {
		return err
	}
	if err := ws.eng.Free(c.r.job.world.Context()); err != nil {
		return err
	}
	t := &c.r.wins
	t.mu.Lock()
	delete(t.m, ws.handle)
	t.mu.Unlock()
	if ws.allocated != 0 {
		c.r.ext.heap.release(ws.allocated)
	}
	c.freeScratch(ws.attrVals)
	return c.putI32(ptr, int32(abi.WinNull), "win")
}

// attrWin is the attribute kind of windows. Window attributes live in the
// communicator table (attrTable): window handles have a range of their
// own, so they never meet a communicator's.
const attrWin attrKind = 2

// winGetAttr is MPI_Win_get_attr, the predefined window attributes
// included.
func (c *call) winGetAttr(ws *winState, k int32, valPtr, flagPtr uint32) error {
	if k < abi.WinBase || k > abi.WinModel {
		return c.getAttr(attrWin, ws.handle, k, valPtr, flagPtr)
	}
	if err := c.checkOut(flagPtr, "flag"); err != nil {
		return err
	}
	// MPI_WIN_BASE is the base address itself; the others point to their
	// value (an MPI_Aint for the size, ints for the rest).
	var v uint32
	switch k {
	case abi.WinBase:
		v = ws.base
	case abi.WinSize:
		v = ws.attrVals
	case abi.WinDispUnit:
		v = ws.attrVals + 4
	case abi.WinCreateFlavor:
		v = ws.attrVals + 8
	case abi.WinModel:
		v = ws.attrVals + 12
	}
	if err := c.putI32(valPtr, int32(v), "attribute_val"); err != nil {
		return err
	}
	return c.putI32(flagPtr, 1, "flag")
}

// winFunc makes a function whose argument idx is the window.
func winFunc(name string, n, idx int, f func(c *call, ws *winState) error) mpiFunc {
	return mpiFunc{name: name, params: params(n), fn: func(c *call) error {
		ws, err := c.win(c.u32(idx))
		if err != nil {
			return err
		}
		return f(c, ws)
	}}
}

// findFunc returns the function called name in fs.
func findFunc(fs []mpiFunc, name string) mpiFunc {
	for _, f := range fs {
		if f.name == name {
			return f
		}
	}
	panic("rank: no function " + name)
}

func winFunctions() []mpiFunc {
	fs := []mpiFunc{
		createWin("MPI_Win_create"),
		createWin("MPI_Win_create_c"),
		allocWindow("MPI_Win_allocate", abi.WinFlavorAllocate),
		allocWindow("MPI_Win_allocate_c", abi.WinFlavorAllocate),
		allocWindow("MPI_Win_allocate_shared", abi.WinFlavorShared),
		allocWindow("MPI_Win_allocate_shared_c", abi.WinFlavorShared),
		{name: "MPI_Win_create_dynamic", params: params(3), fn: func(c *call) error {
			cs, err := c.windowComm(c.u32(1))
			if err != nil {
				return err
			}
			if err := c.checkInfo(c.u32(0)); err != nil {
				return err
			}
			if err := c.checkOut(c.u32(2), "win"); err != nil {
				return err
			}
			return c.createWindow(cs, abi.WinFlavorDynamic, 0, 0, 1, 0, c.u32(0), c.u32(2))
		}},
		winFunc("MPI_Win_attach", 3, 0, func(c *call, ws *winState) error {
			size := c.int(2)
			if size < 0 {
				return codeErrorf(abi.ErrSize, "negative size %d (MPI_ERR_SIZE)", size)
			}
			b, err := c.view(c.u32(1), size, "base")
			if err != nil {
				return err
			}
			return rmaError(ws.eng.Attach(ws.rank, rma.Region{Base: uint64(c.u32(1)), Mem: b}))
		}),
		winFunc("MPI_Win_detach", 2, 0, func(c *call, ws *winState) error {
			return rmaError(ws.eng.Detach(ws.rank, uint64(c.u32(1))))
		}),
		{name: "MPI_Win_free", params: params(1), fn: func(c *call) error { return c.freeWindow(c.u32(0)) }},
		winFunc("MPI_Win_shared_query", 5, 0, winSharedQuery),
		winFunc("MPI_Win_shared_query_c", 5, 0, winSharedQuery),
		winFunc("MPI_Win_get_group", 2, 0, func(c *call, ws *winState) error {
			return c.putGroup(c.u32(1), ws.group)
		}),
		{name: "MPI_Win_create_keyval", params: params(4), fn: func(c *call) error {
			return c.createKeyval(attrWin, c.u32(0), c.u32(1), c.u32(2), c.u32(3))
		}},
		{name: "MPI_Win_free_keyval", params: params(1), fn: func(c *call) error {
			return c.freeKeyval(attrWin, c.u32(0))
		}},
		winFunc("MPI_Win_set_attr", 3, 0, func(c *call, ws *winState) error {
			return c.setAttr(attrWin, ws.handle, int32(c.int(1)), c.u32(2))
		}),
		winFunc("MPI_Win_get_attr", 4, 0, func(c *call, ws *winState) error {
			return c.winGetAttr(ws, int32(c.int(1)), c.u32(2), c.u32(3))
		}),
		winFunc("MPI_Win_delete_attr", 2, 0, func(c *call, ws *winState) error {
			return c.deleteAttr(attrWin, ws.handle, int32(c.int(1)))
		}),
		winFunc("MPI_Win_set_name", 2, 0, func(c *call, ws *winState) error {
			s, err := c.cstring(c.u32(1), abi.MaxObjectName, "win_name")
			if err != nil {
				return err
			}
			if len(s) >= abi.MaxObjectName {
				return comm.Errorf(comm.ErrArg, "window name longer than MPI_MAX_OBJECT_NAME-1 (%d) characters", abi.MaxObjectName-1)
			}
			ws.mu.Lock()
			ws.name = s
			ws.mu.Unlock()
			return nil
		}),
		winFunc("MPI_Win_get_name", 3, 0, func(c *call, ws *winState) error {
			ws.mu.Lock()
			s := ws.name
			ws.mu.Unlock()
			return c.putString(c.u32(1), abi.MaxObjectName, c.u32(2), s, "win_name")
		}),
		winFunc("MPI_Win_set_info", 2, 0, func(c *call, ws *winState) error {
			o, err := c.infoRead(c.u32(1))
			if err != nil && c.u32(1) != abi.InfoNull {
				return err
			}
			ws.mu.Lock()
			if ws.hints == nil {
				ws.hints = newInfo()
			}
			if o != nil {
				for _, k := range o.keys {
					ws.hints.set(k, o.vals[k])
				}
			}
			ws.mu.Unlock()
			return nil
		}),
		winFunc("MPI_Win_get_info", 2, 0, func(c *call, ws *winState) error {
			ws.mu.Lock()
			d := newInfo()
			if ws.hints != nil {
				d = ws.hints.dup()
			}
			ws.mu.Unlock()
			return c.addInfo(d, c.u32(1))
		}),
		{name: "MPI_Win_create_errhandler", params: params(2), fn: findFunc(errhFunctions(), "MPI_Comm_create_errhandler").fn},
		winFunc("MPI_Win_set_errhandler", 2, 0, func(c *call, ws *winState) error {
			return c.setErrhandler(ws.errView, c.u32(1))
		}),
		winFunc("MPI_Win_get_errhandler", 2, 0, func(c *call, ws *winState) error {
			return c.getErrhandler(ws.errView, c.u32(1))
		}),
		winFunc("MPI_Win_call_errhandler", 2, 0, func(c *call, ws *winState) error {
			return c.callErrhandler(ws.errView, int32(c.int(1)))
		}),
	}
	fs = append(fs, winSyncFunctions()...)
	return append(fs, winOpFunctions()...)
}

// winSharedQuery is MPI_Win_shared_query(win, rank, size, disp_unit,
// baseptr).
func winSharedQuery(c *call, ws *winState) error {
	if ws.flavor != abi.WinFlavorShared {
		return codeErrorf(abi.ErrRMAFlavor, "MPI_Win_shared_query needs a window made by MPI_Win_allocate_shared (MPI_ERR_RMA_FLAVOR)")
	}
	r := c.int(1)
	if int32(r) == abi.ProcNull {
		// The lowest rank with a nonzero size (only this rank exists).
		r = ws.rank
	}
	if r < 0 || r >= ws.eng.Size() {
		return comm.Errorf(comm.ErrRank, "invalid rank %d (the window has %d ranks)", r, ws.eng.Size())
	}
	m := ws.eng.Member(r)
	if err := c.putI32(c.u32(2), int32(len(m.Mem)), "size"); err != nil {
		return err
	}
	if err := c.putI32(c.u32(3), int32(m.DispUnit), "disp_unit"); err != nil {
		return err
	}
	return c.putI32(c.u32(4), int32(m.Base), "baseptr")
}
