package collective

import "fmt"

// Op is a predefined MPI reduction operation.
type Op int

// The predefined operations.
const (
	OpNull Op = iota
	OpMax
	OpMin
	OpSum
	OpProd
	OpLand
	OpBand
	OpLor
	OpBor
	OpLxor
	OpBxor
	OpMaxloc
	OpMinloc
	OpReplace
	OpNoOp
	numOps
)

var opNames = [numOps]string{
	OpNull: "MPI_OP_NULL", OpMax: "MPI_MAX", OpMin: "MPI_MIN", OpSum: "MPI_SUM", OpProd: "MPI_PROD",
	OpLand: "MPI_LAND", OpBand: "MPI_BAND", OpLor: "MPI_LOR", OpBor: "MPI_BOR", OpLxor: "MPI_LXOR",
	OpBxor: "MPI_BXOR", OpMaxloc: "MPI_MAXLOC", OpMinloc: "MPI_MINLOC", OpReplace: "MPI_REPLACE",
	OpNoOp: "MPI_NO_OP",
}

// String is the MPI name of the operation.
func (o Op) String() string {
	if o < 0 || o >= numOps {
		return fmt.Sprintf("op(%d)", int(o))
	}
	return opNames[o]
}

// Ops lists every predefined operation except OpNull.
func Ops() []Op {
	out := make([]Op, 0, numOps-1)
	for o := OpNull + 1; o < numOps; o++ {
		out = append(out, o)
	}
	return out
}
