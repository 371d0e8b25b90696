package openmp

import (
	"sync/atomic"
)

// Schedule types of the libomp ABI (enum sched_type).
const (
	schStaticChunked   = 33
	schStatic          = 34
	schDynamic         = 35
	schGuided          = 36
	schRuntime         = 37
	schAuto            = 38
	schTrapezoidal     = 39
	schStaticGreedy    = 40
	schStaticBalanced  = 41
	schGuidedIterative = 42
	schGuidedAnalytic  = 43
	schStaticSteal     = 44
	schBalancedChunked = 45
	schGuidedSimd      = 46
	schRuntimeSimd     = 47
	schDistChunked     = 91  // kmp_distribute_static_chunked
	schDist            = 92  // kmp_distribute_static
	schOrderedOffset   = 32  // kmp_ord_* = kmp_sch_* + 32
	schNomergeOffset   = 128 // kmp_nm_* = kmp_sch_* + 128
	schModifierMask    = 3 << 29
)

// ivKind is the type of a loop's iteration variable.
type ivKind struct {
	bits   int // 32 or 64
	signed bool
}

// less compares two values held as 64-bit patterns (32-bit values sign- or
// zero-extended).
func (k ivKind) less(a, b uint64) bool {
	if k.signed {
		return int64(a) < int64(b)
	}
	return a < b
}

// extend widens a value read from guest memory or an argument.
func (k ivKind) extend(v uint64) uint64 {
	if k.bits == 32 {
		if k.signed {
			return uint64(int64(int32(uint32(v))))
		}
		return uint64(uint32(v))
	}
	return v
}

// wrap reduces a 64-bit result to the iteration variable's type.
func (k ivKind) wrap(v uint64) uint64 {
	if k.bits == 32 {
		return k.extend(uint64(uint32(v)))
	}
	return v
}

// emptyRange gives the calling thread no iteration: the lower bound is
// moved past the upper one (or the upper one before the lower one when
// that would overflow).
func (th *Thread) emptyRange(k ivKind, plower, pupper uint32, lb, ub uint64, incr int64) {
	past := k.wrap(ub + uint64(incr))
	if (incr > 0 && k.less(ub, past)) || (incr < 0 && k.less(past, ub)) {
		th.writeIV(k, plower, past)
		return
	}
	th.writeIV(k, plower, lb)
	th.writeIV(k, pupper, k.wrap(lb-uint64(incr)))
}

func (th *Thread) readIV(k ivKind, addr uint32) uint64 {
	if k.bits == 32 {
		return k.extend(uint64(th.u32(addr)))
	}
	return th.u64(addr)
}

func (th *Thread) writeIV(k ivKind, addr uint32, v uint64) {
	if k.bits == 32 {
		th.put32(addr, uint32(v))
		return
	}
	th.put64(addr, v)
}

// tripCount is the number of iterations of lb, lb+st, ... up to ub
// (inclusive; down to ub when st is negative).
func tripCount(k ivKind, lb, ub uint64, st int64) uint64 {
	if st > 0 {
		if k.less(ub, lb) {
			return 0
		}
		return (ub-lb)/uint64(st) + 1
	}
	if k.less(lb, ub) {
		return 0
	}
	return (lb-ub)/uint64(-st) + 1
}

// balanced is thread tid's share of trip iterations split as evenly as
// possible over n threads: [begin, begin+count).
func balanced(trip uint64, tid, n int) (begin, count uint64) {
	small, extras := trip/uint64(n), trip%uint64(n)
	t := uint64(tid)
	begin = t*small + min(t, extras)
	count = small
	if t < extras {
		count++
	}
	return begin, count
}

// staticInit implements __kmpc_for_static_init_{4,4u,8,8u}: it narrows
// [*plower, *pupper] to the calling thread's part of the loop.
func (th *Thread) staticInit(k ivKind, sched int32, plast, plower, pupper, pstride uint32, incr, chunk int64) {
	c := &th.cur
	n, tid := c.team.n, c.tid
	lb, ub := th.readIV(k, plower), th.readIV(k, pupper)
	if incr == 0 {
		th.fault("worksharing loop with a zero increment")
	}
	trip := tripCount(k, lb, ub, incr)
	s := sched &^ schModifierMask
	if s >= schStaticChunked+schNomergeOffset && s <= schRuntimeSimd+schNomergeOffset {
		s -= schNomergeOffset
	}
	switch s {
	case schDist, schDistChunked:
		// distribute: the loop is divided among the teams of the league
		n, tid = th.distributeTeams()
		s -= schDist - schStatic
	}
	last := uint32(0)
	switch {
	case trip == 0:
		th.writeIV(k, pstride, uint64(incr))
	case n == 1 && !(s == schStaticChunked && chunk > 0) && s != schBalancedChunked:
		// A chunked schedule keeps its chunks with one thread: clang's
		// code for schedule(static, 1) in distribute parallel for steps
		// by the stride, one iteration at a time.
		last = 1
		th.writeIV(k, pstride, trip*uint64(incr))
	case s == schStatic || s == schStaticGreedy || s == schStaticBalanced || (s == schStaticChunked && chunk <= 0):
		begin, count := balanced(trip, tid, n)
		if count == 0 {
			th.emptyRange(k, plower, pupper, lb, ub, incr)
		} else {
			lower := lb + begin*uint64(incr)
			th.writeIV(k, plower, lower)
			th.writeIV(k, pupper, lower+(count-1)*uint64(incr))
			if begin+count == trip {
				last = 1
			}
		}
		th.writeIV(k, pstride, trip*uint64(incr))
	case s == schStaticChunked:
		ch := uint64(chunk)
		span := ch * uint64(incr)
		lower := lb + uint64(tid)*span
		th.writeIV(k, plower, lower)
		th.writeIV(k, pupper, lower+span-uint64(incr))
		th.writeIV(k, pstride, span*uint64(n))
		if uint64(tid) == ((trip-1)/ch)%uint64(n) {
			last = 1
		}
	case s == schBalancedChunked:
		ch := uint64(max(chunk, 1))
		span := (trip + uint64(n) - 1) / uint64(n)
		span = (span + ch - 1) / ch * ch
		lower := lb + uint64(tid)*span*uint64(incr)
		upper := lower + (span-1)*uint64(incr)
		if uint64(tid)*span >= trip {
			th.emptyRange(k, plower, pupper, lb, ub, incr)
		} else {
			if uint64(tid+1)*span >= trip {
				upper = ub
				last = 1
			}
			th.writeIV(k, plower, lower)
			th.writeIV(k, pupper, upper)
		}
		th.writeIV(k, pstride, span*uint64(n)*uint64(incr))
	default:
		th.fault("static loop schedule %d is not supported", sched)
	}
	if plast != 0 {
		th.put32(plast, last)
	}
}

// sharedLoop is the team-wide state of a dispatched loop.
type sharedLoop struct {
	trip        uint64
	next        atomic.Uint64 // next logical iteration to hand out
	finished    atomic.Int32  // threads that got their last chunk
	orderedNext atomic.Uint64 // logical iteration allowed into the ordered region
}

// Resolved schedules of a dispatched loop.
const (
	dispStatic = iota
	dispStaticChunked
	dispDynamic
	dispGuided
)

// loopPriv is one thread's state in a dispatched loop.
type loopPriv struct {
	sh      *sharedLoop
	seq     uint64
	kind    ivKind
	lb      uint64
	st      int64
	sched   int
	chunk   uint64
	ordered bool
	round   uint64 // static: chunks taken
	done    bool
	cur     uint64 // ordered: the logical iteration being executed
	bumped  bool   // ordered: the current iteration passed its ordered region
}

// dispatchInit implements __kmpc_dispatch_init_*.
func (th *Thread) dispatchInit(k ivKind, sched int32, lb, ub uint64, st, chunk int64) {
	c := &th.cur
	tm := c.team
	if st == 0 {
		th.fault("worksharing loop with a zero increment")
	}
	lb, ub = k.extend(lb), k.extend(ub)
	s := sched &^ schModifierMask
	if s >= schStaticChunked+schNomergeOffset && s <= schRuntimeSimd+schNomergeOffset+schOrderedOffset {
		s -= schNomergeOffset
	}
	ordered := false
	if s >= schStaticChunked+schOrderedOffset && s <= schTrapezoidal+schOrderedOffset {
		ordered = true
		s -= schOrderedOffset
	}
	if s == schRuntime || s == schRuntimeSimd {
		v := c.task.icv
		switch v.schedKind &^ SchedMonotonic {
		case SchedDynamic:
			s = schDynamic
		case SchedGuided:
			s = schGuided
		case SchedAuto:
			s = schAuto
		default:
			s = schStatic
			if v.schedChk > 0 {
				s = schStaticChunked
			}
		}
		chunk = int64(v.schedChk)
	}
	lp := &loopPriv{kind: k, lb: lb, st: st, ordered: ordered}
	switch s {
	case schStatic, schStaticGreedy, schStaticBalanced, schAuto:
		lp.sched = dispStatic
	case schStaticChunked, schBalancedChunked:
		lp.sched = dispStaticChunked
		if chunk <= 0 {
			lp.sched = dispStatic
		}
	case schDynamic, schStaticSteal:
		lp.sched = dispDynamic
	case schGuided, schGuidedIterative, schGuidedAnalytic, schGuidedSimd, schTrapezoidal:
		lp.sched = dispGuided
	default:
		th.fault("loop schedule %d is not supported", sched)
	}
	lp.chunk = uint64(max(chunk, 1))
	trip := tripCount(k, lb, ub, st)
	c.loopSeq++
	lp.seq = c.loopSeq
	var sh *sharedLoop
	if tm.n == 1 {
		sh = &sharedLoop{trip: trip}
	} else {
		tm.mu.Lock()
		sh = tm.loops[lp.seq]
		if sh == nil {
			sh = &sharedLoop{trip: trip}
			tm.loops[lp.seq] = sh
		}
		tm.mu.Unlock()
	}
	lp.sh = sh
	c.loop = lp
}

// dispatchNext implements __kmpc_dispatch_next_*: the next chunk of the
// calling thread, or 0 when the loop is finished for it.
func (th *Thread) dispatchNext(plast, plower, pupper, pstride uint32) int32 {
	c := &th.cur
	lp := c.loop
	if lp == nil || lp.done {
		th.fault("__kmpc_dispatch_next without __kmpc_dispatch_init")
	}
	sh := lp.sh
	n, tid := c.team.n, c.tid
	trip := sh.trip
	var begin, end uint64
	ok := false
	switch lp.sched {
	case dispStatic:
		if lp.round == 0 {
			lp.round = 1
			b, cnt := balanced(trip, tid, n)
			begin, end, ok = b, b+cnt, cnt > 0
		}
	case dispStaticChunked:
		idx := lp.round*uint64(n) + uint64(tid)
		lp.round++
		if b := idx * lp.chunk; idx < (trip+lp.chunk-1)/lp.chunk {
			begin, end, ok = b, min(b+lp.chunk, trip), true
		}
	case dispDynamic:
		if sh.next.Load() < trip {
			b := sh.next.Add(lp.chunk) - lp.chunk
			if b < trip {
				begin, end, ok = b, min(b+lp.chunk, trip), true
			}
		}
	case dispGuided:
		for {
			b := sh.next.Load()
			if b >= trip {
				break
			}
			rem := trip - b
			size := max(lp.chunk, (rem+2*uint64(n)-1)/(2*uint64(n)))
			size = min(size, rem)
			if sh.next.CompareAndSwap(b, b+size) {
				begin, end, ok = b, b+size, true
				break
			}
		}
	}
	if !ok {
		lp.done = true
		if sh.finished.Add(1) == int32(n) && n > 1 {
			tm := c.team
			tm.mu.Lock()
			delete(tm.loops, lp.seq)
			tm.mu.Unlock()
		}
		c.loop = nil
		return 0
	}
	k := lp.kind
	st := uint64(lp.st)
	th.writeIV(k, plower, lp.lb+begin*st)
	th.writeIV(k, pupper, lp.lb+(end-1)*st)
	if pstride != 0 {
		th.writeIV(k, pstride, st)
	}
	if plast != 0 {
		last := uint32(0)
		if end == trip {
			last = 1
		}
		th.put32(plast, last)
	}
	lp.cur, lp.bumped = begin, false
	return 1
}

// waitOrdered waits until the current iteration may enter its ordered
// region.
func (th *Thread) waitOrdered(lp *loopPriv) {
	sh := lp.sh
	if sh.orderedNext.Load() == lp.cur {
		return
	}
	tm := th.cur.team
	th.waitFor(tm, th.cur.task, func() bool { return sh.orderedNext.Load() == lp.cur })
}

// ordered implements __kmpc_ordered.
func (th *Thread) ordered() {
	lp := th.cur.loop
	if lp == nil || !lp.ordered || th.cur.team.n == 1 {
		return
	}
	th.waitOrdered(lp)
}

// endOrdered implements __kmpc_end_ordered: the next iteration may enter.
func (th *Thread) endOrdered() {
	lp := th.cur.loop
	if lp == nil || !lp.ordered || th.cur.team.n == 1 {
		return
	}
	lp.sh.orderedNext.Store(lp.cur + 1)
	lp.bumped = true
	th.cur.team.ev.notify()
}

// dispatchFini implements __kmpc_dispatch_fini_*, called after each
// iteration of an ordered loop: an iteration that skipped its ordered
// region still takes its turn.
func (th *Thread) dispatchFini() {
	lp := th.cur.loop
	if lp == nil || !lp.ordered {
		return
	}
	if th.cur.team.n > 1 && !lp.bumped {
		th.waitOrdered(lp)
		lp.sh.orderedNext.Store(lp.cur + 1)
		th.cur.team.ev.notify()
	}
	lp.bumped = false
	lp.cur++
}
