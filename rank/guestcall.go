package rank

import (
	"errors"
	"fmt"
	"sort"
	"sync"

	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental/table"

	"github.com/wasmpi/wasmpi/comm"
	"github.com/wasmpi/wasmpi/rank/abi"
)

// Calling guest functions from the host, and guest memory the host owns.
//
// # Guest function pointers
//
// A C function pointer on wasm32 is an index into the module's function
// table (mpicc links with --export-table). MPI objects that carry user
// callbacks (reduction operations, attribute copy/delete functions, error
// handlers) store the index; the host calls it through
// experimental/table.LookupFunction with the exact wasm signature of the C
// prototype. A looked-up function is cached per instance, index and
// signature (1.1 µs to look up, 18 ns cached: DESIGN.md). A wazero
// api.Function must not be re-entered while it runs (a callback that ends
// up calling the same callback again), so a cached one in use is not handed
// out twice: the nested call gets a fresh lookup.
//
// Callbacks always run on the goroutine of the MPI call that needs them,
// inside the instance that made the call (its own OpenMP thread instance
// included), never from another rank's goroutine: a wazero instance must
// not be entered from two goroutines at once.
//
// # Guest scratch memory (guestHeap)
//
// The callbacks dereference pointers (the two vectors of a reduction, the
// len and datatype arguments, the attribute out-value and flag, the
// communicator and error code of an error handler), so those must be in
// the guest's linear memory. mpicc does not export malloc (the guest's
// allocator cannot be called from the host), and the C shadow stack is only
// 8 MiB, too small for reduction vectors. So the host owns part of linear
// memory: it grows the memory itself (memory.grow, like the guest's sbrk
// does) and manages the pages it got with a first-fit free list. The
// guest's allocator never hands out those pages: wasi-libc's sbrk returns
// the old end of memory, which lies after every host region, and dlmalloc
// starts a new segment when the memory it gets does not continue its last
// one. MPI_Alloc_mem uses the same heap. Host regions are never returned
// to the guest; blocks freed into the heap are reused by the next host
// allocation.

// Signatures of the guest callbacks.
type guestSig int

const (
	// void MPI_User_function(void *invec, void *inoutvec, int *len, MPI_Datatype *dt)
	sigUserOp guestSig = iota
	// int copy_fn(MPI_Comm oldcomm, int keyval, void *extra_state, void *val_in, void *val_out, int *flag)
	sigCopyAttr
	// int delete_fn(MPI_Comm comm, int keyval, void *attribute_val, void *extra_state)
	sigDeleteAttr
	// void errhandler(MPI_Comm *comm, int *error_code, ...): the variadic
	// tail is one i32 (a pointer to the packed extra arguments).
	sigErrhandlerVarargs
	// the same handler declared without "...", which C programs do too
	sigErrhandler
	numGuestSigs
)

var guestSigs = [numGuestSigs]struct{ params, results []api.ValueType }{
	sigUserOp:            {params(4), nil},
	sigCopyAttr:          {params(6), []api.ValueType{i32}},
	sigDeleteAttr:        {params(4), []api.ValueType{i32}},
	sigErrhandlerVarargs: {params(3), nil},
	sigErrhandler:        {params(2), nil},
}

type guestFuncKey struct {
	mod api.Module
	idx uint32
	sig guestSig
}

type cachedFunc struct {
	f     api.Function
	inUse bool
}

// guestFuncs caches looked-up guest functions of a rank (all its
// instances).
type guestFuncs struct {
	mu sync.Mutex
	m  map[guestFuncKey]*cachedFunc
}

// lookupGuest finds table entry idx with signature sig in the calling
// instance. ok is false when the entry is empty, out of range or of
// another signature.
func lookupGuest(mod api.Module, idx uint32, sig guestSig) (f api.Function, ok bool) {
	defer func() {
		if recover() != nil {
			f, ok = nil, false
		}
	}()
	s := guestSigs[sig]
	f = table.LookupFunction(mod, 0, idx, s.params, s.results)
	return f, f != nil
}

// guestFunc returns the guest function at table index idx with signature
// sig, and a release function to call when the call is over.
func (c *call) guestFunc(idx uint32, sig guestSig) (api.Function, func(), error) {
	gf := &c.r.ext.funcs
	key := guestFuncKey{c.mod, idx, sig}
	gf.mu.Lock()
	if gf.m == nil {
		gf.m = map[guestFuncKey]*cachedFunc{}
	}
	cf := gf.m[key]
	if cf != nil && !cf.inUse {
		cf.inUse = true
		gf.mu.Unlock()
		return cf.f, func() { gf.mu.Lock(); cf.inUse = false; gf.mu.Unlock() }, nil
	}
	gf.mu.Unlock()
	f, ok := lookupGuest(c.mod, idx, sig)
	if !ok {
		return nil, nil, comm.Errorf(comm.ErrArg, "function pointer %#x is not a function of the expected type in the program's function table", idx)
	}
	if cf != nil {
		// The cached one is running (a nested call): use this one once.
		return f, func() {}, nil
	}
	cf = &cachedFunc{f: f, inUse: true}
	gf.mu.Lock()
	gf.m[key] = cf
	gf.mu.Unlock()
	return f, func() { gf.mu.Lock(); cf.inUse = false; gf.mu.Unlock() }, nil
}

// checkGuestFunc validates a function pointer argument when an object is
// created, so a bad pointer fails at MPI_Op_create (etc.), not later.
func (c *call) checkGuestFunc(idx uint32, sigs ...guestSig) error {
	for _, s := range sigs {
		if _, ok := lookupGuest(c.mod, idx, s); ok {
			return nil
		}
	}
	return comm.Errorf(comm.ErrArg, "function pointer %#x is not a function of the expected type in the program's function table", idx)
}

// callGuest calls the guest function at table index idx. A trap, an exit
// or an MPI_Abort inside the callback unwinds the MPI call that made it,
// exactly as if it had happened in the guest code around that call.
func (c *call) callGuest(idx uint32, sig guestSig, args ...uint64) []uint64 {
	f, release, err := c.guestFunc(idx, sig)
	if err != nil {
		// Checked when the object was created: the table changed since
		// (it is growable). Treat as a trap.
		panic(err)
	}
	defer release()
	res, err := f.Call(c.ctx, args...)
	if err != nil {
		var stop *rankStop
		if errors.As(err, &stop) {
			panic(stop)
		}
		panic(err)
	}
	return res
}

// guestHeap is the host-managed part of a rank's linear memory (see the
// file comment). Blocks are 16-byte aligned.
type guestHeap struct {
	mu   sync.Mutex
	free []heapSpan        // sorted by address, coalesced
	used map[uint32]uint32 // address -> size of live blocks
}

type heapSpan struct{ addr, size uint32 }

const heapAlign = 16

// alloc returns the address of n bytes of guest memory.
func (h *guestHeap) alloc(mem api.Memory, n uint32) (uint32, error) {
	if n == 0 {
		n = 1
	}
	if n > 1<<31 {
		return 0, comm.Errorf(comm.ErrNoMem, "cannot allocate %d bytes of guest memory", n)
	}
	n = (n + heapAlign - 1) &^ (heapAlign - 1)
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.used == nil {
		h.used = map[uint32]uint32{}
	}
	for attempt := 0; attempt < 2; attempt++ {
		for i, s := range h.free {
			if s.size >= n {
				addr := s.addr
				if s.size == n {
					h.free = append(h.free[:i], h.free[i+1:]...)
				} else {
					h.free[i] = heapSpan{s.addr + n, s.size - n}
				}
				h.used[addr] = n
				return addr, nil
			}
		}
		// Grow the memory by enough pages for n bytes (at least 4 pages, so
		// small allocations do not grow it one page at a time). A free span
		// at the old end of memory merges with the new pages.
		need := uint64(n)
		if k := len(h.free); k > 0 && uint64(h.free[k-1].addr)+uint64(h.free[k-1].size) == uint64(mem.Size()) {
			need -= uint64(min(h.free[k-1].size, n))
		}
		pages := uint32(max((need+wasmPageSize-1)/wasmPageSize, 4))
		prev, ok := mem.Grow(pages)
		if !ok {
			return 0, comm.Errorf(comm.ErrNoMem, "cannot grow the rank's memory by %d pages for %d bytes of MPI memory", pages, n)
		}
		h.insert(heapSpan{uint32(uint64(prev) * wasmPageSize), uint32(uint64(pages) * wasmPageSize)})
	}
	return 0, comm.Errorf(comm.ErrNoMem, "cannot allocate %d bytes of guest memory", n)
}

// insert adds a free span, coalescing with its neighbours. Caller holds mu.
func (h *guestHeap) insert(s heapSpan) {
	i := sort.Search(len(h.free), func(i int) bool { return h.free[i].addr > s.addr })
	h.free = append(h.free, heapSpan{})
	copy(h.free[i+1:], h.free[i:])
	h.free[i] = s
	if i+1 < len(h.free) && h.free[i].addr+h.free[i].size == h.free[i+1].addr {
		h.free[i].size += h.free[i+1].size
		h.free = append(h.free[:i+1], h.free[i+2:]...)
	}
	if i > 0 && h.free[i-1].addr+h.free[i-1].size == h.free[i].addr {
		h.free[i-1].size += h.free[i].size
		h.free = append(h.free[:i], h.free[i+1:]...)
	}
}

// release frees a block; false if addr is not a live block.
func (h *guestHeap) release(addr uint32) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	n, ok := h.used[addr]
	if !ok {
		return false
	}
	delete(h.used, addr)
	h.insert(heapSpan{addr, n})
	return true
}

// scratch allocates n bytes of guest memory for the duration of a call;
// the caller defers c.freeScratch(addr).
func (c *call) scratch(n uint32) (uint32, error) {
	return c.r.ext.heap.alloc(c.mem, n)
}

func (c *call) freeScratch(addr uint32) { c.r.ext.heap.release(addr) }

// codeError is an error that reports a specific MPI error code to the
// guest (an error class comm does not have, or a code a user callback
// returned or the program added with MPI_Add_error_code).
type codeError struct {
	code int32
	msg  string
}

func (e *codeError) Error() string { return e.msg }

func codeErrorf(code int32, format string, args ...any) error {
	return &codeError{code: code, msg: fmt.Sprintf(format, args...)}
}

// errorCodeOf is the MPI error code err reports.
func errorCodeOf(err error) int32 {
	var ce *codeError
	if errors.As(err, &ce) {
		return ce.code
	}
	return abi.ErrorCode(comm.ClassOf(err))
}

// extState is the rank's state for user-defined operations, attributes,
// info objects, error handlers and error classes (rankState.ext).
type extState struct {
	funcs guestFuncs
	heap  guestHeap

	// mu guards the maps below. It is never held while a guest callback
	// runs (callbacks may call MPI).
	mu        sync.Mutex
	ops       map[uint32]*userOp
	opAlloc   handleAlloc
	infos     map[uint32]*infoObj
	infoAlloc handleAlloc
	errhs     map[uint32]*userErrh
	errhAlloc handleAlloc

	keyvals    map[int32]*keyval
	nextKeyval int32
	// attributes per object: communicators and datatypes by handle
	commAttrs map[uint32]*attrList
	typeAttrs map[uint32]*attrList
	// info hints set with MPI_Comm_set_info (or _with_info), by handle
	commHints map[uint32]*infoObj

	// error classes and codes added by the program: code -> class, and
	// the strings set with MPI_Add_error_string
	errCodes   map[int32]int32
	errStrings map[int32]string
	lastCode   int32

	// predefAttrs is the guest address of the ints the predefined
	// attributes of MPI_COMM_WORLD point to (0 until first asked for).
	predefAttrs uint32

	pcontrol int32

	sessions sessionTable // open sessions (mpi_session.go)
	// partSeq numbers partitioned operations per peer and tag (mpi_part.go)
	partSeq map[partKey]int
}

// hook wraps the implementation of an MPI function.
type hook func(orig func(*call) error) func(*call) error

// hooks are wrappers around functions of other files, by name: the
// reductions take user-defined operations (mpi_op.go), duplicating and
// freeing communicators and datatypes copy and delete attributes
// (mpi_attr.go).
func hooks() map[string]hook {
	m := map[string]hook{}
	for k, v := range opHooks() {
		m[k] = v
	}
	for k, v := range attrHooks() {
		m[k] = v
	}
	// The nonblocking duplicates copy attributes when they complete
	// (mpi_comm.go, finishDup), not when the call returns.
	delete(m, "MPI_Comm_idup")
	delete(m, "MPI_Comm_idup_with_info")
	return m
}

func withHooks(fs []mpiFunc) []mpiFunc {
	hs := hooks()
	for i := range fs {
		if h, ok := hs[fs[i].name]; ok && fs[i].fn != nil {
			fs[i].fn = h(fs[i].fn)
		}
	}
	return fs
}
