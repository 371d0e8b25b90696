package rank

import (
	"encoding/binary"
	"math"

	"github.com/wasmpi/wasmpi/comm"
	"github.com/wasmpi/wasmpi/rank/abi"
)

// Derived datatypes: constructors, commit/free, queries, decoding, names,
// addresses, and packing (native and external32). The layouts are computed
// by comm (comm/typemap.go); rank/types.go explains how communication uses
// them.

// newType registers d and writes its handle to the guest's newtype.
func (c *call) newType(ptr uint32, d *dtype) error {
	if _, err := c.out(ptr, 4, "newtype"); err != nil {
		return err
	}
	// a large-count constructor (the _c variant of the one running)
	d.largeCount = c.largeCount && d.combiner != abi.CombinerDup && d.combiner != abi.CombinerValueIndex
	h, err := c.r.types.add(d)
	if err != nil {
		return err
	}
	return c.putI32(ptr, int32(h), "newtype")
}

// oldType resolves the datatype a constructor builds on.
func (c *call) oldType(h uint32) (*dtype, error) { return c.datatype(h) }

// checkNewtype validates the output argument before any work.
func (c *call) checkNewtype(ptr uint32) error {
	_, err := c.out(ptr, 4, "newtype")
	return err
}

func countArg(n int, what string) error {
	if n < 0 {
		return comm.Errorf(comm.ErrCount, "negative %s %d", what, n)
	}
	return nil
}

func widen(v []int32) []int64 {
	out := make([]int64, len(v))
	for i, x := range v {
		out[i] = int64(x)
	}
	return out
}

func repeat(v int32, n int) []int32 {
	out := make([]int32, n)
	for i := range out {
		out[i] = v
	}
	return out
}

// putAint writes an MPI_Aint result; a value that does not fit the 4-byte
// MPI_Aint of wasm32 is reported as MPI_UNDEFINED, as the standard asks of
// the non-_x query functions.
func (c *call) putAint(ptr uint32, v int64, what string) error {
	if v < math.MinInt32 || v > math.MaxInt32 {
		v = int64(abi.Undefined)
	}
	return c.putI32(ptr, int32(v), what)
}

// typeCString reads a NUL-terminated string of at most limit bytes (the
// rest is ignored).
func (c *call) typeCString(ptr uint32, limit int, what string) (string, error) {
	if ptr == 0 {
		return "", comm.Errorf(comm.ErrArg, "%s is a NULL pointer", what)
	}
	size := c.mem.Size()
	if ptr >= size {
		return "", comm.Errorf(comm.ErrBuffer, "%s at %#x is outside the rank's memory", what, ptr)
	}
	n := min(uint32(limit), size-ptr)
	b, ok := c.mem.Read(ptr, n)
	if !ok {
		return "", comm.Errorf(comm.ErrBuffer, "%s at %#x is outside the rank's memory", what, ptr)
	}
	for i, ch := range b {
		if ch == 0 {
			return string(b[:i]), nil
		}
	}
	return string(b), nil
}

// datarep checks the data representation argument of the external pack
// functions: only "external32" exists.
func (c *call) datarep(ptr uint32) error {
	s, err := c.typeCString(ptr, abi.MaxDatarepString, "datarep")
	if err != nil {
		return err
	}
	if s != "external32" {
		return comm.Errorf(comm.ErrArg, "unsupported data representation %q (only \"external32\" is defined)", s)
	}
	return nil
}

// committedType resolves a datatype that communication or packing uses.
func (c *call) committedType(h uint32) (*dtype, error) {
	d, err := c.datatype(h)
	if err != nil {
		return nil, err
	}
	if !d.committed {
		return nil, comm.Errorf(comm.ErrType, "the datatype has not been committed (call MPI_Type_commit first)")
	}
	if err := d.tm.Flatten(); err != nil {
		return nil, err
	}
	return d, nil
}

func orderArg(v int32) (comm.Order, error) {
	switch v {
	case abi.OrderC:
		return comm.OrderC, nil
	case abi.OrderFortran:
		return comm.OrderFortran, nil
	}
	return 0, comm.Errorf(comm.ErrArg, "invalid order %d (MPI_ORDER_C or MPI_ORDER_FORTRAN)", v)
}

// envelope is (integers, addresses, datatypes, combiner) of d.
func envelope(d *dtype) (int, int, int, int32) {
	if d.predefined() {
		return 0, 0, 0, abi.CombinerNamed
	}
	return len(d.ints), len(d.addrs), len(d.types), d.combiner
}

// matchSize is MPI_Type_match_size: the C datatype of a type class and
// size.
func matchSize(class int32, size int) (uint32, bool) {
	var t comm.Datatype
	switch class {
	case abi.TypeclassInteger:
		t = map[int]comm.Datatype{1: comm.TypeInt8, 2: comm.TypeInt16, 4: comm.TypeInt32, 8: comm.TypeInt64}[size]
	case abi.TypeclassReal:
		t = map[int]comm.Datatype{4: comm.TypeFloat, 8: comm.TypeDouble, 16: comm.TypeLongDouble}[size]
	case abi.TypeclassComplex:
		t = map[int]comm.Datatype{8: comm.TypeFloatComplex, 16: comm.TypeDoubleComplex, 32: comm.TypeLongDoubleComplex}[size]
	}
	if t == comm.TypeNull {
		return 0, false
	}
	return abi.DatatypeHandle(t), true
}

// valueIndexPairs are the predefined pair types of MPI_Type_get_value_index.
var valueIndexPairs = map[comm.Datatype]comm.Datatype{
	comm.TypeFloat: comm.TypeFloatInt, comm.TypeDouble: comm.TypeDoubleInt, comm.TypeLong: comm.TypeLongInt,
	comm.TypeInt: comm.Type2Int, comm.TypeShort: comm.TypeShortInt, comm.TypeLongDouble: comm.TypeLongDoubleInt,
}

func typeFunctions() []mpiFunc {
	// the large-count decoding functions are not derived (mpi_type_c.go)
	return append(typeDecodeCFunctions(), []mpiFunc{
		{name: "MPI_Type_contiguous", params: params(3), fn: func(c *call) error {
			// (count, oldtype, newtype*)
			count := c.int(0)
			if err := countArg(count, "count"); err != nil {
				return err
			}
			old, err := c.oldType(c.u32(1))
			if err != nil {
				return err
			}
			if err := c.checkNewtype(c.u32(2)); err != nil {
				return err
			}
			tm, err := comm.Contiguous(int64(count), old.tm)
			if err != nil {
				return err
			}
			return c.newType(c.u32(2), &dtype{tm: tm, combiner: abi.CombinerContiguous,
				ints: []int32{int32(count)}, types: []*dtype{old}})
		}},
		{name: "MPI_Type_vector", params: params(5), fn: func(c *call) error {
			// (count, blocklength, stride, oldtype, newtype*)
			count, bl, stride := c.int(0), c.int(1), c.int(2)
			if err := countArg(count, "count"); err != nil {
				return err
			}
			old, err := c.oldType(c.u32(3))
			if err != nil {
				return err
			}
			if err := c.checkNewtype(c.u32(4)); err != nil {
				return err
			}
			tm, err := comm.Vector(int64(count), int64(bl), int64(stride), old.tm)
			if err != nil {
				return err
			}
			return c.newType(c.u32(4), &dtype{tm: tm, combiner: abi.CombinerVector,
				ints: []int32{int32(count), int32(bl), int32(stride)}, types: []*dtype{old}})
		}},
		{name: "MPI_Type_create_hvector", params: params(5), fn: func(c *call) error {
			// (count, blocklength, stride (MPI_Aint), oldtype, newtype*)
			count, bl, stride := c.int(0), c.int(1), c.int(2)
			if err := countArg(count, "count"); err != nil {
				return err
			}
			old, err := c.oldType(c.u32(3))
			if err != nil {
				return err
			}
			if err := c.checkNewtype(c.u32(4)); err != nil {
				return err
			}
			tm, err := comm.Hvector(int64(count), int64(bl), int64(stride), old.tm)
			if err != nil {
				return err
			}
			return c.newType(c.u32(4), &dtype{tm: tm, combiner: abi.CombinerHvector,
				ints: []int32{int32(count), int32(bl)}, addrs: []int32{int32(stride)}, types: []*dtype{old}})
		}},
		{name: "MPI_Type_indexed", params: params(5), countAware: true, fn: func(c *call) error {
			// (count, blocklengths[], displacements[], oldtype, newtype*)
			return c.indexed(abi.CombinerIndexed)
		}},
		{name: "MPI_Type_create_hindexed", params: params(5), countAware: true, fn: func(c *call) error {
			// (count, blocklengths[], displacements[] (MPI_Aint), oldtype, newtype*)
			return c.indexed(abi.CombinerHindexed)
		}},
		{name: "MPI_Type_create_indexed_block", params: params(5), countAware: true, fn: func(c *call) error {
			// (count, blocklength, displacements[], oldtype, newtype*)
			return c.indexed(abi.CombinerIndexedBlock)
		}},
		{name: "MPI_Type_create_hindexed_block", params: params(5), countAware: true, fn: func(c *call) error {
			// (count, blocklength, displacements[] (MPI_Aint), oldtype, newtype*)
			return c.indexed(abi.CombinerHindexedBlock)
		}},
		{name: "MPI_Type_create_struct", params: params(5), countAware: true, fn: func(c *call) error {
			// (count, blocklengths[], displacements[] (MPI_Aint), types[], newtype*)
			count := c.int(0)
			if err := countArg(count, "count"); err != nil {
				return err
			}
			bls, err := c.countArray(1, count, "array_of_blocklengths")
			if err != nil {
				return err
			}
			displs, err := c.countArray(2, count, "array_of_displacements")
			if err != nil {
				return err
			}
			hs, err := c.int32s(c.u32(3), count, "array_of_types")
			if err != nil {
				return err
			}
			types := make([]*dtype, count)
			tms := make([]*comm.TypeMap, count)
			for i, h := range hs {
				if types[i], err = c.oldType(uint32(h)); err != nil {
					return comm.Errorf(comm.ClassOf(err), "array_of_types[%d]: %v", i, err)
				}
				tms[i] = types[i].tm
			}
			if err := c.checkNewtype(c.u32(4)); err != nil {
				return err
			}
			tm, err := comm.Struct(widen(bls), widen(displs), tms)
			if err != nil {
				return err
			}
			ints := append([]int32{int32(count)}, bls...)
			return c.newType(c.u32(4), &dtype{tm: tm, combiner: abi.CombinerStruct, ints: ints, addrs: displs, types: types})
		}},
		{name: "MPI_Type_create_subarray", params: params(7), countAware: true, fn: func(c *call) error {
			// (ndims, sizes[], subsizes[], starts[], order, oldtype, newtype*)
			n := c.int(0)
			if n < 1 {
				return comm.Errorf(comm.ErrArg, "ndims %d must be positive", n)
			}
			arrays, err := c.countArrays(1, n, "array_of_sizes", "array_of_subsizes", "array_of_starts")
			if err != nil {
				return err
			}
			sizes, subsizes, starts := arrays[0], arrays[1], arrays[2]
			order, err := orderArg(int32(c.int(4)))
			if err != nil {
				return err
			}
			old, err := c.oldType(c.u32(5))
			if err != nil {
				return err
			}
			if err := c.checkNewtype(c.u32(6)); err != nil {
				return err
			}
			tm, err := comm.Subarray(widen(sizes), widen(subsizes), widen(starts), order, old.tm)
			if err != nil {
				return err
			}
			ints := []int32{int32(n)}
			ints = append(append(append(append(ints, sizes...), subsizes...), starts...), int32(c.int(4)))
			return c.newType(c.u32(6), &dtype{tm: tm, combiner: abi.CombinerSubarray, ints: ints, types: []*dtype{old}})
		}},
		{name: "MPI_Type_create_darray", params: params(10), countAware: true, fn: func(c *call) error {
			// (size, rank, ndims, gsizes[], distribs[], dargs[], psizes[], order, oldtype, newtype*)
			size, rank, n := c.int(0), c.int(1), c.int(2)
			if n < 1 {
				return comm.Errorf(comm.ErrArg, "ndims %d must be positive", n)
			}
			arrays, err := c.countArrays(3, n, "array_of_gsizes", "array_of_distribs", "array_of_dargs", "array_of_psizes")
			if err != nil {
				return err
			}
			gsizes, distribs, dargs, psizes := arrays[0], arrays[1], arrays[2], arrays[3]
			order, err := orderArg(int32(c.int(7)))
			if err != nil {
				return err
			}
			old, err := c.oldType(c.u32(8))
			if err != nil {
				return err
			}
			if err := c.checkNewtype(c.u32(9)); err != nil {
				return err
			}
			ds := make([]comm.Distribution, n)
			da := make([]int64, n)
			for i := range ds {
				switch distribs[i] {
				case abi.DistributeNone:
					ds[i] = comm.DistributeNone
				case abi.DistributeBlock:
					ds[i] = comm.DistributeBlock
				case abi.DistributeCyclic:
					ds[i] = comm.DistributeCyclic
				default:
					return comm.Errorf(comm.ErrArg, "array_of_distribs[%d] = %d is not a distribution", i, distribs[i])
				}
				// The ABI makes MPI_DISTRIBUTE_DFLT_DARG 19, so a
				// distribution argument of 19 means the default.
				da[i] = int64(dargs[i])
				if dargs[i] == abi.DistributeDfltDarg {
					da[i] = comm.DargDefault
				}
			}
			tm, err := comm.Darray(int64(size), int64(rank), widen(gsizes), ds, da, widen(psizes), order, old.tm)
			if err != nil {
				return err
			}
			ints := []int32{int32(size), int32(rank), int32(n)}
			ints = append(append(append(append(append(ints, gsizes...), distribs...), dargs...), psizes...), int32(c.int(7)))
			return c.newType(c.u32(9), &dtype{tm: tm, combiner: abi.CombinerDarray, ints: ints, types: []*dtype{old}})
		}},
		{name: "MPI_Type_create_resized", params: params(4), fn: func(c *call) error {
			// (oldtype, lb, extent, newtype*)
			old, err := c.oldType(c.u32(0))
			if err != nil {
				return err
			}
			if err := c.checkNewtype(c.u32(3)); err != nil {
				return err
			}
			lb, ext := int32(c.int(1)), int32(c.int(2))
			tm, err := comm.Resized(old.tm, int64(lb), int64(ext))
			if err != nil {
				return err
			}
			return c.newType(c.u32(3), &dtype{tm: tm, combiner: abi.CombinerResized, addrs: []int32{lb, ext}, types: []*dtype{old}})
		}},
		{name: "MPI_Type_dup", params: params(2), fn: func(c *call) error {
			old, err := c.oldType(c.u32(0))
			if err != nil {
				return err
			}
			if err := c.checkNewtype(c.u32(1)); err != nil {
				return err
			}
			return c.newType(c.u32(1), &dtype{tm: old.tm, committed: old.committed, combiner: abi.CombinerDup,
				types: []*dtype{old}})
		}},
		{name: "MPI_Type_commit", params: params(1), fn: func(c *call) error {
			h, err := c.getI32(c.u32(0), "datatype")
			if err != nil {
				return err
			}
			d, err := c.datatype(uint32(h))
			if err != nil {
				return err
			}
			if d.predefined() || d.committed {
				return nil
			}
			// The one flattening of the type map.
			if err := d.tm.Flatten(); err != nil {
				return err
			}
			c.r.types.mu.Lock()
			d.committed = true
			c.r.types.mu.Unlock()
			return nil
		}},
		{name: "MPI_Type_free", params: params(1), fn: func(c *call) error {
			p := c.u32(0)
			h, err := c.getI32(p, "datatype")
			if err != nil {
				return err
			}
			d, err := c.datatype(uint32(h))
			if err != nil {
				return err
			}
			if d.predefined() {
				return comm.Errorf(comm.ErrType, "the predefined datatype %s cannot be freed", abi.DatatypeName(uint32(h)))
			}
			// Operations already using the type go on: they hold its map.
			if !c.r.types.remove(uint32(h)) {
				return comm.Errorf(comm.ErrType, "invalid datatype handle %#x", uint32(h))
			}
			return c.putI32(p, int32(abi.DatatypeNull), "datatype")
		}},
		extentFunc("MPI_Type_get_extent", false, "lb", "extent", (*comm.TypeMap).LB, (*comm.TypeMap).Extent),
		extentFunc("MPI_Type_get_extent_x", true, "lb", "extent", (*comm.TypeMap).LB, (*comm.TypeMap).Extent),
		extentFunc("MPI_Type_get_true_extent", false, "true_lb", "true_extent", (*comm.TypeMap).TrueLB, (*comm.TypeMap).TrueExtent),
		extentFunc("MPI_Type_get_true_extent_x", true, "true_lb", "true_extent", (*comm.TypeMap).TrueLB, (*comm.TypeMap).TrueExtent),
		{name: "MPI_Type_size", params: params(2), countAware: true, fn: func(c *call) error {
			d, err := c.datatype(c.u32(0))
			if err != nil {
				return err
			}
			return c.putCountArg(1, d.tm.Size(), "size")
		}},
		{name: "MPI_Type_size_x", params: params(2), fn: func(c *call) error {
			d, err := c.datatype(c.u32(0))
			if err != nil {
				return err
			}
			return c.putI64(c.u32(1), d.tm.Size(), "size")
		}},
		{name: "MPI_Get_address", params: params(2), fn: func(c *call) error {
			// (location, address*): on wasm32 an address is the pointer.
			return c.putI32(c.u32(1), int32(c.u32(0)), "address")
		}},
		{name: "MPI_Aint_add", params: params(2), beforeInit: true, value: func(c *call) uint32 {
			return c.u32(0) + c.u32(1)
		}},
		{name: "MPI_Aint_diff", params: params(2), beforeInit: true, value: func(c *call) uint32 {
			return c.u32(0) - c.u32(1)
		}},
		{name: "MPI_Pack", params: params(7), countAware: true, fn: func(c *call) error {
			// (inbuf, incount, datatype, outbuf, outsize, position*, comm)
			if _, err := c.comm(c.u32(6)); err != nil {
				return err
			}
			data, _, err := c.buffer(c.u32(0), c.int(1), c.u32(2), "input buffer")
			if err != nil {
				return err
			}
			out, pos, err := c.packTarget(c.u32(3), int64(c.int(4)), 5, int64(len(data)), false)
			if err != nil {
				return err
			}
			copy(out, data)
			return c.putCountArg(5, pos+int64(len(data)), "position")
		}},
		{name: "MPI_Unpack", params: params(7), countAware: true, fn: func(c *call) error {
			// (inbuf, insize, position*, outbuf, outcount, datatype, comm)
			if _, err := c.comm(c.u32(6)); err != nil {
				return err
			}
			d, err := c.datatype(c.u32(5))
			if err != nil {
				return err
			}
			count := c.int(4)
			if err := countArg(count, "outcount"); err != nil {
				return err
			}
			n := int64(count) * d.tm.Size()
			src, pos, err := c.packTarget(c.u32(0), int64(c.int(1)), 2, n, false)
			if err != nil {
				return err
			}
			dst, tb, err := c.typedData(c.u32(3), count, d, false, "output buffer")
			if err != nil {
				return err
			}
			copy(dst, src)
			if err := tb.unpack(dst); err != nil {
				return err
			}
			return c.putCountArg(2, pos+n, "position")
		}},
		{name: "MPI_Pack_size", params: params(4), countAware: true, fn: func(c *call) error {
			// (incount, datatype, comm, size*)
			if _, err := c.comm(c.u32(2)); err != nil {
				return err
			}
			d, err := c.datatype(c.u32(1))
			if err != nil {
				return err
			}
			count := c.int(0)
			if err := countArg(count, "incount"); err != nil {
				return err
			}
			n := int64(count) * d.tm.Size()
			if n > math.MaxInt32 && c.countWidth(3) == 4 {
				return comm.Errorf(comm.ErrCount, "%d elements of the datatype need %d bytes, more than an int can say (MPI_Pack_size_c can)", count, n)
			}
			// The native packed form is the data itself, with no header.
			return c.putCountArg(3, n, "size")
		}},
		{name: "MPI_Pack_external", params: params(7), countAware: true, fn: func(c *call) error {
			// (datarep, inbuf, incount, datatype, outbuf, outsize (MPI_Aint), position* (MPI_Aint))
			if err := c.datarep(c.u32(0)); err != nil {
				return err
			}
			d, err := c.committedType(c.u32(3))
			if err != nil {
				return err
			}
			count := c.int(2)
			data, _, err := c.buffer(c.u32(1), count, c.u32(3), "input buffer")
			if err != nil {
				return err
			}
			n := d.tm.External32Size(int64(count))
			out, pos, err := c.packTarget(c.u32(4), int64(c.int(5)), 6, n, true)
			if err != nil {
				return err
			}
			d.tm.ToExternal32(out, data, int64(count))
			return c.putCountArg(6, pos+n, "position")
		}},
		{name: "MPI_Unpack_external", params: params(7), countAware: true, fn: func(c *call) error {
			// (datarep, inbuf, insize (MPI_Aint), position* (MPI_Aint), outbuf, outcount, datatype)
			if err := c.datarep(c.u32(0)); err != nil {
				return err
			}
			d, err := c.committedType(c.u32(6))
			if err != nil {
				return err
			}
			count := c.int(5)
			if err := countArg(count, "outcount"); err != nil {
				return err
			}
			n := d.tm.External32Size(int64(count))
			src, pos, err := c.packTarget(c.u32(1), int64(c.int(2)), 3, n, true)
			if err != nil {
				return err
			}
			dst, tb, err := c.typedData(c.u32(4), count, d, false, "output buffer")
			if err != nil {
				return err
			}
			d.tm.FromExternal32(dst, src, int64(count))
			if err := tb.unpack(dst); err != nil {
				return err
			}
			return c.putCountArg(3, pos+n, "position")
		}},
		{name: "MPI_Pack_external_size", params: params(4), countAware: true, fn: func(c *call) error {
			// (datarep, incount, datatype, size* (MPI_Aint))
			if err := c.datarep(c.u32(0)); err != nil {
				return err
			}
			d, err := c.datatype(c.u32(2))
			if err != nil {
				return err
			}
			count := c.int(1)
			if err := countArg(count, "incount"); err != nil {
				return err
			}
			if err := d.tm.Flatten(); err != nil {
				return err
			}
			n := d.tm.External32Size(int64(count))
			if n > math.MaxInt32 && c.countWidth(3) == 4 {
				return comm.Errorf(comm.ErrCount, "%d elements of the datatype need %d bytes in external32, more than an MPI_Aint can say (MPI_Pack_external_size_c can)", count, n)
			}
			return c.putCountArg(3, n, "size")
		}},
		{name: "MPI_Type_get_envelope", params: params(5), fn: func(c *call) error {
			// (datatype, num_integers*, num_addresses*, num_datatypes*, combiner*)
			d, err := c.datatype(c.u32(0))
			if err != nil {
				return err
			}
			if err := notLargeCount(d); err != nil {
				return err
			}
			ni, na, nd, comb := envelope(d)
			for i, v := range []int32{int32(ni), int32(na), int32(nd), comb} {
				if err := c.putI32(c.u32(1+i), v, [...]string{"num_integers", "num_addresses", "num_datatypes", "combiner"}[i]); err != nil {
					return err
				}
			}
			return nil
		}},
		{name: "MPI_Type_get_contents", params: params(7), fn: func(c *call) error {
			// (datatype, max_integers, max_addresses, max_datatypes, integers[], addresses[], datatypes[])
			d, err := c.datatype(c.u32(0))
			if err != nil {
				return err
			}
			if err := notLargeCount(d); err != nil {
				return err
			}
			max := [4]int64{int64(c.int(1)), int64(c.int(2)), 0, int64(c.int(3))}
			return c.typeContents(d, typeArgs{ints: d.ints, addrs: d.addrs}, max, c.u32(4), c.u32(5), 0, c.u32(6))
		}},
		{name: "MPI_Type_set_name", params: params(2), fn: func(c *call) error {
			d, err := c.datatype(c.u32(0))
			if err != nil {
				return err
			}
			name, err := c.typeCString(c.u32(1), 4096, "type_name")
			if err != nil {
				return err
			}
			if len(name) > abi.MaxObjectName-1 {
				name = name[:abi.MaxObjectName-1]
			}
			c.r.types.setName(d, name)
			return nil
		}},
		{name: "MPI_Type_get_name", params: params(3), fn: func(c *call) error {
			d, err := c.datatype(c.u32(0))
			if err != nil {
				return err
			}
			if _, err := c.out(c.u32(2), 4, "resultlen"); err != nil {
				return err
			}
			return c.putString(c.u32(1), abi.MaxObjectName, c.u32(2), c.r.types.name(d), "type_name")
		}},
		{name: "MPI_Type_match_size", params: params(3), fn: func(c *call) error {
			// (typeclass, size, datatype*)
			class, size := int32(c.int(0)), c.int(1)
			if class != abi.TypeclassInteger && class != abi.TypeclassReal && class != abi.TypeclassComplex {
				return comm.Errorf(comm.ErrArg, "invalid type class %d", class)
			}
			h, ok := matchSize(class, size)
			if !ok {
				return comm.Errorf(comm.ErrArg, "no predefined datatype of type class %d has size %d", class, size)
			}
			return c.putI32(c.u32(2), int32(h), "datatype")
		}},
		{name: "MPI_Type_get_value_index", params: params(3), fn: func(c *call) error {
			// (value_type, index_type, pair_type*)
			v, err := c.datatype(c.u32(0))
			if err != nil {
				return err
			}
			ix, err := c.datatype(c.u32(1))
			if err != nil {
				return err
			}
			if _, err := c.out(c.u32(2), 4, "pair_type"); err != nil {
				return err
			}
			vt, vok := v.tm.Predefined()
			it, iok := ix.tm.Predefined()
			if vok && iok && it == comm.TypeInt {
				if p, ok := valueIndexPairs[vt]; ok {
					return c.putI32(c.u32(2), int32(abi.DatatypeHandle(p)), "pair_type")
				}
			}
			// Any other pair: the C struct {value; index}.
			off := v.tm.Extent()
			if a := ix.tm.Size(); a > 0 && off%a != 0 {
				off += a - off%a
			}
			tm, err := comm.Struct([]int64{1, 1}, []int64{0, off}, []*comm.TypeMap{v.tm, ix.tm})
			if err != nil {
				return err
			}
			return c.newType(c.u32(2), &dtype{tm: tm, combiner: abi.CombinerValueIndex, types: []*dtype{v, ix}})
		}},
	}...)
}

// indexed builds the four indexed flavours: (count, blocklengths[] or
// blocklength, displacements[] in extents or bytes, oldtype, newtype*).
func (c *call) indexed(combiner int32) error {
	count := c.int(0)
	if err := countArg(count, "count"); err != nil {
		return err
	}
	block := combiner == abi.CombinerIndexedBlock || combiner == abi.CombinerHindexedBlock
	var bls []int32
	var err error
	if block {
		if bl := c.int(1); bl < 0 {
			return comm.Errorf(comm.ErrArg, "negative blocklength %d", bl)
		}
		bls = repeat(int32(c.int(1)), count)
	} else if bls, err = c.countArray(1, count, "array_of_blocklengths"); err != nil {
		return err
	}
	displs, err := c.countArray(2, count, "array_of_displacements")
	if err != nil {
		return err
	}
	old, err := c.oldType(c.u32(3))
	if err != nil {
		return err
	}
	if err := c.checkNewtype(c.u32(4)); err != nil {
		return err
	}
	var tm *comm.TypeMap
	d := &dtype{combiner: combiner, types: []*dtype{old}}
	switch combiner {
	case abi.CombinerIndexed:
		tm, err = comm.Indexed(widen(bls), widen(displs), old.tm)
		d.ints = append(append([]int32{int32(count)}, bls...), displs...)
	case abi.CombinerHindexed:
		tm, err = comm.Hindexed(widen(bls), widen(displs), old.tm)
		d.ints, d.addrs = append([]int32{int32(count)}, bls...), displs
	case abi.CombinerIndexedBlock:
		tm, err = comm.Indexed(widen(bls), widen(displs), old.tm)
		d.ints = append([]int32{int32(count), int32(c.int(1))}, displs...)
	case abi.CombinerHindexedBlock:
		tm, err = comm.Hindexed(widen(bls), widen(displs), old.tm)
		d.ints, d.addrs = []int32{int32(count), int32(c.int(1))}, displs
	}
	if err != nil {
		return err
	}
	d.tm = tm
	return c.newType(c.u32(4), d)
}

// packTarget checks a packing buffer of size bytes at ptr with the
// position that argument posArg points to (an int or an MPI_Aint, both 4
// bytes on wasm32, or an MPI_Count in the _c variants) and returns the n
// bytes at the position.
func (c *call) packTarget(ptr uint32, size int64, posArg int, n int64, external bool) ([]byte, int64, error) {
	pos, err := c.getCountArg(posArg, "position")
	if err != nil {
		return nil, 0, err
	}
	if size < 0 {
		return nil, 0, comm.Errorf(comm.ErrArg, "negative buffer size %d", size)
	}
	if pos < 0 || pos > size {
		return nil, 0, comm.Errorf(comm.ErrArg, "position %d is outside the %d-byte buffer", pos, size)
	}
	if pos+n > size {
		return nil, 0, comm.Errorf(comm.ErrTruncate, "%d packed bytes at position %d do not fit the %d-byte buffer", n, pos, size)
	}
	b, err := c.view(ptr, int(size), "packing buffer")
	if err != nil {
		return nil, 0, err
	}
	return b[pos : pos+n], pos, nil
}

// typeContents is MPI_Type_get_contents and its _c variant: the arguments
// a of the constructor of d go to the guest arrays at ip (ints), ap
// (MPI_Aints), lp (MPI_Counts; 0 for the int form) and tp (datatypes),
// which have room for max[0..3] values. Derived datatypes in the result
// are new handles (the program frees them); predefined ones are the
// predefined handles.
func (c *call) typeContents(d *dtype, a typeArgs, max [4]int64, ip, ap, lp, tp uint32) error {
	if d.predefined() {
		return comm.Errorf(comm.ErrType, "%s is a predefined datatype (combiner MPI_COMBINER_NAMED)", d.name)
	}
	if max[0] < int64(len(a.ints)) || max[1] < int64(len(a.addrs)) || max[2] < int64(len(a.large)) || max[3] < int64(len(d.types)) {
		return comm.Errorf(comm.ErrArg, "the contents need room for %d integers, %d addresses, %d large counts and %d datatypes (got %d, %d, %d, %d)",
			len(a.ints), len(a.addrs), len(a.large), len(d.types), max[0], max[1], max[2], max[3])
	}
	ib, err := c.view(ip, 4*len(a.ints), "array_of_integers")
	if err != nil {
		return err
	}
	ab, err := c.view(ap, 4*len(a.addrs), "array_of_addresses")
	if err != nil {
		return err
	}
	lb, err := c.view(lp, 8*len(a.large), "array_of_large_counts")
	if err != nil {
		return err
	}
	tb, err := c.view(tp, 4*len(d.types), "array_of_datatypes")
	if err != nil {
		return err
	}
	hs := make([]uint32, len(d.types))
	for i, t := range d.types {
		if t.predefined() {
			hs[i] = t.handle
			continue
		}
		cp := &dtype{tm: t.tm, committed: t.committed, combiner: t.combiner, ints: t.ints, addrs: t.addrs, types: t.types, name: c.r.types.name(t), largeCount: t.largeCount}
		if hs[i], err = c.r.types.add(cp); err != nil {
			for _, h := range hs[:i] {
				if h >= firstTypeHandle {
					c.r.types.remove(h)
				}
			}
			return err
		}
	}
	for i, v := range a.ints {
		binary.LittleEndian.PutUint32(ib[4*i:], uint32(v))
	}
	for i, v := range a.addrs {
		binary.LittleEndian.PutUint32(ab[4*i:], uint32(v))
	}
	for i, v := range a.large {
		binary.LittleEndian.PutUint64(lb[8*i:], uint64(v))
	}
	for i, h := range hs {
		binary.LittleEndian.PutUint32(tb[4*i:], h)
	}
	return nil
}

// extentFunc is one of the (true) extent queries: (datatype, &lb, &extent),
// written as MPI_Aint, or as MPI_Count for the _x forms.
// The MPI_Aint forms derive their _c variants (MPI_Count results).
func extentFunc(name string, wide bool, lbName, extName string, lb, ext func(*comm.TypeMap) int64) mpiFunc {
	return mpiFunc{name: name, params: params(3), countAware: true, fn: func(c *call) error {
		d, err := c.datatype(c.u32(0))
		if err != nil {
			return err
		}
		if wide {
			if err := c.putI64(c.u32(1), lb(d.tm), lbName); err != nil {
				return err
			}
			return c.putI64(c.u32(2), ext(d.tm), extName)
		}
		if err := c.putCountArg(1, lb(d.tm), lbName); err != nil {
			return err
		}
		return c.putCountArg(2, ext(d.tm), extName)
	}}
}
