package comm

import "fmt"

// Datatype identifies a predefined MPI datatype by what its elements are,
// independent of any handle numbering used by a guest ABI.
type Datatype int

// The predefined datatypes. Sizes are those of the wasm32 C ABI: long is
// 4 bytes and long double is the 16-byte IEEE binary128 format.
const (
	TypeNull Datatype = iota
	TypeByte
	TypePacked
	TypeChar
	TypeSignedChar
	TypeUnsignedChar
	TypeShort
	TypeUnsignedShort
	TypeInt
	TypeUnsigned
	TypeLong
	TypeUnsignedLong
	TypeLongLong
	TypeUnsignedLongLong
	TypeFloat
	TypeDouble
	TypeLongDouble
	TypeWchar
	TypeCBool
	TypeInt8
	TypeInt16
	TypeInt32
	TypeInt64
	TypeUint8
	TypeUint16
	TypeUint32
	TypeUint64
	TypeAint
	TypeOffset
	TypeCount
	TypeFloatComplex
	TypeDoubleComplex
	TypeLongDoubleComplex
	// Pair types for MINLOC / MAXLOC: a value followed by an int index,
	// laid out as the C struct {value; int} (with padding where C pads).
	TypeFloatInt
	TypeDoubleInt
	TypeLongInt
	Type2Int
	TypeShortInt
	TypeLongDoubleInt
	numDatatypes
)

type datatypeInfo struct {
	name string
	size int // bytes of one element, padding included
	// extent equals size for every predefined type on wasm32.
}

var datatypeTable = [numDatatypes]datatypeInfo{
	TypeNull:              {"MPI_DATATYPE_NULL", 0},
	TypeByte:              {"MPI_BYTE", 1},
	TypePacked:            {"MPI_PACKED", 1},
	TypeChar:              {"MPI_CHAR", 1},
	TypeSignedChar:        {"MPI_SIGNED_CHAR", 1},
	TypeUnsignedChar:      {"MPI_UNSIGNED_CHAR", 1},
	TypeShort:             {"MPI_SHORT", 2},
	TypeUnsignedShort:     {"MPI_UNSIGNED_SHORT", 2},
	TypeInt:               {"MPI_INT", 4},
	TypeUnsigned:          {"MPI_UNSIGNED", 4},
	TypeLong:              {"MPI_LONG", 4},
	TypeUnsignedLong:      {"MPI_UNSIGNED_LONG", 4},
	TypeLongLong:          {"MPI_LONG_LONG", 8},
	TypeUnsignedLongLong:  {"MPI_UNSIGNED_LONG_LONG", 8},
	TypeFloat:             {"MPI_FLOAT", 4},
	TypeDouble:            {"MPI_DOUBLE", 8},
	TypeLongDouble:        {"MPI_LONG_DOUBLE", 16},
	TypeWchar:             {"MPI_WCHAR", 4},
	TypeCBool:             {"MPI_C_BOOL", 1},
	TypeInt8:              {"MPI_INT8_T", 1},
	TypeInt16:             {"MPI_INT16_T", 2},
	TypeInt32:             {"MPI_INT32_T", 4},
	TypeInt64:             {"MPI_INT64_T", 8},
	TypeUint8:             {"MPI_UINT8_T", 1},
	TypeUint16:            {"MPI_UINT16_T", 2},
	TypeUint32:            {"MPI_UINT32_T", 4},
	TypeUint64:            {"MPI_UINT64_T", 8},
	TypeAint:              {"MPI_AINT", 4},
	TypeOffset:            {"MPI_OFFSET", 8},
	TypeCount:             {"MPI_COUNT", 8},
	TypeFloatComplex:      {"MPI_C_FLOAT_COMPLEX", 8},
	TypeDoubleComplex:     {"MPI_C_DOUBLE_COMPLEX", 16},
	TypeLongDoubleComplex: {"MPI_C_LONG_DOUBLE_COMPLEX", 32},
	TypeFloatInt:          {"MPI_FLOAT_INT", 8},
	TypeDoubleInt:         {"MPI_DOUBLE_INT", 16},
	TypeLongInt:           {"MPI_LONG_INT", 8},
	Type2Int:              {"MPI_2INT", 8},
	TypeShortInt:          {"MPI_SHORT_INT", 8},
	TypeLongDoubleInt:     {"MPI_LONG_DOUBLE_INT", 32},
}

// Size is the number of bytes one element occupies.
func (t Datatype) Size() int {
	if t < 0 || t >= numDatatypes {
		return 0
	}
	return datatypeTable[t].size
}

// Valid reports whether t names a predefined datatype other than the null one.
func (t Datatype) Valid() bool { return t > TypeNull && t < numDatatypes }

// String is the MPI name of the datatype, such as "MPI_DOUBLE".
func (t Datatype) String() string {
	if t < 0 || t >= numDatatypes {
		return fmt.Sprintf("datatype(%d)", int(t))
	}
	return datatypeTable[t].name
}

// Datatypes lists every predefined datatype except TypeNull.
func Datatypes() []Datatype {
	out := make([]Datatype, 0, numDatatypes-1)
	for t := TypeNull + 1; t < numDatatypes; t++ {
		out = append(out, t)
	}
	return out
}
