package openmp

import (
	"sync/atomic"
)

// Task flags of __kmpc_omp_task_alloc (kmp_tasking_flags_t).
const (
	taskTied        = 0x1
	taskFinal       = 0x2
	taskDestructors = 0x8
)

// Offsets in kmp_task_t on wasm32: shareds, routine, part_id, data1
// (destructors thunk or priority), data2.
const (
	taskShareds   = 0
	taskRoutine   = 4
	taskPartID    = 8
	taskData1     = 12
	taskData2     = 16
	taskHeader    = 20
	dependInfoLen = 12 // kmp_depend_info: base_addr, len, flags (u8)
)

// Dependence flags (kmp_depend_info.flags).
const (
	depIn      = 0x01
	depAllMem  = 0x80
	maxQueued  = 64 // queued tasks per team thread before new ones run at once
	maxDepList = 1 << 16
)

// task is an OpenMP task: an implicit task of a team member, or an
// explicit task whose kmp_task_t lives in guest memory.
type task struct {
	addr   uint32 // kmp_task_t (0 for implicit tasks); also the start of its allocation
	entry  uint32 // table slot of the task entry
	flags  uint32
	sizeT  uint32 // sizeof_kmp_task_t (with privates)
	sizeSh uint32 // sizeof_shareds

	parent   *task
	team     *team
	thread   *Thread // implicit tasks
	icv      *icv    // implicit tasks: the data environment's ICVs
	implicit bool
	final    bool

	group    *taskgroup // the taskgroup this task is counted in
	curGroup *taskgroup // innermost taskgroup region active in this task

	children atomic.Int32 // incomplete child tasks (taskwait)
	refs     atomic.Int32 // 1 + children not yet freed: the memory goes when 0

	// dependences, guarded by team.depMu
	hasDeps  bool
	npred    int32
	succ     []*task
	done     bool
	mark     *task // edge de-duplication while a successor registers
	deps     *depTable
	finished atomic.Bool

	token atomic.Uint32 // identifies the task to the guest-side locks (tokenIn)
}

type taskgroup struct {
	parent *taskgroup
	count  atomic.Int32 // incomplete tasks of the group and their descendants
	red    *taskRed     // the group's task reduction (nil: none)
}

type depRec struct {
	out *task
	ins []*task
}

// depTable holds the dependences among the children of one task.
type depTable struct {
	m   map[uint32]*depRec
	all *task // the last task that depended on omp_all_memory
}

func (tk *task) descendantOf(anc *task) bool {
	for p := tk.parent; p != nil; p = p.parent {
		if p == anc {
			return true
		}
	}
	return false
}

// push queues a ready task.
func (tm *team) push(tk *task) {
	tm.mu.Lock()
	tm.queue = append(tm.queue, tk)
	tm.mu.Unlock()
	tm.ev.notify()
}

// pop takes the newest queued task that is a descendant of eligible (any
// task when eligible is nil).
func (tm *team) pop(eligible *task) *task {
	tm.mu.Lock()
	defer tm.mu.Unlock()
	for i := len(tm.queue) - 1; i >= 0; i-- {
		tk := tm.queue[i]
		if eligible == nil || tk.descendantOf(eligible) {
			copy(tm.queue[i:], tm.queue[i+1:])
			tm.queue[len(tm.queue)-1] = nil
			tm.queue = tm.queue[:len(tm.queue)-1]
			return tk
		}
	}
	return nil
}

func (tm *team) queued() int {
	tm.mu.Lock()
	defer tm.mu.Unlock()
	return len(tm.queue)
}

// taskAlloc implements __kmpc_omp_task_alloc: the kmp_task_t, its privates
// and the shareds block in one guest allocation.
func (th *Thread) taskAlloc(flags, sizeT, sizeSh, entry uint32) uint32 {
	if sizeT < taskHeader || sizeT > 1<<30 || sizeSh > 1<<30 {
		th.fault("__kmpc_omp_task_alloc: invalid sizes %d and %d", sizeT, sizeSh)
	}
	shOff := (sizeT + 7) &^ 7
	addr := th.guestAlloc(shOff+sizeSh, 8)
	clear(th.bytes(addr, shOff+sizeSh))
	if sizeSh > 0 {
		th.put32(addr+taskShareds, addr+shOff)
	}
	th.put32(addr+taskRoutine, entry)
	cur := th.cur.task
	tk := &task{addr: addr, entry: entry, flags: flags, sizeT: sizeT, sizeSh: sizeSh,
		parent: cur, team: th.cur.team, final: flags&taskFinal != 0 || cur.final, group: cur.curGroup, icv: cur.icv}
	// Tasks the new task creates belong to the same taskgroup.
	tk.curGroup = tk.group
	tk.refs.Store(1)
	th.allocated[addr] = tk
	return addr
}

// taken returns the task allocated at addr by this thread, for submission.
func (th *Thread) taken(addr uint32, what string) *task {
	tk := th.allocated[addr]
	if tk == nil {
		th.fault("%s: %#x is not a task allocated by __kmpc_omp_task_alloc on this thread", what, addr)
	}
	delete(th.allocated, addr)
	return tk
}

// account counts a new task in its parent, group and team.
func (tk *task) account() {
	tk.parent.children.Add(1)
	tk.parent.refs.Add(1)
	if tk.group != nil {
		tk.group.count.Add(1)
	}
	tk.team.pending.Add(1)
}

// submit schedules a task without unresolved dependences: it runs at once
// when the team has one thread, when its parent is final (an included
// task), or when the queue is long; otherwise it is queued.
func (th *Thread) submit(tk *task) {
	tm := tk.team
	if tm.n == 1 || tk.parent.final || tm.queued() >= maxQueued*tm.n {
		th.runTask(tk)
		return
	}
	tm.push(tk)
}

// runTask executes a task on th.
func (th *Thread) runTask(tk *task) {
	saved := th.cur.task
	th.cur.task = tk
	th.publishTask()
	f, err := th.function(tk.entry, sigTaskEntry)
	if err != nil {
		th.fault("task entry: %v", err)
	}
	st := [2]uint64{uint64(th.gtid), uint64(tk.addr)}
	if err := callGuest(th.ctx, f, st[:]); err != nil {
		panic(err)
	}
	th.release(tk.entry, sigTaskEntry, f)
	if tk.flags&taskDestructors != 0 {
		if d := th.u32(tk.addr + taskData1); d != 0 {
			g, err := th.function(d, sigTaskEntry)
			if err != nil {
				th.fault("task destructors: %v", err)
			}
			st := [2]uint64{uint64(th.gtid), uint64(tk.addr)}
			if err := callGuest(th.ctx, g, st[:]); err != nil {
				panic(err)
			}
			th.release(d, sigTaskEntry, g)
		}
	}
	th.cur.task = saved
	th.publishTask()
	th.complete(tk)
}

// complete finishes a task: its successors may become ready, its parent,
// group and team stop counting it, and its memory is freed once its
// children's is.
func (th *Thread) complete(tk *task) {
	tm := tk.team
	if tk.hasDeps {
		var ready []*task
		tm.depMu.Lock()
		tk.done = true
		for _, s := range tk.succ {
			s.npred--
			if s.npred == 0 {
				ready = append(ready, s)
			}
		}
		tk.succ = nil
		tk.deps = nil
		tm.depMu.Unlock()
		for _, s := range ready {
			tm.push(s)
		}
	}
	tk.finished.Store(true)
	if g := tk.group; g != nil {
		g.count.Add(-1)
	}
	tk.parent.children.Add(-1)
	th.unref(tk)
	tm.pending.Add(-1)
	tm.ev.notify()
}

// unref drops one reference to tk's memory, freeing it (and then possibly
// its ancestors') when none is left.
func (th *Thread) unref(tk *task) {
	for tk != nil && !tk.implicit && tk.refs.Add(-1) == 0 {
		th.guestFree(tk.addr)
		tk = tk.parent
	}
}

// drainTasks runs every queued task of a team of one (a serialized region
// ends with all its tasks complete).
func (th *Thread) drainTasks(tm *team) {
	for tm.pending.Load() > 0 {
		tk := tm.pop(nil)
		if tk == nil {
			th.fault("tasks of a serialized region are waiting for dependences that can never be satisfied")
		}
		th.runTask(tk)
	}
}

// taskwait waits for the children of the current task.
func (th *Thread) taskwait() {
	cur := th.cur.task
	if cur.children.Load() == 0 {
		return
	}
	th.waitFor(th.cur.team, cur, func() bool { return cur.children.Load() == 0 })
}

func (th *Thread) taskgroupBegin() {
	cur := th.cur.task
	cur.curGroup = &taskgroup{parent: cur.curGroup}
}

func (th *Thread) taskgroupEnd() {
	cur := th.cur.task
	g := cur.curGroup
	if g == nil {
		th.fault("__kmpc_end_taskgroup without __kmpc_taskgroup")
	}
	th.waitGroup(g)
	if r := g.red; r != nil {
		if r.mod != nil {
			th.fault("__kmpc_end_taskgroup ends the taskgroup of a reduction(task, ...) (expected __kmpc_task_reduction_modifier_fini)")
		}
		th.p.unregisterRed(r.id)
		th.combineRed(r)
	}
	cur.curGroup = g.parent
}

// waitGroup waits until the tasks of g and their descendants are complete.
func (th *Thread) waitGroup(g *taskgroup) {
	if g.count.Load() != 0 {
		th.waitFor(th.cur.team, th.cur.task, func() bool { return g.count.Load() == 0 })
	}
}

// dep is one entry of a dependence list.
type dep struct {
	addr  uint32
	flags uint8
}

func (th *Thread) readDeps(n, list, nNoalias, noalias uint32) []dep {
	if n > maxDepList || nNoalias > maxDepList {
		th.fault("dependence list too long (%d, %d)", n, nNoalias)
	}
	ds := make([]dep, 0, n+nNoalias)
	for _, l := range [][2]uint32{{n, list}, {nNoalias, noalias}} {
		if l[0] == 0 {
			continue
		}
		b := th.bytes(l[1], l[0]*dependInfoLen)
		for i := uint32(0); i < l[0]; i++ {
			e := b[i*dependInfoLen:]
			addr := uint32(e[0]) | uint32(e[1])<<8 | uint32(e[2])<<16 | uint32(e[3])<<24
			ds = append(ds, dep{addr: addr, flags: e[8]})
		}
	}
	return ds
}

// edge makes tk wait for pred (under depMu).
func edge(pred, tk *task) {
	if pred == nil || pred.done || pred == tk || pred.mark == tk {
		return
	}
	pred.mark = tk
	pred.succ = append(pred.succ, tk)
	tk.npred++
}

// register records tk's dependences among its siblings (under depMu) and
// returns whether it must wait.
func (tk *task) register(ds []dep) {
	parent := tk.parent
	dt := parent.deps
	if dt == nil {
		dt = &depTable{m: map[uint32]*depRec{}}
		parent.deps = dt
	}
	tk.hasDeps = true
	for _, d := range ds {
		if d.flags&depAllMem != 0 {
			// omp_all_memory: after every earlier sibling with dependences,
			// before every later one.
			for _, r := range dt.m {
				edge(r.out, tk)
				for _, in := range r.ins {
					edge(in, tk)
				}
			}
			edge(dt.all, tk)
			dt.all = tk
			dt.m = map[uint32]*depRec{}
			return
		}
	}
	edge(dt.all, tk)
	for _, d := range ds {
		r := dt.m[d.addr]
		if r == nil {
			r = &depRec{}
			dt.m[d.addr] = r
		}
		edge(r.out, tk)
		if d.flags == depIn {
			r.ins = append(r.ins, tk)
			continue
		}
		// out, inout, mutexinoutset and inoutset are all ordered like
		// inout: a valid (if stricter) schedule.
		for _, in := range r.ins {
			edge(in, tk)
		}
		r.out, r.ins = tk, nil
	}
}

// taskWithDeps submits a task once its dependences are satisfied.
func (th *Thread) taskWithDeps(tk *task, ds []dep) {
	tk.account()
	tm := tk.team
	tm.depMu.Lock()
	tk.register(ds)
	ready := tk.npred == 0
	tm.depMu.Unlock()
	if ready {
		th.submit(tk)
	}
}

// waitDeps blocks the current task until the sibling tasks its
// dependence list names are complete (an undeferred task or a taskwait
// with depend clauses).
func (th *Thread) waitDeps(ds []dep) {
	cur := th.cur.task
	tm := th.cur.team
	var preds []*task
	tm.depMu.Lock()
	if dt := cur.deps; dt != nil {
		add := func(t *task) {
			if t != nil && !t.done {
				preds = append(preds, t)
			}
		}
		add(dt.all)
		for _, d := range ds {
			if d.flags&depAllMem != 0 {
				for _, r := range dt.m {
					add(r.out)
					for _, in := range r.ins {
						add(in)
					}
				}
				continue
			}
			if r := dt.m[d.addr]; r != nil {
				add(r.out)
				if d.flags != depIn {
					for _, in := range r.ins {
						add(in)
					}
				}
			}
		}
	}
	tm.depMu.Unlock()
	if len(preds) == 0 {
		return
	}
	th.waitFor(tm, cur, func() bool {
		for _, t := range preds {
			if !t.finished.Load() {
				return false
			}
		}
		return true
	})
}

// beginIf0 starts an undeferred task (if(0)) that the compiled code runs
// itself; completeIf0 ends it.
func (th *Thread) beginIf0(tk *task) {
	tk.account()
	th.saved = append(th.saved, th.cur)
	th.cur.task = tk
	th.publishTask()
}

func (th *Thread) completeIf0(addr uint32) {
	tk := th.cur.task
	if tk.implicit || tk.addr != addr || len(th.saved) == 0 {
		th.fault("__kmpc_omp_task_complete_if0 for a task that did not begin")
	}
	n := len(th.saved)
	th.cur = th.saved[n-1]
	th.saved = th.saved[:n-1]
	th.publishTask()
	th.complete(tk)
}

// taskloop implements __kmpc_taskloop: the pattern task's iteration space
// [lb, ub] with stride st is split into tasks, each a copy of the pattern
// with its own bounds (task_dup copies firstprivate data and sets the
// lastprivate flag), inside a taskgroup unless nogroup.
func (th *Thread) taskloop(addr, ifVal, lbp, ubp uint32, st int64, nogroup bool, sched uint32, grain uint64, dup uint32) {
	pat := th.taken(addr, "__kmpc_taskloop")
	if lbp < addr || lbp+8 > addr+pat.sizeT || ubp < addr || ubp+8 > addr+pat.sizeT {
		th.fault("__kmpc_taskloop: the bounds are not inside the task")
	}
	lbOff, ubOff := lbp-addr, ubp-addr
	lb, ub := th.u64(lbp), th.u64(ubp)
	var tc uint64
	switch {
	case st == 0:
		th.fault("__kmpc_taskloop: zero stride")
	case st == 1:
		tc = ub - lb + 1
	case st < 0:
		tc = (lb-ub)/uint64(-st) + 1
	default:
		tc = (ub-lb)/uint64(st) + 1
	}
	if tc == 0 {
		th.guestFree(addr)
		return
	}
	var num, size, extras uint64
	switch sched {
	case 1: // grainsize
		if grain == 0 {
			grain = 1
		}
		if grain > tc {
			num, size = 1, tc
		} else {
			num = tc / grain
			size, extras = tc/num, tc%num
		}
	case 2: // num_tasks
		if grain == 0 {
			grain = 1
		}
		if grain > tc {
			num, size = tc, 1
		} else {
			num, size, extras = grain, tc/grain, tc%grain
		}
	default:
		num = min(uint64(th.cur.team.n)*10, tc)
		size, extras = tc/num, tc%num
	}
	if !nogroup {
		th.taskgroupBegin()
	}
	shOff := (pat.sizeT + 7) &^ 7
	total := shOff + pat.sizeSh
	lower := lb
	for i := uint64(0); i < num; i++ {
		cnt := size
		if i < extras {
			cnt++
		}
		upper := lower + (cnt-1)*uint64(st)
		c := th.guestAlloc(total, 8)
		copy(th.bytes(c, total), th.bytes(addr, total))
		if pat.sizeSh > 0 {
			th.put32(c+taskShareds, c+shOff)
		}
		th.put64(c+lbOff, lower)
		th.put64(c+ubOff, upper)
		cur := th.cur.task
		tk := &task{addr: c, entry: pat.entry, flags: pat.flags, sizeT: pat.sizeT, sizeSh: pat.sizeSh,
			parent: cur, team: th.cur.team, final: pat.final, group: cur.curGroup, icv: cur.icv}
		tk.curGroup = tk.group
		tk.refs.Store(1)
		if dup != 0 {
			f, err := th.function(dup, sigTaskDup)
			if err != nil {
				th.fault("taskloop task_dup: %v", err)
			}
			last := uint64(0)
			if i == num-1 {
				last = 1
			}
			st3 := [3]uint64{uint64(c), uint64(addr), last}
			if err := callGuest(th.ctx, f, st3[:]); err != nil {
				panic(err)
			}
			th.release(dup, sigTaskDup, f)
		}
		tk.account()
		if ifVal == 0 {
			th.runTask(tk)
		} else {
			th.submit(tk)
		}
		lower = upper + uint64(st)
	}
	th.guestFree(addr)
	if !nogroup {
		th.taskgroupEnd()
	}
}

// tpVar is a threadprivate variable served by __kmpc_threadprivate_cached
// (used when the program is compiled without TLS).
type tpVar struct {
	init   []byte
	copies map[int32]uint32
}

func (th *Thread) threadprivate(data, size uint32) uint32 {
	p := th.p
	if size > 1<<30 {
		th.fault("__kmpc_threadprivate_cached: invalid size %d", size)
	}
	p.tpMu.Lock()
	v := p.tp[data]
	if v == nil {
		v = &tpVar{init: append([]byte(nil), th.bytes(data, size)...), copies: map[int32]uint32{}}
		p.tp[data] = v
	}
	a, ok := v.copies[th.gtid]
	p.tpMu.Unlock()
	if th == p.main {
		return data
	}
	if ok {
		return a
	}
	n := max(size, 1)
	a = th.guestAlloc(n, 16)
	copy(th.bytes(a, size), v.init)
	p.tpMu.Lock()
	v.copies[th.gtid] = a
	p.tpMu.Unlock()
	return a
}
