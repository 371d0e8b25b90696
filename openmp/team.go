package openmp

import (
	"context"
	"sync"
	"sync/atomic"
)

// team is the set of threads executing one parallel region.
type team struct {
	p         *Process
	parent    *team
	parentTid int // the master's thread number in the parent team
	level     int // nesting level (the initial team is 0)
	active    int // active (more than one thread) enclosing levels, this one included
	n         int
	members   []*Thread
	implicit  []*task
	micro     uint32
	args      []uint32

	// Teams: league is the league of the team the region runs in (nil
	// outside teams), teamNum that team's number in it; teamsRoot marks
	// a team's own team of one, isLeague the league itself. teamsLimit is
	// the league's thread limit (0 outside teams).
	league     *team
	teamNum    int
	teamsRoot  bool
	isLeague   bool
	teamsLimit int

	ev       event // any change a waiting member may be waiting for
	barCount atomic.Int32
	barGen   atomic.Uint32

	single atomic.Uint32 // single constructs claimed so far

	mu    sync.Mutex // loops, doacross, redMods and the task queue
	loops map[uint64]*sharedLoop
	// doacross loops in progress, by loop sequence number
	doacross map[uint64]*doacrossLoop
	// task-modifier reductions in progress
	redMods map[redModKey]*redModifier
	queue   []*task
	pending atomic.Int32 // explicit tasks created and not yet completed
	depMu   sync.Mutex   // task dependences of every task of the team

	cpy        atomic.Uint32   // copyprivate: the data of the thread that executed single
	red        []atomic.Uint64 // reduction deposits: round<<32 | reduce_data
	redRelease atomic.Uint32   // last reduction round the master has combined
}

func (tm *team) init() {
	if tm.n > 1 {
		tm.loops = map[uint64]*sharedLoop{}
		tm.red = make([]atomic.Uint64, tm.n)
	}
}

// serialized reports whether the team has a single thread.
func (tm *team) serialized() bool { return tm.n == 1 }

// enterTeam makes th member tid of tm.
func (th *Thread) enterTeam(tm *team, tid int) {
	th.saved = append(th.saved, th.cur)
	impl := tm.implicit[tid]
	th.cur = teamCtx{team: tm, tid: tid, task: impl, implicit: impl}
	th.publishTask()
}

// leaveTeam returns th to the team it was in before enterTeam.
func (th *Thread) leaveTeam() {
	n := len(th.saved)
	th.cur = th.saved[n-1]
	th.saved[n-1] = teamCtx{}
	th.saved = th.saved[:n-1]
	th.publishTask()
}

// newTeam builds a team of the given threads (workers[0] is the master)
// nested in the master's current team.
func (th *Thread) newTeam(members []*Thread, micro uint32, args []uint32) *team {
	parent := th.cur.team
	n := len(members)
	tm := &team{p: th.p, parent: parent, parentTid: th.cur.tid, level: parent.level + 1, active: parent.active,
		n: n, members: members, micro: micro, args: args,
		league: parent.league, teamNum: parent.teamNum, teamsLimit: parent.teamsLimit}
	if n > 1 {
		tm.active++
	}
	tm.init()
	pv := th.cur.task.icv
	next := pv
	if len(pv.nthreads) > 1 || len(pv.bind) > 1 {
		next = pv.clone()
		next.nthreads = pv.nextLevel()
		if len(pv.bind) > 1 {
			next.bind = pv.bind[1:]
		}
	}
	// The implicit tasks share the ICVs until one of them sets one
	// (icvForWrite copies them then).
	tasks := make([]task, n)
	tm.implicit = make([]*task, n)
	for i := range tasks {
		tasks[i] = task{implicit: true, team: tm, thread: members[i], icv: next}
		tm.implicit[i] = &tasks[i]
	}
	return tm
}

// teamSize decides the size of the next team forked by th.
func (th *Thread) teamSize() int {
	n := int(th.pushedThreads)
	th.pushedThreads = 0
	if n <= 0 {
		n = th.cur.task.icv.nthreads[0]
	}
	if th.cur.team.active >= th.p.maxActiveLevels() {
		n = 1
	}
	if l := th.cur.team.teamsLimit; l > 0 {
		n = min(n, l)
	}
	return max(n, 1)
}

// acquireWorkers gets k threads for a team th is forking: first th's hot
// team (the workers of its previous region), then idle threads, then new
// ones up to the thread limit (it returns fewer when the limit is reached).
func (th *Thread) acquireWorkers(k int) []*Thread {
	p := th.p
	ws := make([]*Thread, 0, k)
	take := min(k, len(th.hot))
	ws = append(ws, th.hot[:take]...)
	rest := th.hot[take:]
	th.hot = nil
	p.mu.Lock()
	p.idle = append(p.idle, rest...)
	for len(ws) < k && len(p.idle) > 0 {
		w := p.idle[len(p.idle)-1]
		p.idle = p.idle[:len(p.idle)-1]
		ws = append(ws, w)
	}
	create := min(k-len(ws), p.set.threadLimit-len(p.threads)-p.creating)
	if create < 0 {
		create = 0
	}
	first := int32(len(p.threads) + p.creating)
	p.creating += create
	p.mu.Unlock()
	var made []*Thread
	var err error
	for i := 0; i < create && err == nil; i++ {
		var w *Thread
		if w, err = p.newWorker(th, first+int32(i)); err == nil {
			made = append(made, w)
		}
	}
	p.mu.Lock()
	p.creating -= create
	// gtids are assigned in creation order; a failed creation leaves a gap.
	p.threads = append(p.threads, made...)
	if err != nil {
		p.idle = append(append(p.idle, ws...), made...)
	}
	p.mu.Unlock()
	if err != nil {
		th.fault("cannot create an OpenMP thread: %v", err)
	}
	return append(ws, made...)
}

// releaseHot gives th's hot team back to the idle pool (th is a worker
// leaving a team, so it will not fork again from there).
func (th *Thread) releaseHot() {
	if len(th.hot) == 0 {
		return
	}
	p := th.p
	p.mu.Lock()
	p.idle = append(p.idle, th.hot...)
	p.mu.Unlock()
	th.hot = nil
}

// fork runs a parallel region: the microtask on a new team of threads,
// th being its master, then the join.
func (th *Thread) fork(ctx context.Context, micro uint32, args []uint32) {
	n := th.teamSize()
	var workers []*Thread
	if n > 1 {
		workers = th.acquireWorkers(n - 1)
	}
	members := make([]*Thread, 1, 1+len(workers))
	members[0] = th
	members = append(members, workers...)
	tm := th.newTeam(members, micro, args)
	for i, w := range workers {
		w.assign(tm, i+1)
	}
	th.enterTeam(tm, 0)
	err := th.callMicrotask(ctx, micro, args, 0)
	if err != nil {
		th.leaveTeam()
		th.p.fail(err, th.gtid)
		panic(err)
	}
	th.barrier(tm)
	th.leaveTeam()
	if n > 1 {
		// Workers of regions nested in this one go back to the pool.
		th.releaseHot()
		th.hot = workers
	}
	for _, w := range workers {
		if err := w.checkStack(); err != nil {
			th.p.fail(err, w.gtid)
			panic(err)
		}
	}
}

// serializedBegin enters a team of one (__kmpc_serialized_parallel).
func (th *Thread) serializedBegin() {
	th.pushedThreads = 0
	tm := th.newTeam([]*Thread{th}, 0, nil)
	th.enterTeam(tm, 0)
}

// serializedEnd leaves it.
func (th *Thread) serializedEnd() {
	if len(th.saved) == 0 || th.cur.team.n != 1 || th.cur.team.level == 0 {
		th.fault("__kmpc_end_serialized_parallel without a matching __kmpc_serialized_parallel")
	}
	th.drainTasks(th.cur.team)
	th.leaveTeam()
}

// barrier waits until every member of tm has arrived and every task of
// the team is complete, executing tasks meanwhile.
func (th *Thread) barrier(tm *team) {
	if tm.n == 1 {
		th.drainTasks(tm)
		return
	}
	gen := tm.barGen.Load()
	if tm.barCount.Add(1) == int32(tm.n) {
		tm.ev.notify()
	}
	for {
		seen := tm.ev.seq.Load()
		if tm.barGen.Load() != gen {
			return
		}
		if tk := tm.pop(nil); tk != nil {
			th.runTask(tk)
			continue
		}
		if tm.barCount.Load() == int32(tm.n) && tm.pending.Load() == 0 {
			if tm.barCount.CompareAndSwap(int32(tm.n), 0) {
				tm.barGen.Add(1)
				tm.ev.notify()
				return
			}
			continue
		}
		if !tm.ev.wait(seen, th.p.set.spin, th.p.abort) {
			th.unwind()
		}
	}
}

// waitFor runs tasks accepted by eligible (nil: any) until done reports
// true.
func (th *Thread) waitFor(tm *team, eligible *task, done func() bool) {
	for {
		seen := tm.ev.seq.Load()
		if done() {
			return
		}
		if tk := tm.pop(eligible); tk != nil {
			th.runTask(tk)
			continue
		}
		if !tm.ev.wait(seen, th.p.set.spin, th.p.abort) {
			th.unwind()
		}
	}
}

// single reports whether th executes the next single construct of its team.
func (th *Thread) single() bool {
	c := &th.cur
	c.construct++
	if c.team.n == 1 {
		return true
	}
	return c.team.single.CompareAndSwap(c.construct-1, c.construct)
}

// copyprivate broadcasts the data of the thread that executed the single
// region: the others copy it with copyFn(theirs, its).
func (th *Thread) copyprivate(data, copyFn uint32, didit bool) {
	tm := th.cur.team
	if tm.n == 1 {
		return
	}
	if didit {
		tm.cpy.Store(data)
	}
	th.barrier(tm)
	if !didit {
		th.callPair(copyFn, data, tm.cpy.Load())
	}
	th.barrier(tm)
}

// Reduction method codes returned to the compiled code.
const (
	reduceCombine = 1 // combine into the shared variables (after the team's values were gathered)
	reduceNothing = 0 // nothing left to do
)

// reduce implements __kmpc_reduce(_nowait) with a deterministic gather:
// every thread but the master deposits its reduce_data; the master
// combines them in thread order with reduceFn and then adds the result to
// the shared variables itself (code 1). The others get 0. With blocking,
// the others wait until the master's __kmpc_end_reduce (a barrier);
// without, until the master has consumed their data.
func (th *Thread) reduce(data, reduceFn uint32, blocking bool) int32 {
	c := &th.cur
	tm, tid := th.reductionTeam()
	if tm.n == 1 {
		return reduceCombine
	}
	c.redSeq++
	round := c.redSeq
	if tid != 0 {
		tm.red[tid].Store(uint64(round)<<32 | uint64(data))
		tm.ev.notify()
		if blocking {
			// a barrier: task scheduling point
			th.waitFor(tm, nil, func() bool { return int32(tm.redRelease.Load()-round) >= 0 })
		} else {
			th.waitFor(tm, th.cur.task, func() bool { return int32(tm.redRelease.Load()-round) >= 0 })
		}
		return reduceNothing
	}
	var eligible *task
	if !blocking {
		eligible = th.cur.task
	}
	for i := 1; i < tm.n; i++ {
		slot := &tm.red[i]
		th.waitFor(tm, eligible, func() bool { return uint32(slot.Load()>>32) == round })
		th.callPair(reduceFn, data, uint32(slot.Load()))
	}
	if !blocking {
		tm.redRelease.Store(round)
		tm.ev.notify()
	}
	return reduceCombine
}

// endReduce finishes a blocking reduction on the master: it waits for the
// team's tasks (the construct ends with a barrier) and releases the others.
func (th *Thread) endReduce() {
	c := &th.cur
	tm, tid := th.reductionTeam()
	if tm.n == 1 || tid != 0 {
		return
	}
	th.waitFor(tm, nil, func() bool { return tm.pending.Load() == 0 })
	tm.redRelease.Store(c.redSeq)
	tm.ev.notify()
}
