package openmp

import (
	"sync"
	"sync/atomic"
)

// Doacross loops (ordered(n) with depend(sink)/depend(source)): every
// thread of the team calls __kmpc_doacross_init with the bounds of the n
// associated loops, waits for earlier iterations with
// __kmpc_doacross_wait, announces the completion of its own with
// __kmpc_doacross_post and ends with __kmpc_doacross_fini. The team keeps
// one bit per iteration of the whole nest.

// doacrossDimLen is sizeof(struct kmp_dim): lo, up, st as int64.
const doacrossDimLen = 24

// maxDoacrossIters bounds the iteration bitmap of a doacross nest (64 MiB
// of bits).
const maxDoacrossIters = 1 << 29

type doacrossDim struct {
	lo, up, st int64
	trip       uint64
}

// doacrossLoop is the team-wide state of one doacross loop nest.
type doacrossLoop struct {
	dims []doacrossDim
	done []atomic.Uint32 // one bit per iteration, set by post

	mu       sync.Mutex // the fields below: deadlock detection
	entered  int
	finished int
	waiting  map[int]uint64 // thread number -> the iteration it waits for
}

// doacrossPriv is a thread's view of its current doacross loop.
type doacrossPriv struct {
	sh  *doacrossLoop
	seq uint64
}

// doacrossInit implements __kmpc_doacross_init.
func (th *Thread) doacrossInit(ndims, dimsAddr uint32) {
	c := &th.cur
	if ndims == 0 || ndims > 64 {
		th.fault("__kmpc_doacross_init: %d loops in an ordered(n) nest", ndims)
	}
	if c.doacross != nil {
		th.fault("__kmpc_doacross_init inside another doacross loop of the same team (missing __kmpc_doacross_fini)")
	}
	b := th.bytes(dimsAddr, ndims*doacrossDimLen)
	dims := make([]doacrossDim, ndims)
	total := uint64(1)
	for i := range dims {
		e := b[i*doacrossDimLen:]
		d := doacrossDim{lo: int64(le64(e)), up: int64(le64(e[8:])), st: int64(le64(e[16:]))}
		if d.st == 0 {
			th.fault("__kmpc_doacross_init: loop %d of the ordered nest has a zero increment", i+1)
		}
		d.trip = tripCount(k64, uint64(d.lo), uint64(d.up), d.st)
		dims[i] = d
		if d.trip == 0 {
			total = 0
		} else if total != 0 {
			if d.trip > maxDoacrossIters || total*d.trip > maxDoacrossIters {
				th.fault("doacross loop nest with more than %d iterations is not supported", maxDoacrossIters)
			}
			total *= d.trip
		}
	}
	c.loopSeq++
	seq := c.loopSeq
	tm := c.team
	var sh *doacrossLoop
	if tm.n == 1 {
		sh = &doacrossLoop{}
	} else {
		tm.mu.Lock()
		if tm.doacross == nil {
			tm.doacross = map[uint64]*doacrossLoop{}
		}
		sh = tm.doacross[seq]
		if sh == nil {
			sh = &doacrossLoop{dims: dims, done: make([]atomic.Uint32, (total+31)/32), waiting: map[int]uint64{}}
			tm.doacross[seq] = sh
		}
		tm.mu.Unlock()
		sh.mu.Lock()
		sh.entered++
		sh.mu.Unlock()
	}
	c.doacross = &doacrossPriv{sh: sh, seq: seq}
}

// doacrossIndex is the linear number of the iteration vec (at addr) of
// the nest, or false when the vector is outside the iteration space (a
// sink before the first iteration), which is ignored.
func (th *Thread) doacrossIndex(sh *doacrossLoop, addr uint32) (uint64, bool) {
	n := uint32(len(sh.dims))
	b := th.bytes(addr, 8*n)
	var idx uint64
	for i, d := range sh.dims {
		v := int64(le64(b[8*i:]))
		var off uint64
		if d.st > 0 {
			if v < d.lo || v > d.up {
				return 0, false
			}
			off = uint64(v-d.lo) / uint64(d.st)
		} else {
			if v > d.lo || v < d.up {
				return 0, false
			}
			off = uint64(d.lo-v) / uint64(-d.st)
		}
		idx = idx*d.trip + off
	}
	return idx, true
}

func (sh *doacrossLoop) posted(idx uint64) bool {
	return sh.done[idx/32].Load()&(1<<(idx%32)) != 0
}

// doacrossPriv returns the thread's current doacross loop, or nil when the
// team has a single thread (whose iterations run in order).
func (th *Thread) doacrossCur(what string) *doacrossLoop {
	d := th.cur.doacross
	if d == nil {
		th.fault("%s outside a doacross loop (ordered(n) without __kmpc_doacross_init)", what)
	}
	if th.cur.team.n == 1 {
		return nil
	}
	return d.sh
}

// doacrossWait implements __kmpc_doacross_wait: it waits until the
// iteration vec has been posted.
func (th *Thread) doacrossWait(vec uint32) {
	sh := th.doacrossCur("__kmpc_doacross_wait")
	if sh == nil {
		return
	}
	idx, ok := th.doacrossIndex(sh, vec)
	if !ok || sh.posted(idx) {
		return
	}
	tid := th.cur.tid
	tm := th.cur.team
	sh.mu.Lock()
	sh.waiting[tid] = idx
	sh.mu.Unlock()
	th.waitFor(tm, th.cur.task, func() bool {
		if sh.posted(idx) {
			return true
		}
		if sh.deadlocked(tm.n) {
			th.fault("doacross loop deadlock: every thread waits in depend(sink) for an iteration that no thread will post (is every sink vector lexicographically earlier than its iteration, and does every iteration reach depend(source)?)")
		}
		return false
	})
	sh.mu.Lock()
	delete(sh.waiting, tid)
	sh.mu.Unlock()
}

// deadlocked reports whether every thread of the team has entered the
// loop and either left it or waits for an iteration that is not posted:
// then no thread can post any more.
func (sh *doacrossLoop) deadlocked(n int) bool {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if sh.entered < n || sh.finished+len(sh.waiting) < n {
		return false
	}
	for _, idx := range sh.waiting {
		if sh.posted(idx) {
			return false
		}
	}
	return true
}

// doacrossPost implements __kmpc_doacross_post: iteration vec is complete.
func (th *Thread) doacrossPost(vec uint32) {
	sh := th.doacrossCur("__kmpc_doacross_post")
	if sh == nil {
		return
	}
	idx, ok := th.doacrossIndex(sh, vec)
	if !ok {
		th.fault("__kmpc_doacross_post for an iteration outside the loop nest")
	}
	sh.done[idx/32].Or(1 << (idx % 32))
	th.cur.team.ev.notify()
}

// doacrossFini implements __kmpc_doacross_fini.
func (th *Thread) doacrossFini() {
	c := &th.cur
	d := c.doacross
	if d == nil {
		th.fault("__kmpc_doacross_fini without __kmpc_doacross_init")
	}
	c.doacross = nil
	tm := c.team
	if tm.n == 1 {
		return
	}
	sh := d.sh
	sh.mu.Lock()
	sh.finished++
	last := sh.finished == tm.n
	sh.mu.Unlock()
	// A thread waiting for a post that will never come may now be in a
	// deadlock it has to detect.
	tm.ev.notify()
	if last {
		tm.mu.Lock()
		delete(tm.doacross, d.seq)
		tm.mu.Unlock()
	}
}

func le64(b []byte) uint64 {
	_ = b[7]
	return uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 |
		uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56
}
