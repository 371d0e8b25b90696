package rma

import (
	"context"
	"fmt"
	"runtime"
	"sort"
	"sync"

	"github.com/wasmpi/wasmpi/collective"
	"github.com/wasmpi/wasmpi/comm"
)

// ErrorKind is an RMA error class that package comm does not have; the MPI
// layer maps it to the standard's class.
type ErrorKind int

// The RMA error kinds.
const (
	// ErrRange is MPI_ERR_RMA_RANGE: an access outside the target window.
	ErrRange ErrorKind = iota + 1
	// ErrSync is MPI_ERR_RMA_SYNC: a call outside the epoch it needs.
	ErrSync
	// ErrAttach is MPI_ERR_RMA_ATTACH: a region of a dynamic window that
	// cannot be attached or detached.
	ErrAttach
)

// Error is an engine error of one of the RMA kinds.
type Error struct {
	Kind ErrorKind
	Msg  string
}

func (e *Error) Error() string { return e.Msg }

func errorf(kind ErrorKind, format string, args ...any) error {
	return &Error{Kind: kind, Msg: fmt.Sprintf(format, args...)}
}

// Region is memory a rank exposes: Mem holds the bytes of guest addresses
// [Base, Base+len(Mem)).
type Region struct {
	Base uint64
	Mem  []byte
}

// Member is what one rank brings to a window at its creation. A dynamic
// window's members expose no memory until they attach regions.
type Member struct {
	Region
	// DispUnit scales target displacements (1 for a dynamic window, whose
	// displacements are absolute addresses).
	DispUnit int64
	Dynamic  bool
}

// Layout is Count elements of a datatype laid out in Mem, the buffer
// address at index Origin of Mem. The caller makes sure that the span of
// the elements (TypeMap.Span) lies inside Mem and that the type map is
// flattened.
type Layout struct {
	Mem    []byte
	Origin int64
	Type   *comm.TypeMap
	Count  int64
}

// Bytes is the number of data bytes of the layout.
func (l Layout) Bytes() int64 { return l.Count * l.Type.Size() }

// Target names the data of an access at a target: Count elements of the
// datatype Type (interpreted at the target as the origin described it) at
// displacement Disp of the target's window.
type Target struct {
	Rank  int
	Disp  int64
	Type  *comm.TypeMap
	Count int64
}

// Engine is a window as the MPI layer of one rank uses it. Ranks are
// ranks of the window's group. Every data movement is complete when it
// returns, at the origin and at the target.
type Engine interface {
	// Size is the number of ranks of the window.
	Size() int
	// Member is what rank brought to the window at its creation.
	Member(rank int) Member
	// Barrier returns once every rank has called it (MPI_Win_fence).
	Barrier(ctx context.Context) error
	// Lock takes the lock of target's window for origin; Unlock releases
	// it.
	Lock(ctx context.Context, origin, target int, exclusive bool) error
	Unlock(origin, target int, exclusive bool) error
	// Post exposes target's window to origins; Start waits until each of
	// targets has posted to origin; Complete ends origin's access to
	// targets; Wait (and Test, which does not block) reports when every
	// origin target posted to has completed.
	Post(target int, origins []int)
	Start(ctx context.Context, origin int, targets []int) error
	Complete(origin int, targets []int)
	Wait(ctx context.Context, target int, origins []int) error
	Test(target int, origins []int) bool
	// Put copies the origin data into the target; Get the target data into
	// the origin buffer.
	Put(t Target, origin Layout) error
	Get(t Target, origin Layout) error
	// Accumulate combines the origin data (elements of the predefined type
	// elem) into the target with op, atomically per element with respect
	// to every other accumulate on the window. If result is not nil, it
	// first receives the target data as it was.
	Accumulate(t Target, origin Layout, elem comm.Datatype, op collective.Op, result *Layout) error
	// CompareAndSwap replaces one element of type elem at the target by
	// origin when it equals compare, atomically; result gets the old value.
	CompareAndSwap(t Target, elem comm.Datatype, origin, compare, result []byte) error
	// Attach and Detach add and remove a region of rank's dynamic window.
	Attach(rank int, r Region) error
	Detach(rank int, base uint64) error
	// Free is the collective end of the window: it returns when every
	// rank has called it, after which no rank touches another's memory.
	Free(ctx context.Context) error
}

// Window is the in-process Engine: every rank's memory is reachable from
// every goroutine.
type Window struct {
	members []Member
	// accMu[t] serialises the accumulate operations on target t.
	accMu []sync.Mutex

	mu sync.Mutex
	// changed is closed (and replaced) whenever the state below changes;
	// waiters wait on it.
	changed chan struct{}
	// barrier: arrivals in the current generation
	arrived int
	gen     uint64
	// locks per target: the exclusive holder (-1 none), shared holders
	exclusive []int
	shared    []int
	// PSCW counters, [target][origin]: posts made, starts that consumed
	// one, completions
	posts, starts, completes [][]uint64
	// regions attached to each rank's dynamic window, by base address
	regions [][]Region
}

// NewWindow makes a window of the given members (one per rank).
func NewWindow(members []Member) *Window {
	n := len(members)
	w := &Window{
		members:   members,
		accMu:     make([]sync.Mutex, n),
		changed:   make(chan struct{}),
		exclusive: make([]int, n),
		shared:    make([]int, n),
		posts:     square(n),
		starts:    square(n),
		completes: square(n),
		regions:   make([][]Region, n),
	}
	for i := range w.exclusive {
		w.exclusive[i] = -1
	}
	return w
}

func square(n int) [][]uint64 {
	m := make([][]uint64, n)
	for i := range m {
		m[i] = make([]uint64, n)
	}
	return m
}

var _ Engine = (*Window)(nil)

// Size implements Engine.
func (w *Window) Size() int { return len(w.members) }

// Member implements Engine.
func (w *Window) Member(rank int) Member { return w.members[rank] }

// notify wakes every waiter. The caller holds w.mu.
func (w *Window) notify() {
	close(w.changed)
	w.changed = make(chan struct{})
}

// waitFor waits until cond holds, then runs then; both run with w.mu held.
// It gives up when ctx ends (the job is stopping).
func (w *Window) waitFor(ctx context.Context, what string, cond func() bool, then func()) error {
	w.mu.Lock()
	for !cond() {
		ch := w.changed
		w.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("%s: %w", what, context.Cause(ctx))
		}
		w.mu.Lock()
	}
	if then != nil {
		then()
	}
	w.mu.Unlock()
	return nil
}

// Barrier implements Engine.
func (w *Window) Barrier(ctx context.Context) error {
	w.mu.Lock()
	gen := w.gen
	w.arrived++
	if w.arrived == len(w.members) {
		w.arrived = 0
		w.gen++
		w.notify()
	}
	w.mu.Unlock()
	return w.waitFor(ctx, "waiting for the other ranks of the window", func() bool { return w.gen != gen }, nil)
}

// Free implements Engine.
func (w *Window) Free(ctx context.Context) error { return w.Barrier(ctx) }

func (w *Window) checkRank(what string, r int) error {
	if r < 0 || r >= len(w.members) {
		return comm.Errorf(comm.ErrRank, "invalid %s rank %d (the window has %d ranks)", what, r, len(w.members))
	}
	return nil
}

// Lock implements Engine.
func (w *Window) Lock(ctx context.Context, origin, target int, exclusive bool) error {
	if err := w.checkRank("target", target); err != nil {
		return err
	}
	if exclusive {
		return w.waitFor(ctx, fmt.Sprintf("waiting for an exclusive lock on rank %d", target),
			func() bool { return w.exclusive[target] < 0 && w.shared[target] == 0 },
			func() { w.exclusive[target] = origin })
	}
	return w.waitFor(ctx, fmt.Sprintf("waiting for a shared lock on rank %d", target),
		func() bool { return w.exclusive[target] < 0 },
		func() { w.shared[target]++ })
}

// Unlock implements Engine.
func (w *Window) Unlock(origin, target int, exclusive bool) error {
	if err := w.checkRank("target", target); err != nil {
		return err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	switch {
	case exclusive && w.exclusive[target] == origin:
		w.exclusive[target] = -1
	case !exclusive && w.shared[target] > 0:
		w.shared[target]--
	default:
		return errorf(ErrSync, "rank %d does not hold a lock on rank %d", origin, target)
	}
	w.notify()
	return nil
}

// Post implements Engine.
func (w *Window) Post(target int, origins []int) {
	w.mu.Lock()
	for _, o := range origins {
		w.posts[target][o]++
	}
	w.notify()
	w.mu.Unlock()
}

// Start implements Engine.
func (w *Window) Start(ctx context.Context, origin int, targets []int) error {
	for _, t := range targets {
		err := w.waitFor(ctx, fmt.Sprintf("waiting in MPI_Win_start for rank %d to post", t),
			func() bool { return w.posts[t][origin] > w.starts[t][origin] },
			func() { w.starts[t][origin]++ })
		if err != nil {
			return err
		}
	}
	return nil
}

// Complete implements Engine.
func (w *Window) Complete(origin int, targets []int) {
	w.mu.Lock()
	for _, t := range targets {
		w.completes[t][origin]++
	}
	w.notify()
	w.mu.Unlock()
}

func (w *Window) allCompleted(target int, origins []int) bool {
	for _, o := range origins {
		if w.completes[target][o] < w.posts[target][o] {
			return false
		}
	}
	return true
}

// Wait implements Engine.
func (w *Window) Wait(ctx context.Context, target int, origins []int) error {
	return w.waitFor(ctx, "waiting in MPI_Win_wait for the origins to complete",
		func() bool { return w.allCompleted(target, origins) }, nil)
}

// Test implements Engine.
func (w *Window) Test(target int, origins []int) bool {
	w.mu.Lock()
	done := w.allCompleted(target, origins)
	w.mu.Unlock()
	if !done {
		// Test is polled: let the origins run.
		runtime.Gosched()
	}
	return done
}

// Attach implements Engine.
func (w *Window) Attach(rank int, r Region) error {
	if !w.members[rank].Dynamic {
		return errorf(ErrAttach, "the window was not created with MPI_Win_create_dynamic")
	}
	if len(r.Mem) == 0 {
		return errorf(ErrAttach, "cannot attach an empty region")
	}
	end := r.Base + uint64(len(r.Mem))
	w.mu.Lock()
	defer w.mu.Unlock()
	rs := w.regions[rank]
	for _, o := range rs {
		if r.Base < o.Base+uint64(len(o.Mem)) && o.Base < end {
			return errorf(ErrAttach, "region [%#x, %#x) overlaps the attached region [%#x, %#x)", r.Base, end, o.Base, o.Base+uint64(len(o.Mem)))
		}
	}
	rs = append(rs, r)
	sort.Slice(rs, func(i, j int) bool { return rs[i].Base < rs[j].Base })
	w.regions[rank] = rs
	return nil
}

// Detach implements Engine.
func (w *Window) Detach(rank int, base uint64) error {
	if !w.members[rank].Dynamic {
		return errorf(ErrAttach, "the window was not created with MPI_Win_create_dynamic")
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	rs := w.regions[rank]
	for i, o := range rs {
		if o.Base == base {
			w.regions[rank] = append(rs[:i:i], rs[i+1:]...)
			return nil
		}
	}
	return errorf(ErrAttach, "no region starting at %#x is attached to the window", base)
}

// locate turns a target access into the layout of its data in the target's
// memory, checking that it lies inside the window.
func (w *Window) locate(t Target) (Layout, error) {
	if t.Type == nil {
		return Layout{}, comm.Errorf(comm.ErrType, "no target datatype")
	}
	if err := w.checkRank("target", t.Rank); err != nil {
		return Layout{}, err
	}
	if t.Count < 0 {
		return Layout{}, comm.Errorf(comm.ErrCount, "negative target count %d", t.Count)
	}
	if err := t.Type.Flatten(); err != nil {
		return Layout{}, err
	}
	m := w.members[t.Rank]
	lo, hi, ok := t.Type.Span(t.Count)
	if !ok {
		return Layout{}, errorf(ErrRange, "%d elements of the target datatype span more than the address space", t.Count)
	}
	if lo == hi {
		return Layout{Type: t.Type, Count: t.Count}, nil
	}
	if t.Disp < 0 && !m.Dynamic {
		return Layout{}, errorf(ErrRange, "negative target displacement %d", t.Disp)
	}
	// Guest addresses are 32-bit, so none of this overflows int64.
	addr := int64(m.Base) + t.Disp*m.DispUnit
	if m.Dynamic {
		addr = t.Disp
	}
	first, end := addr+lo, addr+hi
	region := m.Region
	if m.Dynamic {
		w.mu.Lock()
		region = Region{}
		for _, r := range w.regions[t.Rank] {
			if first >= int64(r.Base) && end <= int64(r.Base)+int64(len(r.Mem)) {
				region = r
				break
			}
		}
		w.mu.Unlock()
		if region.Mem == nil {
			return Layout{}, errorf(ErrRange, "target data [%#x, %#x) of rank %d is not inside a region attached to the dynamic window", first, end, t.Rank)
		}
	}
	if first < int64(region.Base) || end > int64(region.Base)+int64(len(region.Mem)) {
		return Layout{}, errorf(ErrRange, "target data at displacement %d, bytes [%d, %d) of rank %d's window, is outside the window (%d bytes)",
			t.Disp, first-int64(region.Base), end-int64(region.Base), t.Rank, len(region.Mem))
	}
	return Layout{Mem: region.Mem, Origin: addr - int64(region.Base), Type: t.Type, Count: t.Count}, nil
}

// checkFits checks that the data of from fits into to.
func checkFits(what string, from, to Layout) error {
	if from.Bytes() > to.Bytes() {
		return comm.Errorf(comm.ErrTruncate, "%s: %d bytes of data do not fit into the %d bytes the other side describes", what, from.Bytes(), to.Bytes())
	}
	if a, b, ok := signaturesMatch(from, to, from.Bytes()); !ok {
		return comm.Errorf(comm.ErrType, "%s: the origin and target type signatures differ (%v against %v)", what, a, b)
	}
	return nil
}

// signaturesMatch compares the type signatures of the first n data bytes
// of two layouts; a and b are the first basic types that differ. MPI_BYTE
// and MPI_PACKED match any type, as untyped bytes.
func signaturesMatch(x, y Layout, n int64) (a, b comm.Datatype, ok bool) {
	if xe, xok := x.Type.Elem(); xok {
		if ye, yok := y.Type.Elem(); yok {
			// The common case: one basic type on each side.
			return xe, ye, xe == ye || untyped(xe) || untyped(ye)
		}
	}
	wx, wy := sigWalker{l: x}, sigWalker{l: y}
	for n > 0 {
		tx, nx := wx.peek()
		ty, ny := wy.peek()
		if nx == 0 || ny == 0 {
			return tx, ty, false
		}
		if tx != ty && !untyped(tx) && !untyped(ty) {
			return tx, ty, false
		}
		k := min(nx, ny, n)
		wx.advance(k)
		wy.advance(k)
		n -= k
	}
	return 0, 0, true
}

func untyped(t comm.Datatype) bool { return t == comm.TypeByte || t == comm.TypePacked }

// sigWalker walks the basic types of a layout's data, byte by byte count.
type sigWalker struct {
	l    Layout
	elem int64 // element of the layout
	run  int   // run of the element's signature
	off  int64 // bytes of the run already walked
}

// peek returns the basic type at the walker and the bytes of it left in
// the current run (0 at the end).
func (w *sigWalker) peek() (comm.Datatype, int64) {
	runs := w.l.Type.Signature()
	for w.elem < w.l.Count && len(runs) > 0 {
		r := runs[w.run]
		if left := r.Count*int64(r.T.Size()) - w.off; left > 0 {
			return r.T, left
		}
		w.off = 0
		if w.run++; w.run == len(runs) {
			w.run = 0
			w.elem++
		}
	}
	return 0, 0
}

func (w *sigWalker) advance(k int64) { w.off += k }

// flattened makes sure the layouts' type maps are flattened.
func flattened(ls ...*Layout) error {
	for _, l := range ls {
		if l == nil {
			continue
		}
		if l.Type == nil {
			return comm.Errorf(comm.ErrType, "a buffer without a datatype")
		}
		if err := l.Type.Flatten(); err != nil {
			return err
		}
	}
	return nil
}

// Put implements Engine.
func (w *Window) Put(t Target, origin Layout) error {
	if err := flattened(&origin); err != nil {
		return err
	}
	dst, err := w.locate(t)
	if err != nil {
		return err
	}
	if err := checkFits("MPI_Put", origin, dst); err != nil {
		return err
	}
	copyLayout(dst, origin, origin.Bytes())
	return nil
}

// Get implements Engine.
func (w *Window) Get(t Target, origin Layout) error {
	if err := flattened(&origin); err != nil {
		return err
	}
	src, err := w.locate(t)
	if err != nil {
		return err
	}
	if err := checkFits("MPI_Get", src, origin); err != nil {
		return err
	}
	copyLayout(origin, src, src.Bytes())
	return nil
}

// Accumulate implements Engine.
func (w *Window) Accumulate(t Target, origin Layout, elem comm.Datatype, op collective.Op, result *Layout) error {
	if err := flattened(&origin, result); err != nil {
		return err
	}
	dst, err := w.locate(t)
	if err != nil {
		return err
	}
	for _, l := range []Layout{origin, dst} {
		if e, ok := l.Type.Elem(); l.Bytes() > 0 && (!ok || e != elem) {
			return comm.Errorf(comm.ErrType, "accumulate datatypes must be built from the one predefined type %v", elem)
		}
	}
	if !collective.Allowed(op, elem) {
		return comm.Errorf(comm.ErrOp, "%v is not defined for datatype %v", op, elem)
	}
	n := dst.Bytes()
	if op != collective.OpNoOp {
		if origin.Bytes() != n {
			return comm.Errorf(comm.ErrType, "accumulate: the origin holds %d bytes but the target %d", origin.Bytes(), n)
		}
	}
	if result != nil {
		if e, ok := result.Type.Elem(); n > 0 && (!ok || e != elem) {
			return comm.Errorf(comm.ErrType, "the result datatype must be built from %v", elem)
		}
		if result.Bytes() < n {
			return comm.Errorf(comm.ErrTruncate, "the result buffer holds %d bytes, the target data %d", result.Bytes(), n)
		}
	}
	// The origin data in type-map order: a view when contiguous, else a
	// packed copy of the origin's own data (the target side is always
	// combined in place).
	var in []byte
	if op != collective.OpNoOp && n > 0 {
		if off, ok := origin.Type.Contiguous(origin.Count); ok {
			at := origin.Origin + off
			in = origin.Mem[at : at+n]
		} else {
			in = make([]byte, n)
			origin.Type.Pack(in, origin.Mem, origin.Origin, origin.Count)
		}
	}
	w.accMu[t.Rank].Lock()
	defer w.accMu[t.Rank].Unlock()
	if result != nil {
		copyLayout(*result, dst, n)
	}
	if op == collective.OpNoOp || n == 0 {
		return nil
	}
	cur := newCursor(dst)
	var pos int64
	for pos < n {
		chunk := cur.chunk(n - pos)
		if err := collective.Combine(op, elem, in[pos:pos+int64(len(chunk))], chunk); err != nil {
			return err
		}
		cur.advance(int64(len(chunk)))
		pos += int64(len(chunk))
	}
	return nil
}

// CompareAndSwap implements Engine.
func (w *Window) CompareAndSwap(t Target, elem comm.Datatype, origin, compare, result []byte) error {
	t.Type, t.Count = comm.BasicTypeMap(elem), 1
	if t.Type == nil {
		return comm.Errorf(comm.ErrType, "invalid datatype %v", elem)
	}
	dst, err := w.locate(t)
	if err != nil {
		return err
	}
	size := int64(elem.Size())
	if int64(len(origin)) != size || int64(len(compare)) != size || int64(len(result)) != size {
		return comm.Errorf(comm.ErrArg, "compare-and-swap buffers must hold one %v", elem)
	}
	cell := dst.Mem[dst.Origin : dst.Origin+size]
	w.accMu[t.Rank].Lock()
	same := string(cell) == string(compare)
	copy(result, cell)
	if same {
		copy(cell, origin)
	}
	w.accMu[t.Rank].Unlock()
	if !same {
		// A failed compare-and-swap is usually one turn of a spin lock:
		// let the rank holding it run (ranks may outnumber cores, and
		// wasm code is not preempted).
		runtime.Gosched()
	}
	return nil
}

// cursor walks the data bytes of a layout in type-map order, block by
// block.
type cursor struct {
	l      Layout
	blocks []comm.Block
	extent int64
	elem   int64 // current element
	block  int   // current block of the element
	off    int64 // bytes of the block already walked
}

func newCursor(l Layout) *cursor {
	c := &cursor{l: l, blocks: l.Type.Blocks(), extent: l.Type.Extent()}
	if off, ok := l.Type.Contiguous(l.Count); ok {
		// One run of bytes: walk it as a single block.
		c.blocks = []comm.Block{{Off: off, Len: l.Bytes()}}
		c.l.Count = 1
	}
	c.skipEmpty()
	return c
}

func (c *cursor) skipEmpty() {
	for c.elem < c.l.Count && (len(c.blocks) == 0 || c.off == c.blocks[c.block].Len) {
		c.off = 0
		c.block++
		if c.block >= len(c.blocks) {
			c.block = 0
			c.elem++
			if len(c.blocks) == 0 {
				c.elem = c.l.Count
			}
		}
	}
}

// chunk returns the contiguous bytes at the cursor, at most max of them.
func (c *cursor) chunk(max int64) []byte {
	if c.elem >= c.l.Count {
		return nil
	}
	b := c.blocks[c.block]
	at := c.l.Origin + c.elem*c.extent + b.Off + c.off
	n := min(b.Len-c.off, max)
	return c.l.Mem[at : at+n : at+n]
}

func (c *cursor) advance(n int64) {
	c.off += n
	c.skipEmpty()
}

// copyLayout copies the first n data bytes of src into dst, block against
// block, without an intermediate buffer.
func copyLayout(dst, src Layout, n int64) {
	if n <= 0 {
		return
	}
	d, s := newCursor(dst), newCursor(src)
	for n > 0 {
		a := d.chunk(n)
		b := s.chunk(int64(len(a)))
		k := copy(a, b)
		if k == 0 {
			return
		}
		d.advance(int64(k))
		s.advance(int64(k))
		n -= int64(k)
	}
}
