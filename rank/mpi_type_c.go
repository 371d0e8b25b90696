package rank

import (
	"github.com/tetratelabs/wazero/api"

	"github.com/wasmpi/wasmpi/comm"
	"github.com/wasmpi/wasmpi/rank/abi"
)

// Decoding datatypes made by the large-count constructors
// (MPI_Type_get_envelope_c, MPI_Type_get_contents_c). The _c
// constructors are derived from the int ones (bigcount.go) and record
// their arguments the same way, marking the type largeCount; decoding
// moves the counts, displacements and strides of such a type to the large
// counts, in the order the constructor takes them, as MPI-4.1 lays them
// out, and keeps in the integers only what is an int in the _c
// constructor (ndims, order, the darray distributions...). A type made by
// an int constructor decodes as with MPI_Type_get_contents, with no large
// counts. The int forms of the decoding functions refuse a largeCount type
// with MPI_ERR_TYPE: its arguments are large counts they cannot report.

// typeArgs are the decoded arguments of a datatype constructor.
type typeArgs struct {
	ints, addrs []int32
	large       []int64
}

// notLargeCount refuses a type made by a large-count constructor in the
// int forms of the decoding functions.
func notLargeCount(d *dtype) error {
	if d.largeCount {
		return comm.Errorf(comm.ErrType, "the datatype was made by a large-count constructor: decode it with MPI_Type_get_envelope_c and MPI_Type_get_contents_c")
	}
	return nil
}

func int64s(v ...[]int32) []int64 {
	var out []int64
	for _, s := range v {
		for _, x := range s {
			out = append(out, int64(x))
		}
	}
	return out
}

// largeArgs decodes the arguments of d for the _c decoding functions.
func largeArgs(d *dtype) typeArgs {
	if !d.largeCount {
		return typeArgs{ints: d.ints, addrs: d.addrs}
	}
	in := d.ints
	switch d.combiner {
	case abi.CombinerSubarray:
		// ints: ndims, sizes[n], subsizes[n], starts[n], order
		n := int(in[0])
		return typeArgs{ints: []int32{in[0], in[1+3*n]}, large: int64s(in[1 : 1+3*n])}
	case abi.CombinerDarray:
		// ints: size, rank, ndims, gsizes[n], distribs[n], dargs[n], psizes[n], order
		n := int(in[2])
		ints := append(append([]int32{}, in[:3]...), in[3+n:]...)
		return typeArgs{ints: ints, large: int64s(in[3 : 3+n])}
	}
	// every other constructor: the integers, then the addresses, are
	// all counts, displacements or strides, in the constructor's order
	return typeArgs{large: int64s(in, d.addrs)}
}

func typeDecodeCFunctions() []mpiFunc {
	return []mpiFunc{
		{name: "MPI_Type_get_envelope_c", params: params(6), fn: func(c *call) error {
			// (datatype, num_integers*, num_addresses*, num_large_counts*, num_datatypes* (MPI_Count), combiner* (int))
			d, err := c.datatype(c.u32(0))
			if err != nil {
				return err
			}
			a := typeArgs{}
			nd, comb := 0, abi.CombinerNamed
			if !d.predefined() {
				a, nd, comb = largeArgs(d), len(d.types), d.combiner
			}
			for i, v := range []int{len(a.ints), len(a.addrs), len(a.large), nd} {
				if err := c.putI64(c.u32(1+i), int64(v), [...]string{"num_integers", "num_addresses", "num_large_counts", "num_datatypes"}[i]); err != nil {
					return err
				}
			}
			return c.putI32(c.u32(5), comb, "combiner")
		}},
		{name: "MPI_Type_get_contents_c", params: []api.ValueType{i32, i64, i64, i64, i64, i32, i32, i32, i32}, fn: func(c *call) error {
			// (datatype, max_integers, max_addresses, max_large_counts, max_datatypes (MPI_Count),
			//  integers[], addresses[], large_counts[], datatypes[])
			d, err := c.datatype(c.u32(0))
			if err != nil {
				return err
			}
			max := [4]int64{c.i64(1), c.i64(2), c.i64(3), c.i64(4)}
			return c.typeContents(d, largeArgs(d), max, c.u32(5), c.u32(6), c.u32(7), c.u32(8))
		}},
	}
}
