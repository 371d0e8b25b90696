package comm

import (
	"bytes"
	"encoding/binary"
	"math"
	"reflect"
	"testing"
)

// maker returns a function that checks a constructor's error and flattens
// the type.
func maker(t *testing.T) func(*TypeMap, error) *TypeMap {
	return func(tm *TypeMap, err error) *TypeMap {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		if err := tm.Flatten(); err != nil {
			t.Fatal(err)
		}
		return tm
	}
}

type bounds struct{ size, lb, extent, tlb, textent int64 }

func boundsOf(tm *TypeMap) bounds {
	return bounds{tm.Size(), tm.LB(), tm.Extent(), tm.TrueLB(), tm.TrueExtent()}
}

func checkMap(t *testing.T, name string, tm *TypeMap, want bounds, blocks []Block, sig []Run) {
	t.Helper()
	if got := boundsOf(tm); got != want {
		t.Errorf("%s: bounds %+v, want %+v", name, got, want)
	}
	if blocks != nil && !reflect.DeepEqual(tm.Blocks(), blocks) {
		t.Errorf("%s: blocks %v, want %v", name, tm.Blocks(), blocks)
	}
	if sig != nil && !reflect.DeepEqual(tm.Signature(), sig) {
		t.Errorf("%s: signature %v, want %v", name, tm.Signature(), sig)
	}
}

func TestTypeMapConstructors(t *testing.T) {
	m := maker(t)
	i32, f64, ch := BasicTypeMap(TypeInt), BasicTypeMap(TypeDouble), BasicTypeMap(TypeChar)
	m(i32, nil)
	checkMap(t, "MPI_INT", i32, bounds{4, 0, 4, 0, 4}, []Block{{0, 4}}, []Run{{TypeInt, 1}})

	c := m(Contiguous(5, i32))
	checkMap(t, "contiguous", c, bounds{20, 0, 20, 0, 20}, []Block{{0, 20}}, []Run{{TypeInt, 5}})

	// A column of a 4x6 row-major matrix of doubles.
	col := m(Vector(4, 1, 6, f64))
	checkMap(t, "column", col, bounds{32, 0, 152, 0, 152},
		[]Block{{0, 8}, {48, 8}, {96, 8}, {144, 8}}, []Run{{TypeDouble, 4}})
	if _, ok := col.Contiguous(1); ok {
		t.Error("a column is not contiguous")
	}

	// Blocks that abut merge: vector(3, 2, 2) of int is contiguous.
	v := m(Vector(3, 2, 2, i32))
	checkMap(t, "dense vector", v, bounds{24, 0, 24, 0, 24}, []Block{{0, 24}}, nil)
	if off, ok := v.Contiguous(7); !ok || off != 0 {
		t.Error("dense vector should be contiguous")
	}

	// Negative stride.
	hv := m(Hvector(3, 1, -10, i32))
	checkMap(t, "negative hvector", hv, bounds{12, -20, 24, -20, 24}, []Block{{0, 4}, {-10, 4}, {-20, 4}}, nil)

	ix := m(Indexed([]int64{2, 1, 0, 3}, []int64{5, 0, 100, 1}, i32))
	checkMap(t, "indexed", ix, bounds{24, 0, 28, 0, 28},
		[]Block{{20, 8}, {0, 16}}, []Run{{TypeInt, 6}})
	// type-map order is kept: {20,8} comes first; {0,4} and {4,12} are
	// adjacent in memory and in order, so they merge.

	hix := m(Hindexed([]int64{1, 1}, []int64{3, -5}, f64))
	checkMap(t, "hindexed", hix, bounds{16, -5, 16, -5, 16}, []Block{{3, 8}, {-5, 8}}, nil)

	// struct { char c; double d; int i; } on wasm32: offsets 0, 8, 16,
	// sizeof 24; the extent is padded from 20 to 24.
	st := m(Struct([]int64{1, 1, 1}, []int64{0, 8, 16}, []*TypeMap{ch, f64, i32}))
	checkMap(t, "struct", st, bounds{13, 0, 24, 0, 20},
		[]Block{{0, 1}, {8, 12}}, []Run{{TypeChar, 1}, {TypeDouble, 1}, {TypeInt, 1}})
	if !st.Mixed() {
		t.Error("struct signature should be mixed")
	}
	if _, ok := st.Elem(); ok {
		t.Error("mixed struct has no single element type")
	}
	if e, ok := col.Elem(); !ok || e != TypeDouble {
		t.Errorf("column Elem = %v %v", e, ok)
	}

	// Resized: extent of one double so that consecutive columns interleave.
	rz := m(Resized(col, 0, 8))
	checkMap(t, "resized column", rz, bounds{32, 0, 8, 0, 152}, col.Blocks(), nil)
	two := m(Contiguous(2, rz))
	checkMap(t, "two resized columns", two, bounds{64, 0, 16, 0, 160},
		[]Block{{0, 8}, {48, 8}, {96, 8}, {144, 8}, {8, 8}, {56, 8}, {104, 8}, {152, 8}}, nil)

	// A struct of a resized type is not padded.
	r5 := m(Resized(i32, 0, 5))
	sr := m(Struct([]int64{1}, []int64{0}, []*TypeMap{r5}))
	if sr.Extent() != 5 {
		t.Errorf("struct of resized: extent %d, want 5", sr.Extent())
	}

	// Empty types.
	e := m(Contiguous(0, i32))
	checkMap(t, "empty", e, bounds{0, 0, 0, 0, 0}, nil, nil)
	if n := len(e.Blocks()); n != 0 {
		t.Errorf("empty type has %d blocks", n)
	}
	// An empty member without explicit bounds does not move the bounds.
	se := m(Struct([]int64{1, 1}, []int64{100, 4}, []*TypeMap{e, i32}))
	checkMap(t, "struct with empty member", se, bounds{4, 4, 4, 4, 4}, nil, nil)
}

func TestTypeMapErrors(t *testing.T) {
	i32 := BasicTypeMap(TypeInt)
	cases := []struct {
		name string
		err  error
		want ErrorClass
	}{}
	add := func(name string, want ErrorClass, _ *TypeMap, err error) {
		cases = append(cases, struct {
			name string
			err  error
			want ErrorClass
		}{name, err, want})
	}
	tm, err := Contiguous(-1, i32)
	add("negative count", ErrCount, tm, err)
	tm, err = Hvector(2, -1, 4, i32)
	add("negative blocklen", ErrArg, tm, err)
	tm, err = Contiguous(1, nil)
	add("nil old", ErrType, tm, err)
	big, _ := Contiguous(math.MaxInt32, i32)
	tm, err = Contiguous(math.MaxInt32, big)
	add("overflow", ErrArg, tm, err)
	tm, err = Hvector(math.MaxInt32, 1, math.MaxInt32*1000, big)
	add("overflow stride", ErrArg, tm, err)
	tm, err = Subarray([]int64{4}, []int64{5}, []int64{0}, OrderC, i32)
	add("subsize > size", ErrArg, tm, err)
	tm, err = Subarray([]int64{4}, []int64{2}, []int64{3}, OrderC, i32)
	add("start past end", ErrArg, tm, err)
	tm, err = Darray(4, 0, []int64{8}, []Distribution{DistributeBlock}, []int64{1}, []int64{4}, OrderC, i32)
	add("block too small", ErrArg, tm, err)
	tm, err = Darray(4, 0, []int64{8}, []Distribution{DistributeBlock}, []int64{DargDefault}, []int64{2}, OrderC, i32)
	add("grid != size", ErrArg, tm, err)
	tm, err = Darray(2, 0, []int64{8}, []Distribution{DistributeNone}, []int64{DargDefault}, []int64{2}, OrderC, i32)
	add("none with 2 procs", ErrArg, tm, err)
	for _, c := range cases {
		if c.err == nil || ClassOf(c.err) != c.want {
			t.Errorf("%s: error %v, want class %v", c.name, c.err, c.want)
		}
	}
	// Too deep.
	deep := i32
	var derr error
	for i := 0; i < MaxTypeDepth+5 && derr == nil; i++ {
		deep, derr = Contiguous(1, deep)
	}
	if ClassOf(derr) != ErrArg {
		t.Errorf("too deep: %v", derr)
	}
	// Too fragmented: a vector of vectors with 2^24 separate ints.
	inner, _ := Vector(1<<12, 1, 2, i32)
	outer, err := Hvector(1<<12, 1, 1<<20, inner)
	if err != nil {
		t.Fatal(err)
	}
	if err := outer.Flatten(); ClassOf(err) != ErrNoMem {
		t.Errorf("too fragmented: %v", err)
	}
	// But a huge contiguous type is one block, found without a loop.
	huge, _ := Contiguous(1<<20, i32)
	huge2, _ := Vector(1<<16, 1<<4, 1<<4, huge)
	if err := huge2.Flatten(); err != nil || len(huge2.Blocks()) != 1 {
		t.Errorf("huge contiguous: %v, %d blocks", err, len(huge2.Blocks()))
	}
}

// offsets expands blocks into the offsets of elements of size es.
func offsets(tm *TypeMap, es int64) []int64 {
	var out []int64
	for _, b := range tm.Blocks() {
		for o := b.Off; o < b.Off+b.Len; o += es {
			out = append(out, o)
		}
	}
	return out
}

func TestSubarray(t *testing.T) {
	m := maker(t)
	i32 := BasicTypeMap(TypeInt)
	// 4x5 array, 2x3 subarray at (1, 2).
	for _, order := range []Order{OrderC, OrderFortran} {
		sa := m(Subarray([]int64{4, 5}, []int64{2, 3}, []int64{1, 2}, order, i32))
		var want []int64
		if order == OrderC { // element (i, j) at (i*5 + j)*4
			for i := int64(1); i < 3; i++ {
				for j := int64(2); j < 5; j++ {
					want = append(want, (i*5+j)*4)
				}
			}
		} else { // element (i, j) at (i + j*4)*4, i fastest
			for j := int64(2); j < 5; j++ {
				for i := int64(1); i < 3; i++ {
					want = append(want, (i+j*4)*4)
				}
			}
		}
		if got := offsets(sa, 4); !reflect.DeepEqual(got, want) {
			t.Errorf("order %d: offsets %v, want %v", order, got, want)
		}
		if sa.LB() != 0 || sa.Extent() != 80 || sa.Size() != 24 {
			t.Errorf("order %d: lb %d extent %d size %d", order, sa.LB(), sa.Extent(), sa.Size())
		}
	}
	// 3-D.
	sa := m(Subarray([]int64{3, 4, 5}, []int64{2, 2, 2}, []int64{1, 1, 3}, OrderC, i32))
	var want []int64
	for i := int64(1); i < 3; i++ {
		for j := int64(1); j < 3; j++ {
			for k := int64(3); k < 5; k++ {
				want = append(want, ((i*4+j)*5+k)*4)
			}
		}
	}
	if got := offsets(sa, 4); !reflect.DeepEqual(got, want) {
		t.Errorf("3-D: offsets %v, want %v", got, want)
	}
}

// darrayOracle lists the offsets (in elements) that process rank owns, in
// array order, straight from the definition of the distributions.
func darrayOracle(rank int64, gsizes []int64, distribs []Distribution, dargs, psizes []int64, order Order) []int64 {
	n := len(gsizes)
	coords := make([]int64, n)
	rest := rank
	for i := n - 1; i >= 0; i-- {
		coords[i] = rest % psizes[i]
		rest /= psizes[i]
	}
	owns := func(d int, idx int64) bool {
		darg := dargs[d]
		switch distribs[d] {
		case DistributeNone:
			return true
		case DistributeBlock:
			if darg == DargDefault {
				darg = (gsizes[d] + psizes[d] - 1) / psizes[d]
			}
		case DistributeCyclic:
			if darg == DargDefault {
				darg = 1
			}
		}
		return (idx/darg)%psizes[d] == coords[d]
	}
	ord := dims(n, order) // fastest first
	total := int64(1)
	for _, g := range gsizes {
		total *= g
	}
	var out []int64
	idx := make([]int64, n)
	for lin := int64(0); lin < total; lin++ {
		// idx from lin with ord[0] fastest.
		r := lin
		for _, d := range ord {
			idx[d] = r % gsizes[d]
			r /= gsizes[d]
		}
		ok := true
		for d := range idx {
			ok = ok && owns(d, idx[d])
		}
		if ok {
			out = append(out, lin)
		}
	}
	return out
}

func TestDarray(t *testing.T) {
	m := maker(t)
	i32 := BasicTypeMap(TypeInt)
	type tc struct {
		gsizes   []int64
		distribs []Distribution
		dargs    []int64
		psizes   []int64
	}
	cases := []tc{
		{[]int64{10}, []Distribution{DistributeBlock}, []int64{DargDefault}, []int64{4}},
		{[]int64{10}, []Distribution{DistributeCyclic}, []int64{DargDefault}, []int64{3}},
		{[]int64{11}, []Distribution{DistributeCyclic}, []int64{2}, []int64{3}},
		{[]int64{6, 7}, []Distribution{DistributeBlock, DistributeCyclic}, []int64{DargDefault, 2}, []int64{2, 2}},
		{[]int64{8, 9}, []Distribution{DistributeCyclic, DistributeCyclic}, []int64{2, 3}, []int64{2, 3}},
		{[]int64{5, 4, 3}, []Distribution{DistributeBlock, DistributeNone, DistributeCyclic}, []int64{2, DargDefault, DargDefault}, []int64{3, 1, 2}},
	}
	for ci, c := range cases {
		size := int64(1)
		for _, p := range c.psizes {
			size *= p
		}
		total := int64(4)
		for _, g := range c.gsizes {
			total *= g
		}
		for _, order := range []Order{OrderC, OrderFortran} {
			seen := int64(0)
			for rank := int64(0); rank < size; rank++ {
				da := m(Darray(size, rank, c.gsizes, c.distribs, c.dargs, c.psizes, order, i32))
				want := darrayOracle(rank, c.gsizes, c.distribs, c.dargs, c.psizes, order)
				var got []int64
				for _, o := range offsets(da, 4) {
					got = append(got, o/4)
				}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("case %d order %d rank %d: elements %v, want %v", ci, order, rank, got, want)
				}
				if da.LB() != 0 || da.Extent() != total || da.Size() != 4*int64(len(want)) {
					t.Errorf("case %d order %d rank %d: lb %d extent %d size %d", ci, order, rank, da.LB(), da.Extent(), da.Size())
				}
				seen += int64(len(want))
			}
			if seen*4 != total {
				t.Errorf("case %d: the ranks own %d elements of %d", ci, seen, total/4)
			}
		}
	}
}

func TestPackUnpack(t *testing.T) {
	m := maker(t)
	i32, f64 := BasicTypeMap(TypeInt), BasicTypeMap(TypeDouble)
	// struct {int at -8; double at 4}, 3 elements with extent 24 (padded from 20 to 24? lb -8, ub 12 -> 20 -> 24)
	st := m(Struct([]int64{1, 1}, []int64{-8, 4}, []*TypeMap{i32, f64}))
	if st.LB() != -8 || st.Extent() != 24 {
		t.Fatalf("lb %d extent %d", st.LB(), st.Extent())
	}
	lo, hi, ok := st.Span(3)
	if !ok || lo != -8 || hi != 60 {
		t.Fatalf("span %d %d", lo, hi)
	}
	mem := make([]byte, 100)
	for i := range mem {
		mem[i] = byte(i)
	}
	origin := int64(20)
	packed := make([]byte, 3*st.Size())
	st.Pack(packed, mem, origin, 3)
	var want []byte
	for e := int64(0); e < 3; e++ {
		b := origin + e*24
		want = append(want, mem[b-8:b-4]...)
		want = append(want, mem[b+4:b+12]...)
	}
	if !bytes.Equal(packed, want) {
		t.Fatalf("packed %v, want %v", packed, want)
	}
	out := make([]byte, 100)
	st.Unpack(out, origin, 3, packed)
	for e := int64(0); e < 3; e++ {
		b := origin + e*24
		if !bytes.Equal(out[b-8:b-4], mem[b-8:b-4]) || !bytes.Equal(out[b+4:b+12], mem[b+4:b+12]) {
			t.Fatalf("element %d not restored", e)
		}
	}
	// Partial unpack: 14 bytes = one element and 2 bytes.
	out2 := make([]byte, 100)
	st.Unpack(out2, origin, 3, packed[:14])
	if !bytes.Equal(out2[origin+16:origin+18], mem[origin+16:origin+18]) || out2[origin+18] != 0 {
		t.Error("partial unpack copied the wrong bytes")
	}
	if n := st.Elements(14); n != -1 {
		t.Errorf("Elements(14) = %d, want -1", n)
	}
	if n := st.Elements(16); n != 3 {
		t.Errorf("Elements(16) = %d, want 3", n)
	}
	if n := st.Elements(36); n != 6 {
		t.Errorf("Elements(36) = %d, want 6", n)
	}
	// Contiguous fast path with an offset.
	ix := m(Indexed([]int64{2}, []int64{3}, i32))
	if off, ok := ix.Contiguous(1); !ok || off != 12 {
		t.Errorf("indexed single block: %d %v", off, ok)
	}
	// Its lb is 12 and its extent 8: consecutive elements abut.
	if off, ok := ix.Contiguous(5); !ok || off != 12 {
		t.Errorf("indexed single block, 5 elements: %d %v", off, ok)
	}
	hole := m(Resized(ix, 12, 12))
	if _, ok := hole.Contiguous(2); ok {
		t.Error("two elements of extent 12 with 8 data bytes are not contiguous")
	}
}

func TestElementsPairs(t *testing.T) {
	m := maker(t)
	di := m(Contiguous(2, BasicTypeMap(TypeDoubleInt)))
	for _, c := range []struct{ n, want int64 }{
		{0, 0}, {4, -1}, {8, 1}, {12, 2}, {14, 2}, {16, 2}, {24, 3}, {32, 4}, {10, -1},
	} {
		if got := di.Elements(c.n); got != c.want {
			t.Errorf("DOUBLE_INT x2: Elements(%d) = %d, want %d", c.n, got, c.want)
		}
	}
}

func TestExternal32(t *testing.T) {
	m := maker(t)
	types := []*TypeMap{
		BasicTypeMap(TypeInt), BasicTypeMap(TypeShort), BasicTypeMap(TypeDouble),
		BasicTypeMap(TypeAint), BasicTypeMap(TypeWchar), BasicTypeMap(TypeDoubleInt),
		BasicTypeMap(TypeFloatComplex), BasicTypeMap(TypeChar),
	}
	offs := []int64{0, 4, 8, 16, 20, 24, 40, 48}
	st := m(Struct([]int64{1, 1, 1, 1, 1, 1, 1, 1}, offs, types))
	native := make([]byte, st.Size())
	// Pack order: int, short, double, aint, wchar, double_int, float complex, char
	p := native
	binary.LittleEndian.PutUint32(p[0:], 0x01020304)
	binary.LittleEndian.PutUint16(p[4:], 0x0506)
	binary.LittleEndian.PutUint64(p[6:], math.Float64bits(1.5))
	binary.LittleEndian.PutUint32(p[14:], uint32(0xfffffffe)) // aint -2
	binary.LittleEndian.PutUint32(p[18:], 0x263a)             // wchar
	binary.LittleEndian.PutUint64(p[22:], math.Float64bits(-2))
	binary.LittleEndian.PutUint32(p[30:], 7)
	binary.LittleEndian.PutUint32(p[34:], 0xdeadbeef) // padding of the pair
	binary.LittleEndian.PutUint32(p[38:], math.Float32bits(1))
	binary.LittleEndian.PutUint32(p[42:], math.Float32bits(2))
	p[46] = 'x'
	if want := int64(4 + 2 + 8 + 8 + 2 + 12 + 8 + 1); st.External32Size(1) != want {
		t.Fatalf("external32 size %d, want %d", st.External32Size(1), want)
	}
	ext := make([]byte, st.External32Size(1))
	st.ToExternal32(ext, native, 1)
	want := []byte{
		1, 2, 3, 4,
		5, 6,
		0x3f, 0xf8, 0, 0, 0, 0, 0, 0,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe,
		0x26, 0x3a,
		0xc0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7,
		0x3f, 0x80, 0, 0, 0x40, 0, 0, 0,
		'x',
	}
	if !bytes.Equal(ext, want) {
		t.Fatalf("external32\n got %x\nwant %x", ext, want)
	}
	back := make([]byte, len(native))
	st.FromExternal32(back, ext, 1)
	binary.LittleEndian.PutUint32(native[34:], 0) // padding comes back as zero
	if !bytes.Equal(back, native) {
		t.Fatalf("round trip\n got %x\nwant %x", back, native)
	}
}
