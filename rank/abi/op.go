package abi

import "github.com/wasmpi/wasmpi/collective"

type predefinedOp struct {
	name   string
	handle uint32
	op     collective.Op
}

// opTable lists every predefined reduction operation handle. Read-only.
var opTable = [...]predefinedOp{
	{"MPI_OP_NULL", OpNull, collective.OpNull},
	{"MPI_SUM", OpSum, collective.OpSum},
	{"MPI_MIN", OpMin, collective.OpMin},
	{"MPI_MAX", OpMax, collective.OpMax},
	{"MPI_PROD", OpProd, collective.OpProd},
	{"MPI_BAND", OpBand, collective.OpBand},
	{"MPI_BOR", OpBor, collective.OpBor},
	{"MPI_BXOR", OpBxor, collective.OpBxor},
	{"MPI_LAND", OpLand, collective.OpLand},
	{"MPI_LOR", OpLor, collective.OpLor},
	{"MPI_LXOR", OpLxor, collective.OpLxor},
	{"MPI_MINLOC", OpMinloc, collective.OpMinloc},
	{"MPI_MAXLOC", OpMaxloc, collective.OpMaxloc},
	{"MPI_REPLACE", OpReplace, collective.OpReplace},
	{"MPI_NO_OP", OpNoOp, collective.OpNoOp},
}

// Op maps a predefined operation handle to the runtime's operation. ok is
// false for MPI_OP_NULL and for every value that is not a predefined
// operation (user-defined operations are the runtime's own handles).
func Op(handle uint32) (o collective.Op, ok bool) {
	if handle == OpNull {
		return collective.OpNull, false
	}
	for _, e := range opTable {
		if e.handle == handle {
			return e.op, true
		}
	}
	return collective.OpNull, false
}

// OpHandle is the predefined handle of o; collective.OpNull (and any value
// outside the enum) gives MPI_OP_NULL.
func OpHandle(o collective.Op) uint32 {
	for _, e := range opTable {
		if e.op == o {
			return e.handle
		}
	}
	return OpNull
}

// OpName is the MPI name of a predefined operation handle, such as
// "MPI_SUM", or "" when handle is not a predefined operation.
func OpName(handle uint32) string {
	for _, e := range opTable {
		if e.handle == handle {
			return e.name
		}
	}
	return ""
}
