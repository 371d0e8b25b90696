package rank

import (
	"strings"
	"testing"

	"github.com/wasmpi/wasmpi/rank/abi"
)

// TestLargeCountDerivation: every _c function of the ABI whose base the
// runtime provides is provided too. A new base function whose _c variant
// takes MPI_Count arrays or results shows up here until it reads them with
// countArray/putCountArg/getCountArg and is marked countAware.
func TestLargeCountDerivation(t *testing.T) {
	// none at the moment: MPI_Type_get_envelope_c and _contents_c, which
	// have more arguments than their bases, have their own implementation
	// (mpi_type_c.go), as has MPI_Op_create_c (mpi_op.go)
	notDerived := map[string]bool{}
	fs := mpiFunctions()
	for name, why := range largeCountGaps(fs) {
		if !notDerived[name] {
			t.Errorf("%s is not derived: %s", name, why)
		}
	}
	provided := providedNames()
	for _, f := range abi.Functions() {
		base, ok := strings.CutSuffix(f.Name, "_c")
		if ok && provided[base] && !provided[f.Name] && !notDerived[f.Name] {
			t.Errorf("%s: its base is provided but it is not", f.Name)
		}
	}
}

// TestLargeCountRefusesUnawareBase: a base that reads its count arrays
// without the width-aware accessors gets no _c variant.
func TestLargeCountRefusesUnawareBase(t *testing.T) {
	bp, _ := abi.LookupFunction("MPI_Gatherv")
	cp, _ := abi.LookupFunction("MPI_Gatherv_c")
	base := mpiFunc{name: bp.Name, params: params(len(bp.Params)), fn: func(*call) error { return nil }}
	if _, err := deriveLargeCount(base, bp, cp); err == nil || !strings.Contains(err.Error(), "countAware") {
		t.Fatalf("derived from a base that is not countAware: %v", err)
	}
	base.countAware = true
	f, err := deriveLargeCount(base, bp, cp)
	if err != nil {
		t.Fatal(err)
	}
	// sendcount (argument 1) is an i64 now; the arrays stay pointers
	for i, p := range f.params {
		if want := map[bool]string{true: "i64", false: "i32"}[i == 1]; (p == i64) != (want == "i64") {
			t.Errorf("parameter %d of %s has type %v, want %s", i, f.name, p, want)
		}
	}
}
