package abi

import (
	"sync"

	"github.com/wasmpi/wasmpi/comm"
)

// predefinedType is one predefined datatype handle of the ABI. kind is
// comm.TypeNull when the runtime has no element type for it (Fortran and C++
// types), and also for MPI_DATATYPE_NULL itself.
type predefinedType struct {
	name   string
	handle uint32
	kind   comm.Datatype
}

// datatypeTable lists every predefined datatype handle in handle order. It is
// never written to.
var datatypeTable = [...]predefinedType{
	{"MPI_DATATYPE_NULL", DatatypeNull, comm.TypeNull},
	{"MPI_AINT", 0x201, comm.TypeAint},
	{"MPI_COUNT", 0x202, comm.TypeCount},
	{"MPI_OFFSET", 0x203, comm.TypeOffset},
	{"MPI_PACKED", 0x207, comm.TypePacked},
	{"MPI_SHORT", 0x208, comm.TypeShort},
	{"MPI_INT", 0x209, comm.TypeInt},
	{"MPI_LONG", 0x20a, comm.TypeLong},
	{"MPI_LONG_LONG", 0x20b, comm.TypeLongLong},
	{"MPI_UNSIGNED_SHORT", 0x20c, comm.TypeUnsignedShort},
	{"MPI_UNSIGNED", 0x20d, comm.TypeUnsigned},
	{"MPI_UNSIGNED_LONG", 0x20e, comm.TypeUnsignedLong},
	{"MPI_UNSIGNED_LONG_LONG", 0x20f, comm.TypeUnsignedLongLong},
	{"MPI_FLOAT", 0x210, comm.TypeFloat},
	{"MPI_C_FLOAT_COMPLEX", 0x212, comm.TypeFloatComplex},
	{"MPI_CXX_FLOAT_COMPLEX", 0x213, comm.TypeNull},
	{"MPI_DOUBLE", 0x214, comm.TypeDouble},
	{"MPI_C_DOUBLE_COMPLEX", 0x216, comm.TypeDoubleComplex},
	{"MPI_CXX_DOUBLE_COMPLEX", 0x217, comm.TypeNull},
	{"MPI_LOGICAL", 0x218, comm.TypeNull},
	{"MPI_INTEGER", 0x219, comm.TypeNull},
	{"MPI_REAL", 0x21a, comm.TypeNull},
	{"MPI_COMPLEX", 0x21b, comm.TypeNull},
	{"MPI_DOUBLE_PRECISION", 0x21c, comm.TypeNull},
	{"MPI_DOUBLE_COMPLEX", 0x21d, comm.TypeNull},
	{"MPI_CHARACTER", 0x21e, comm.TypeNull},
	{"MPI_LONG_DOUBLE", 0x220, comm.TypeLongDouble},
	{"MPI_C_LONG_DOUBLE_COMPLEX", 0x224, comm.TypeLongDoubleComplex},
	{"MPI_CXX_LONG_DOUBLE_COMPLEX", 0x225, comm.TypeNull},
	{"MPI_FLOAT_INT", 0x228, comm.TypeFloatInt},
	{"MPI_DOUBLE_INT", 0x229, comm.TypeDoubleInt},
	{"MPI_LONG_INT", 0x22a, comm.TypeLongInt},
	{"MPI_2INT", 0x22b, comm.Type2Int},
	{"MPI_SHORT_INT", 0x22c, comm.TypeShortInt},
	{"MPI_LONG_DOUBLE_INT", 0x22d, comm.TypeLongDoubleInt},
	{"MPI_2REAL", 0x230, comm.TypeNull},
	{"MPI_2DOUBLE_PRECISION", 0x231, comm.TypeNull},
	{"MPI_2INTEGER", 0x232, comm.TypeNull},
	{"MPI_C_BOOL", 0x238, comm.TypeCBool},
	{"MPI_CXX_BOOL", 0x239, comm.TypeNull},
	{"MPI_WCHAR", 0x23c, comm.TypeWchar},
	{"MPI_INT8_T", 0x240, comm.TypeInt8},
	{"MPI_UINT8_T", 0x241, comm.TypeUint8},
	{"MPI_CHAR", 0x243, comm.TypeChar},
	{"MPI_SIGNED_CHAR", 0x244, comm.TypeSignedChar},
	{"MPI_UNSIGNED_CHAR", 0x245, comm.TypeUnsignedChar},
	{"MPI_BYTE", 0x247, comm.TypeByte},
	{"MPI_INT16_T", 0x248, comm.TypeInt16},
	{"MPI_UINT16_T", 0x249, comm.TypeUint16},
	{"MPI_INT32_T", 0x250, comm.TypeInt32},
	{"MPI_UINT32_T", 0x251, comm.TypeUint32},
	{"MPI_INT64_T", 0x258, comm.TypeInt64},
	{"MPI_UINT64_T", 0x259, comm.TypeUint64},
	{"MPI_LOGICAL1", 0x2c0, comm.TypeNull},
	{"MPI_INTEGER1", 0x2c1, comm.TypeNull},
	{"MPI_LOGICAL2", 0x2c8, comm.TypeNull},
	{"MPI_INTEGER2", 0x2c9, comm.TypeNull},
	{"MPI_REAL2", 0x2ca, comm.TypeNull},
	{"MPI_LOGICAL4", 0x2d0, comm.TypeNull},
	{"MPI_INTEGER4", 0x2d1, comm.TypeNull},
	{"MPI_REAL4", 0x2d2, comm.TypeNull},
	{"MPI_COMPLEX4", 0x2d3, comm.TypeNull},
	{"MPI_LOGICAL8", 0x2d8, comm.TypeNull},
	{"MPI_INTEGER8", 0x2d9, comm.TypeNull},
	{"MPI_REAL8", 0x2da, comm.TypeNull},
	{"MPI_COMPLEX8", 0x2db, comm.TypeNull},
	{"MPI_LOGICAL16", 0x2e0, comm.TypeNull},
	{"MPI_INTEGER16", 0x2e1, comm.TypeNull},
	{"MPI_REAL16", 0x2e2, comm.TypeNull},
	{"MPI_COMPLEX16", 0x2e3, comm.TypeNull},
	{"MPI_COMPLEX32", 0x2eb, comm.TypeNull},
}

// datatypeAliases are names the header defines as another predefined
// datatype: alias name, then the name it stands for.
var datatypeAliases = [...][2]string{
	{"MPI_LONG_LONG_INT", "MPI_LONG_LONG"},
	{"MPI_C_COMPLEX", "MPI_C_FLOAT_COMPLEX"},
}

// datatypeIndexSize bounds the handles the index covers; every predefined
// datatype handle of the ABI is below it.
const datatypeIndexSize = 0x400

// datatypeIndex maps a handle to its position in datatypeTable plus one
// (0: not predefined). Datatype is on the path of every MPI call with a
// buffer, so the lookup is one array access.
var datatypeIndex = sync.OnceValue(func() *[datatypeIndexSize]uint16 {
	var idx [datatypeIndexSize]uint16
	for i, e := range datatypeTable {
		if e.handle >= datatypeIndexSize {
			panic("abi: datatype handle outside the index")
		}
		idx[e.handle] = uint16(i + 1)
	}
	return &idx
})

func findDatatype(handle uint32) (predefinedType, bool) {
	if handle >= datatypeIndexSize {
		return predefinedType{}, false
	}
	i := datatypeIndex()[handle]
	if i == 0 {
		return predefinedType{}, false
	}
	return datatypeTable[i-1], true
}

// Datatype maps a predefined datatype handle to the runtime's element type.
// ok is false for MPI_DATATYPE_NULL, for predefined handles that have no
// runtime element type (Fortran and C++ types: use DatatypeName to report
// "datatype X is not supported") and for any other value (derived datatypes
// are the runtime's own handles, not predefined ones).
func Datatype(handle uint32) (t comm.Datatype, ok bool) {
	e, found := findDatatype(handle)
	if !found || e.kind == comm.TypeNull {
		return comm.TypeNull, false
	}
	return e.kind, true
}

// DatatypeHandle is the predefined handle of t. comm.TypeNull gives
// MPI_DATATYPE_NULL; a value outside comm's enum gives MPI_DATATYPE_NULL too.
func DatatypeHandle(t comm.Datatype) uint32 {
	if t == comm.TypeNull {
		return DatatypeNull
	}
	for _, e := range datatypeTable {
		if e.kind == t {
			return e.handle
		}
	}
	return DatatypeNull
}

// IsPredefinedDatatype reports whether handle is one of the ABI's predefined
// datatype handles (MPI_DATATYPE_NULL included), supported or not.
func IsPredefinedDatatype(handle uint32) bool {
	_, ok := findDatatype(handle)
	return ok
}

// DatatypeName is the MPI name of a predefined datatype handle, such as
// "MPI_INTEGER", or "" when handle is not a predefined datatype.
func DatatypeName(handle uint32) string {
	if e, ok := findDatatype(handle); ok {
		return e.name
	}
	return ""
}

// LookupDatatype finds a predefined datatype handle by its MPI name (aliases
// such as MPI_LONG_LONG_INT included).
func LookupDatatype(name string) (uint32, bool) {
	for _, a := range datatypeAliases {
		if a[0] == name {
			name = a[1]
		}
	}
	for _, e := range datatypeTable {
		if e.name == name {
			return e.handle, true
		}
	}
	return 0, false
}

// DatatypeHandles lists every predefined datatype handle, MPI_DATATYPE_NULL
// first, in increasing order.
func DatatypeHandles() []uint32 {
	out := make([]uint32, len(datatypeTable))
	for i, e := range datatypeTable {
		out[i] = e.handle
	}
	return out
}
