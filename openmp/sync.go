package openmp

import (
	"runtime"
	"sync"
	"sync/atomic"
	"unsafe"
)

// critLock is the lock of one critical section name (the guest address of
// its kmp_critical_name). Programs linked by the current SDK keep the lock
// in the name's own storage and only come here to sleep and wake
// (criticalWait, criticalWake); older ones call __kmpc_critical, which
// uses m.
type critLock struct {
	m     *mutex
	owner atomic.Pointer[Thread]
	sema  chan struct{} // wakes one sleeper of the guest-side lock
}

const (
	reenterCritical   = "a critical region was entered by the thread already inside a critical region of the same name (this would deadlock)"
	endCriticalMisuse = "__kmpc_end_critical by a thread that is not inside that critical region"
)

// critWords returns the lock word (0 free, 1 taken, 2 taken and maybe
// waited for) and the owner word (global thread id + 1) of the guest-side
// lock of a critical section name: the first two words of its 32 bytes.
// The memory never moves, so the pointers stay valid while the process
// runs; they are only used with atomic operations.
func (th *Thread) critWords(addr uint32) (state, owner *int32) {
	w := th.words(addr, 2, "critical section name")
	return &w[0], &w[1]
}

// criticalWait is called by the guest's __kmpc_critical when the lock word
// was not free: it takes the lock (leaving the word at 2, so the release
// wakes the next sleeper), or unwinds the thread if the process stops.
func (th *Thread) criticalWait(addr uint32, gtid int32) {
	state, owner := th.critWords(addr)
	if atomic.LoadInt32(owner) == gtid+1 {
		th.fault(reenterCritical)
	}
	th.takeWord(state, th.critLock(addr).sema)
}

// takeWord takes a guest-side lock whose word (0 free, 1 taken, 2 taken
// and maybe waited for) was found taken: it spins a while, then sleeps on
// sema until a release finds the word at 2 and wakes it. It returns with
// the word at 2, so the next release wakes the next sleeper, or unwinds
// the thread if the process stops.
func (th *Thread) takeWord(state *int32, sema chan struct{}) {
	for i := 0; i < th.p.set.spin; i++ {
		if atomic.LoadInt32(state) == 0 && atomic.CompareAndSwapInt32(state, 0, 2) {
			return
		}
		if i&7 == 7 {
			runtime.Gosched()
		}
	}
	for atomic.SwapInt32(state, 2) != 0 {
		select {
		case <-sema:
		case <-th.p.abort:
			th.unwind()
		}
	}
}

// criticalWake is called by the guest's __kmpc_end_critical when it found
// the lock word at 2: one sleeper may be waiting.
func (th *Thread) criticalWake(addr uint32) {
	select {
	case th.critLock(addr).sema <- struct{}{}:
	default:
	}
}

func (th *Thread) critLock(addr uint32) *critLock {
	p := th.p
	if v, ok := p.crits.Load(addr); ok {
		return v.(*critLock)
	}
	v, _ := p.crits.LoadOrStore(addr, &critLock{m: newMutex(), sema: make(chan struct{}, 1)})
	return v.(*critLock)
}

func (th *Thread) critical(addr uint32) {
	c := th.critLock(addr)
	if c.owner.Load() == th {
		th.fault(reenterCritical)
	}
	if !c.m.lock(th.p.set.spin, th.p.abort) {
		th.unwind()
	}
	c.owner.Store(th)
}

func (th *Thread) endCritical(addr uint32) {
	c := th.critLock(addr)
	if c.owner.Load() != th {
		th.fault(endCriticalMisuse)
	}
	c.owner.Store(nil)
	c.m.unlock()
}

// ompLock is an omp_lock_t or omp_nest_lock_t of a module linked without
// the SDK's own lock functions (see below). The guest variable holds its
// number in the lock table. Locks are owned by tasks.
type ompLock struct {
	m     *mutex
	nest  bool
	owner atomic.Pointer[task]
	count int32 // nesting depth, changed by the owner only
}

type lockTable struct {
	mu    sync.RWMutex
	locks []*ompLock
	free  []uint32
}

func (th *Thread) initLock(ptr uint32, nest bool) {
	t := &th.p.locks
	l := &ompLock{m: newMutex(), nest: nest}
	t.mu.Lock()
	var id uint32
	if n := len(t.free); n > 0 {
		id = t.free[n-1]
		t.free = t.free[:n-1]
		t.locks[id-1] = l
	} else {
		t.locks = append(t.locks, l)
		id = uint32(len(t.locks))
	}
	t.mu.Unlock()
	th.put32(ptr, id)
}

func (th *Thread) lockAt(ptr uint32, nest bool, what string) *ompLock {
	id := th.u32(ptr)
	t := &th.p.locks
	t.mu.RLock()
	var l *ompLock
	if id >= 1 && int(id) <= len(t.locks) {
		l = t.locks[id-1]
	}
	t.mu.RUnlock()
	if l == nil {
		th.fault("%s: the lock at %#x is not initialized", what, ptr)
	}
	if l.nest != nest {
		if nest {
			th.fault("%s: the lock at %#x is a simple lock, not a nestable one", what, ptr)
		}
		th.fault("%s: the lock at %#x is a nestable lock", what, ptr)
	}
	return l
}

func (th *Thread) destroyLock(ptr uint32, nest bool, what string) {
	l := th.lockAt(ptr, nest, what)
	if l.owner.Load() != nil {
		th.fault("%s: the lock at %#x is still set", what, ptr)
	}
	id := th.u32(ptr)
	t := &th.p.locks
	t.mu.Lock()
	t.locks[id-1] = nil
	t.free = append(t.free, id)
	t.mu.Unlock()
	th.put32(ptr, 0)
}

func (th *Thread) setLock(ptr uint32, nest bool, what string) {
	l := th.lockAt(ptr, nest, what)
	me := th.cur.task
	if l.owner.Load() == me {
		if nest {
			l.count++
			return
		}
		th.fault("%s: the task already owns the lock at %#x (this would deadlock)", what, ptr)
	}
	if !l.m.lock(th.p.set.spin, th.p.abort) {
		th.unwind()
	}
	l.owner.Store(me)
	l.count = 1
}

func (th *Thread) unsetLock(ptr uint32, nest bool, what string) int32 {
	l := th.lockAt(ptr, nest, what)
	owner := l.owner.Load()
	if owner == nil {
		th.fault("%s: the lock at %#x is not set", what, ptr)
	}
	if nest && owner != th.cur.task {
		th.fault("%s: the lock at %#x is owned by another task", what, ptr)
	}
	l.count--
	if l.count > 0 {
		return l.count
	}
	l.owner.Store(nil)
	l.m.unlock()
	return 0
}

func (th *Thread) testLock(ptr uint32, nest bool, what string) int32 {
	l := th.lockAt(ptr, nest, what)
	me := th.cur.task
	if nest && l.owner.Load() == me {
		l.count++
		return l.count
	}
	if !l.m.tryLock() {
		return 0
	}
	l.owner.Store(me)
	l.count = 1
	return 1
}

// Locks of programs linked by the current SDK live in the guest
// (support/omp/core.c): omp_init_lock allocates a lock word, an owner and
// a nesting depth in guest memory, and the guest sets and unsets a lock
// the way it enters critical sections. The host sleeps and wakes waiters
// (lockWait, lockWake), tells the guest which task each thread is running
// (registerTaskSlot, publishTask) and reports misuse (lockMisuse). The
// host-side lock table above serves modules linked without the support
// library's lock functions.

// lockFunctions names the OpenMP lock functions in the order the guest's
// __wasmpi_omp_lock_misuse numbers them.
var lockFunctions = [...]string{
	"omp_init_lock", "omp_destroy_lock", "omp_set_lock", "omp_unset_lock", "omp_test_lock",
	"omp_init_nest_lock", "omp_destroy_nest_lock", "omp_set_nest_lock", "omp_unset_nest_lock", "omp_test_nest_lock",
}

// lockMisuses words each mistake the guest's __wasmpi_omp_lock_misuse
// reports, by its number; each takes the function's name and the address
// of the omp_lock_t.
var lockMisuses = [...]string{
	1: "%s: the lock at %#x is not initialized",
	2: "%s: the lock at %#x is a simple lock, not a nestable one",
	3: "%s: the lock at %#x is a nestable lock",
	4: "%s: the task already owns the lock at %#x (this would deadlock)",
	5: "%s: the lock at %#x is not set",
	6: "%s: the lock at %#x is owned by another task",
	7: "%s: the lock at %#x is still set",
	8: "%s: out of guest memory for the lock at %#x",
}

// lockMisuse reports a misused lock: fn and what are the guest's numbers
// of the function and of the mistake, lock the address of the omp_lock_t.
func (th *Thread) lockMisuse(fn, what, lock uint32) {
	name := "an omp_*_lock function"
	if fn < uint32(len(lockFunctions)) {
		name = lockFunctions[fn]
	}
	if what < uint32(len(lockMisuses)) && lockMisuses[what] != "" {
		th.fault(lockMisuses[what], name, lock)
	}
	th.fault("%s: the lock at %#x was misused (unknown misuse code %d)", name, lock, what)
}

// words returns the n aligned 32-bit words at a guest address, for atomic
// operations. Memory never moves, so they stay valid while the process
// runs.
func (th *Thread) words(addr, n uint32, what string) []int32 {
	b, ok := th.p.mem.Read(addr, 4*n)
	if !ok || addr%4 != 0 {
		th.fault("%s at %#x is outside the memory or misaligned", what, addr)
	}
	return unsafe.Slice((*int32)(unsafe.Pointer(&b[0])), n)
}

// word returns the aligned 32-bit word at a guest address (see words).
func (th *Thread) word(addr uint32, what string) *int32 { return &th.words(addr, 1, what)[0] }

// lockWait is called by the guest when the lock word of an OpenMP lock
// was not free: it returns holding the lock.
func (th *Thread) lockWait(addr uint32) {
	th.takeWord(th.word(addr, "lock word"), th.lockSema(addr))
}

// lockWake is called by the guest when the released lock word was at 2.
func (th *Thread) lockWake(addr uint32) {
	select {
	case th.lockSema(addr) <- struct{}{}:
	default:
	}
}

// lockSema returns the channel that wakes one sleeper on the lock word at
// addr. A token left by a wake nobody waited for only costs a sleeper one
// more look at the word.
func (th *Thread) lockSema(addr uint32) chan struct{} {
	p := th.p
	if v, ok := p.lockSemas.Load(addr); ok {
		return v.(chan struct{})
	}
	v, _ := p.lockSemas.LoadOrStore(addr, make(chan struct{}, 1))
	return v.(chan struct{})
}

// registerTaskSlot records the guest thread-local word in which th
// publishes the token of the task it runs, and publishes the current one.
func (th *Thread) registerTaskSlot(addr uint32) {
	th.taskSlot = (*uint32)(unsafe.Pointer(th.word(addr, "task token slot")))
	th.publishTask()
}

// publishTask writes the token of th's current task into its registered
// slot; it runs whenever th starts, suspends or resumes a task.
func (th *Thread) publishTask() {
	if th.taskSlot == nil {
		return
	}
	var t uint32 // an idle worker runs no task
	if tk := th.cur.task; tk != nil {
		t = tk.tokenIn(th.p)
	}
	atomic.StoreUint32(th.taskSlot, t)
}

// tokenIn returns the task's token, a nonzero number unique among p's
// tasks (until 2^32 tasks have been numbered), assigned on first use.
func (tk *task) tokenIn(p *Process) uint32 {
	if t := tk.token.Load(); t != 0 {
		return t
	}
	t := p.taskTokens.Add(1)
	if t == 0 {
		t = p.taskTokens.Add(1)
	}
	if !tk.token.CompareAndSwap(0, t) {
		return tk.token.Load()
	}
	return t
}
