package rank

import (
	"encoding/binary"
	"fmt"
	"math"
	"strings"

	"github.com/tetratelabs/wazero/api"

	"github.com/wasmpi/wasmpi/comm"
	"github.com/wasmpi/wasmpi/rank/abi"
)

// Large-count variants (MPI-4 "_c" functions).
//
// MPI_X_c takes the arguments of MPI_X with some int or MPI_Aint counts
// and displacements made MPI_Count. On wasm32 MPI_Aint is 4 bytes like int,
// so the only difference is MPI_Count's 8 bytes. Every _c variant is derived
// from its base function by comparing the two prototypes of the ABI table
// (rank/abi):
//
//   - an MPI_Count passed by value (an i64 in wasm) is narrowed to the
//     base's 32 bits before the base runs; a value that does not fit fails
//     with MPI_ERR_COUNT, since a wasm32 rank cannot address that many
//     bytes (memory is at most 4 GiB and the runtime moves at most 2^31-1
//     bytes in one piece);
//   - an array of MPI_Counts, or a pointer to an MPI_Count result, is
//     marked in call.wide: the base reads and writes those arguments
//     through countArray, putCountArg and getCountArg, which use 8 bytes
//     per value for a marked argument. A base whose _c variant has such
//     arguments must say it does with mpiFunc.countAware; one that does not
//     gets no derived variant.
//
// Anything else that differs (another number of arguments, a different
// callback type) is not derived: such a _c function needs its own
// implementation (MPI_Op_create_c is one). largeCountGaps lists what was
// not derived and why. A base function added later gets its _c variant
// with no further work when its counts are scalars, and after switching its
// array reads to countArray and setting countAware otherwise.

// largeCountVariants derives the _c variant of every function of fs whose
// _c form the ABI table has and fs does not provide itself.
func largeCountVariants(fs []mpiFunc) []mpiFunc {
	out, _ := deriveLargeCounts(fs)
	return out
}

// largeCountGaps lists the _c functions whose base is in fs but which are
// neither in fs nor derivable, with the reason.
func largeCountGaps(fs []mpiFunc) map[string]string {
	_, gaps := deriveLargeCounts(fs)
	return gaps
}

func deriveLargeCounts(fs []mpiFunc) ([]mpiFunc, map[string]string) {
	have := map[string]int{}
	for i, f := range fs {
		have[f.name] = i
	}
	all := abi.Functions()
	protos := map[string]abi.Function{}
	for _, f := range all {
		protos[f.Name] = f
	}
	var out []mpiFunc
	gaps := map[string]string{}
	for _, cp := range all {
		name := cp.Name
		base, ok := strings.CutSuffix(name, "_c")
		if !ok {
			continue
		}
		bi, ok := have[base]
		if _, done := have[name]; done || !ok {
			continue
		}
		f, err := deriveLargeCount(fs[bi], protos[base], cp)
		if err != nil {
			gaps[name] = err.Error()
			continue
		}
		out = append(out, f)
	}
	return out, gaps
}

// cWidth is the size in bytes on wasm32 of a C scalar type of the ABI
// (0 for one that is not a number: handles and pointers are 4 bytes too,
// but never change between a function and its _c variant).
func cWidth(t string) int {
	switch strings.TrimPrefix(t, "const ") {
	case "MPI_Count", "MPI_Offset":
		return 8
	case "int", "MPI_Aint":
		return 4
	}
	return 0
}

// paramShape splits a parameter into its element type and whether it is
// passed by value, as an array or through a pointer.
func paramShape(p abi.Param) (elem string, shape string) {
	switch {
	case strings.Contains(p.Name, "["):
		return strings.TrimPrefix(p.Type, "const "), "array"
	case strings.HasSuffix(p.Type, "*"):
		return strings.TrimSpace(strings.TrimPrefix(strings.TrimSuffix(p.Type, "*"), "const ")), "pointer"
	}
	return p.Type, "value"
}

// deriveLargeCount makes the _c variant (prototype cp) of base (prototype bp).
func deriveLargeCount(base mpiFunc, bp, cp abi.Function) (mpiFunc, error) {
	if base.fn == nil {
		return mpiFunc{}, fmt.Errorf("%s does not return an error code", bp.Name)
	}
	if len(bp.Params) != len(cp.Params) || len(base.params) != len(bp.Params) {
		return mpiFunc{}, fmt.Errorf("%s has %d parameters and %s %d: it needs an implementation of its own", cp.Name, len(cp.Params), bp.Name, len(bp.Params))
	}
	var narrow []int
	var wide uint64
	ps := append([]api.ValueType(nil), base.params...)
	for i := range cp.Params {
		be, bs := paramShape(bp.Params[i])
		ce, cs := paramShape(cp.Params[i])
		bw, cw := cWidth(be), cWidth(ce)
		switch {
		case be == ce && bs == cs:
		case bs != cs || bw == 0 || cw == 0:
			return mpiFunc{}, fmt.Errorf("parameter %d of %s (%s) is not a wider form of %s's (%s)", i+1, cp.Name, cp.Params[i].Decl(), bp.Name, bp.Params[i].Decl())
		case bw == cw:
			// int and MPI_Aint: the same 4 bytes on wasm32
		case cs == "value":
			if ps[i] != i32 {
				return mpiFunc{}, fmt.Errorf("parameter %d of %s is not a 32-bit value", i+1, bp.Name)
			}
			ps[i] = i64
			narrow = append(narrow, i)
		default:
			if !base.countAware {
				return mpiFunc{}, fmt.Errorf("%s takes %s; %s must read it with countArray/putCountArg/getCountArg and be marked countAware", cp.Name, cp.Params[i].Decl(), bp.Name)
			}
			wide |= 1 << i
		}
	}
	f := base
	f.name, f.params = cp.Name, ps
	names := make([]string, len(cp.Params))
	commArg := -1
	for i, p := range cp.Params {
		names[i] = p.Name
		if p.Type == "MPI_Comm" && commArg < 0 {
			commArg = i
		}
	}
	f.fn = func(c *call) error {
		for _, i := range narrow {
			v := int64(c.stack[i])
			if v < math.MinInt32 || v > math.MaxInt32 {
				if commArg >= 0 {
					// the communicator's error handler applies
					_, _ = c.comm(c.u32(commArg))
				}
				return comm.Errorf(comm.ErrCount, "%s = %d does not fit in 32 bits: a wasm32 rank cannot address that much (at most %d)", names[i], v, math.MaxInt32)
			}
			c.stack[i] = uint64(uint32(int32(v)))
		}
		c.wide, c.largeCount = wide, true
		return base.fn(c)
	}
	return f, nil
}

// countWidth is the size in bytes of the count values argument i points to.
func (c *call) countWidth(i int) int {
	if c.wide&(1<<i) != 0 {
		return 8
	}
	return 4
}

// countArrays reads the count arrays of n entries at arguments first,
// first+1, ... (one per name) with countArray.
func (c *call) countArrays(first, n int, names ...string) ([][]int32, error) {
	out := make([][]int32, len(names))
	for k, name := range names {
		a, err := c.countArray(first+k, n, name)
		if err != nil {
			return nil, err
		}
		out[k] = a
	}
	return out, nil
}

// countArray reads the n counts (or displacements) argument i points to:
// ints, or MPI_Counts in a _c variant, which must fit in 32 bits.
func (c *call) countArray(i, n int, what string) ([]int32, error) {
	if n < 0 {
		return nil, comm.Errorf(comm.ErrCount, "negative count %d for %s", n, what)
	}
	if n > comm.MaxTypeBlocks {
		return nil, comm.Errorf(comm.ErrNoMem, "%d entries in %s (at most %d are supported)", n, what, comm.MaxTypeBlocks)
	}
	w := c.countWidth(i)
	b, err := c.view(c.u32(i), w*n, what)
	if err != nil {
		return nil, err
	}
	out := make([]int32, n)
	for k := range out {
		if w == 4 {
			out[k] = int32(binary.LittleEndian.Uint32(b[4*k:]))
			continue
		}
		v := int64(binary.LittleEndian.Uint64(b[8*k:]))
		if v < math.MinInt32 || v > math.MaxInt32 {
			return nil, comm.Errorf(comm.ErrCount, "%s[%d] = %d does not fit in 32 bits: a wasm32 rank cannot address that much", what, k, v)
		}
		out[k] = int32(v)
	}
	return out, nil
}

// countInts is countArray as ints.
func (c *call) countInts(i, n int, what string) ([]int, error) {
	v, err := c.countArray(i, n, what)
	if err != nil {
		return nil, err
	}
	out := make([]int, len(v))
	for k, x := range v {
		out[k] = int(x)
	}
	return out, nil
}

// putCountArg writes a count result through pointer argument i: an
// MPI_Count in a _c variant, else an int (or MPI_Aint), which says
// MPI_UNDEFINED when v does not fit, as the standard asks of the functions
// without the large-count form.
func (c *call) putCountArg(i int, v int64, what string) error {
	if c.countWidth(i) == 8 {
		return c.putI64(c.u32(i), v, what)
	}
	if v < math.MinInt32 || v > math.MaxInt32 {
		v = int64(abi.Undefined)
	}
	return c.putI32(c.u32(i), int32(v), what)
}

// getCountArg reads the count argument i points to (an in/out position).
func (c *call) getCountArg(i int, what string) (int64, error) {
	if c.countWidth(i) == 8 {
		if _, err := c.out(c.u32(i), 8, what); err != nil {
			return 0, err
		}
		v, _ := c.mem.ReadUint64Le(c.u32(i))
		return int64(v), nil
	}
	v, err := c.getI32(c.u32(i), what)
	return int64(v), err
}
