package collective

import (
	"bytes"
	"encoding/binary"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"unsafe"

	"github.com/wasmpi/wasmpi/comm"
)

// allowedTypes is the standard's table (MPI-4.1 §6.9.2) written out type
// by type, independently of the implementation's grouping.
func allowedTypes(op Op) []comm.Datatype {
	cInteger := []comm.Datatype{
		comm.TypeSignedChar, comm.TypeUnsignedChar, comm.TypeShort, comm.TypeUnsignedShort,
		comm.TypeInt, comm.TypeUnsigned, comm.TypeLong, comm.TypeUnsignedLong,
		comm.TypeLongLong, comm.TypeUnsignedLongLong,
		comm.TypeInt8, comm.TypeInt16, comm.TypeInt32, comm.TypeInt64,
		comm.TypeUint8, comm.TypeUint16, comm.TypeUint32, comm.TypeUint64,
		comm.TypeAint, comm.TypeOffset, comm.TypeCount,
	}
	floating := []comm.Datatype{comm.TypeFloat, comm.TypeDouble, comm.TypeLongDouble}
	complexes := []comm.Datatype{comm.TypeFloatComplex, comm.TypeDoubleComplex, comm.TypeLongDoubleComplex}
	pairs := []comm.Datatype{comm.TypeFloatInt, comm.TypeDoubleInt, comm.TypeLongInt, comm.Type2Int, comm.TypeShortInt, comm.TypeLongDoubleInt}
	cat := func(groups ...[]comm.Datatype) []comm.Datatype {
		var out []comm.Datatype
		for _, g := range groups {
			out = append(out, g...)
		}
		return out
	}
	switch op {
	case OpMax, OpMin:
		return cat(cInteger, floating)
	case OpSum, OpProd:
		return cat(cInteger, floating, complexes)
	case OpLand, OpLor, OpLxor:
		return cat(cInteger, []comm.Datatype{comm.TypeCBool})
	case OpBand, OpBor, OpBxor:
		return cat(cInteger, []comm.Datatype{comm.TypeByte})
	case OpMaxloc, OpMinloc:
		return pairs
	case OpReplace, OpNoOp:
		return comm.Datatypes()
	}
	return nil
}

func TestAllowedMatrix(t *testing.T) {
	for _, op := range Ops() {
		want := map[comm.Datatype]bool{}
		for _, dt := range allowedTypes(op) {
			want[dt] = true
		}
		if len(want) == 0 {
			t.Errorf("no expectation for %v", op)
		}
		for _, dt := range comm.Datatypes() {
			if got := Allowed(op, dt); got != want[dt] {
				t.Errorf("Allowed(%v, %v) = %v, want %v", op, dt, got, want[dt])
			}
		}
	}
	for _, dt := range comm.Datatypes() {
		if Allowed(OpNull, dt) || Allowed(Op(-1), dt) || Allowed(Op(1000), dt) {
			t.Errorf("an invalid op is allowed for %v", dt)
		}
	}
	for _, op := range Ops() {
		if Allowed(op, comm.TypeNull) || Allowed(op, comm.Datatype(-1)) || Allowed(op, comm.Datatype(1000)) {
			t.Errorf("%v is allowed for an invalid datatype", op)
		}
	}
	for _, dt := range []comm.Datatype{comm.TypeChar, comm.TypeWchar, comm.TypePacked} {
		for _, op := range Ops() {
			if Allowed(op, dt) != (op == OpReplace || op == OpNoOp) {
				t.Errorf("Allowed(%v, %v) = %v", op, dt, Allowed(op, dt))
			}
		}
	}
}

func TestAllowedAgreesWithCombine(t *testing.T) {
	for _, op := range Ops() {
		for _, dt := range comm.Datatypes() {
			in := make([]byte, 3*dt.Size())
			inout := make([]byte, 3*dt.Size())
			err := Combine(op, dt, in, inout)
			if Allowed(op, dt) {
				if err != nil {
					t.Errorf("Combine(%v, %v): %v", op, dt, err)
				}
				continue
			}
			if comm.ClassOf(err) != comm.ErrOp {
				t.Errorf("Combine(%v, %v) = %v, want class %v", op, dt, err, comm.ErrOp)
				continue
			}
			if msg := err.Error(); !strings.Contains(msg, op.String()+" is not defined for datatype "+dt.String()) {
				t.Errorf("Combine(%v, %v) message %q", op, dt, msg)
			}
			// The op check comes first: a bad length does not change the class.
			if err := Combine(op, dt, in[:1], inout); comm.ClassOf(err) != comm.ErrOp {
				t.Errorf("Combine(%v, %v) with bad lengths = %v, want class %v", op, dt, err, comm.ErrOp)
			}
		}
	}
}

func TestCombineErrors(t *testing.T) {
	eight := make([]byte, 8)
	tests := []struct {
		name      string
		op        Op
		dt        comm.Datatype
		in, inout []byte
		want      comm.ErrorClass
	}{
		{"op null", OpNull, comm.TypeInt, eight, make([]byte, 8), comm.ErrOp},
		{"op out of range", Op(99), comm.TypeInt, eight, make([]byte, 8), comm.ErrOp},
		{"negative op", Op(-3), comm.TypeInt, eight, make([]byte, 8), comm.ErrOp},
		{"datatype null", OpSum, comm.TypeNull, eight, make([]byte, 8), comm.ErrType},
		{"datatype null with replace", OpReplace, comm.TypeNull, eight, make([]byte, 8), comm.ErrType},
		{"datatype out of range", OpSum, comm.Datatype(999), eight, make([]byte, 8), comm.ErrType},
		{"sum of bytes", OpSum, comm.TypeByte, eight, make([]byte, 8), comm.ErrOp},
		{"sum of chars", OpSum, comm.TypeChar, eight, make([]byte, 8), comm.ErrOp},
		{"max of complex", OpMax, comm.TypeDoubleComplex, make([]byte, 16), make([]byte, 16), comm.ErrOp},
		{"maxloc of int", OpMaxloc, comm.TypeInt, eight, make([]byte, 8), comm.ErrOp},
		{"band of float", OpBand, comm.TypeFloat, eight, make([]byte, 8), comm.ErrOp},
		{"lengths differ", OpSum, comm.TypeInt, eight, make([]byte, 4), comm.ErrArg},
		{"lengths differ, nil", OpSum, comm.TypeInt, nil, make([]byte, 4), comm.ErrArg},
		{"replace lengths differ", OpReplace, comm.TypeInt, eight, make([]byte, 4), comm.ErrArg},
		{"not whole elements", OpSum, comm.TypeInt, make([]byte, 6), make([]byte, 6), comm.ErrCount},
		{"not whole pairs", OpMinloc, comm.TypeDoubleInt, eight, make([]byte, 8), comm.ErrCount},
		{"not whole long doubles", OpSum, comm.TypeLongDouble, eight, make([]byte, 8), comm.ErrCount},
		{"no-op checks lengths too", OpNoOp, comm.TypeDouble, make([]byte, 12), make([]byte, 12), comm.ErrCount},
		{"empty", OpSum, comm.TypeDouble, nil, nil, comm.Success},
		{"empty long double", OpProd, comm.TypeLongDouble, []byte{}, []byte{}, comm.Success},
	}
	for _, tt := range tests {
		before := bytes.Clone(tt.inout)
		err := Combine(tt.op, tt.dt, tt.in, tt.inout)
		if got := comm.ClassOf(err); got != tt.want {
			t.Errorf("%s: Combine(%v, %v) = %v, want class %v", tt.name, tt.op, tt.dt, err, tt.want)
		}
		if err != nil && !bytes.Equal(tt.inout, before) {
			t.Errorf("%s: inout changed on error", tt.name)
		}
	}
}

// combine runs Combine on copies and returns the new inout.
func combine(t *testing.T, op Op, dt comm.Datatype, in, inout []byte) []byte {
	t.Helper()
	out := bytes.Clone(inout)
	if err := Combine(op, dt, bytes.Clone(in), out); err != nil {
		t.Fatalf("Combine(%v, %v): %v", op, dt, err)
	}
	return out
}

// putInts encodes bit patterns as width-bit little-endian integers.
func putInts(width int, vals []uint64) []byte {
	out := make([]byte, 0, len(vals)*width/8)
	for _, v := range vals {
		for i := 0; i < width/8; i++ {
			out = append(out, byte(v>>(8*i)))
		}
	}
	return out
}

// intCases hold, for each width, bit patterns of in and inout and the
// expected inout for every integer op, read as signed and as unsigned
// elements. The values exercise INT_MAX+1 and INT_MIN+INT_MIN wrapping, a
// wrapping product, negatives, and all four truth combinations.
var intCases = []struct {
	width            int
	in, inout        []uint64
	signed, unsigned map[Op][]uint64
}{
	{
		width: 8,
		in:    []uint64{0x7f, 0x80, 0xfd, 0x0, 0x5, 0x0, 0x10},
		inout: []uint64{0x1, 0x80, 0x3, 0x0, 0x0, 0xf0, 0x11},
		signed: map[Op][]uint64{
			OpMax:  {0x7f, 0x80, 0x3, 0x0, 0x5, 0x0, 0x11},
			OpMin:  {0x1, 0x80, 0xfd, 0x0, 0x0, 0xf0, 0x10},
			OpSum:  {0x80, 0x0, 0x0, 0x0, 0x5, 0xf0, 0x21},
			OpProd: {0x7f, 0x0, 0xf7, 0x0, 0x0, 0x0, 0x10},
			OpLand: {0x1, 0x1, 0x1, 0x0, 0x0, 0x0, 0x1},
			OpLor:  {0x1, 0x1, 0x1, 0x0, 0x1, 0x1, 0x1},
			OpLxor: {0x0, 0x0, 0x0, 0x0, 0x1, 0x1, 0x0},
			OpBand: {0x1, 0x80, 0x1, 0x0, 0x0, 0x0, 0x10},
			OpBor:  {0x7f, 0x80, 0xff, 0x0, 0x5, 0xf0, 0x11},
			OpBxor: {0x7e, 0x0, 0xfe, 0x0, 0x5, 0xf0, 0x1},
		},
		unsigned: map[Op][]uint64{
			OpMax:  {0x7f, 0x80, 0xfd, 0x0, 0x5, 0xf0, 0x11},
			OpMin:  {0x1, 0x80, 0x3, 0x0, 0x0, 0x0, 0x10},
			OpSum:  {0x80, 0x0, 0x0, 0x0, 0x5, 0xf0, 0x21},
			OpProd: {0x7f, 0x0, 0xf7, 0x0, 0x0, 0x0, 0x10},
			OpLand: {0x1, 0x1, 0x1, 0x0, 0x0, 0x0, 0x1},
			OpLor:  {0x1, 0x1, 0x1, 0x0, 0x1, 0x1, 0x1},
			OpLxor: {0x0, 0x0, 0x0, 0x0, 0x1, 0x1, 0x0},
			OpBand: {0x1, 0x80, 0x1, 0x0, 0x0, 0x0, 0x10},
			OpBor:  {0x7f, 0x80, 0xff, 0x0, 0x5, 0xf0, 0x11},
			OpBxor: {0x7e, 0x0, 0xfe, 0x0, 0x5, 0xf0, 0x1},
		},
	},
	{
		width: 16,
		in:    []uint64{0x7fff, 0x8000, 0xfffd, 0x0, 0x5, 0x0, 0x100},
		inout: []uint64{0x1, 0x8000, 0x3, 0x0, 0x0, 0xfff0, 0x101},
		signed: map[Op][]uint64{
			OpMax:  {0x7fff, 0x8000, 0x3, 0x0, 0x5, 0x0, 0x101},
			OpMin:  {0x1, 0x8000, 0xfffd, 0x0, 0x0, 0xfff0, 0x100},
			OpSum:  {0x8000, 0x0, 0x0, 0x0, 0x5, 0xfff0, 0x201},
			OpProd: {0x7fff, 0x0, 0xfff7, 0x0, 0x0, 0x0, 0x100},
			OpLand: {0x1, 0x1, 0x1, 0x0, 0x0, 0x0, 0x1},
			OpLor:  {0x1, 0x1, 0x1, 0x0, 0x1, 0x1, 0x1},
			OpLxor: {0x0, 0x0, 0x0, 0x0, 0x1, 0x1, 0x0},
			OpBand: {0x1, 0x8000, 0x1, 0x0, 0x0, 0x0, 0x100},
			OpBor:  {0x7fff, 0x8000, 0xffff, 0x0, 0x5, 0xfff0, 0x101},
			OpBxor: {0x7ffe, 0x0, 0xfffe, 0x0, 0x5, 0xfff0, 0x1},
		},
		unsigned: map[Op][]uint64{
			OpMax:  {0x7fff, 0x8000, 0xfffd, 0x0, 0x5, 0xfff0, 0x101},
			OpMin:  {0x1, 0x8000, 0x3, 0x0, 0x0, 0x0, 0x100},
			OpSum:  {0x8000, 0x0, 0x0, 0x0, 0x5, 0xfff0, 0x201},
			OpProd: {0x7fff, 0x0, 0xfff7, 0x0, 0x0, 0x0, 0x100},
			OpLand: {0x1, 0x1, 0x1, 0x0, 0x0, 0x0, 0x1},
			OpLor:  {0x1, 0x1, 0x1, 0x0, 0x1, 0x1, 0x1},
			OpLxor: {0x0, 0x0, 0x0, 0x0, 0x1, 0x1, 0x0},
			OpBand: {0x1, 0x8000, 0x1, 0x0, 0x0, 0x0, 0x100},
			OpBor:  {0x7fff, 0x8000, 0xffff, 0x0, 0x5, 0xfff0, 0x101},
			OpBxor: {0x7ffe, 0x0, 0xfffe, 0x0, 0x5, 0xfff0, 0x1},
		},
	},
	{
		width: 32,
		in:    []uint64{0x7fffffff, 0x80000000, 0xfffffffd, 0x0, 0x5, 0x0, 0x10000},
		inout: []uint64{0x1, 0x80000000, 0x3, 0x0, 0x0, 0xfffffff0, 0x10001},
		signed: map[Op][]uint64{
			OpMax:  {0x7fffffff, 0x80000000, 0x3, 0x0, 0x5, 0x0, 0x10001},
			OpMin:  {0x1, 0x80000000, 0xfffffffd, 0x0, 0x0, 0xfffffff0, 0x10000},
			OpSum:  {0x80000000, 0x0, 0x0, 0x0, 0x5, 0xfffffff0, 0x20001},
			OpProd: {0x7fffffff, 0x0, 0xfffffff7, 0x0, 0x0, 0x0, 0x10000},
			OpLand: {0x1, 0x1, 0x1, 0x0, 0x0, 0x0, 0x1},
			OpLor:  {0x1, 0x1, 0x1, 0x0, 0x1, 0x1, 0x1},
			OpLxor: {0x0, 0x0, 0x0, 0x0, 0x1, 0x1, 0x0},
			OpBand: {0x1, 0x80000000, 0x1, 0x0, 0x0, 0x0, 0x10000},
			OpBor:  {0x7fffffff, 0x80000000, 0xffffffff, 0x0, 0x5, 0xfffffff0, 0x10001},
			OpBxor: {0x7ffffffe, 0x0, 0xfffffffe, 0x0, 0x5, 0xfffffff0, 0x1},
		},
		unsigned: map[Op][]uint64{
			OpMax:  {0x7fffffff, 0x80000000, 0xfffffffd, 0x0, 0x5, 0xfffffff0, 0x10001},
			OpMin:  {0x1, 0x80000000, 0x3, 0x0, 0x0, 0x0, 0x10000},
			OpSum:  {0x80000000, 0x0, 0x0, 0x0, 0x5, 0xfffffff0, 0x20001},
			OpProd: {0x7fffffff, 0x0, 0xfffffff7, 0x0, 0x0, 0x0, 0x10000},
			OpLand: {0x1, 0x1, 0x1, 0x0, 0x0, 0x0, 0x1},
			OpLor:  {0x1, 0x1, 0x1, 0x0, 0x1, 0x1, 0x1},
			OpLxor: {0x0, 0x0, 0x0, 0x0, 0x1, 0x1, 0x0},
			OpBand: {0x1, 0x80000000, 0x1, 0x0, 0x0, 0x0, 0x10000},
			OpBor:  {0x7fffffff, 0x80000000, 0xffffffff, 0x0, 0x5, 0xfffffff0, 0x10001},
			OpBxor: {0x7ffffffe, 0x0, 0xfffffffe, 0x0, 0x5, 0xfffffff0, 0x1},
		},
	},
	{
		width: 64,
		in:    []uint64{0x7fffffffffffffff, 0x8000000000000000, 0xfffffffffffffffd, 0x0, 0x5, 0x0, 0x100000000},
		inout: []uint64{0x1, 0x8000000000000000, 0x3, 0x0, 0x0, 0xfffffffffffffff0, 0x100000001},
		signed: map[Op][]uint64{
			OpMax:  {0x7fffffffffffffff, 0x8000000000000000, 0x3, 0x0, 0x5, 0x0, 0x100000001},
			OpMin:  {0x1, 0x8000000000000000, 0xfffffffffffffffd, 0x0, 0x0, 0xfffffffffffffff0, 0x100000000},
			OpSum:  {0x8000000000000000, 0x0, 0x0, 0x0, 0x5, 0xfffffffffffffff0, 0x200000001},
			OpProd: {0x7fffffffffffffff, 0x0, 0xfffffffffffffff7, 0x0, 0x0, 0x0, 0x100000000},
			OpLand: {0x1, 0x1, 0x1, 0x0, 0x0, 0x0, 0x1},
			OpLor:  {0x1, 0x1, 0x1, 0x0, 0x1, 0x1, 0x1},
			OpLxor: {0x0, 0x0, 0x0, 0x0, 0x1, 0x1, 0x0},
			OpBand: {0x1, 0x8000000000000000, 0x1, 0x0, 0x0, 0x0, 0x100000000},
			OpBor:  {0x7fffffffffffffff, 0x8000000000000000, 0xffffffffffffffff, 0x0, 0x5, 0xfffffffffffffff0, 0x100000001},
			OpBxor: {0x7ffffffffffffffe, 0x0, 0xfffffffffffffffe, 0x0, 0x5, 0xfffffffffffffff0, 0x1},
		},
		unsigned: map[Op][]uint64{
			OpMax:  {0x7fffffffffffffff, 0x8000000000000000, 0xfffffffffffffffd, 0x0, 0x5, 0xfffffffffffffff0, 0x100000001},
			OpMin:  {0x1, 0x8000000000000000, 0x3, 0x0, 0x0, 0x0, 0x100000000},
			OpSum:  {0x8000000000000000, 0x0, 0x0, 0x0, 0x5, 0xfffffffffffffff0, 0x200000001},
			OpProd: {0x7fffffffffffffff, 0x0, 0xfffffffffffffff7, 0x0, 0x0, 0x0, 0x100000000},
			OpLand: {0x1, 0x1, 0x1, 0x0, 0x0, 0x0, 0x1},
			OpLor:  {0x1, 0x1, 0x1, 0x0, 0x1, 0x1, 0x1},
			OpLxor: {0x0, 0x0, 0x0, 0x0, 0x1, 0x1, 0x0},
			OpBand: {0x1, 0x8000000000000000, 0x1, 0x0, 0x0, 0x0, 0x100000000},
			OpBor:  {0x7fffffffffffffff, 0x8000000000000000, 0xffffffffffffffff, 0x0, 0x5, 0xfffffffffffffff0, 0x100000001},
			OpBxor: {0x7ffffffffffffffe, 0x0, 0xfffffffffffffffe, 0x0, 0x5, 0xfffffffffffffff0, 0x1},
		},
	},
}

var intTypes = map[int]struct{ signed, unsigned []comm.Datatype }{
	8:  {[]comm.Datatype{comm.TypeSignedChar, comm.TypeInt8}, []comm.Datatype{comm.TypeUnsignedChar, comm.TypeUint8}},
	16: {[]comm.Datatype{comm.TypeShort, comm.TypeInt16}, []comm.Datatype{comm.TypeUnsignedShort, comm.TypeUint16}},
	32: {[]comm.Datatype{comm.TypeInt, comm.TypeLong, comm.TypeInt32, comm.TypeAint}, []comm.Datatype{comm.TypeUnsigned, comm.TypeUnsignedLong, comm.TypeUint32}},
	64: {[]comm.Datatype{comm.TypeLongLong, comm.TypeInt64, comm.TypeOffset, comm.TypeCount}, []comm.Datatype{comm.TypeUnsignedLongLong, comm.TypeUint64}},
}

// covered records every (op, type) pair a table test checked exactly.
type pairKey struct {
	op Op
	dt comm.Datatype
}

var covered = map[pairKey]bool{}

func checkExact(t *testing.T, op Op, dt comm.Datatype, in, inout, want []byte) {
	t.Helper()
	covered[pairKey{op, dt}] = true
	if got := combine(t, op, dt, in, inout); !bytes.Equal(got, want) {
		t.Errorf("%v on %v:\n in    % x\n inout % x\n got   % x\n want  % x", op, dt, in, inout, got, want)
	}
}

func TestCombineIntegers(t *testing.T) {
	for _, c := range intCases {
		types := intTypes[c.width]
		if c.width/8 != types.signed[0].Size() {
			t.Fatalf("width %d does not match %v", c.width, types.signed[0])
		}
		for _, tc := range []struct {
			types []comm.Datatype
			want  map[Op][]uint64
		}{{types.signed, c.signed}, {types.unsigned, c.unsigned}} {
			for _, dt := range tc.types {
				if dt.Size() != c.width/8 {
					t.Fatalf("%v is %d bytes, want %d", dt, dt.Size(), c.width/8)
				}
				for op, want := range tc.want {
					checkExact(t, op, dt, putInts(c.width, c.in), putInts(c.width, c.inout), putInts(c.width, want))
				}
			}
		}
	}
}

func TestCombineByteAndBool(t *testing.T) {
	in := []byte{0x00, 0xff, 0xf0, 0x5a, 0x01}
	inout := []byte{0x00, 0x0f, 0xff, 0xa5, 0x03}
	checkExact(t, OpBand, comm.TypeByte, in, inout, []byte{0x00, 0x0f, 0xf0, 0x00, 0x01})
	checkExact(t, OpBor, comm.TypeByte, in, inout, []byte{0x00, 0xff, 0xff, 0xff, 0x03})
	checkExact(t, OpBxor, comm.TypeByte, in, inout, []byte{0x00, 0xf0, 0x0f, 0xff, 0x02})

	in = []byte{0, 1, 0, 1, 2, 0}
	inout = []byte{0, 0, 1, 1, 3, 0x80}
	checkExact(t, OpLand, comm.TypeCBool, in, inout, []byte{0, 0, 0, 1, 1, 0})
	checkExact(t, OpLor, comm.TypeCBool, in, inout, []byte{0, 1, 1, 1, 1, 1})
	checkExact(t, OpLxor, comm.TypeCBool, in, inout, []byte{0, 1, 1, 0, 0, 1})
}

// putFloats encodes values as float, double or long double.
func putFloats(dt comm.Datatype, vals ...float64) []byte {
	var out []byte
	for _, v := range vals {
		switch dt {
		case comm.TypeFloat, comm.TypeFloatComplex:
			if float64(float32(v)) != v && !math.IsNaN(v) {
				panic("value not exact in float32")
			}
			out = binary.LittleEndian.AppendUint32(out, math.Float32bits(float32(v)))
		case comm.TypeDouble, comm.TypeDoubleComplex:
			out = binary.LittleEndian.AppendUint64(out, math.Float64bits(v))
		case comm.TypeLongDouble, comm.TypeLongDoubleComplex:
			x := f128FromFloat64(v)
			out = binary.LittleEndian.AppendUint64(out, x.lo)
			out = binary.LittleEndian.AppendUint64(out, x.hi)
		default:
			panic("not a floating type")
		}
	}
	return out
}

var (
	floatTypes   = []comm.Datatype{comm.TypeFloat, comm.TypeDouble, comm.TypeLongDouble}
	complexTypes = []comm.Datatype{comm.TypeFloatComplex, comm.TypeDoubleComplex, comm.TypeLongDoubleComplex}
	negZero      = math.Copysign(0, -1)
)

func TestCombineFloats(t *testing.T) {
	in := []float64{1.5, -2.25, 3, -0.5, 1024, 0x1p-20}
	inout := []float64{0.25, 4, -3, -8, 0.125, 0x1p10}
	want := map[Op][]float64{
		OpSum:  {1.75, 1.75, 0, -8.5, 1024.125, 0x1p10 + 0x1p-20},
		OpProd: {0.375, -9, -9, 4, 128, 0x1p-10},
		OpMax:  {1.5, 4, 3, -0.5, 1024, 0x1p10},
		OpMin:  {0.25, -2.25, -3, -8, 0.125, 0x1p-20},
	}
	for _, dt := range floatTypes {
		for op, w := range want {
			if dt == comm.TypeFloat && op == OpSum {
				w = append([]float64(nil), w...)
				w[5] = 0x1p10 // 2^10 + 2^-20 needs 31 bits; float has 24
			}
			checkExact(t, op, dt, putFloats(dt, in...), putFloats(dt, inout...), putFloats(dt, w...))
		}
	}
	// 3 + -3 is +0 in every type, not -0.
	for _, dt := range floatTypes {
		got := combine(t, OpSum, dt, putFloats(dt, 3), putFloats(dt, -3))
		if !bytes.Equal(got, putFloats(dt, 0)) {
			t.Errorf("%v: 3 + -3 = % x", dt, got)
		}
	}
}

// Each floating type rounds in its own precision.
func TestCombineFloatRoundsInElementType(t *testing.T) {
	checkExact(t, OpSum, comm.TypeFloat, putFloats(comm.TypeFloat, 0x1p24), putFloats(comm.TypeFloat, 1), putFloats(comm.TypeFloat, 0x1p24))
	checkExact(t, OpSum, comm.TypeDouble, putFloats(comm.TypeDouble, 0x1p24), putFloats(comm.TypeDouble, 1), putFloats(comm.TypeDouble, 0x1p24+1))
	checkExact(t, OpSum, comm.TypeDouble, putFloats(comm.TypeDouble, 0x1p53), putFloats(comm.TypeDouble, 1), putFloats(comm.TypeDouble, 0x1p53))
	// 2^53 + 1 is exact in binary128.
	got := combine(t, OpSum, comm.TypeLongDouble, putFloats(comm.TypeLongDouble, 0x1p53), putFloats(comm.TypeLongDouble, 1))
	if want := (f128{hi: pow2(53).hi, lo: 1 << (112 - 53)}); loadF128(got) != want {
		t.Errorf("long double 2^53+1 = %s, want %s", hex128(loadF128(got)), hex128(want))
	}
	// (1+2^-12)^2 = 1 + 2^-11 + 2^-24: a tie in float, exact in double.
	x := 1 + 0x1p-12
	checkExact(t, OpProd, comm.TypeFloat, putFloats(comm.TypeFloat, x), putFloats(comm.TypeFloat, x), putFloats(comm.TypeFloat, 1+0x1p-11))
	checkExact(t, OpProd, comm.TypeDouble, putFloats(comm.TypeDouble, x), putFloats(comm.TypeDouble, x), putFloats(comm.TypeDouble, 1+0x1p-11+0x1p-24))
	// float overflows to infinity where double does not.
	checkExact(t, OpProd, comm.TypeFloat, putFloats(comm.TypeFloat, 0x1p100), putFloats(comm.TypeFloat, 0x1p100), putFloats(comm.TypeFloat, math.Inf(1)))
	checkExact(t, OpProd, comm.TypeDouble, putFloats(comm.TypeDouble, 0x1p100), putFloats(comm.TypeDouble, 0x1p100), putFloats(comm.TypeDouble, 0x1p200))
}

// MAX is inout > in ? inout : in and MIN inout < in ? inout : in (as in
// Open MPI and MPICH): on equality or NaN the in operand wins.
func TestCombineMaxMinNaNAndZeroRule(t *testing.T) {
	nan := math.NaN()
	for _, dt := range floatTypes {
		isNaN := func(b []byte) bool {
			switch dt {
			case comm.TypeFloat:
				return math.IsNaN(float64(math.Float32frombits(binary.LittleEndian.Uint32(b))))
			case comm.TypeDouble:
				return math.IsNaN(math.Float64frombits(binary.LittleEndian.Uint64(b)))
			}
			return loadF128(b).isNaN()
		}
		for _, op := range []Op{OpMax, OpMin} {
			if got := combine(t, op, dt, putFloats(dt, nan), putFloats(dt, 1)); !isNaN(got) {
				t.Errorf("%v %v(in=NaN, inout=1) = % x, want NaN", dt, op, got)
			}
			if got := combine(t, op, dt, putFloats(dt, 1), putFloats(dt, nan)); !bytes.Equal(got, putFloats(dt, 1)) {
				t.Errorf("%v %v(in=1, inout=NaN) = % x, want 1", dt, op, got)
			}
			if got := combine(t, op, dt, putFloats(dt, negZero), putFloats(dt, 0)); !bytes.Equal(got, putFloats(dt, negZero)) {
				t.Errorf("%v %v(in=-0, inout=+0) = % x, want -0", dt, op, got)
			}
			if got := combine(t, op, dt, putFloats(dt, 0), putFloats(dt, negZero)); !bytes.Equal(got, putFloats(dt, 0)) {
				t.Errorf("%v %v(in=+0, inout=-0) = % x, want +0", dt, op, got)
			}
		}
		checkExact(t, OpMax, dt, putFloats(dt, math.Inf(-1), 5), putFloats(dt, -0x1p100, math.Inf(1)), putFloats(dt, -0x1p100, math.Inf(1)))
	}
}

func TestCombineComplex(t *testing.T) {
	// (re, im) pairs.
	in := []float64{1, 2, -1.5, 0.5, 0, 1, 0.25, -4}
	inout := []float64{3, -1, 2, 2, 0, 1, 8, 0}
	wantSum := []float64{4, 1, 0.5, 2.5, 0, 2, 8.25, -4}
	// (1+2i)(3-i) = 5+5i, (-1.5+0.5i)(2+2i) = -4-2i, i*i = -1+0i, (0.25-4i)*8 = 2-32i.
	wantProd := []float64{5, 5, -4, -2, -1, 0, 2, -32}
	for _, dt := range complexTypes {
		checkExact(t, OpSum, dt, putFloats(dt, in...), putFloats(dt, inout...), putFloats(dt, wantSum...))
		checkExact(t, OpProd, dt, putFloats(dt, in...), putFloats(dt, inout...), putFloats(dt, wantProd...))
	}
}

// Each product in a complex multiply is rounded on its own: with a fused
// multiply-add, (x+xi)(x+xi) would have real part fma(x, x, -x*x) != 0.
func TestCombineComplexProdNotFused(t *testing.T) {
	x := 1 + 0x1p-27 // x*x = 1 + 2^-26 + 2^-54 rounds to 1 + 2^-26 in double
	checkExact(t, OpProd, comm.TypeDoubleComplex, putFloats(comm.TypeDoubleComplex, x, x), putFloats(comm.TypeDoubleComplex, x, x),
		putFloats(comm.TypeDoubleComplex, 0, 2+0x1p-25))
	y := 1 + 0x1p-12 // y*y = 1 + 2^-11 + 2^-24 rounds to 1 + 2^-11 in float
	checkExact(t, OpProd, comm.TypeFloatComplex, putFloats(comm.TypeFloatComplex, y, y), putFloats(comm.TypeFloatComplex, y, y),
		putFloats(comm.TypeFloatComplex, 0, 2+0x1p-10))
	// In long double x*x is exact, so the real part is 0 and the imaginary part 2x^2.
	got := combine(t, OpProd, comm.TypeLongDoubleComplex, putFloats(comm.TypeLongDoubleComplex, x, x), putFloats(comm.TypeLongDoubleComplex, x, x))
	want := f128{hi: pow2(1).hi | 1<<(48-26), lo: 1 << (112 - 54)} // 2 * (1 + 2^-26 + 2^-54)
	if !loadF128(got).isZero() || loadF128(got[16:]) != want {
		t.Errorf("long double complex (x+xi)^2 = %s + %s i, want 0 + %s i", hex128(loadF128(got)), hex128(loadF128(got[16:])), hex128(want))
	}
}

type pairVal struct {
	v float64
	k int32
}

// putPairs encodes MINLOC/MAXLOC pairs in the wasm32 struct layout.
func putPairs(dt comm.Datatype, vals ...pairVal) []byte {
	var out []byte
	for _, p := range vals {
		start := len(out)
		switch dt {
		case comm.TypeFloatInt:
			out = binary.LittleEndian.AppendUint32(out, math.Float32bits(float32(p.v)))
			out = binary.LittleEndian.AppendUint32(out, uint32(p.k))
		case comm.TypeDoubleInt:
			out = binary.LittleEndian.AppendUint64(out, math.Float64bits(p.v))
			out = binary.LittleEndian.AppendUint32(out, uint32(p.k))
			out = append(out, 0xee, 0xee, 0xee, 0xee) // padding
		case comm.TypeLongInt, comm.Type2Int:
			out = binary.LittleEndian.AppendUint32(out, uint32(int32(p.v)))
			out = binary.LittleEndian.AppendUint32(out, uint32(p.k))
		case comm.TypeShortInt:
			out = binary.LittleEndian.AppendUint16(out, uint16(int16(p.v)))
			out = append(out, 0xee, 0xee) // padding
			out = binary.LittleEndian.AppendUint32(out, uint32(p.k))
		case comm.TypeLongDoubleInt:
			out = append(out, putFloats(comm.TypeLongDouble, p.v)...)
			out = binary.LittleEndian.AppendUint32(out, uint32(p.k))
			out = append(out, bytes.Repeat([]byte{0xee}, 12)...) // padding
		}
		if len(out)-start != dt.Size() {
			panic("pair encoding size mismatch")
		}
	}
	return out
}

var pairTypes = []comm.Datatype{comm.TypeFloatInt, comm.TypeDoubleInt, comm.TypeLongInt, comm.Type2Int, comm.TypeShortInt, comm.TypeLongDoubleInt}

func TestCombineMinMaxLoc(t *testing.T) {
	in := []pairVal{{3, 5}, {2, 7}, {4, 1}, {-1, 9}, {0, 4}, {-7, -2}, {6, 0}}
	inout := []pairVal{{1, 2}, {2, 3}, {4, 8}, {-1, 0}, {6, 6}, {-7, 1}, {-6, 3}}
	// Ties (2, 4, -1, -7) keep the value and take the smaller index, for
	// MAXLOC and MINLOC alike.
	wantMax := []pairVal{{3, 5}, {2, 3}, {4, 1}, {-1, 0}, {6, 6}, {-7, -2}, {6, 0}}
	wantMin := []pairVal{{1, 2}, {2, 3}, {4, 1}, {-1, 0}, {0, 4}, {-7, -2}, {-6, 3}}
	for _, dt := range pairTypes {
		checkExact(t, OpMaxloc, dt, putPairs(dt, in...), putPairs(dt, inout...), putPairs(dt, wantMax...))
		checkExact(t, OpMinloc, dt, putPairs(dt, in...), putPairs(dt, inout...), putPairs(dt, wantMin...))
	}
}

// With a NaN value neither "better" nor "equal" holds, so inout is kept;
// -0 and +0 are equal, so the value is kept and the smaller index taken.
func TestCombineMinMaxLocNaNAndZero(t *testing.T) {
	nan := math.NaN()
	for _, dt := range []comm.Datatype{comm.TypeFloatInt, comm.TypeDoubleInt, comm.TypeLongDoubleInt} {
		for _, op := range []Op{OpMaxloc, OpMinloc} {
			inout := putPairs(dt, pairVal{2, 5}, pairVal{nan, 5}, pairVal{0, 5})
			in := putPairs(dt, pairVal{nan, 1}, pairVal{2, 1}, pairVal{negZero, 1})
			want := putPairs(dt, pairVal{2, 5}, pairVal{nan, 5}, pairVal{0, 1})
			if got := combine(t, op, dt, in, inout); !bytes.Equal(got, want) {
				t.Errorf("%v on %v:\n got  % x\n want % x", op, dt, got, want)
			}
		}
	}
}

func TestCombineReplaceAndNoOp(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, dt := range comm.Datatypes() {
		in := make([]byte, 5*dt.Size())
		inout := make([]byte, 5*dt.Size())
		for i := range in {
			in[i], inout[i] = byte(r.Uint32()), byte(r.Uint32())
		}
		checkExact(t, OpReplace, dt, in, inout, in)
		checkExact(t, OpNoOp, dt, in, inout, inout)
	}
}

// The exact-result tables must cover every pair Allowed accepts. The table
// tests are run again here so that the check holds under -run and -shuffle.
func TestCombineExactCoverage(t *testing.T) {
	covered = map[pairKey]bool{}
	for name, f := range map[string]func(*testing.T){
		"Integers": TestCombineIntegers, "ByteAndBool": TestCombineByteAndBool,
		"Floats": TestCombineFloats, "Complex": TestCombineComplex,
		"MinMaxLoc": TestCombineMinMaxLoc, "ReplaceAndNoOp": TestCombineReplaceAndNoOp,
	} {
		t.Run(name, f)
	}
	for _, op := range Ops() {
		for _, dt := range comm.Datatypes() {
			if Allowed(op, dt) && !covered[pairKey{op, dt}] {
				t.Errorf("no exact-result test for %v on %v", op, dt)
			}
		}
	}
}

// alignedBuf returns n bytes starting at an address that is off bytes past
// a 16-byte boundary.
func alignedBuf(n, off int) []byte {
	words := make([]uint64, (n+off+15)/8+2)
	b := unsafe.Slice((*byte)(unsafe.Pointer(&words[0])), len(words)*8)
	skip := (16 - int(uintptr(unsafe.Pointer(&b[0]))%16)) % 16
	return b[skip+off : skip+off+n]
}

func TestCombineUnaligned(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, op := range Ops() {
		for _, dt := range comm.Datatypes() {
			if !Allowed(op, dt) {
				continue
			}
			size := dt.Size()
			// Several scratch chunks and a partial one.
			n := (2*scratchBytes/size + 7) * size
			if dt == comm.TypeLongDouble || dt == comm.TypeLongDoubleComplex || dt == comm.TypeLongDoubleInt {
				n = (scratchBytes/size + 7) * size // software arithmetic: keep it quick
			}
			in := make([]byte, n)
			inout := make([]byte, n)
			for i := range in {
				in[i], inout[i] = byte(r.Uint32()), byte(r.Uint32())
			}
			// Many random bytes decode to NaN; make half the elements equal so
			// that ties and exact cancellations are exercised too.
			for i := 0; i+2*size <= n; i += 2 * size {
				copy(inout[i:i+size], in[i:i+size])
			}
			a, b := alignedBuf(n, 0), alignedBuf(n, 0)
			copy(a, in)
			copy(b, inout)
			if err := Combine(op, dt, a, b); err != nil {
				t.Fatalf("%v on %v: %v", op, dt, err)
			}
			want := b
			for _, off := range [][2]int{{1, 0}, {0, 1}, {3, 5}, {2, 2}, {4, 12}, {7, 7}} {
				a, b := alignedBuf(n, off[0]), alignedBuf(n, off[1])
				copy(a, in)
				copy(b, inout)
				if err := Combine(op, dt, a, b); err != nil {
					t.Fatalf("%v on %v at offsets %v: %v", op, dt, off, err)
				}
				if !bytes.Equal(b, want) {
					t.Errorf("%v on %v at offsets %v differs from the aligned result", op, dt, off)
				}
				if !bytes.Equal(a, in) {
					t.Errorf("%v on %v at offsets %v modified in", op, dt, off)
				}
			}
		}
	}
}

// in and inout may be the same buffer.
func TestCombineInPlace(t *testing.T) {
	buf := putFloats(comm.TypeDouble, 1, -2, 3.5)
	if err := Combine(OpSum, comm.TypeDouble, buf, buf); err != nil {
		t.Fatal(err)
	}
	if want := putFloats(comm.TypeDouble, 2, -4, 7); !bytes.Equal(buf, want) {
		t.Errorf("x+x = % x, want % x", buf, want)
	}
}

func TestCombineDoesNotAllocate(t *testing.T) {
	in := alignedBuf(4096, 0)
	inout := alignedBuf(4096, 0)
	uin := alignedBuf(4096, 1)
	allocs := testing.AllocsPerRun(100, func() {
		_ = Combine(OpSum, comm.TypeDouble, in, inout)
		_ = Combine(OpMaxloc, comm.TypeDoubleInt, in, inout)
		_ = Combine(OpBxor, comm.TypeUint16, in, inout)
		_ = Combine(OpProd, comm.TypeFloatComplex, uin, inout)
	})
	if allocs > 0 {
		t.Errorf("Combine allocates %v times per run", allocs)
	}
}

func benchmarkCombine(b *testing.B, op Op, dt comm.Datatype, inOff, outOff int) {
	const n = 1 << 20
	in, inout := alignedBuf(n, inOff), alignedBuf(n, outOff)
	for i := 0; i+8 <= n; i += 8 {
		binary.LittleEndian.PutUint64(in[i:], math.Float64bits(float64(i)))
		binary.LittleEndian.PutUint64(inout[i:], math.Float64bits(0.5))
	}
	b.SetBytes(n)
	b.ResetTimer()
	for b.Loop() {
		if err := Combine(op, dt, in, inout); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCombineSumDouble1MiB(b *testing.B) { benchmarkCombine(b, OpSum, comm.TypeDouble, 0, 0) }

func BenchmarkCombineSumDouble1MiBUnaligned(b *testing.B) {
	benchmarkCombine(b, OpSum, comm.TypeDouble, 1, 3)
}

func BenchmarkCombineMaxInt1MiB(b *testing.B) { benchmarkCombine(b, OpMax, comm.TypeInt, 0, 0) }

func BenchmarkCombineProdDoubleComplex1MiB(b *testing.B) {
	benchmarkCombine(b, OpProd, comm.TypeDoubleComplex, 0, 0)
}

func BenchmarkCombineSumLongDouble(b *testing.B) {
	const n = 64
	in := putFloats(comm.TypeLongDouble, make([]float64, n)...)
	inout := bytes.Clone(in)
	for i := 0; i < n; i++ {
		f128FromFloat64(float64(i) + 0.1).store(in[16*i:])
		f128FromFloat64(1.0 / float64(i+3)).store(inout[16*i:])
	}
	b.SetBytes(16 * n)
	for b.Loop() {
		if err := Combine(OpSum, comm.TypeLongDouble, in, inout); err != nil {
			b.Fatal(err)
		}
	}
}
