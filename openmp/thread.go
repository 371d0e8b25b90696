package openmp

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync/atomic"

	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental/table"
)

// Thread is one OpenMP thread: a wasm instance of the program that imports
// the process's shared memory, with its own globals (stack pointer, TLS
// base) and its own stack region in that memory.
type Thread struct {
	p    *Process
	gtid int32
	mod  api.Module
	ctx  context.Context
	sp   api.MutableGlobal

	alloc, free api.Function // the support library's allocation functions
	initTLS     uint32       // table slot of __wasm_init_tls
	checked     bool         // the module checks stack frames against limits
	// stackLow is the lowest address of a worker's stack, where a canary
	// detects overflows after the fact (0 for the initial thread).
	stackLow uint32

	fns map[fnKey][]api.Function // idle function handles by table slot and signature

	cur   teamCtx   // the team and task the thread is executing
	saved []teamCtx // enclosing (serialized) teams
	// taskSlot is the guest thread-local word where the thread publishes
	// its current task's token for the guest-side locks (nil until the
	// guest registers it).
	taskSlot *uint32

	pushedThreads int32 // from __kmpc_push_num_threads, for the next fork
	// from __kmpc_push_num_teams, for the next teams construct
	pushedTeams, pushedTeamLimit int32
	hot                          []*Thread

	allocated map[uint32]*task // allocated, not yet submitted tasks

	// worker state
	slot atomic.Pointer[assignment]
	wake event
	done chan struct{}
}

// teamCtx is what a thread knows about the team it currently belongs to.
type teamCtx struct {
	team      *team
	tid       int
	task      *task // the task being executed (implicit or explicit)
	implicit  *task
	construct uint32 // single constructs encountered in this team
	loopSeq   uint64 // dispatched and doacross loops encountered in this team
	loop      *loopPriv
	redSeq    uint32
	doacross  *doacrossPriv
	redModSeq [2]uint32 // task-modifier reductions: parallel, worksharing
}

type assignment struct {
	team *team
	tid  int
}

const stackCanary = 0x5741534d // "WASM"

// newThreadState wraps an instance as a thread (no stack set up yet).
func (p *Process) newThreadState(mod api.Module, gtid int32) (*Thread, error) {
	th := &Thread{p: p, gtid: gtid, mod: mod, fns: map[fnKey][]api.Function{}, allocated: map[uint32]*task{}}
	sp, ok := mod.ExportedGlobal("__stack_pointer").(api.MutableGlobal)
	if !ok {
		return nil, errors.New("openmp: the module does not export a mutable __stack_pointer (link it with mpicc -fopenmp)")
	}
	th.sp = sp
	g := mod.ExportedGlobal(exportInfo)
	if g == nil {
		return nil, fmt.Errorf("openmp: the module does not export %s (link it with mpicc -fopenmp)", exportInfo)
	}
	info := uint32(g.Get())
	var w [5]uint32
	for i := range w {
		v, ok := p.mem.ReadUint32Le(info + uint32(4*i))
		if !ok {
			return nil, fmt.Errorf("openmp: %s points outside the memory", exportInfo)
		}
		w[i] = v
	}
	if w[0] != infoMagic || w[1] != infoVersion {
		return nil, fmt.Errorf("openmp: %s has an unknown format (rebuild the program with this version's mpicc -fopenmp)", exportInfo)
	}
	var err error
	if th.alloc, err = lookup(mod, w[2], pairParams, i32Result); err != nil {
		return nil, fmt.Errorf("openmp: allocation function: %w", err)
	}
	if th.free, err = lookup(mod, w[3], []api.ValueType{i32}, nil); err != nil {
		return nil, fmt.Errorf("openmp: free function: %w", err)
	}
	th.initTLS = w[4]
	return th, nil
}

// heapAlloc allocates guest memory with the program's malloc (through the
// support library's locked wrapper), on th's instance: 0 when the heap is
// exhausted.
func (th *Thread) heapAlloc(size, align uint32) uint32 {
	var st [2]uint64
	st[0], st[1] = uint64(size), uint64(align)
	if err := callGuest(th.ctx, th.alloc, st[:]); err != nil {
		panic(err)
	}
	return uint32(st[0])
}

// guestAlloc is heapAlloc for the runtime's own needs: running out of
// memory fails the thread.
func (th *Thread) guestAlloc(size, align uint32) uint32 {
	addr := th.heapAlloc(size, align)
	if addr == 0 {
		th.fault("out of memory allocating %d bytes", size)
	}
	return addr
}

// The predefined allocators (omp_null_allocator .. omp_thread_mem_alloc in
// omp.h); allocator objects (omp_init_allocator) are not provided.
const lastPredefinedAllocator = 8

// checkAllocator accepts a predefined allocator handle.
func (th *Thread) checkAllocator(a uint32, what string) {
	if a > lastPredefinedAllocator {
		th.fault("%s: allocator %#x is not a predefined allocator (allocator objects are not supported)", what, a)
	}
}

// allocatorAlloc is the allocation of an allocate clause or directive:
// size bytes aligned to align from the program's heap. Like omp_alloc, it
// gives NULL when the heap is exhausted.
func (th *Thread) allocatorAlloc(size, align, allocator uint32) uint32 {
	th.checkAllocator(allocator, "allocate")
	if size == 0 {
		return 0
	}
	return th.heapAlloc(size, align)
}

func (th *Thread) guestFree(addr uint32) {
	if addr == 0 {
		return
	}
	st := [1]uint64{uint64(addr)}
	if err := callGuest(th.ctx, th.free, st[:]); err != nil {
		panic(err)
	}
}

// newWorker creates a worker thread: an instance, a stack (and TLS block)
// allocated by creator in the shared memory, and its goroutine.
func (p *Process) newWorker(creator *Thread, gtid int32) (*Thread, error) {
	mod, err := p.cfg.Instantiate(p.resolveCtx, fmt.Sprintf("%s.omp%d", p.cfg.Name, gtid))
	if err != nil {
		return nil, fmt.Errorf("creating OpenMP thread %d: %w", gtid, err)
	}
	th, err := p.newThreadState(mod, gtid)
	if err != nil {
		_ = mod.Close(context.Background())
		return nil, err
	}
	th.ctx = context.WithValue(p.cfg.Context, threadKey{}, th)
	tlsSize, tlsAlign := uint32(0), uint32(16)
	if g := mod.ExportedGlobal("__tls_size"); g != nil {
		tlsSize = uint32(g.Get())
	}
	if g := mod.ExportedGlobal("__tls_align"); g != nil {
		if a := uint32(g.Get()); a > tlsAlign {
			tlsAlign = a
		}
	}
	stack := p.set.stackSize
	tlsOff := (stack + tlsAlign - 1) &^ (tlsAlign - 1)
	block := creator.guestAlloc(tlsOff+tlsSize+16, tlsAlign)
	th.stackLow = block
	th.put32(block, stackCanary)
	th.put32(block+4, stackCanary)
	top := (block + stack) &^ 15
	th.sp.Set(uint64(top))
	if err := th.setStackLimits(top, block+16); err != nil {
		_ = mod.Close(context.Background())
		return nil, err
	}
	initTLS, err := lookup(mod, th.initTLS, []api.ValueType{i32}, nil)
	if err == nil {
		st := [1]uint64{uint64(block + tlsOff)}
		err = callGuest(th.ctx, initTLS, st[:])
	}
	if err != nil {
		_ = mod.Close(context.Background())
		return nil, fmt.Errorf("initialising the TLS of OpenMP thread %d: %w", gtid, err)
	}
	th.done = make(chan struct{})
	go th.workerLoop()
	return th, nil
}

// setStackLimits tells a module instrumented by binaryen's stack check
// (mpicc -fopenmp runs wasm-opt --stack-check) where the thread's stack is:
// a function whose frame would go below low traps before writing.
func (th *Thread) setStackLimits(high, low uint32) error {
	f := th.mod.ExportedFunction("__set_stack_limits")
	if f == nil {
		return nil
	}
	th.checked = true
	st := [2]uint64{uint64(high), uint64(low)}
	if err := callGuest(context.Background(), f, st[:]); err != nil {
		return fmt.Errorf("openmp: setting the stack limits of thread %d: %w", th.gtid, err)
	}
	return nil
}

// explain adds to a trap of a worker what may have caused it.
func (th *Thread) explain(err error) error {
	if th.stackLow != 0 && th.checked && strings.Contains(err.Error(), "wasm error: unreachable") {
		return fmt.Errorf("%w\n(either the program trapped, or OpenMP thread %d overflowed its %d-byte stack: OMP_STACKSIZE sets the size)", err, th.gtid, th.p.set.stackSize)
	}
	return err
}

// checkStack reports a worker whose stack ran over its bottom.
func (th *Thread) checkStack() error {
	if th.stackLow == 0 {
		return nil
	}
	a, _ := th.p.mem.ReadUint32Le(th.stackLow)
	b, _ := th.p.mem.ReadUint32Le(th.stackLow + 4)
	if a != stackCanary || b != stackCanary {
		return fmt.Errorf("OpenMP thread %d overflowed its %d-byte stack (set OMP_STACKSIZE for more); memory below it was overwritten", th.gtid, th.p.set.stackSize)
	}
	return nil
}

// workerLoop runs a worker's assignments until the process closes.
func (th *Thread) workerLoop() {
	defer close(th.done)
	p := th.p
	for {
		seen := th.wake.seq.Load()
		if a := th.slot.Swap(nil); a != nil {
			if !th.runAssignment(a) {
				return
			}
			continue
		}
		if p.stopped() {
			return
		}
		th.wake.wait(seen, p.set.spin, p.abort)
	}
}

// assign hands a team slot to an idle worker.
func (th *Thread) assign(tm *team, tid int) {
	th.slot.Store(&assignment{team: tm, tid: tid})
	th.wake.notify()
}

// runAssignment executes the worker's implicit task in a team and joins
// it. It returns false if the process failed.
func (th *Thread) runAssignment(a *assignment) (ok bool) {
	p := th.p
	defer func() {
		if r := recover(); r != nil {
			err, isErr := r.(error)
			if !isErr {
				err = fmt.Errorf("%v", r)
			}
			p.failThread(th, th.explain(err))
			ok = false
		}
	}()
	tm := a.team
	th.enterTeam(tm, a.tid)
	var err error
	if tm.isLeague {
		err = th.runTeamOfLeague(th.ctx, tm, a.tid)
	} else {
		err = th.callMicrotask(th.ctx, tm.micro, tm.args, a.tid)
	}
	if err != nil {
		p.failThread(th, th.explain(err))
		return false
	}
	if err := th.checkStack(); err != nil {
		p.failThread(th, err)
		return false
	}
	th.barrier(tm)
	th.leaveTeam()
	th.releaseHot()
	return true
}

// fnKey identifies a cached function handle: a table slot and a signature.
type fnKey struct {
	slot uint32
	sig  uint32
}

// Signatures of guest functions the runtime calls through the table.
const (
	sigTaskEntry = 1 << 16 // i32 (i32 gtid, i32 task)
	sigPair      = 2 << 16 // void (i32, i32): reduce and copyprivate functions
	sigTaskDup   = 3 << 16 // void (i32, i32, i32)
	sigOne       = 4 << 16 // void (i32): reduction finalisers
	// a microtask with n shared arguments is signature n (< 1<<16)
)

var (
	i32                = api.ValueTypeI32
	pairParams         = []api.ValueType{i32, i32}
	dupParams          = []api.ValueType{i32, i32, i32}
	oneParam           = []api.ValueType{i32}
	i32Result          = []api.ValueType{i32}
	microtaskParamsTab = func() [][]api.ValueType {
		t := make([][]api.ValueType, 64)
		for i := range t {
			t[i] = make([]api.ValueType, i+2)
			for j := range t[i] {
				t[i][j] = i32
			}
		}
		return t
	}()
)

// function returns a handle to the function at table slot with the given
// signature, for this thread's exclusive use until put back with release.
// Handles are not re-entrant, so a function that is already running on
// the thread (recursion through a nested region or a task) gets another.
func (th *Thread) function(slot, sig uint32) (api.Function, error) {
	k := fnKey{slot, sig}
	if l := th.fns[k]; len(l) > 0 {
		f := l[len(l)-1]
		th.fns[k] = l[:len(l)-1]
		return f, nil
	}
	var params, results []api.ValueType
	switch sig {
	case sigTaskEntry:
		params, results = pairParams, i32Result
	case sigPair:
		params = pairParams
	case sigTaskDup:
		params = dupParams
	case sigOne:
		params = oneParam
	default:
		if int(sig) < len(microtaskParamsTab) {
			params = microtaskParamsTab[sig]
		} else {
			params = make([]api.ValueType, sig+2)
			for i := range params {
				params[i] = i32
			}
		}
	}
	return lookup(th.mod, slot, params, results)
}

func lookup(mod api.Module, slot uint32, params, results []api.ValueType) (f api.Function, err error) {
	defer func() {
		if r := recover(); r != nil {
			f, err = nil, fmt.Errorf("function pointer %d does not point to a function of type (%s) -> (%s): %v", slot, typeString(params), typeString(results), r)
		}
	}()
	return table.LookupFunction(mod, 0, slot, params, results), nil
}

func typeString(ts []api.ValueType) string {
	s := ""
	for i, t := range ts {
		if i > 0 {
			s += ", "
		}
		s += api.ValueTypeName(t)
	}
	return s
}

func (th *Thread) release(slot, sig uint32, f api.Function) {
	k := fnKey{slot, sig}
	th.fns[k] = append(th.fns[k], f)
}

// callMicrotask runs an outlined parallel region on th: the microtask gets
// pointers to the global and the team thread ids (on th's stack) and the
// shared arguments.
func (th *Thread) callMicrotask(ctx context.Context, micro uint32, args []uint32, tid int) error {
	sig := uint32(len(args))
	f, err := th.function(micro, sig)
	if err != nil {
		return err
	}
	sp := uint32(th.sp.Get())
	slot := (sp - 16) &^ 15
	th.put32(slot, uint32(th.gtid))
	th.put32(slot+4, uint32(tid))
	th.sp.Set(uint64(slot))
	stack := make([]uint64, 2+len(args))
	stack[0], stack[1] = uint64(slot), uint64(slot+4)
	for i, a := range args {
		stack[2+i] = uint64(a)
	}
	err = callGuest(ctx, f, stack)
	th.sp.Set(uint64(sp))
	if err == nil {
		th.release(micro, sig, f)
	}
	return err
}

// callPair calls a guest function void f(i32, i32) (reduction combiner,
// copyprivate copier); a trap fails the thread.
func (th *Thread) callPair(slot, a, b uint32) {
	f, err := th.function(slot, sigPair)
	if err != nil {
		th.fault("%v", err)
	}
	st := [2]uint64{uint64(a), uint64(b)}
	if err := callGuest(th.ctx, f, st[:]); err != nil {
		panic(err)
	}
	th.release(slot, sigPair, f)
}

// callOne calls a guest function void f(i32); a trap fails the thread.
func (th *Thread) callOne(slot, a uint32) {
	f, err := th.function(slot, sigOne)
	if err != nil {
		th.fault("%v", err)
	}
	st := [1]uint64{uint64(a)}
	if err := callGuest(th.ctx, f, st[:]); err != nil {
		panic(err)
	}
	th.release(slot, sigOne, f)
}

// callGuest runs the guest function f with stack holding its arguments
// and, when it returns, its results. wazero's compiled code keeps only a
// raw pointer to stack while the call runs and writes the results through
// it at the end; nothing keeps the slice alive in between. A call that
// lasts (a task or a parallel region making host calls) gives the garbage
// collector time to free the slice and reuse its memory, and the results
// then overwrite an unrelated Go object: that was the heap corruption seen
// with OpenMP tasks (crashes in wazero's compiler in other jobs, bad
// pointers in the runtime). KeepAlive holds the slice until the results
// are in.
func callGuest(ctx context.Context, f api.Function, stack []uint64) error {
	err := f.CallWithStack(ctx, stack)
	runtime.KeepAlive(stack)
	return err
}
