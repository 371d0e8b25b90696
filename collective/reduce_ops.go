package collective

import (
	"encoding/binary"
	"sync"
	"unsafe"

	"github.com/wasmpi/wasmpi/comm"
)

// This file implements the predefined reduction operations on raw guest
// bytes. Guest memory is wasm32 linear memory, which is little-endian, and
// the kernels below reinterpret it in place as Go values ([]byte viewed as
// []int32, []float64, ...). That is only correct on a little-endian host
// (amd64 is the supported one); init refuses to run on a big-endian host
// rather than silently computing garbage.
func init() {
	if binary.NativeEndian.Uint16([]byte{1, 0}) != 1 {
		panic("collective: reduction kernels require a little-endian host")
	}
}

// Allowed reports whether op is defined for t by the MPI standard
// (MPI-4.1 §6.9.2). It is the check Combine makes before anything else.
//
// The groups used are:
//
//	C integer:        MPI_SIGNED_CHAR, MPI_UNSIGNED_CHAR, MPI_SHORT, MPI_UNSIGNED_SHORT,
//	                  MPI_INT, MPI_UNSIGNED, MPI_LONG, MPI_UNSIGNED_LONG, MPI_LONG_LONG,
//	                  MPI_UNSIGNED_LONG_LONG, MPI_INT{8,16,32,64}_T, MPI_UINT{8,16,32,64}_T,
//	                  and the multi-language types MPI_AINT, MPI_OFFSET, MPI_COUNT
//	Floating point:   MPI_FLOAT, MPI_DOUBLE, MPI_LONG_DOUBLE
//	Complex:          MPI_C_FLOAT_COMPLEX, MPI_C_DOUBLE_COMPLEX, MPI_C_LONG_DOUBLE_COMPLEX
//	Logical:          MPI_C_BOOL
//	Byte:             MPI_BYTE
//	Pair:             MPI_FLOAT_INT, MPI_DOUBLE_INT, MPI_LONG_INT, MPI_2INT,
//	                  MPI_SHORT_INT, MPI_LONG_DOUBLE_INT
//
// and the rules:
//
//	MPI_MAX, MPI_MIN              C integer, Floating point
//	MPI_SUM, MPI_PROD             C integer, Floating point, Complex
//	MPI_LAND, MPI_LOR, MPI_LXOR   C integer, Logical
//	MPI_BAND, MPI_BOR, MPI_BXOR   C integer, Byte
//	MPI_MAXLOC, MPI_MINLOC        Pair
//	MPI_REPLACE, MPI_NO_OP        every datatype
//
// MPI_CHAR and MPI_WCHAR are character types and, as in the standard, take
// part in no arithmetic operation; neither does MPI_PACKED. (The standard
// lists the multi-language types for MAX/MIN, SUM/PROD and BAND/BOR/BXOR
// only; they are accepted for the logical operations too, as MPICH does.)
func Allowed(op Op, t comm.Datatype) bool {
	if !t.Valid() {
		return false
	}
	g := groupOf(t)
	switch op {
	case OpReplace, OpNoOp:
		return true
	case OpMax, OpMin:
		return g == groupInteger || g == groupFloat
	case OpSum, OpProd:
		return g == groupInteger || g == groupFloat || g == groupComplex
	case OpLand, OpLor, OpLxor:
		return g == groupInteger || g == groupLogical
	case OpBand, OpBor, OpBxor:
		return g == groupInteger || g == groupByte
	case OpMaxloc, OpMinloc:
		return g == groupPair
	}
	return false
}

// Combine applies op element-wise: inout[i] = in[i] op inout[i], for
// len(in)/t.Size() elements.
//
// in and inout are raw little-endian guest bytes in the wasm32 layout, of
// equal length, a multiple of t.Size(); they may be unaligned and may be the
// same slice, but must not otherwise overlap. Combine never panics on bad
// arguments; it reports:
//
//   - comm.ErrOp for MPI_OP_NULL or an unknown op, and for an op the
//     standard does not define for t (see Allowed);
//   - comm.ErrType for MPI_DATATYPE_NULL or an unknown datatype;
//   - comm.ErrArg when len(in) != len(inout);
//   - comm.ErrCount when the length is not a multiple of t.Size().
//
// The results are those of the C expression a wasm32 guest would evaluate
// (the Open MPI/MPICH definitions), with a = the in element and b = the
// inout element:
//
//   - integers wrap around (two's complement) on SUM and PROD;
//   - MAX is b > a ? b : a and MIN is b < a ? b : a, so when the two compare
//     equal (-0 and +0) or are unordered (a NaN in either), the in operand
//     wins: a NaN in in propagates, a NaN already in inout is replaced;
//   - floating SUM and PROD are single IEEE operations in the element type
//     (float in binary32, double in binary64, long double in binary128, all
//     round to nearest even); which NaN comes out when both operands are
//     NaN is not specified;
//   - complex PROD is (ar*br - ai*bi) + (ar*bi + ai*br)i with every product
//     rounded separately (no fused multiply-add) and without the C Annex G
//     recovery of infinities from NaN results;
//   - LAND, LOR, LXOR treat nonzero as true and store 1 or 0 in the
//     element's width;
//   - MAXLOC takes a when a.value > b.value, MINLOC when a.value <
//     b.value; when the values are equal the value is kept and the index
//     becomes the smaller of the two; when they are unordered (NaN) inout
//     is left unchanged;
//   - REPLACE copies in to inout; NO_OP leaves inout unchanged.
func Combine(op Op, t comm.Datatype, in, inout []byte) error {
	if op <= OpNull || op >= numOps {
		return comm.Errorf(comm.ErrOp, "invalid reduction operation %v", op)
	}
	if !t.Valid() {
		return comm.Errorf(comm.ErrType, "invalid datatype %v for reduction %v", t, op)
	}
	if !Allowed(op, t) {
		return comm.Errorf(comm.ErrOp, "%v is not defined for datatype %v", op, t)
	}
	if len(in) != len(inout) {
		return comm.Errorf(comm.ErrArg, "%v: input is %d bytes but input/output is %d bytes", op, len(in), len(inout))
	}
	size := t.Size()
	if len(inout)%size != 0 {
		return comm.Errorf(comm.ErrCount, "%v: %d bytes is not a whole number of %v elements (%d bytes each)", op, len(inout), t, size)
	}
	switch {
	case len(inout) == 0 || op == OpNoOp:
		return nil
	case op == OpReplace:
		copy(inout, in)
		return nil
	}
	e := kernels[op][t]
	if e.k == nil { // unreachable while kernelFor covers Allowed
		return comm.Errorf(comm.ErrIntern, "no kernel for %v on %v", op, t)
	}
	run(e.k, e.align, size, in, inout)
	return nil
}

type kernelEntry struct {
	k     kernel
	align int
}

// kernels[op][t] is the kernel for every allowed (op, t). It is built once
// because turning a generic function instantiation into a func value
// allocates a closure; Combine itself then does a table lookup, no type
// switch and no allocation.
var kernels = buildKernels()

func buildKernels() [][]kernelEntry {
	n := 0
	for _, t := range comm.Datatypes() {
		n = max(n, int(t)+1)
	}
	tab := make([][]kernelEntry, numOps)
	for op := range tab {
		tab[op] = make([]kernelEntry, n)
		for _, t := range comm.Datatypes() {
			if Allowed(Op(op), t) {
				k, align := kernelFor(Op(op), t)
				tab[op][t] = kernelEntry{k, align}
			}
		}
	}
	return tab
}

// group is the standard's classification of a datatype for reductions.
type group uint8

const (
	groupNone group = iota
	groupInteger
	groupFloat
	groupComplex
	groupLogical
	groupByte
	groupPair
)

func groupOf(t comm.Datatype) group {
	switch t {
	case comm.TypeSignedChar, comm.TypeUnsignedChar,
		comm.TypeShort, comm.TypeUnsignedShort,
		comm.TypeInt, comm.TypeUnsigned,
		comm.TypeLong, comm.TypeUnsignedLong,
		comm.TypeLongLong, comm.TypeUnsignedLongLong,
		comm.TypeInt8, comm.TypeInt16, comm.TypeInt32, comm.TypeInt64,
		comm.TypeUint8, comm.TypeUint16, comm.TypeUint32, comm.TypeUint64,
		comm.TypeAint, comm.TypeOffset, comm.TypeCount:
		return groupInteger
	case comm.TypeFloat, comm.TypeDouble, comm.TypeLongDouble:
		return groupFloat
	case comm.TypeFloatComplex, comm.TypeDoubleComplex, comm.TypeLongDoubleComplex:
		return groupComplex
	case comm.TypeCBool:
		return groupLogical
	case comm.TypeByte:
		return groupByte
	case comm.TypeFloatInt, comm.TypeDoubleInt, comm.TypeLongInt, comm.Type2Int,
		comm.TypeShortInt, comm.TypeLongDoubleInt:
		return groupPair
	}
	return groupNone // MPI_CHAR, MPI_WCHAR, MPI_PACKED
}

// A kernel combines whole elements of in into inout. Both slices have the
// same length and are aligned for the kernel's element type.
type kernel func(in, inout []byte)

// kernelFor picks the kernel for an allowed (op, t) other than REPLACE and
// NO_OP, together with the alignment its element type needs.
func kernelFor(op Op, t comm.Datatype) (kernel, int) {
	switch t {
	case comm.TypeSignedChar, comm.TypeInt8:
		return intKernel[int8, uint8](op)
	case comm.TypeUnsignedChar, comm.TypeUint8:
		return intKernel[uint8, uint8](op)
	case comm.TypeShort, comm.TypeInt16:
		return intKernel[int16, uint16](op)
	case comm.TypeUnsignedShort, comm.TypeUint16:
		return intKernel[uint16, uint16](op)
	case comm.TypeInt, comm.TypeLong, comm.TypeInt32, comm.TypeAint: // wasm32: long and MPI_Aint are 32-bit
		return intKernel[int32, uint32](op)
	case comm.TypeUnsigned, comm.TypeUnsignedLong, comm.TypeUint32:
		return intKernel[uint32, uint32](op)
	case comm.TypeLongLong, comm.TypeInt64, comm.TypeOffset, comm.TypeCount:
		return intKernel[int64, uint64](op)
	case comm.TypeUnsignedLongLong, comm.TypeUint64:
		return intKernel[uint64, uint64](op)
	case comm.TypeCBool, comm.TypeByte:
		// Allowed has already limited C_BOOL to the logical and BYTE to the
		// bitwise operations; both are one unsigned byte.
		return intKernel[uint8, uint8](op)
	case comm.TypeFloat:
		return floatKernel[float32](op)
	case comm.TypeDouble:
		return floatKernel[float64](op)
	case comm.TypeLongDouble, comm.TypeLongDoubleComplex:
		// Complex SUM is element-wise on the real and imaginary parts.
		switch {
		case op == OpSum:
			return f128Sum, 1
		case op == OpProd && t == comm.TypeLongDoubleComplex:
			return f128ComplexProd, 1
		case op == OpProd:
			return f128Prod, 1
		case op == OpMax:
			return f128Max, 1
		case op == OpMin:
			return f128Min, 1
		}
	case comm.TypeFloatComplex:
		switch op {
		case OpSum:
			return sumKernel[float32], alignOf[float32]()
		case OpProd:
			return complexProd64, alignOf[float32]()
		}
	case comm.TypeDoubleComplex:
		switch op {
		case OpSum:
			return sumKernel[float64], alignOf[float64]()
		case OpProd:
			return complexProd128, alignOf[float64]()
		}
	case comm.TypeFloatInt:
		return locKernel[float32](op)
	case comm.TypeDoubleInt:
		return locKernel[float64](op)
	case comm.TypeLongInt, comm.Type2Int:
		return locKernel[int32](op)
	case comm.TypeShortInt:
		return locKernel[int16](op)
	case comm.TypeLongDoubleInt:
		switch op {
		case OpMaxloc:
			return f128Maxloc, 1
		case OpMinloc:
			return f128Minloc, 1
		}
	}
	return nil, 1
}

type signedInt interface {
	~int8 | ~int16 | ~int32 | ~int64
}

type unsignedInt interface {
	~uint8 | ~uint16 | ~uint32 | ~uint64
}

type floating interface {
	~float32 | ~float64
}

type ordered interface {
	signedInt | unsignedInt | floating
}

// number is what the SUM and PROD kernels run on: signed integers use their
// unsigned form, whose wrapping + and * give the same bits.
type number interface {
	unsignedInt | floating
}

func alignOf[T any]() int {
	var z T
	return int(unsafe.Alignof(z))
}

// view reinterprets b as a slice of T. b must be aligned for T and its
// length a multiple of T's size.
func view[T any](b []byte) []T {
	var z T
	return unsafe.Slice((*T)(unsafe.Pointer(unsafe.SliceData(b))), uintptr(len(b))/unsafe.Sizeof(z))
}

// intKernel returns the kernel for an integer type whose signed (or, for
// unsigned types, unsigned) form is S and unsigned form is U. Only MAX and
// MIN depend on signedness; wrapping SUM and PROD and the logical and
// bitwise operations produce the same bits either way.
func intKernel[S ordered, U unsignedInt](op Op) (kernel, int) {
	a := alignOf[S]()
	switch op {
	case OpMax:
		return maxKernel[S], a
	case OpMin:
		return minKernel[S], a
	case OpSum:
		return sumKernel[U], a
	case OpProd:
		return prodKernel[U], a
	case OpLand:
		return landKernel[U], a
	case OpLor:
		return lorKernel[U], a
	case OpLxor:
		return lxorKernel[U], a
	case OpBand:
		return bandKernel[U], a
	case OpBor:
		return borKernel[U], a
	case OpBxor:
		return bxorKernel[U], a
	}
	return nil, a
}

func floatKernel[F floating](op Op) (kernel, int) {
	a := alignOf[F]()
	switch op {
	case OpMax:
		return maxKernel[F], a
	case OpMin:
		return minKernel[F], a
	case OpSum:
		return sumKernel[F], a
	case OpProd:
		return prodKernel[F], a
	}
	return nil, a
}

func maxKernel[T ordered](in, inout []byte) {
	b := view[T](inout)
	a := view[T](in)[:len(b)]
	for i, x := range b {
		r := a[i]
		if x > r {
			r = x
		}
		b[i] = r
	}
}

func minKernel[T ordered](in, inout []byte) {
	b := view[T](inout)
	a := view[T](in)[:len(b)]
	for i, x := range b {
		r := a[i]
		if x < r {
			r = x
		}
		b[i] = r
	}
}

func sumKernel[T number](in, inout []byte) {
	b := view[T](inout)
	a := view[T](in)[:len(b)]
	for i := range b {
		b[i] = a[i] + b[i]
	}
}

func prodKernel[T number](in, inout []byte) {
	b := view[T](inout)
	a := view[T](in)[:len(b)]
	for i := range b {
		b[i] = a[i] * b[i]
	}
}

func landKernel[T unsignedInt](in, inout []byte) {
	b := view[T](inout)
	a := view[T](in)[:len(b)]
	for i := range b {
		var r T
		if a[i] != 0 && b[i] != 0 {
			r = 1
		}
		b[i] = r
	}
}

func lorKernel[T unsignedInt](in, inout []byte) {
	b := view[T](inout)
	a := view[T](in)[:len(b)]
	for i := range b {
		var r T
		if a[i] != 0 || b[i] != 0 {
			r = 1
		}
		b[i] = r
	}
}

func lxorKernel[T unsignedInt](in, inout []byte) {
	b := view[T](inout)
	a := view[T](in)[:len(b)]
	for i := range b {
		var r T
		if (a[i] != 0) != (b[i] != 0) {
			r = 1
		}
		b[i] = r
	}
}

func bandKernel[T unsignedInt](in, inout []byte) {
	b := view[T](inout)
	a := view[T](in)[:len(b)]
	for i := range b {
		b[i] &= a[i]
	}
}

func borKernel[T unsignedInt](in, inout []byte) {
	b := view[T](inout)
	a := view[T](in)[:len(b)]
	for i := range b {
		b[i] |= a[i]
	}
}

func bxorKernel[T unsignedInt](in, inout []byte) {
	b := view[T](inout)
	a := view[T](in)[:len(b)]
	for i := range b {
		b[i] ^= a[i]
	}
}

// complexProd64 multiplies C float _Complex values. The explicit float32
// conversions round each product, which stops the compiler from fusing a
// multiply and an add into an FMA (the Go spec allows fusion otherwise).
func complexProd64(in, inout []byte) {
	b := view[float32](inout)
	a := view[float32](in)[:len(b)]
	for i := 0; i+1 < len(b); i += 2 {
		ar, ai, br, bi := a[i], a[i+1], b[i], b[i+1]
		b[i] = float32(ar*br) - float32(ai*bi)
		b[i+1] = float32(ar*bi) + float32(ai*br)
	}
}

// complexProd128 multiplies C double _Complex values; see complexProd64.
func complexProd128(in, inout []byte) {
	b := view[float64](inout)
	a := view[float64](in)[:len(b)]
	for i := 0; i+1 < len(b); i += 2 {
		ar, ai, br, bi := a[i], a[i+1], b[i], b[i+1]
		b[i] = float64(ar*br) - float64(ai*bi)
		b[i+1] = float64(ar*bi) + float64(ai*br)
	}
}

// loc is the wasm32 C layout of the MINLOC/MAXLOC pair struct {V value;
// int index;}. Go lays it out the same way: FLOAT_INT, LONG_INT and 2INT
// are 8 bytes, SHORT_INT is 8 (index at offset 4), DOUBLE_INT is 16 (index
// at offset 8, 4 bytes of tail padding).
type loc[V ordered] struct {
	v V
	k int32
}

// Compile-time layout checks (the array length would be negative on a
// mismatch).
var (
	_ [unsafe.Sizeof(loc[float32]{}) - 8]struct{}
	_ [8 - unsafe.Sizeof(loc[float32]{})]struct{}
	_ [unsafe.Sizeof(loc[float64]{}) - 16]struct{}
	_ [16 - unsafe.Sizeof(loc[float64]{})]struct{}
	_ [unsafe.Offsetof(loc[float64]{}.k) - 8]struct{}
	_ [8 - unsafe.Offsetof(loc[float64]{}.k)]struct{}
	_ [unsafe.Sizeof(loc[int16]{}) - 8]struct{}
	_ [8 - unsafe.Sizeof(loc[int16]{})]struct{}
	_ [unsafe.Offsetof(loc[int16]{}.k) - 4]struct{}
	_ [4 - unsafe.Offsetof(loc[int16]{}.k)]struct{}
	_ [unsafe.Sizeof(loc[int32]{}) - 8]struct{}
	_ [8 - unsafe.Sizeof(loc[int32]{})]struct{}
)

func locKernel[V ordered](op Op) (kernel, int) {
	a := alignOf[loc[V]]()
	switch op {
	case OpMaxloc:
		return maxlocKernel[V], a
	case OpMinloc:
		return minlocKernel[V], a
	}
	return nil, a
}

func maxlocKernel[V ordered](in, inout []byte) {
	b := view[loc[V]](inout)
	a := view[loc[V]](in)[:len(b)]
	for i := range b {
		x, y := &a[i], &b[i]
		if x.v > y.v {
			y.v, y.k = x.v, x.k
		} else if x.v == y.v && x.k < y.k {
			y.k = x.k
		}
	}
}

func minlocKernel[V ordered](in, inout []byte) {
	b := view[loc[V]](inout)
	a := view[loc[V]](in)[:len(b)]
	for i := range b {
		x, y := &a[i], &b[i]
		if x.v < y.v {
			y.v, y.k = x.v, x.k
		} else if x.v == y.v && x.k < y.k {
			y.k = x.k
		}
	}
}

// The long double kernels work on bytes directly (binary128 is software
// arithmetic anyway), so they need no alignment.

func f128Sum(in, inout []byte) {
	var c f128Arith
	for i := 0; i+16 <= len(inout); i += 16 {
		c.add(loadF128(inout[i:]), loadF128(in[i:])).store(inout[i:])
	}
}

func f128Prod(in, inout []byte) {
	var c f128Arith
	for i := 0; i+16 <= len(inout); i += 16 {
		c.mul(loadF128(inout[i:]), loadF128(in[i:])).store(inout[i:])
	}
}

func f128ComplexProd(in, inout []byte) {
	var c f128Arith
	for i := 0; i+32 <= len(inout); i += 32 {
		ar, ai := loadF128(in[i:]), loadF128(in[i+16:])
		br, bi := loadF128(inout[i:]), loadF128(inout[i+16:])
		c.sub(c.mul(ar, br), c.mul(ai, bi)).store(inout[i:])
		c.add(c.mul(ar, bi), c.mul(ai, br)).store(inout[i+16:])
	}
}

func f128Max(in, inout []byte) {
	for i := 0; i+16 <= len(inout); i += 16 {
		if a, b := loadF128(in[i:]), loadF128(inout[i:]); !f128Less(a, b) {
			a.store(inout[i:])
		}
	}
}

func f128Min(in, inout []byte) {
	for i := 0; i+16 <= len(inout); i += 16 {
		if a, b := loadF128(in[i:]), loadF128(inout[i:]); !f128Less(b, a) {
			a.store(inout[i:])
		}
	}
}

// MPI_LONG_DOUBLE_INT is {long double value; int index;} padded to 32
// bytes: the value at offset 0, the index at offset 16.
const (
	f128LocSize  = 32
	f128LocIndex = 16
)

func f128Maxloc(in, inout []byte) { f128Loc(in, inout, false) }
func f128Minloc(in, inout []byte) { f128Loc(in, inout, true) }

func f128Loc(in, inout []byte, isMin bool) {
	for i := 0; i+f128LocSize <= len(inout); i += f128LocSize {
		av, bv := loadF128(in[i:]), loadF128(inout[i:])
		ak := int32(binary.LittleEndian.Uint32(in[i+f128LocIndex:]))
		bk := int32(binary.LittleEndian.Uint32(inout[i+f128LocIndex:]))
		better := f128Less(bv, av)
		if isMin {
			better = f128Less(av, bv)
		}
		if better {
			av.store(inout[i:])
			binary.LittleEndian.PutUint32(inout[i+f128LocIndex:], uint32(ak))
		} else if f128Equal(av, bv) && ak < bk {
			binary.LittleEndian.PutUint32(inout[i+f128LocIndex:], uint32(ak))
		}
	}
}

// scratchBytes is the size of each bounce buffer used for unaligned input.
// It is a multiple of every element size.
const scratchBytes = 4096

type scratch struct {
	in, out [scratchBytes / 8]uint64 // uint64 words: 8-byte aligned
}

var scratchPool = sync.Pool{New: func() any { return new(scratch) }}

func aligned(b []byte, align int) bool {
	return uintptr(unsafe.Pointer(unsafe.SliceData(b)))&uintptr(align-1) == 0
}

// run applies k to in and inout. When either is not aligned for the
// element type, that side is bounced through an aligned scratch buffer a
// chunk at a time, so the kernels only ever see aligned memory and the
// unaligned case costs two or three extra memmoves of cache-resident data.
func run(k kernel, align, size int, in, inout []byte) {
	inOK, outOK := aligned(in, align), aligned(inout, align)
	if inOK && outOK {
		k(in, inout)
		return
	}
	s := scratchPool.Get().(*scratch)
	defer scratchPool.Put(s)
	sin := unsafe.Slice((*byte)(unsafe.Pointer(&s.in[0])), scratchBytes)
	sout := unsafe.Slice((*byte)(unsafe.Pointer(&s.out[0])), scratchBytes)
	chunk := scratchBytes / size * size
	for off := 0; off < len(inout); off += chunk {
		n := min(chunk, len(inout)-off)
		a, b := in[off:off+n], inout[off:off+n]
		if !inOK {
			a = sin[:n]
			copy(a, in[off:off+n])
		}
		if !outOK {
			b = sout[:n]
			copy(b, inout[off:off+n])
		}
		k(a, b)
		if !outOK {
			copy(inout[off:off+n], b)
		}
	}
}
