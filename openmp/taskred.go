package openmp

import (
	"sort"
	"sync"
)

// Task reductions: taskgroup task_reduction(op: x) with task
// in_reduction(op: x), taskloop reduction(op: x) (clang wraps it in a
// taskgroup with a task reduction) and the task modifier of parallel and
// worksharing reductions (reduction(task, op: x)).
//
// __kmpc_taskred_init describes the items of the taskgroup just begun and
// returns a handle for it. A task participating in the reduction asks for
// its item with __kmpc_task_reduction_get_th_data and gets the private
// copy of the thread executing it, created and initialised on first use.
// When the taskgroup ends, the copies are combined into the shared items
// in thread-number order (reproducible for a given team and schedule).
//
// With the task modifier every thread of the team begins a taskgroup
// (__kmpc_taskred_modifier_init) whose items are its own private copies of
// the list items; the threads share one set of per-thread copies, and the
// last thread to reach __kmpc_task_reduction_modifier_fini combines them
// into its own item, which the ordinary reduction of the construct then
// combines with the others.

// taskredInputLen is sizeof(kmp_taskred_input_t) on wasm32: reduce_shar,
// reduce_orig, reduce_size, reduce_init, reduce_fini, reduce_comb, flags.
const taskredInputLen = 28

// maxTaskredItems bounds the items of one task reduction.
const maxTaskredItems = 1 << 12

// redItem is one reduction item of a taskgroup.
type redItem struct {
	shar, orig, size, init, fini, comb uint32
}

// redCopies are the per-thread private copies of a task reduction's items.
type redCopies struct {
	mu     sync.Mutex
	copies map[*Thread][]uint32 // by thread: the address of its copy of each item
}

// taskRed is the task reduction of one taskgroup.
type taskRed struct {
	id    uint32 // the handle the guest holds
	items []redItem
	c     *redCopies
	mod   *redModifier // the task modifier's shared state (nil otherwise)
	key   redModKey
}

// redModKey identifies a task-modifier reduction in a team: parallel or
// worksharing, and its sequence number among those of the team.
type redModKey struct {
	ws  bool
	seq uint32
}

// redModifier is a task-modifier reduction shared by a team's threads.
type redModifier struct {
	c       *redCopies
	arrived int // threads that reached __kmpc_task_reduction_modifier_fini (under team.mu)
}

// readRedItems reads num kmp_taskred_input_t at data.
func (th *Thread) readRedItems(what string, num, data uint32) []redItem {
	if num == 0 || num > maxTaskredItems {
		th.fault("%s: %d reduction items", what, num)
	}
	b := th.bytes(data, num*taskredInputLen)
	items := make([]redItem, num)
	for i := range items {
		e := b[i*taskredInputLen:]
		w := func(k int) uint32 {
			return uint32(e[4*k]) | uint32(e[4*k+1])<<8 | uint32(e[4*k+2])<<16 | uint32(e[4*k+3])<<24
		}
		it := redItem{shar: w(0), orig: w(1), size: w(2), init: w(3), fini: w(4), comb: w(5)}
		if it.size > 1<<30 {
			th.fault("%s: reduction item of %d bytes", what, it.size)
		}
		if it.comb == 0 {
			th.fault("%s: reduction item %d has no combiner", what, i)
		}
		if it.orig == 0 {
			it.orig = it.shar
		}
		items[i] = it
	}
	return items
}

// registerRed gives the taskgroup's reduction a handle.
func (p *Process) registerRed(g *taskgroup) uint32 {
	p.redMu.Lock()
	defer p.redMu.Unlock()
	if p.reds == nil {
		p.reds = map[uint32]*taskgroup{}
	}
	for {
		p.redNext++
		if p.redNext != 0 && p.reds[p.redNext] == nil {
			break
		}
	}
	p.reds[p.redNext] = g
	return p.redNext
}

func (p *Process) unregisterRed(id uint32) {
	p.redMu.Lock()
	delete(p.reds, id)
	p.redMu.Unlock()
}

func (p *Process) redGroup(id uint32) *taskgroup {
	p.redMu.Lock()
	defer p.redMu.Unlock()
	return p.reds[id]
}

// taskredInit implements __kmpc_taskred_init: the innermost taskgroup of
// the current task gets a task reduction.
func (th *Thread) taskredInit(num, data uint32) uint32 {
	g := th.cur.task.curGroup
	if g == nil {
		th.fault("__kmpc_taskred_init outside a taskgroup")
	}
	if g.red != nil {
		th.fault("__kmpc_taskred_init called twice for one taskgroup")
	}
	r := &taskRed{items: th.readRedItems("__kmpc_taskred_init", num, data), c: &redCopies{copies: map[*Thread][]uint32{}}}
	g.red = r
	r.id = th.p.registerRed(g)
	return r.id
}

// taskredModifierInit implements __kmpc_taskred_modifier_init: each
// thread of the team begins a taskgroup sharing the team's copies.
func (th *Thread) taskredModifierInit(ws bool, num, data uint32) uint32 {
	items := th.readRedItems("__kmpc_taskred_modifier_init", num, data)
	th.taskgroupBegin()
	g := th.cur.task.curGroup
	c := &th.cur
	tm := c.team
	r := &taskRed{items: items}
	if tm.n == 1 {
		r.c = &redCopies{copies: map[*Thread][]uint32{}}
	} else {
		k := 0
		if ws {
			k = 1
		}
		c.redModSeq[k]++
		r.key = redModKey{ws: ws, seq: c.redModSeq[k]}
		tm.mu.Lock()
		if tm.redMods == nil {
			tm.redMods = map[redModKey]*redModifier{}
		}
		m := tm.redMods[r.key]
		if m == nil {
			m = &redModifier{c: &redCopies{copies: map[*Thread][]uint32{}}}
			tm.redMods[r.key] = m
		}
		tm.mu.Unlock()
		r.mod, r.c = m, m.c
	}
	g.red = r
	r.id = th.p.registerRed(g)
	return r.id
}

// taskredModifierFini implements __kmpc_task_reduction_modifier_fini: the
// thread's taskgroup ends; the last thread of the team combines.
func (th *Thread) taskredModifierFini() {
	cur := th.cur.task
	g := cur.curGroup
	if g == nil || g.red == nil {
		th.fault("__kmpc_task_reduction_modifier_fini without __kmpc_taskred_modifier_init")
	}
	r := g.red
	th.waitGroup(g)
	th.p.unregisterRed(r.id)
	if r.mod == nil {
		th.combineRed(r)
	} else {
		tm := th.cur.team
		tm.mu.Lock()
		r.mod.arrived++
		last := r.mod.arrived == tm.n
		if last {
			delete(tm.redMods, r.key)
		}
		tm.mu.Unlock()
		if last {
			th.combineRed(r)
		}
	}
	cur.curGroup = g.parent
}

// taskredData implements __kmpc_task_reduction_get_th_data: the calling
// thread's copy of the item at data (a shared item, or another thread's
// copy of it) of the reduction handle names, or of the innermost
// enclosing taskgroup with that item when handle is 0.
func (th *Thread) taskredData(handle, data uint32) uint32 {
	var g *taskgroup
	if handle != 0 {
		if g = th.p.redGroup(handle); g == nil {
			th.fault("__kmpc_task_reduction_get_th_data: %#x is not the handle of an active task reduction", handle)
		}
	} else {
		g = th.cur.task.curGroup
	}
	for ; g != nil; g = g.parent {
		r := g.red
		if r == nil {
			continue
		}
		for i, it := range r.items {
			if it.shar == data {
				return th.redCopy(r)[i]
			}
		}
		r.c.mu.Lock()
		idx := -1
		for _, cp := range r.c.copies {
			for i, a := range cp {
				if a == data {
					idx = i
				}
			}
		}
		r.c.mu.Unlock()
		if idx >= 0 {
			return th.redCopy(r)[idx]
		}
	}
	th.fault("__kmpc_task_reduction_get_th_data: %#x is not a reduction item of an enclosing taskgroup (in_reduction without a matching task_reduction?)", data)
	return 0
}

// redCopy returns th's copies of r's items, creating them on first use:
// each is initialised by the item's initialiser (zero-filled without one).
func (th *Thread) redCopy(r *taskRed) []uint32 {
	c := r.c
	c.mu.Lock()
	cp := c.copies[th]
	c.mu.Unlock()
	if cp != nil {
		return cp
	}
	cp = make([]uint32, len(r.items))
	for i, it := range r.items {
		a := th.guestAlloc(max(it.size, 1), 16)
		clear(th.bytes(a, max(it.size, 1)))
		if it.init != 0 {
			th.callPair(it.init, a, it.orig)
		}
		cp[i] = a
	}
	c.mu.Lock()
	c.copies[th] = cp
	c.mu.Unlock()
	return cp
}

// combineRed combines every thread's copies into r's shared items, in
// thread-number order, then finalises and frees the copies.
func (th *Thread) combineRed(r *taskRed) {
	c := r.c
	c.mu.Lock()
	ths := make([]*Thread, 0, len(c.copies))
	for t := range c.copies {
		ths = append(ths, t)
	}
	c.mu.Unlock()
	sort.Slice(ths, func(i, j int) bool { return ths[i].gtid < ths[j].gtid })
	for _, t := range ths {
		cp := c.copies[t]
		for i, it := range r.items {
			th.callPair(it.comb, it.shar, cp[i])
			if it.fini != 0 {
				th.callOne(it.fini, cp[i])
			}
			th.guestFree(cp[i])
		}
	}
	c.mu.Lock()
	c.copies = nil
	c.mu.Unlock()
}
