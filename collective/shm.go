package collective

// Shared-memory collectives.
//
// When every rank of an intracommunicator lives in this process, a rank can
// read its peers' buffers directly: guest memory never moves, and the ranks
// are goroutines of one process. Barrier, Bcast, Reduce, Allreduce and
// Allgather then skip the matching engine. The ranks of the communicator
// meet in a slot (one per communicator, found through the Shared domain
// that the caller attaches to the context with WithShared), publish views
// of their buffers in it, and synchronise on a counting barrier built on
// atomics:
//
//	arrive: read the epoch e; add 1 to the arrival count. The last to
//	        arrive resets the count, sets the epoch to e+1 and wakes the
//	        others; they poll (or yield, when ranks outnumber processors)
//	        for a while, then wait on their endpoint (comm.Endpoint.WaitFor:
//	        poll, then sleep on the rank's waker) until the epoch differs
//	        from e.
//
// The barrier's atomics order what a rank wrote before arriving before what
// the others read after leaving, so every read of a peer's buffer is
// synchronised (the race detector agrees).
//
// Published entries come in two sets, chosen by the parity of the epoch at
// the time of publishing: a rank rewrites the set it used in one call only
// two barriers later, when every peer has certainly finished reading it.
// Small messages are copied into the slot (each rank owns a staging buffer
// per set); their peers read the copy, so the call needs a single barrier
// and a rank may return, and reuse its buffers, as soon as it has its
// result. Large ones are read straight from the owner's memory, which
// costs a barrier at the end so that nobody returns while a peer still
// reads its buffers. Whether a call is small or large is decided on lengths
// every rank sees after the first barrier (the root's, or the common length
// once all are known to agree), so all ranks decide alike.
//
// # Algorithms
//
//   - Barrier: one arrival.
//   - Bcast: small: the root stages its buffer, barrier, everyone copies the
//     staged bytes. Large: barrier, everyone copies from the root's buffer,
//     barrier.
//   - Allgather: as Bcast, every rank being the root of its own block.
//   - Reduce and Allreduce keep the order of combination of coll_reduce.go
//     (the binomial bracketing over ranks 0..n-1, lower ranks on the left),
//     so results are bit-identical to the message-based algorithms, on every
//     rank and for every root. Small: every rank stages its input, barrier,
//     then each rank that needs the result (all for Allreduce, the root for
//     Reduce) combines the staged inputs itself. Large: barrier, rank i
//     combines segment i (a whole number of elements) of every input into
//     segment i of the result (its own for Allreduce, the root's for
//     Reduce), barrier; for Allreduce everyone then copies the other
//     segments from their owners, barrier.
//
// # Choice and restrictions
//
// The shared path is taken when the context carries a Shared domain, the
// communicator has at least two ranks, all of them in this process (the
// world uses the in-process transport: comm.World.AllLocal), and it
// is not a copy pinned by comm.Comm.PinCollSeq. Bcast and Reduce on two
// ranks keep the single point-to-point message, which (when small) lets the
// sender return at once instead of meeting the receiver: measured in wasm,
// the shared path was up to 3x slower there. Pinned copies run the
// collectives that may proceed concurrently with the rank's other calls
// (nonblocking and persistent collectives, steps of intercommunicator
// collectives, Comm_idup); they keep the message-based algorithms, whose
// tags keep concurrent operations apart. The choice depends only on things
// every rank of the communicator agrees on, so all ranks take the same path
// for the same call. The call still draws its collective sequence number,
// so the numbering stays aligned with the nonblocking collectives.
//
// # Errors
//
// Errors every rank sees alike (invalid root or operation) are returned
// before the first barrier, as before. Every rank also publishes its input
// length and whether its own arguments were wrong; after the first barrier
// each rank checks them all, so all ranks agree to stop without reading
// anything: a rank whose own arguments were wrong returns its error; the
// others of an Allreduce or Allgather, and the root of a Reduce, return
// ErrOther naming the culprit; a non-root of a Bcast fails only for its own
// buffer (too small: ErrTruncate, too large: ErrOther).
//
// A wait that ends because the context is cancelled or the job stopped
// leaves the slot's barrier count inconsistent; the slot is then marked
// broken and every later shared collective on that communicator fails with
// ErrOther instead of synchronising wrongly.

import (
	"context"
	"math/bits"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/wasmpi/wasmpi/comm"
)

// Up to these many bytes, a message is copied into the slot (one barrier);
// above, peers read it where it is (two or three barriers). Reductions
// combine the whole staged vector on every rank, so their limit is lower.
const (
	bcastStageMax  = 16 << 10
	reduceStageMax = 2 << 10
	// spareMax is the scratch a rank keeps per communicator for
	// combining; larger scratch comes from the pool.
	spareMax = 16 << 10
)

// A waiter at a barrier first polls pollFirst times when every rank of the
// communicator can have a processor, or yields its processor for up to
// yieldFor when ranks outnumber processors (so that the ranks still
// computing run); then it waits on its endpoint like any MPI wait
// (comm.Endpoint.WaitFor: poll, yield, sleep until woken), which also ends
// when the job stops.
const (
	pollFirst = 256
	yieldFor  = 50 * time.Microsecond
)

// Shared is where the ranks of one process meet for shared-memory
// collectives: it holds one slot per communicator. A job shares one Shared
// among all its ranks. The zero value is ready to use.
type Shared struct {
	slots sync.Map // slotKey -> *slot
}

type sharedCtxKey struct{}

// WithShared returns a context under which the collectives of this package
// use shared memory on communicators whose ranks all live in this process,
// meeting in d. All ranks of a communicator must use the same d.
func WithShared(ctx context.Context, d *Shared) context.Context {
	return context.WithValue(ctx, sharedCtxKey{}, d)
}

func sharedFrom(ctx context.Context) *Shared {
	d, _ := ctx.Value(sharedCtxKey{}).(*Shared)
	return d
}

// slotKey names a communicator across its ranks. A context id together with
// the world rank of the communicator's rank 0 identifies it: communicators
// that share a context id (the results of one Comm_split) have disjoint
// groups, and a process never reuses a context id it has used. The size is
// part of the key so that a mistake cannot make slots of different sizes
// collide; the member list is checked on every call.
type slotKey struct {
	context uint32
	leader  int
	size    int
}

// slot is the meeting place of one communicator's ranks.
type slot struct {
	ranks []int            // world ranks, in communicator order
	eps   []*comm.Endpoint // the ranks' endpoints
	local bool             // every rank lives in this process
	yield bool             // more ranks than processors: waiters yield

	_       [64]byte
	arrived atomic.Int32
	_       [60]byte
	epoch   atomic.Uint64
	_       [56]byte
	broken  atomic.Bool
	// forgotten counts the ranks that have freed the communicator.
	forgotten atomic.Int32

	// ents[set][r] is published by rank r only (see the file comment).
	ents [2][]entry
	// spare[r] is rank r's private scratch for combining small vectors.
	spare [][]byte
}

// entry is what one rank publishes for one call.
type entry struct {
	in    []byte // the input (Bcast: the root's buffer)
	out   []byte // where the result goes (nil when the rank has no valid one)
	stage []byte // the owner's copy of a small input
	n     int    // length of the input in bytes
	bad   bool   // the rank found an error in its own arguments
	_     [128 - 3*24 - 8 - 1]byte
}

func newSlot(c *comm.Comm) *slot {
	n := c.Size()
	w := c.Endpoint().World()
	s := &slot{ranks: make([]int, n), eps: make([]*comm.Endpoint, n), local: w.AllLocal(), yield: n > runtime.GOMAXPROCS(0)}
	for i := range s.ranks {
		s.ranks[i] = c.WorldRank(i)
		s.eps[i] = w.Endpoint(s.ranks[i])
		if s.eps[i] == nil {
			s.local = false
		}
	}
	s.ents[0] = make([]entry, n)
	s.ents[1] = make([]entry, n)
	s.spare = make([][]byte, n)
	return s
}

// sharedSlot returns the slot of c when the call takes the shared-memory
// path, nil when it takes the message-based one.
func sharedSlot(ctx context.Context, c *comm.Comm, k collKind) (*slot, error) {
	if c == nil || c.Size() < 2 || c.Pinned() {
		return nil, nil
	}
	if c.Size() == 2 && (k == kindBcast || k == kindReduce) {
		// One message does it, and an eager send lets the sender run
		// ahead; the shared path would make both ranks meet.
		return nil, nil
	}
	d := sharedFrom(ctx)
	if d == nil {
		return nil, nil
	}
	key := slotKey{context: c.Context(), leader: c.WorldRank(0), size: c.Size()}
	v, ok := d.slots.Load(key)
	if !ok {
		v, _ = d.slots.LoadOrStore(key, newSlot(c))
	}
	s := v.(*slot)
	for i, r := range s.ranks {
		if c.WorldRank(i) != r {
			return nil, comm.Errorf(comm.ErrIntern, "%s: two communicators with context id %d and leader %d have different members (rank %d is world rank %d and %d)",
				kindNames[k], key.context, key.leader, i, r, c.WorldRank(i))
		}
	}
	if !s.local {
		return nil, nil
	}
	if s.broken.Load() {
		return nil, comm.Errorf(comm.ErrOther, "%s: an earlier collective on this communicator was interrupted (cancelled or stopped) while other ranks were in it; the communicator can no longer synchronise", kindNames[k])
	}
	return s, nil
}

// Forget releases the slot of intracommunicator c once every rank of c has
// called it: each rank calls it when it frees c, after its last collective
// on c has returned. A communicator that never used the shared path has no
// slot, and Forget does nothing. Intercommunicators must not be passed:
// their remote group could name another communicator's slot.
func (d *Shared) Forget(c *comm.Comm) {
	if c == nil || c.Size() < 2 {
		return
	}
	key := slotKey{context: c.Context(), leader: c.WorldRank(0), size: c.Size()}
	if v, ok := d.slots.Load(key); ok && v.(*slot).forgotten.Add(1) == int32(c.Size()) {
		d.slots.Delete(key)
	}
}

// beginShared starts a shared-memory call: it draws the sequence number
// (unused here, but the numbering must stay aligned with the ranks' other
// collectives) and returns the per-call state used for error reporting.
func beginShared(ctx context.Context, c *comm.Comm, k collKind) xfer {
	seq := c.NextCollSeq()
	return xfer{ctx: ctx, c: c, kind: k, seq: seq, name: kindNames[k], me: c.Rank(), size: c.Size()}
}

// set returns the entries a rank publishes into before its next arrival.
func (s *slot) set() []entry { return s.ents[s.epoch.Load()&1] }

// await is the barrier: it returns once every rank has arrived, or with an
// error when ctx is done or the job stopped (the slot is then broken).
func (s *slot) await(ctx context.Context, me int) error {
	e := s.epoch.Load()
	if s.arrived.Add(1) == int32(len(s.ranks)) {
		s.arrived.Store(0)
		s.epoch.Store(e + 1)
		for i, ep := range s.eps {
			if i != me {
				ep.Wake()
			}
		}
		return nil
	}
	// Most waits are short: poll (ranks on cores of their own) or yield
	// the processor to the ranks that have not arrived yet (more ranks
	// than cores) for a while before the endpoint's spin-then-sleep wait.
	if s.yield {
		for start, i := time.Now(), 0; ; i++ {
			runtime.Gosched()
			if s.epoch.Load() != e {
				return nil
			}
			if i&7 == 7 && time.Since(start) > yieldFor {
				break
			}
		}
	} else {
		for i := 0; i < pollFirst; i++ {
			if s.epoch.Load() != e {
				return nil
			}
		}
	}
	if err := s.eps[me].WaitFor(ctx, func() bool { return s.epoch.Load() != e }); err != nil {
		s.broken.Store(true)
		return err
	}
	return nil
}

// stage copies b into the entry's staging buffer.
func (en *entry) stageCopy(b []byte) {
	if cap(en.stage) < len(b) {
		en.stage = make([]byte, len(b), 1<<bits.Len(uint(len(b)-1)))
	}
	en.stage = en.stage[:len(b)]
	copy(en.stage, b)
}

// checkPeers verifies after the first barrier that every rank published a
// valid input of the same length as this rank's. It poisons the call with
// ErrOther naming the first rank that did not, unless this rank's own
// arguments were already wrong.
func (x *xfer) checkPeers(ents []entry, n int) {
	for i := range ents {
		if i == x.me {
			continue
		}
		switch {
		case ents[i].bad:
			x.failf(comm.ErrOther, "rank %d failed (its arguments were wrong)", i)
		case ents[i].n != n:
			x.failf(comm.ErrOther, "rank %d passed %d bytes where this rank passed %d (the ranks passed different counts or datatypes)", i, ents[i].n, n)
		}
	}
}

// peersFailed reports whether any rank published an error or a length
// different from ents[0]'s: then every rank stops after the first barrier.
func peersFailed(ents []entry) bool {
	for i := range ents {
		if ents[i].bad || ents[i].n != ents[0].n {
			return true
		}
	}
	return false
}

// barrierShared is Barrier on the shared path.
func (s *slot) barrier(ctx context.Context, c *comm.Comm) error {
	c.NextCollSeq() // keep the numbering aligned (see beginShared)
	return s.await(ctx, c.Rank())
}

// bcastShared is Bcast on the shared path.
func (s *slot) bcast(ctx context.Context, c *comm.Comm, buf []byte, root int) error {
	x := beginShared(ctx, c, kindBcast)
	if err := x.checkRoot(root); err != nil {
		return err
	}
	ents := s.set()
	en := &ents[x.me]
	en.n = len(buf)
	if x.me == root {
		en.in = buf
		if len(buf) <= bcastStageMax {
			en.stageCopy(buf)
		}
	}
	if err := s.await(ctx, x.me); err != nil {
		return err
	}
	r := &ents[root]
	large := r.n > bcastStageMax
	if x.me != root {
		switch {
		case len(buf) < r.n:
			x.failf(comm.ErrTruncate, "the root sends %d bytes, more than the %d bytes this rank receives (the ranks passed different counts or datatypes)", r.n, len(buf))
		case len(buf) > r.n:
			x.failf(comm.ErrOther, "the root sends %d bytes where this rank expects %d (the ranks passed different counts or datatypes)", r.n, len(buf))
		case large:
			copy(buf, r.in)
		default:
			copy(buf, r.stage)
		}
	}
	if large {
		if err := s.await(ctx, x.me); err != nil {
			return err
		}
		if x.me == root {
			en.in = nil
		}
	}
	return x.err
}

// publishReduction publishes a rank's input and result buffer for Reduce
// and Allreduce and stages a small input.
func (s *slot) publishReduction(x *xfer, in, dst []byte) []entry {
	ents := s.set()
	en := &ents[x.me]
	en.n, en.bad, en.in, en.out = len(in), !x.ok(), in, dst
	if x.ok() && len(in) <= reduceStageMax {
		en.stageCopy(in)
	}
	return ents
}

// allreduce is Allreduce on the shared path.
func (s *slot) allreduce(ctx context.Context, c *comm.Comm, sendbuf, recvbuf []byte, t comm.Datatype, op Op) error {
	x := beginShared(ctx, c, kindAllreduce)
	if err := checkOp(x.name, t, op); err != nil {
		return err
	}
	in := sendbuf
	if in == nil {
		in = recvbuf
	}
	x.checkElems("input", in, t)
	var dst []byte
	if len(recvbuf) < len(in) {
		x.failf(comm.ErrBuffer, "the receive buffer holds %d bytes, less than the %d-byte input", len(recvbuf), len(in))
	} else if x.ok() {
		dst = recvbuf[:len(in)]
	}
	ents := s.publishReduction(&x, in, dst)
	if err := s.await(ctx, x.me); err != nil {
		return err
	}
	if peersFailed(ents) {
		x.checkPeers(ents, len(in))
		return x.err
	}
	n := len(in)
	if n <= reduceStageMax {
		s.reduceParts(&x, ents, 0, n, dst, t, op, func(e *entry) []byte { return e.stage })
		return x.err
	}
	lo, hi := segment(n, t.Size(), x.size, x.me)
	s.reduceParts(&x, ents, lo, hi, dst[lo:hi], t, op, func(e *entry) []byte { return e.in })
	if err := s.await(ctx, x.me); err != nil {
		return err
	}
	for j := range ents {
		if j != x.me {
			jl, jh := segment(n, t.Size(), x.size, j)
			copy(dst[jl:jh], ents[j].out[jl:jh])
		}
	}
	if err := s.await(ctx, x.me); err != nil {
		return err
	}
	ents[x.me].in, ents[x.me].out = nil, nil
	return x.err
}

// reduce is Reduce on the shared path.
func (s *slot) reduce(ctx context.Context, c *comm.Comm, sendbuf, recvbuf []byte, t comm.Datatype, op Op, root int) error {
	x := beginShared(ctx, c, kindReduce)
	in, dst, smallRecv, err := x.reduceArgs(sendbuf, recvbuf, t, op, root)
	if err != nil {
		return err
	}
	ents := s.publishReduction(&x, in, dst)
	if err := s.await(ctx, x.me); err != nil {
		return err
	}
	if peersFailed(ents) {
		if x.me == root {
			x.checkPeers(ents, len(in))
		}
		return x.err
	}
	n := len(in)
	if n <= reduceStageMax {
		if x.me == root {
			if dst != nil {
				s.reduceParts(&x, ents, 0, n, dst, t, op, func(e *entry) []byte { return e.stage })
			}
			if smallRecv {
				x.failf(comm.ErrBuffer, "the receive buffer holds %d bytes, less than the %d-byte input", len(recvbuf), len(in))
			}
		}
		return x.err
	}
	if out := ents[root].out; out != nil {
		lo, hi := segment(n, t.Size(), x.size, x.me)
		s.reduceParts(&x, ents, lo, hi, out[lo:hi], t, op, func(e *entry) []byte { return e.in })
	}
	if err := s.await(ctx, x.me); err != nil {
		return err
	}
	ents[x.me].in, ents[x.me].out = nil, nil
	if smallRecv {
		x.failf(comm.ErrBuffer, "the receive buffer holds %d bytes, less than the %d-byte input", len(recvbuf), len(in))
	}
	return x.err
}

// segment is the byte range [lo, hi) of an n-byte vector of elements of
// elem bytes that rank r of size combines on the large path: a contiguous
// share of whole elements.
func segment(n, elem, size, r int) (lo, hi int) {
	m := n / elem
	return elem * (r * m / size), elem * ((r + 1) * m / size)
}

// reduceParts combines bytes [lo, hi) of every rank's part (part(e) of its
// entry) in the order of coll_reduce.go into out (hi-lo bytes). When out
// overlaps a part (an in-place input) the result is built in scratch first.
func (s *slot) reduceParts(x *xfer, ents []entry, lo, hi int, out []byte, t comm.Datatype, op Op, part func(*entry) []byte) {
	var small [16][]byte
	parts := small[:0]
	if len(ents) > len(small) {
		parts = make([][]byte, 0, len(ents))
	}
	target := out
	for i := range ents {
		p := part(&ents[i])[lo:hi:hi]
		parts = append(parts, p)
		if overlaps(p, out) {
			target = nil
		}
	}
	L := hi - lo
	levels := bits.Len(uint(len(ents) - 1)) // ceil(log2 n) for n >= 2
	// Spare room: one buffer per level below the top, and one for the
	// result when out overlaps an input.
	need := (levels - 1) * L
	if target == nil {
		need += L
	}
	var spare []byte
	if need <= spareMax {
		if cap(s.spare[x.me]) < need {
			s.spare[x.me] = make([]byte, spareMax)
		}
		spare = s.spare[x.me][:need]
	} else {
		spare = getScratch(need)
		defer putScratch(spare)
	}
	if target == nil {
		target = spare[(levels-1)*L:]
	}
	if err := evalTree(parts, 0, levels, target, t, op, spare[:(levels-1)*L]); err != nil {
		x.fail(prefixErr(x.name, err))
		return
	}
	if !sameBuf(target, out) {
		copy(out, target)
	}
}

// evalTree stores into out the combination of parts[lo:min(lo+2^k, n)]
// bracketed as the binomial tree of coll_reduce.go brackets it: the result
// of a node covering 2^k ranks is (left half) op (right half), the lower
// ranks on the left. tmp holds k-1 spare buffers of len(out) bytes, one per
// level; the level-j left half (j >= 1) is built in the j-th.
func evalTree(parts [][]byte, lo, k int, out []byte, t comm.Datatype, op Op, tmp []byte) error {
	n := len(parts)
	for k > 0 && lo+1<<(k-1) >= n {
		k-- // no right half: the node's result is its left half's
	}
	if k == 0 {
		if unsafe.SliceData(out) != unsafe.SliceData(parts[lo]) {
			copy(out, parts[lo])
		}
		return nil
	}
	half := 1 << (k - 1)
	if err := evalTree(parts, lo+half, k-1, out, t, op, tmp); err != nil {
		return err
	}
	left := parts[lo]
	if half > 1 {
		L := len(out)
		left = tmp[(k-2)*L : (k-1)*L]
		if err := evalTree(parts, lo, k-1, left, t, op, tmp); err != nil {
			return err
		}
	}
	return Combine(op, t, left, out)
}

// allgather is Allgather on the shared path: small blocks are staged (one
// barrier), large ones copied straight from the owners' receive buffers
// (two barriers).
func (s *slot) allgather(ctx context.Context, c *comm.Comm, sendbuf, recvbuf []byte, blockLen int) error {
	x := beginShared(ctx, c, kindAllgather)
	x.checkFixed("receive buffer", recvbuf, blockLen)
	blk := func(i int) []byte { return x.block(recvbuf, i*blockLen, blockLen) }
	if sendbuf != nil {
		x.copyOwn(blk(x.me), sendbuf)
	}
	ents := s.set()
	en := &ents[x.me]
	en.n, en.bad, en.in = blockLen, !x.ok(), blk(x.me)
	if x.ok() && blockLen <= bcastStageMax {
		en.stageCopy(en.in)
	}
	if err := s.await(ctx, x.me); err != nil {
		return err
	}
	if peersFailed(ents) {
		x.checkPeers(ents, blockLen)
		return x.err
	}
	large := blockLen > bcastStageMax
	for j := range ents {
		switch {
		case j == x.me:
		case large:
			copy(blk(j), ents[j].in)
		default:
			copy(blk(j), ents[j].stage)
		}
	}
	if large {
		if err := s.await(ctx, x.me); err != nil {
			return err
		}
		en.in = nil
	}
	return x.err
}
