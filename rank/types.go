package rank

import (
	"math"
	"sync"

	"github.com/tetratelabs/wazero/api"

	"github.com/wasmpi/wasmpi/comm"
	"github.com/wasmpi/wasmpi/rank/abi"
)

// Datatypes of a rank: the predefined ones (shared by every rank, never
// written) and the derived ones the program builds (mpi_type.go), in a
// per-rank table.
//
// How derived datatypes move data. A type's layout is a comm.TypeMap,
// flattened once at MPI_Type_commit into blocks of bytes. c.buffer resolves
// (buffer, count, datatype): when the data of the count elements is one
// contiguous block (every predefined type, and derived types such as a
// contiguous or a dense vector), it returns a view of guest memory, as for
// predefined types, with no extra copy. Otherwise it packs the data into a
// host buffer, which is what the message or collective then carries; a
// receive gets a host buffer too, and the data is unpacked into guest
// memory when the operation completes: right after a blocking call, in the
// request's release hook (run by the Wait or Test that completes it) for a
// nonblocking one, so the data is in place when Wait/Test returns. That is
// one extra copy on each side for non-contiguous types; a later performance
// pass can move data straight between the two memories.

// dtype is a datatype object.
type dtype struct {
	tm *comm.TypeMap
	// handle is the handle of a predefined type (0 for derived ones).
	handle    uint32
	committed bool
	// The constructor and its arguments, for MPI_Type_get_envelope and
	// MPI_Type_get_contents.
	combiner int32
	ints     []int32
	addrs    []int32 // MPI_Aint is 4 bytes on wasm32
	types    []*dtype
	name     string
	// largeCount marks a type made by a large-count constructor
	// (MPI_Type_contiguous_c, ...): its counts, displacements and strides
	// decode as large counts (mpi_type_c.go).
	largeCount bool
}

func (d *dtype) predefined() bool { return d.handle != 0 }

// Derived datatype handles have their own range (handles.go reserves
// 0x8000-0xffff for kinds such as datatypes); they are given out
// cyclically so that a freed handle is not reused at once.
const (
	firstTypeHandle uint32 = 0x8000
	lastTypeHandle  uint32 = 0xbfff
)

// typeTable is the derived datatypes of one rank.
type typeTable struct {
	mu    sync.Mutex
	types map[uint32]*dtype
	next  uint32
	// names given to predefined types with MPI_Type_set_name
	names map[uint32]string
}

func (tt *typeTable) lookup(h uint32) *dtype {
	tt.mu.Lock()
	defer tt.mu.Unlock()
	return tt.types[h]
}

func (tt *typeTable) add(d *dtype) (uint32, error) {
	tt.mu.Lock()
	defer tt.mu.Unlock()
	if tt.types == nil {
		tt.types = map[uint32]*dtype{}
	}
	n := lastTypeHandle - firstTypeHandle + 1
	for i := uint32(0); i < n; i++ {
		h := tt.next
		if h < firstTypeHandle || h > lastTypeHandle {
			h = firstTypeHandle
		}
		tt.next = h + 1
		if _, used := tt.types[h]; !used {
			tt.types[h] = d
			return h, nil
		}
	}
	return 0, comm.Errorf(comm.ErrNoMem, "too many derived datatypes in use (%d); free some with MPI_Type_free", n)
}

func (tt *typeTable) remove(h uint32) bool {
	tt.mu.Lock()
	defer tt.mu.Unlock()
	if _, ok := tt.types[h]; !ok {
		return false
	}
	delete(tt.types, h)
	return true
}

func (tt *typeTable) name(d *dtype) string {
	tt.mu.Lock()
	defer tt.mu.Unlock()
	if d.predefined() {
		if n, ok := tt.names[d.handle]; ok {
			return n
		}
	}
	return d.name
}

func (tt *typeTable) setName(d *dtype, name string) {
	tt.mu.Lock()
	defer tt.mu.Unlock()
	if d.predefined() {
		if tt.names == nil {
			tt.names = map[uint32]string{}
		}
		tt.names[d.handle] = name
		return
	}
	d.name = name
}

// predefinedTypes indexes the predefined datatype objects by handle; nil
// for handles that are not predefined or have no runtime element type.
var predefinedTypes = sync.OnceValue(func() map[uint32]*dtype {
	m := map[uint32]*dtype{}
	for _, h := range abi.DatatypeHandles() {
		t, ok := abi.Datatype(h)
		if !ok {
			continue
		}
		tm := comm.BasicTypeMap(t)
		if err := tm.Flatten(); err != nil {
			panic(err)
		}
		m[h] = &dtype{tm: tm, handle: h, committed: true, combiner: abi.CombinerNamed, name: abi.DatatypeName(h)}
	}
	return m
})

// predefinedArray is predefinedTypes as an array for the lookup on every
// call with a buffer.
var predefinedArray = sync.OnceValue(func() *[0x400]*dtype {
	var a [0x400]*dtype
	for h, d := range predefinedTypes() {
		a[h] = d
	}
	return &a
})

func predefinedType(h uint32) *dtype {
	if h >= 0x400 {
		return nil
	}
	return predefinedArray()[h]
}

// typedBuf says how the bytes c.buffer (or c.recvBuffer, c.vector)
// returned map onto guest memory: either they are a view of it (nothing to
// do afterwards) or a packed host copy that must be unpacked once the
// operation has filled it.
type typedBuf struct {
	dt     *dtype
	mem    api.Memory
	copied bool
	// the elements, when copied: count elements at addr (the buffer
	// address), packed at offset 0 of the data; more segments for c.vector.
	addr  int64
	count int64
	more  []bufSeg
}

// bufSeg is a further run of elements in a copied buffer: count elements
// at guest address addr, packed at off in the data.
type bufSeg struct {
	addr, count, off int64
}

// Size is the number of data bytes of one element of the datatype.
func (tb typedBuf) Size() int {
	if tb.dt == nil {
		return 0
	}
	return int(tb.dt.tm.Size())
}

// elem is the predefined type a reduction combines: the datatype must be
// made of one predefined type only.
func (tb typedBuf) elem() (comm.Datatype, error) {
	return reductionType(tb.dt)
}

func reductionType(d *dtype) (comm.Datatype, error) {
	if d == nil {
		return comm.TypeNull, comm.Errorf(comm.ErrType, "no datatype")
	}
	if t, ok := d.tm.Predefined(); ok {
		return t, nil
	}
	if d.tm.Mixed() {
		return comm.TypeNull, comm.Errorf(comm.ErrOp, "the datatype mixes several predefined types; predefined reduction operations need a datatype made of one predefined type (user-defined operations are not supported yet)")
	}
	if t, ok := d.tm.Elem(); ok {
		return t, nil
	}
	// An empty derived type: any element type does; there is nothing to
	// combine.
	return comm.TypeByte, nil
}

// unpack writes data back into guest memory when it is a copy (all of it).
func (tb typedBuf) unpack(data []byte) error { return tb.unpackN(data, len(data)) }

// unpackN writes the first n bytes of data back into guest memory when it
// is a copy: a receive of n bytes.
func (tb typedBuf) unpackN(data []byte, n int) error {
	if !tb.copied {
		return nil
	}
	n = max(0, min(n, len(data)))
	tm := tb.dt.tm
	size := tm.Size()
	if err := writeTyped(tb.mem, tb.addr, tb.count, tm, data[:min(int64(n), tb.count*size)]); err != nil {
		return err
	}
	for _, s := range tb.more {
		if s.off >= int64(n) {
			break
		}
		end := min(s.off+s.count*size, int64(n))
		if err := writeTyped(tb.mem, s.addr, s.count, tm, data[s.off:end]); err != nil {
			return err
		}
	}
	return nil
}

// done unpacks data after a collective that succeeded and returns its
// error.
func (tb typedBuf) done(data []byte, err error) error {
	if err != nil {
		return err
	}
	return tb.unpack(data)
}

// typedSpan checks that count elements of tm at guest address addr lie
// inside memory and returns a view of the bytes they span and the index of
// addr in it. A buffer whose data would start at address 0 is a NULL
// pointer.
func typedSpan(mem api.Memory, addr, count int64, tm *comm.TypeMap, what string) ([]byte, int64, error) {
	lo, hi, ok := tm.Span(count)
	if !ok {
		return nil, 0, comm.Errorf(comm.ErrCount, "%d elements of the datatype span more than wasm32 memory", count)
	}
	if lo == hi {
		return nil, 0, nil
	}
	alo, ahi := addr+lo, addr+hi
	if alo == 0 {
		return nil, 0, comm.Errorf(comm.ErrBuffer, "%s is a NULL pointer", what)
	}
	if alo < 0 || ahi > int64(mem.Size()) {
		return nil, 0, comm.Errorf(comm.ErrBuffer, "%s: the datatype's data [%#x, %#x) lies outside the rank's memory (%d bytes)", what, alo, ahi, mem.Size())
	}
	b, ok := mem.Read(uint32(alo), uint32(ahi-alo))
	if !ok {
		return nil, 0, comm.Errorf(comm.ErrBuffer, "%s: the datatype's data [%#x, %#x) lies outside the rank's memory", what, alo, ahi)
	}
	return b, addr - alo, nil
}

// writeTyped unpacks src (packed elements, possibly fewer bytes than count
// elements hold) into count elements of tm at guest address addr.
func writeTyped(mem api.Memory, addr, count int64, tm *comm.TypeMap, src []byte) error {
	if len(src) == 0 {
		return nil
	}
	span, origin, err := typedSpan(mem, addr, count, tm, "buffer")
	if err != nil {
		return err
	}
	tm.Unpack(span, origin, count, src)
	return nil
}

// typedRegion resolves count elements of d at ptr: view is the guest
// memory they occupy when it is one piece (or they hold no data), else
// layout describes them in place.
func (c *call) typedRegion(ptr uint32, count int, d *dtype, what string) (view []byte, layout *comm.Layout, err error) {
	if count < 0 {
		return nil, nil, comm.Errorf(comm.ErrCount, "negative count %d", count)
	}
	if !d.committed {
		return nil, nil, comm.Errorf(comm.ErrType, "the datatype has not been committed (call MPI_Type_commit before using it in communication)")
	}
	tm := d.tm
	total := int64(count) * tm.Size()
	if total > math.MaxInt32 {
		return nil, nil, comm.Errorf(comm.ErrCount, "count %d of a %d-byte datatype is larger than wasm32 memory", count, tm.Size())
	}
	if d.predefined() {
		b, err := c.view(ptr, int(total), what)
		return b, nil, err
	}
	if err := tm.Flatten(); err != nil {
		return nil, nil, err
	}
	if total == 0 {
		return []byte{}, nil, nil
	}
	span, origin, err := typedSpan(c.mem, int64(ptr), int64(count), tm, what)
	if err != nil {
		return nil, nil, err
	}
	if off, ok := tm.Contiguous(int64(count)); ok {
		at := origin + off
		return span[at : at+total : at+total], nil, nil
	}
	return nil, &comm.Layout{Mem: span, Origin: origin, Count: int64(count), Map: tm}, nil
}

// bufferInPlace resolves a point-to-point buffer that comm reads or writes
// in place: a view of guest memory, or a layout when the datatype is not
// contiguous (the message then moves straight between the two ranks'
// memories).
func (c *call) bufferInPlace(ptr uint32, count int, dt uint32, what string) ([]byte, *comm.Layout, error) {
	d, err := c.datatype(dt)
	if err != nil {
		return nil, nil, err
	}
	return c.typedRegion(ptr, count, d, what)
}

// typedData resolves count elements of d at ptr: a view of guest memory
// when they are contiguous, else a host buffer, packed from guest memory
// when pack is set.
func (c *call) typedData(ptr uint32, count int, d *dtype, pack bool, what string) ([]byte, typedBuf, error) {
	tb := typedBuf{dt: d}
	view, l, err := c.typedRegion(ptr, count, d, what)
	if err != nil || l == nil {
		return view, tb, err
	}
	tm, span, origin, total := l.Map, l.Mem, l.Origin, l.Size()
	data := make([]byte, total)
	if pack {
		tm.Pack(data, span, origin, int64(count))
	}
	tb.mem, tb.copied, tb.addr, tb.count = c.mem, true, int64(ptr), int64(count)
	return data, tb, nil
}

// int32s reads n int32 values from guest memory.
func (c *call) int32s(ptr uint32, n int, what string) ([]int32, error) {
	if n < 0 {
		return nil, comm.Errorf(comm.ErrCount, "negative count %d for %s", n, what)
	}
	if n > comm.MaxTypeBlocks {
		return nil, comm.Errorf(comm.ErrNoMem, "%d entries in %s (at most %d are supported)", n, what, comm.MaxTypeBlocks)
	}
	b, err := c.view(ptr, 4*n, what)
	if err != nil {
		return nil, err
	}
	out := make([]int32, n)
	for i := range out {
		out[i] = int32(uint32(b[4*i]) | uint32(b[4*i+1])<<8 | uint32(b[4*i+2])<<16 | uint32(b[4*i+3])<<24)
	}
	return out, nil
}

// releaseFunc is what runs when a Wait or Test completes a request, on the
// rank's goroutine, in the completing call c (guest callbacks run in c's
// instance); an error becomes the request's error.
type releaseFunc func(c *call) error

// setRelease adds f to what runs when request h completes through a Wait
// or Test (after any release already set).
func (r *rankState) setRelease(h uint32, f releaseFunc) {
	r.mu.Lock()
	defer r.mu.Unlock()
	rs := r.requests[h]
	if rs == nil {
		return
	}
	if prev := rs.release; prev != nil {
		rs.release = func(c *call) error {
			err := prev(c)
			if err2 := f(c); err == nil {
				err = err2
			}
			return err
		}
	} else {
		rs.release = f
	}
}

// recvBuffer is c.buffer for a buffer that is only written (a receive): a
// non-contiguous datatype gets an unfilled host buffer, which the caller
// unpacks (only the bytes received) once the receive completes.
func (c *call) recvBuffer(ptr uint32, count int, dt uint32, what string) ([]byte, typedBuf, error) {
	d, err := c.datatype(dt)
	if err != nil {
		return nil, typedBuf{}, err
	}
	return c.typedData(ptr, count, d, false, what)
}
