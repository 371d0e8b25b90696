package comm

import (
	"encoding/binary"
	"math/bits"
	"sync"
)

// Derived datatypes.
//
// A TypeMap describes where the bytes of one element of an MPI datatype lie
// relative to the buffer address, in type-map order, and which predefined
// elements they hold (the type signature). Constructors (Contiguous, Hvector,
// Hindexed, Struct, Resized, Subarray, Darray) compute the bounds, size and
// element type at once from their parts; the list of blocks and the
// signature are flattened once, by Flatten (MPI_Type_commit calls it), and
// shared by every type built from this one afterwards. Pack and Unpack then
// walk the blocks; nothing is interpreted per message.
//
// Sizes, offsets and alignments are those of the wasm32 C ABI (see
// Datatype). All arithmetic is in int64 and checked: a type whose bounds or
// size exceed MaxTypeBytes is refused at construction, so no later
// computation overflows.

// Block is one contiguous run of Len bytes at Off bytes from the buffer
// address (Off may be negative).
type Block struct{ Off, Len int64 }

// Run is Count consecutive elements of the predefined type T in a type
// signature.
type Run struct {
	T     Datatype
	Count int64
}

// MaxTypeBlocks bounds the flattened form of one datatype: the number of
// blocks of one element and the number of runs of its signature. A type
// beyond it (a vector of millions of single elements nested in another
// vector, say) is refused with MPI_ERR_NO_MEM rather than allowed to take
// gigabytes of host memory.
const MaxTypeBlocks = 1 << 21

// MaxTypeDepth bounds how deeply datatypes may be built on one another
// (flattening recurses once per level).
const MaxTypeDepth = 1000

// MaxTypeBytes bounds every bound, extent and size of a datatype (and of
// count elements of it in Span). Anything larger cannot address wasm32
// memory anyway; the limit keeps all arithmetic far from int64 overflow.
const MaxTypeBytes = 1 << 56

// TypeMap is the layout of one element of a datatype. It is immutable once
// built, and safe for concurrent use.
type TypeMap struct {
	basic    Datatype // the predefined type, for the maps of predefined types
	size     int64    // bytes of data (the type signature's size)
	elements int64    // basic elements (a pair type counts two)
	lb, ub   int64    // bounds: extent = ub - lb
	tlb, tub int64    // true bounds of the data; 0, 0 when size == 0
	align    int64    // strictest alignment of the basic types
	// bounded: lb and ub mean something (the type has data, or explicit
	// bounds from Resized). An empty type without explicit bounds
	// contributes nothing to the bounds of a type built from it.
	bounded bool
	// explicit: somewhere in the type, bounds were set with Resized; a
	// struct of such types is not padded to its alignment.
	explicit bool
	elem     Datatype // the one predefined type of the signature (TypeNull when mixed or empty)
	mixed    bool
	depth    int // 0 for predefined types, else 1 + the deepest part

	parts []part

	once   sync.Once
	err    error
	blocks []Block
	sig    []Run
	ext32  int64 // external32 bytes of one element
}

// part of a composed type: reps repetitions, stride bytes apart, of count
// copies of child laid end to end (child extent apart), the first at disp.
type part struct {
	disp   int64
	count  int64
	reps   int64
	stride int64
	child  *TypeMap
}

var basicMaps = sync.OnceValue(func() []*TypeMap {
	out := make([]*TypeMap, numDatatypes)
	for t := TypeNull + 1; t < numDatatypes; t++ {
		s := int64(t.Size())
		out[t] = &TypeMap{
			basic: t, size: s, elements: basicElements(t), ub: s, tub: s,
			align: alignOf(t), bounded: true, elem: t,
		}
	}
	return out
})

// BasicTypeMap is the type map of a predefined datatype: one block of
// t.Size() bytes at offset 0, lb 0, extent t.Size(). Nil for TypeNull or an
// unknown value.
func BasicTypeMap(t Datatype) *TypeMap {
	if !t.Valid() {
		return nil
	}
	return basicMaps()[t]
}

// pairs are the MINLOC/MAXLOC pair types as the C struct {value; int}:
// the value's type and the int's offset.
var pairs = map[Datatype]struct {
	value  Datatype
	intOff int64
}{
	TypeFloatInt:      {TypeFloat, 4},
	TypeDoubleInt:     {TypeDouble, 8},
	TypeLongInt:       {TypeLong, 4},
	Type2Int:          {TypeInt, 4},
	TypeShortInt:      {TypeShort, 4},
	TypeLongDoubleInt: {TypeLongDouble, 16},
}

func basicElements(t Datatype) int64 {
	if _, ok := pairs[t]; ok {
		return 2
	}
	return 1
}

// alignOf is the alignment wasm32 C gives a value of type t.
func alignOf(t Datatype) int64 {
	switch t {
	case TypeFloatComplex:
		return 4
	case TypeDoubleComplex:
		return 8
	case TypeLongDoubleComplex:
		return 16
	}
	if p, ok := pairs[t]; ok {
		return max(alignOf(p.value), 4)
	}
	return int64(t.Size())
}

// Size is the number of data bytes of one element (MPI_Type_size).
func (tm *TypeMap) Size() int64 { return tm.size }

// LB is the lower bound (MPI_Type_get_extent).
func (tm *TypeMap) LB() int64 { return tm.lb }

// UB is the upper bound.
func (tm *TypeMap) UB() int64 { return tm.ub }

// Extent is UB - LB: the distance between consecutive elements.
func (tm *TypeMap) Extent() int64 { return tm.ub - tm.lb }

// TrueLB is the offset of the first data byte (MPI_Type_get_true_extent).
func (tm *TypeMap) TrueLB() int64 { return tm.tlb }

// TrueExtent is the distance from the first to one past the last data byte.
func (tm *TypeMap) TrueExtent() int64 { return tm.tub - tm.tlb }

// BasicElements is the number of basic elements of one element of the type
// (a pair type counts two).
func (tm *TypeMap) BasicElements() int64 { return tm.elements }

// Predefined returns the predefined type this map is the map of.
func (tm *TypeMap) Predefined() (Datatype, bool) { return tm.basic, tm.basic != TypeNull }

// Elem returns the single predefined type of the signature, if the type is
// made of one predefined type only (a vector of MPI_DOUBLE, a struct of
// ints). ok is false for a mixed signature and for an empty type.
func (tm *TypeMap) Elem() (t Datatype, ok bool) {
	if tm.mixed || tm.elem == TypeNull {
		return TypeNull, false
	}
	return tm.elem, true
}

// Mixed reports whether the signature holds more than one predefined type.
func (tm *TypeMap) Mixed() bool { return tm.mixed }

// checked arithmetic: every result must stay within ±MaxTypeBytes.

func fits(v int64) bool { return v >= -MaxTypeBytes && v <= MaxTypeBytes }

func mul(a, b int64) (int64, bool) {
	if a == 0 || b == 0 {
		return 0, true
	}
	hi, lo := bits.Mul64(uint64(abs(a)), uint64(abs(b)))
	if hi != 0 || lo > MaxTypeBytes {
		return 0, false
	}
	v := int64(lo)
	if (a < 0) != (b < 0) {
		v = -v
	}
	return v, true
}

func abs(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}

func tooLarge(what string) error {
	return Errorf(ErrArg, "%s: the datatype would be larger than %d bytes", what, int64(MaxTypeBytes))
}

// spread is the lowest and highest shift of the copies of p relative to
// p.disp: copies sit at r*stride + k*extent.
func (p part) spread() (lo, hi int64, ok bool) {
	a, ok1 := mul(p.reps-1, p.stride)
	b, ok2 := mul(p.count-1, p.child.Extent())
	if !ok1 || !ok2 {
		return 0, 0, false
	}
	return min(a, 0) + min(b, 0), max(a, 0) + max(b, 0), true
}

// compose builds a type from parts. pad applies the alignment rule of
// MPI_Type_create_struct: the extent is rounded up to a multiple of the
// strictest alignment of the basic types, unless bounds were set
// explicitly somewhere in the type.
func compose(what string, parts []part, pad bool) (*TypeMap, error) {
	tm := &TypeMap{parts: parts, align: 1}
	data := false
	for _, p := range parts {
		c := p.child
		if c.depth >= MaxTypeDepth {
			return nil, Errorf(ErrArg, "%s: datatypes nested more than %d deep are not supported", what, MaxTypeDepth)
		}
		tm.depth = max(tm.depth, c.depth+1)
		if p.count < 0 || p.reps < 0 {
			return nil, Errorf(ErrCount, "%s: negative count", what)
		}
		if p.count == 0 || p.reps == 0 {
			continue
		}
		n, ok := mul(p.count, p.reps)
		if !ok {
			return nil, tooLarge(what)
		}
		sz, ok := mul(n, c.size)
		if !ok || !fits(tm.size+sz) {
			return nil, tooLarge(what)
		}
		tm.size += sz
		el, ok := mul(n, c.elements)
		if !ok || !fits(tm.elements+el) {
			return nil, tooLarge(what)
		}
		tm.elements += el
		tm.align = max(tm.align, c.align)
		tm.explicit = tm.explicit || c.explicit
		lo, hi, ok := p.spread()
		if !ok {
			return nil, tooLarge(what)
		}
		if c.bounded {
			lb, ub := p.disp+lo+c.lb, p.disp+hi+c.ub
			if !tm.bounded {
				tm.lb, tm.ub, tm.bounded = lb, ub, true
			} else {
				tm.lb, tm.ub = min(tm.lb, lb), max(tm.ub, ub)
			}
		}
		if c.size > 0 {
			tlb, tub := p.disp+lo+c.tlb, p.disp+hi+c.tub
			if !data {
				tm.tlb, tm.tub, data = tlb, tub, true
			} else {
				tm.tlb, tm.tub = min(tm.tlb, tlb), max(tm.tub, tub)
			}
			switch {
			case c.mixed:
				tm.mixed = true
			case tm.elem == TypeNull:
				tm.elem = c.elem
			case tm.elem != c.elem:
				tm.mixed = true
			}
		}
		if !fits(tm.lb) || !fits(tm.ub) || !fits(tm.tlb) || !fits(tm.tub) {
			return nil, tooLarge(what)
		}
	}
	if pad && !tm.explicit && tm.align > 1 {
		if r := (tm.ub - tm.lb) % tm.align; r > 0 {
			tm.ub += tm.align - r
		}
	}
	if !fits(tm.ub - tm.lb) {
		return nil, tooLarge(what)
	}
	return tm, nil
}

func checkOld(what string, old *TypeMap) error {
	if old == nil {
		return Errorf(ErrType, "%s: no old datatype", what)
	}
	return nil
}

// Contiguous is count copies of old, extent apart (MPI_Type_contiguous).
func Contiguous(count int64, old *TypeMap) (*TypeMap, error) {
	const what = "contiguous datatype"
	if err := checkOld(what, old); err != nil {
		return nil, err
	}
	if count < 0 {
		return nil, Errorf(ErrCount, "%s: negative count %d", what, count)
	}
	return compose(what, []part{{count: count, reps: 1, child: old}}, false)
}

// Hvector is count blocks of blocklen copies of old, the blocks stride
// bytes apart (MPI_Type_create_hvector; MPI_Type_vector with stride times
// old's extent).
func Hvector(count, blocklen, stride int64, old *TypeMap) (*TypeMap, error) {
	const what = "vector datatype"
	if err := checkOld(what, old); err != nil {
		return nil, err
	}
	if count < 0 {
		return nil, Errorf(ErrCount, "%s: negative count %d", what, count)
	}
	if blocklen < 0 {
		return nil, Errorf(ErrArg, "%s: negative block length %d", what, blocklen)
	}
	if !fits(stride) {
		return nil, tooLarge(what)
	}
	return compose(what, []part{{count: blocklen, reps: count, stride: stride, child: old}}, false)
}

// Vector is Hvector with the stride in multiples of old's extent.
func Vector(count, blocklen, stride int64, old *TypeMap) (*TypeMap, error) {
	if err := checkOld("vector datatype", old); err != nil {
		return nil, err
	}
	s, ok := mul(stride, old.Extent())
	if !ok {
		return nil, tooLarge("vector datatype")
	}
	return Hvector(count, blocklen, s, old)
}

// Hindexed is blocks of blocklens[i] copies of old at byte displacements
// displs[i] (MPI_Type_create_hindexed and, with one block length for all,
// MPI_Type_create_hindexed_block).
func Hindexed(blocklens, displs []int64, old *TypeMap) (*TypeMap, error) {
	const what = "indexed datatype"
	if err := checkOld(what, old); err != nil {
		return nil, err
	}
	if len(blocklens) != len(displs) {
		return nil, Errorf(ErrArg, "%s: %d block lengths for %d displacements", what, len(blocklens), len(displs))
	}
	if len(blocklens) > MaxTypeBlocks {
		return nil, Errorf(ErrNoMem, "%s: %d blocks (at most %d are supported)", what, len(blocklens), MaxTypeBlocks)
	}
	parts := make([]part, 0, len(blocklens))
	for i, n := range blocklens {
		if n < 0 {
			return nil, Errorf(ErrArg, "%s: block length %d of block %d is negative", what, n, i)
		}
		if !fits(displs[i]) {
			return nil, tooLarge(what)
		}
		parts = append(parts, part{disp: displs[i], count: n, reps: 1, child: old})
	}
	return compose(what, parts, false)
}

// Indexed is Hindexed with displacements in multiples of old's extent.
func Indexed(blocklens, displs []int64, old *TypeMap) (*TypeMap, error) {
	if err := checkOld("indexed datatype", old); err != nil {
		return nil, err
	}
	bytes := make([]int64, len(displs))
	for i, d := range displs {
		v, ok := mul(d, old.Extent())
		if !ok {
			return nil, tooLarge("indexed datatype")
		}
		bytes[i] = v
	}
	return Hindexed(blocklens, bytes, old)
}

// Struct is blocks of blocklens[i] copies of types[i] at byte displacements
// displs[i] (MPI_Type_create_struct). As the standard's definition of the
// extent says (and MPICH does), the extent is padded to a multiple of the
// strictest alignment of the basic types in it, so that an array of a C
// struct described member by member has the struct's sizeof as its extent;
// the padding is not applied when a member type had its bounds set with
// Resized.
func Struct(blocklens, displs []int64, types []*TypeMap) (*TypeMap, error) {
	const what = "struct datatype"
	if len(blocklens) != len(displs) || len(blocklens) != len(types) {
		return nil, Errorf(ErrArg, "%s: %d block lengths, %d displacements and %d types", what, len(blocklens), len(displs), len(types))
	}
	if len(blocklens) > MaxTypeBlocks {
		return nil, Errorf(ErrNoMem, "%s: %d blocks (at most %d are supported)", what, len(blocklens), MaxTypeBlocks)
	}
	parts := make([]part, 0, len(blocklens))
	for i, n := range blocklens {
		if types[i] == nil {
			return nil, Errorf(ErrType, "%s: no datatype for block %d", what, i)
		}
		if n < 0 {
			return nil, Errorf(ErrArg, "%s: block length %d of block %d is negative", what, n, i)
		}
		if !fits(displs[i]) {
			return nil, tooLarge(what)
		}
		parts = append(parts, part{disp: displs[i], count: n, reps: 1, child: types[i]})
	}
	return compose(what, parts, true)
}

// Resized is old with lower bound lb and extent extent
// (MPI_Type_create_resized). The data does not move.
func Resized(old *TypeMap, lb, extent int64) (*TypeMap, error) {
	const what = "resized datatype"
	if err := checkOld(what, old); err != nil {
		return nil, err
	}
	if !fits(lb) || !fits(extent) || !fits(lb+extent) {
		return nil, tooLarge(what)
	}
	if old.depth >= MaxTypeDepth {
		return nil, Errorf(ErrArg, "%s: datatypes nested more than %d deep are not supported", what, MaxTypeDepth)
	}
	return &TypeMap{
		size: old.size, elements: old.elements,
		lb: lb, ub: lb + extent, tlb: old.tlb, tub: old.tub,
		align: old.align, bounded: true, explicit: true,
		elem: old.elem, mixed: old.mixed, depth: old.depth + 1,
		parts: []part{{count: 1, reps: 1, child: old}},
	}, nil
}

// Order is the storage order of a multidimensional array.
type Order int

// The storage orders.
const (
	OrderC       Order = iota // row-major: the last dimension varies fastest
	OrderFortran              // column-major: the first dimension varies fastest
)

// dims lists dimension indexes from the fastest-varying to the slowest.
func dims(n int, order Order) []int {
	out := make([]int, n)
	for i := range out {
		if order == OrderC {
			out[i] = n - 1 - i
		} else {
			out[i] = i
		}
	}
	return out
}

// Subarray is the subarray of subsizes elements starting at starts of an
// array of sizes elements of old in the given order
// (MPI_Type_create_subarray): lb 0 and extent the whole array.
func Subarray(sizes, subsizes, starts []int64, order Order, old *TypeMap) (*TypeMap, error) {
	const what = "subarray datatype"
	if err := checkOld(what, old); err != nil {
		return nil, err
	}
	n := len(sizes)
	if n < 1 || len(subsizes) != n || len(starts) != n {
		return nil, Errorf(ErrArg, "%s: %d dimensions, %d subsizes, %d starts", what, n, len(subsizes), len(starts))
	}
	if order != OrderC && order != OrderFortran {
		return nil, Errorf(ErrArg, "%s: invalid order", what)
	}
	for i := range sizes {
		switch {
		case sizes[i] < 1:
			return nil, Errorf(ErrArg, "%s: size %d of dimension %d must be positive", what, sizes[i], i)
		case subsizes[i] < 1 || subsizes[i] > sizes[i]:
			return nil, Errorf(ErrArg, "%s: subsize %d of dimension %d must be between 1 and the size %d", what, subsizes[i], i, sizes[i])
		case starts[i] < 0 || starts[i] > sizes[i]-subsizes[i]:
			return nil, Errorf(ErrArg, "%s: start %d of dimension %d must be between 0 and %d (size %d, subsize %d)", what, starts[i], i, sizes[i]-subsizes[i], sizes[i], subsizes[i])
		}
	}
	ext := old.Extent()
	ord := dims(n, order)
	t, err := Contiguous(subsizes[ord[0]], old)
	if err != nil {
		return nil, err
	}
	stride := ext // bytes between consecutive indexes of dimension ord[j]
	disp, ok := mul(starts[ord[0]], ext)
	if !ok {
		return nil, tooLarge(what)
	}
	for j := 1; j < n; j++ {
		d := ord[j]
		if stride, ok = mul(stride, sizes[ord[j-1]]); !ok {
			return nil, tooLarge(what)
		}
		if t, err = Hvector(subsizes[d], 1, stride, t); err != nil {
			return nil, err
		}
		off, ok := mul(starts[d], stride)
		if !ok || !fits(disp+off) {
			return nil, tooLarge(what)
		}
		disp += off
	}
	total, ok := mul(stride, sizes[ord[n-1]])
	if !ok {
		return nil, tooLarge(what)
	}
	placed, err := compose(what, []part{{disp: disp, count: 1, reps: 1, child: t}}, false)
	if err != nil {
		return nil, err
	}
	return Resized(placed, 0, total)
}

// Distribution is how MPI_Type_create_darray distributes one dimension.
type Distribution int

// The distributions.
const (
	DistributeNone Distribution = iota
	DistributeBlock
	DistributeCyclic
)

// DargDefault asks for the default distribution argument of a dimension.
const DargDefault int64 = -1

// Darray is the part that process rank of a size-process grid owns of a
// distributed array (MPI_Type_create_darray), exactly as the standard
// defines it: processes are numbered row-major in the grid psizes, every
// dimension is distributed cyclic(darg) (a block distribution is
// cyclic(ceil(gsize/psize)) or cyclic(darg), a dimension that is not
// distributed is cyclic(gsize)), dimensions are composed from the fastest
// to the slowest, and each stage is resized to lb 0 and the extent of the
// whole dimension.
func Darray(size, rank int64, gsizes []int64, distribs []Distribution, dargs []int64, psizes []int64, order Order, old *TypeMap) (*TypeMap, error) {
	const what = "darray datatype"
	if err := checkOld(what, old); err != nil {
		return nil, err
	}
	n := len(gsizes)
	if n < 1 || len(distribs) != n || len(dargs) != n || len(psizes) != n {
		return nil, Errorf(ErrArg, "%s: %d dimensions but %d distributions, %d dargs, %d psizes", what, n, len(distribs), len(dargs), len(psizes))
	}
	if order != OrderC && order != OrderFortran {
		return nil, Errorf(ErrArg, "%s: invalid order", what)
	}
	if size < 1 || rank < 0 || rank >= size {
		return nil, Errorf(ErrArg, "%s: rank %d is not in a group of size %d", what, rank, size)
	}
	procs := int64(1)
	for i := range gsizes {
		if gsizes[i] < 1 {
			return nil, Errorf(ErrArg, "%s: global size %d of dimension %d must be positive", what, gsizes[i], i)
		}
		if psizes[i] < 1 {
			return nil, Errorf(ErrArg, "%s: process grid size %d of dimension %d must be positive", what, psizes[i], i)
		}
		var ok bool
		if procs, ok = mul(procs, psizes[i]); !ok {
			return nil, Errorf(ErrArg, "%s: the process grid is larger than the group (%d)", what, size)
		}
		d := dargs[i]
		if d != DargDefault && d < 1 {
			return nil, Errorf(ErrArg, "%s: distribution argument %d of dimension %d must be positive or MPI_DISTRIBUTE_DFLT_DARG", what, d, i)
		}
		switch distribs[i] {
		case DistributeNone:
			if psizes[i] != 1 {
				return nil, Errorf(ErrArg, "%s: dimension %d is not distributed (MPI_DISTRIBUTE_NONE) but has %d processes; it must have 1", what, i, psizes[i])
			}
		case DistributeBlock:
			if d != DargDefault {
				if p, ok := mul(d, psizes[i]); ok && p < gsizes[i] {
					return nil, Errorf(ErrArg, "%s: block size %d times %d processes does not cover the %d elements of dimension %d", what, d, psizes[i], gsizes[i], i)
				}
			}
		case DistributeCyclic:
		default:
			return nil, Errorf(ErrArg, "%s: invalid distribution of dimension %d", what, i)
		}
	}
	if procs != size {
		return nil, Errorf(ErrArg, "%s: the process grid has %d processes but the group has %d", what, procs, size)
	}
	// Coordinates of rank in the row-major process grid.
	coords := make([]int64, n)
	rest := rank
	for i := n - 1; i >= 0; i-- {
		coords[i] = rest % psizes[i]
		rest /= psizes[i]
	}
	t := old
	for _, d := range dims(n, order) {
		darg := dargs[d]
		switch distribs[d] {
		case DistributeNone:
			darg = gsizes[d]
		case DistributeBlock:
			if darg == DargDefault {
				darg = (gsizes[d] + psizes[d] - 1) / psizes[d]
			}
		case DistributeCyclic:
			if darg == DargDefault {
				darg = 1
			}
		}
		var err error
		if t, err = cyclic(darg, gsizes[d], coords[d], psizes[d], t); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// cyclic is the standard's cyclic(darg, gsize, r, psize, oldtype): the
// blocks of darg elements that process r owns, lb 0, extent gsize elements.
func cyclic(darg, gsize, r, psize int64, old *TypeMap) (*TypeMap, error) {
	const what = "darray datatype"
	ext := old.Extent()
	nblocks := gsize/darg + min(gsize%darg, 1)
	count := nblocks / psize
	if r < nblocks-count*psize {
		count++
	}
	var parts []part
	if count > 0 {
		first, ok1 := mul(r*darg, ext)
		stride, ok2 := mul(psize*darg, ext)
		if !ok1 || !ok2 {
			return nil, tooLarge(what)
		}
		last := gsize % darg
		full := count
		if last != 0 && r == (nblocks-1)%psize {
			full-- // the last block is partial
		}
		if full > 0 {
			parts = append(parts, part{disp: first, count: darg, reps: full, stride: stride, child: old})
		}
		if full < count {
			off, ok := mul(full, stride)
			if !ok {
				return nil, tooLarge(what)
			}
			parts = append(parts, part{disp: first + off, count: last, reps: 1, child: old})
		}
	}
	t, err := compose(what, parts, false)
	if err != nil {
		return nil, err
	}
	total, ok := mul(gsize, ext)
	if !ok {
		return nil, tooLarge(what)
	}
	return Resized(t, 0, total)
}

// Flatten computes the blocks and the signature of one element, once. It
// fails (MPI_ERR_NO_MEM) when the type has more than MaxTypeBlocks blocks or
// signature runs.
func (tm *TypeMap) Flatten() error {
	tm.once.Do(func() { tm.err = tm.flatten() })
	return tm.err
}

// Blocks is the flattened list of blocks of one element in type-map order,
// adjacent blocks merged. Flatten must have succeeded.
func (tm *TypeMap) Blocks() []Block { return tm.blocks }

// Signature is the type signature of one element as runs of predefined
// types, adjacent runs of the same type merged. Flatten must have succeeded.
func (tm *TypeMap) Signature() []Run { return tm.sig }

type flattener struct {
	blocks []Block
	sig    []Run
	err    error
}

func (f *flattener) block(off, n int64) {
	if k := len(f.blocks) - 1; k >= 0 && f.blocks[k].Off+f.blocks[k].Len == off {
		f.blocks[k].Len += n
		return
	}
	if len(f.blocks) >= MaxTypeBlocks {
		f.err = Errorf(ErrNoMem, "the datatype has more than %d separate blocks; it is too fragmented to be supported", MaxTypeBlocks)
		return
	}
	f.blocks = append(f.blocks, Block{off, n})
}

func (f *flattener) run(t Datatype, n int64) {
	if k := len(f.sig) - 1; k >= 0 && f.sig[k].T == t {
		f.sig[k].Count += n
		return
	}
	if len(f.sig) >= MaxTypeBlocks {
		f.err = Errorf(ErrNoMem, "the type signature of the datatype alternates between predefined types more than %d times; it is too fragmented to be supported", MaxTypeBlocks)
		return
	}
	f.sig = append(f.sig, Run{t, n})
}

func (tm *TypeMap) flatten() error {
	if tm.basic != TypeNull {
		tm.blocks = []Block{{0, tm.size}}
		tm.sig = []Run{{tm.basic, 1}}
		tm.ext32 = ext32Size(tm.basic)
		return nil
	}
	if len(tm.parts) == 1 {
		if p := tm.parts[0]; p.disp == 0 && p.count == 1 && p.reps == 1 {
			// A resized or duplicated type: the same data.
			if err := p.child.Flatten(); err != nil {
				return err
			}
			tm.blocks, tm.sig, tm.ext32 = p.child.blocks, p.child.sig, p.child.ext32
			return nil
		}
	}
	// Size the lists first: upper bounds (no merging) for the capacity,
	// lower bounds (merging only where one copy meets the next) to refuse
	// a type that is too fragmented before building anything.
	var upper, lower, sigUpper, sigLower int64
	sat := func(a, b int64) int64 {
		if v, ok := mul(a, b); ok {
			return v
		}
		return MaxTypeBytes
	}
	for _, p := range tm.parts {
		c := p.child
		if p.count == 0 || p.reps == 0 || c.size == 0 {
			continue
		}
		if err := c.Flatten(); err != nil {
			return err
		}
		copies := p.count * p.reps
		nb, ns := int64(len(c.blocks)), int64(len(c.sig))
		if nb == 1 && c.blocks[0].Len == c.Extent() {
			upper += p.reps
		} else {
			upper += sat(copies, nb)
			lower += sat(copies, nb-1)
		}
		if ns > 1 {
			sigUpper += sat(copies, ns)
			sigLower += sat(copies, ns-1)
		} else {
			sigUpper++
		}
		upper, lower = min(upper, MaxTypeBytes), min(lower, MaxTypeBytes)
		sigUpper, sigLower = min(sigUpper, MaxTypeBytes), min(sigLower, MaxTypeBytes)
	}
	if lower > MaxTypeBlocks || sigLower > MaxTypeBlocks {
		return Errorf(ErrNoMem, "the datatype has more than %d separate blocks or type signature runs; it is too fragmented to be supported", MaxTypeBlocks)
	}
	f := flattener{
		blocks: make([]Block, 0, min(upper, MaxTypeBlocks)),
		sig:    make([]Run, 0, min(sigUpper, MaxTypeBlocks)),
	}
	for _, p := range tm.parts {
		c := p.child
		if p.count == 0 || p.reps == 0 || c.size == 0 {
			continue
		}
		ext := c.Extent()
		cb := c.blocks
		if len(cb) == 1 && cb[0].Len == ext {
			// The copies of one repetition abut: one block each.
			n := p.count * cb[0].Len
			if p.reps > 1 && n == p.stride {
				f.block(p.disp+cb[0].Off, n*p.reps)
			} else {
				for r := int64(0); r < p.reps && f.err == nil; r++ {
					f.block(p.disp+r*p.stride+cb[0].Off, n)
				}
			}
		} else {
			for r := int64(0); r < p.reps && f.err == nil; r++ {
				for k := int64(0); k < p.count && f.err == nil; k++ {
					base := p.disp + r*p.stride + k*ext
					for _, b := range cb {
						f.block(base+b.Off, b.Len)
					}
				}
			}
		}
		if f.err != nil {
			return f.err
		}
		copies := p.count * p.reps
		if len(c.sig) == 1 {
			f.run(c.sig[0].T, c.sig[0].Count*copies)
		} else {
			for i := int64(0); i < copies && f.err == nil; i++ {
				for _, r := range c.sig {
					f.run(r.T, r.Count)
				}
			}
		}
		if f.err != nil {
			return f.err
		}
	}
	tm.blocks, tm.sig = f.blocks, f.sig
	for _, r := range tm.sig {
		tm.ext32 += r.Count * ext32Size(r.T)
	}
	return nil
}

// Contiguous reports whether count elements of the type are one contiguous
// run of bytes, and if so at which offset from the buffer address it
// starts. Flatten must have succeeded.
func (tm *TypeMap) Contiguous(count int64) (off int64, ok bool) {
	if tm.size == 0 || count == 0 {
		return 0, true
	}
	if len(tm.blocks) != 1 {
		return 0, false
	}
	b := tm.blocks[0]
	if count == 1 || b.Len == tm.Extent() {
		return b.Off, true
	}
	return 0, false
}

// Span is the range [lo, hi) of offsets from the buffer address that count
// elements of the type touch (empty when they hold no data). ok is false
// when the range is larger than MaxTypeBytes.
func (tm *TypeMap) Span(count int64) (lo, hi int64, ok bool) {
	if tm.size == 0 || count <= 0 {
		return 0, 0, true
	}
	s, ok := mul(count-1, tm.Extent())
	if !ok {
		return 0, 0, false
	}
	lo, hi = tm.tlb+min(s, 0), tm.tub+max(s, 0)
	return lo, hi, fits(lo) && fits(hi)
}

// Pack copies the data of count elements of the type, laid out in mem with
// the buffer address at index origin, into dst in type-map order. If dst
// is shorter than count*Size() only its length is copied. The caller makes
// sure that the Span of the elements lies inside mem.
func (tm *TypeMap) Pack(dst, mem []byte, origin, count int64) {
	tm.transfer(mem, origin, count, dst, true)
}

// Unpack is the reverse of Pack: it copies src (at most count*Size() bytes,
// in type-map order) into the elements in mem.
func (tm *TypeMap) Unpack(mem []byte, origin, count int64, src []byte) {
	tm.transfer(mem, origin, count, src, false)
}

func (tm *TypeMap) transfer(mem []byte, origin, count int64, stream []byte, pack bool) {
	if off, ok := tm.Contiguous(count); ok {
		n := min(int64(len(stream)), count*tm.size)
		at := origin + off
		if pack {
			copy(stream[:n], mem[at:at+n])
		} else {
			copy(mem[at:at+n], stream[:n])
		}
		return
	}
	ext := tm.Extent()
	pos, end := int64(0), int64(len(stream))
	for i := int64(0); i < count && pos < end; i++ {
		base := origin + i*ext
		for _, b := range tm.blocks {
			n := min(b.Len, end-pos)
			at := base + b.Off
			if pack {
				copy(stream[pos:pos+n], mem[at:at+n])
			} else {
				copy(mem[at:at+n], stream[pos:pos+n])
			}
			pos += n
			if pos == end {
				return
			}
		}
	}
}

// Elements is the number of basic elements in the first n bytes of a
// buffer of elements of the type (MPI_Get_elements): a pair type counts two,
// a trailing partial pair counts the members it holds whole. It is -1 when
// n ends inside a basic element. Flatten must have succeeded.
func (tm *TypeMap) Elements(n int64) int64 {
	if tm.size == 0 {
		return 0
	}
	total := n / tm.size * tm.elements
	rem := n % tm.size
	for _, r := range tm.sig {
		if rem == 0 {
			break
		}
		s := int64(r.T.Size())
		if whole := r.Count * s; rem >= whole {
			total += r.Count * basicElements(r.T)
			rem -= whole
			continue
		}
		total += rem / s * basicElements(r.T)
		rem %= s
		if rem == 0 {
			break
		}
		p, pair := pairs[r.T]
		vs := int64(p.value.Size())
		switch {
		case !pair, rem < vs, rem > p.intOff && rem < p.intOff+4:
			return -1 // inside a basic element
		case rem <= p.intOff:
			total++ // the value, perhaps some padding
		default:
			total += 2 // value and int, part of the trailing padding
		}
		rem = 0
	}
	if rem != 0 {
		return -1
	}
	return total
}

// External32 ("external32", MPI-4.1 §14.5.2): every basic element big-endian
// with the sizes of the standard's table, pairs and complex numbers member
// by member, no padding.

// ext32Field is one field of a basic element: native size and offset,
// external32 size, and whether a narrower native integer is signed.
type ext32Field struct {
	off, native, ext int64
	signed           bool
}

func ext32Fields(t Datatype) []ext32Field {
	switch t {
	case TypeAint:
		return []ext32Field{{0, 4, 8, true}}
	case TypeWchar:
		return []ext32Field{{0, 4, 2, false}}
	case TypeFloatComplex:
		return []ext32Field{{0, 4, 4, false}, {4, 4, 4, false}}
	case TypeDoubleComplex:
		return []ext32Field{{0, 8, 8, false}, {8, 8, 8, false}}
	case TypeLongDoubleComplex:
		return []ext32Field{{0, 16, 16, false}, {16, 16, 16, false}}
	}
	if p, ok := pairs[t]; ok {
		v := int64(p.value.Size())
		return []ext32Field{{0, v, v, false}, {p.intOff, 4, 4, false}}
	}
	s := int64(t.Size())
	return []ext32Field{{0, s, s, false}}
}

func ext32Size(t Datatype) int64 {
	n := int64(0)
	for _, f := range ext32Fields(t) {
		n += f.ext
	}
	return n
}

// External32Size is the number of bytes count elements of the type occupy
// in external32. Flatten must have succeeded.
func (tm *TypeMap) External32Size(count int64) int64 { return count * tm.ext32 }

// ToExternal32 converts count packed elements (as Pack produces them) to
// external32 in dst, which holds External32Size(count) bytes.
func (tm *TypeMap) ToExternal32(dst, native []byte, count int64) {
	tm.convert32(native, dst, count, true)
}

// FromExternal32 converts count elements in external32 (src) to packed
// native form in native, which holds count*Size() bytes. Padding inside
// pair types comes out as zero bytes.
func (tm *TypeMap) FromExternal32(native, src []byte, count int64) {
	tm.convert32(native, src, count, false)
}

func (tm *TypeMap) convert32(native, ext []byte, count int64, out bool) {
	np, ep := int64(0), int64(0)
	for i := int64(0); i < count; i++ {
		for _, r := range tm.sig {
			fields := ext32Fields(r.T)
			s := int64(r.T.Size())
			for k := int64(0); k < r.Count; k++ {
				elem := native[np : np+s]
				if !out {
					clear(elem)
				}
				for _, f := range fields {
					convertField(elem[f.off:f.off+f.native], ext[ep:ep+f.ext], f, out)
					ep += f.ext
				}
				np += s
			}
		}
	}
}

// convertField moves one little-endian native field to or from its
// big-endian external32 form.
func convertField(n, e []byte, f ext32Field, out bool) {
	if f.native == f.ext {
		last := len(n) - 1
		if out {
			for i := range n {
				e[i] = n[last-i]
			}
		} else {
			for i := range n {
				n[i] = e[last-i]
			}
		}
		return
	}
	if out {
		var v uint64
		switch f.native {
		case 4:
			v = uint64(binary.LittleEndian.Uint32(n))
			if f.signed {
				v = uint64(int64(int32(v)))
			}
		default:
			panic("comm: unexpected external32 field")
		}
		switch f.ext {
		case 8:
			binary.BigEndian.PutUint64(e, v)
		case 2:
			binary.BigEndian.PutUint16(e, uint16(v))
		}
		return
	}
	var v uint64
	switch f.ext {
	case 8:
		v = binary.BigEndian.Uint64(e)
	case 2:
		v = uint64(binary.BigEndian.Uint16(e))
	}
	binary.LittleEndian.PutUint32(n, uint32(v))
}
