package abi

import (
	"os"
	"strings"
	"testing"

	"github.com/wasmpi/wasmpi/collective"
	"github.com/wasmpi/wasmpi/comm"
)

func TestHeaderUpToDate(t *testing.T) {
	got, err := os.ReadFile("../sdk/include/mpi.h")
	if err != nil {
		t.Fatalf("reading the generated header: %v; run go generate ./rank/abi", err)
	}
	if string(got) != HeaderC() {
		t.Fatal("rank/sdk/include/mpi.h is out of date: run go generate ./rank/abi")
	}
}

func TestHeaderDeterministic(t *testing.T) {
	if HeaderC() != HeaderC() {
		t.Fatal("HeaderC differs between calls")
	}
}

func TestFunctionTable(t *testing.T) {
	fns := Functions()
	if len(fns) <= 400 {
		t.Fatalf("only %d functions in the table; want the whole MPI 4.1 C binding", len(fns))
	}
	seen := map[string]bool{}
	for _, f := range fns {
		if !strings.HasPrefix(f.Name, "MPI_") {
			t.Errorf("%q does not start with MPI_", f.Name)
		}
		if seen[f.Name] {
			t.Errorf("%s listed twice", f.Name)
		}
		seen[f.Name] = true
		if f.Return == "" {
			t.Errorf("%s has no return type", f.Name)
		}
		for i, p := range f.Params {
			if p.Type == "..." {
				if i != len(f.Params)-1 {
					t.Errorf("%s: ... is not last", f.Name)
				}
				continue
			}
			if p.Type == "" || p.Name == "" {
				t.Errorf("%s: parameter %d is %+v", f.Name, i, p)
			}
		}
		// Printing and parsing again gives the same function.
		again := parsePrototype(f.Prototype(f.Name))
		if again.Prototype(f.Name) != f.Prototype(f.Name) || len(again.Params) != len(f.Params) {
			t.Errorf("%s does not round-trip: %q", f.Name, f.Prototype(f.Name))
		}
	}
	// Functions returns a fresh slice.
	fns[0].Name = "changed"
	if Functions()[0].Name == "changed" {
		t.Error("Functions shares its result between calls")
	}

	// Spot checks of the list and of a few signatures.
	for _, name := range []string{
		"MPI_Init", "MPI_Init_thread", "MPI_Finalize", "MPI_Send", "MPI_Send_c", "MPI_Recv",
		"MPI_Isendrecv_replace_c", "MPI_Allreduce_init_c", "MPI_Neighbor_alltoallw_init",
		"MPI_Comm_create_from_group", "MPI_Session_init", "MPI_Psend_init", "MPI_Pready_list",
		"MPI_File_iwrite_at_all_c", "MPI_Win_allocate_shared_c", "MPI_Rget_accumulate",
		"MPI_T_init_thread", "MPI_T_event_register_callback", "MPI_T_source_get_timestamp",
		"MPI_Attr_get", "MPI_Keyval_create", "MPI_Info_get", "MPI_Type_size_x",
		"MPI_Comm_attach_buffer", "MPI_Remove_error_class", "MPI_Request_get_status_some",
		"MPI_Status_get_source", "MPI_Type_get_value_index", "MPI_Get_hw_resource_info",
		"MPI_Comm_c2f", "MPI_Type_f2c", "MPI_Status_c2f", "MPI_Wtime", "MPI_Aint_diff",
	} {
		if !seen[name] {
			t.Errorf("%s missing from the table", name)
		}
	}
	for _, name := range []string{"MPI_Address", "MPI_Type_extent", "MPI_Type_struct",
		"MPI_Errhandler_create", "MPI_Errhandler_set", "MPI_Type_lb", "MPI_Type_hvector"} {
		if seen[name] {
			t.Errorf("%s was removed in MPI-3 and must not be listed", name)
		}
	}
	want := map[string]string{
		"MPI_Send":             "int MPI_Send(const void *buf, int count, MPI_Datatype datatype, int dest, int tag, MPI_Comm comm)",
		"MPI_Wtime":            "double MPI_Wtime(void)",
		"MPI_Aint_add":         "MPI_Aint MPI_Aint_add(MPI_Aint base, MPI_Aint disp)",
		"MPI_Comm_c2f":         "MPI_Fint MPI_Comm_c2f(MPI_Comm comm)",
		"MPI_Comm_f2c":         "MPI_Comm MPI_Comm_f2c(MPI_Fint comm)",
		"MPI_Pcontrol":         "int MPI_Pcontrol(const int level, ...)",
		"MPI_Group_range_incl": "int MPI_Group_range_incl(MPI_Group group, int n, int ranges[][3], MPI_Group *newgroup)",
		"MPI_Init":             "int MPI_Init(int *argc, char ***argv)",
	}
	for name, proto := range want {
		f, ok := LookupFunction(name)
		if !ok {
			t.Errorf("LookupFunction(%s) failed", name)
			continue
		}
		if got := f.Prototype(f.Name); got != proto {
			t.Errorf("%s:\n got %s\nwant %s", name, got, proto)
		}
	}
	if f, ok := LookupFunction("PMPI_Bcast"); !ok || f.Name != "MPI_Bcast" || f.ProfilingName() != "PMPI_Bcast" {
		t.Errorf("LookupFunction(PMPI_Bcast) = %+v, %v", f, ok)
	}
	if f, _ := LookupFunction("MPI_Pcontrol"); !f.Variadic() {
		t.Error("MPI_Pcontrol is not variadic")
	}
	if f, _ := LookupFunction("MPI_Send"); f.Params[0] != (Param{"const void *", "buf"}) {
		t.Errorf("MPI_Send first param %+v", f.Params[0])
	}
}

func TestDatatypeRoundTrip(t *testing.T) {
	for _, dt := range comm.Datatypes() {
		h := DatatypeHandle(dt)
		if h == DatatypeNull {
			t.Errorf("%v has no handle", dt)
			continue
		}
		back, ok := Datatype(h)
		if !ok || back != dt {
			t.Errorf("Datatype(DatatypeHandle(%v)=%#x) = %v, %v", dt, h, back, ok)
		}
		if DatatypeName(h) != dt.String() {
			t.Errorf("DatatypeName(%#x) = %q, comm calls it %q", h, DatatypeName(h), dt.String())
		}
	}
	if DatatypeHandle(comm.TypeNull) != DatatypeNull {
		t.Error("TypeNull does not map to MPI_DATATYPE_NULL")
	}
	if _, ok := Datatype(DatatypeNull); ok {
		t.Error("MPI_DATATYPE_NULL is reported as a usable datatype")
	}
	seen := map[uint32]bool{}
	for _, h := range DatatypeHandles() {
		if seen[h] {
			t.Errorf("handle %#x used twice", h)
		}
		seen[h] = true
		if h >= FirstUserHandle {
			t.Errorf("predefined handle %#x not below FirstUserHandle", h)
		}
		if !IsPredefinedDatatype(h) {
			t.Errorf("IsPredefinedDatatype(%#x) false", h)
		}
		if back, ok := LookupDatatype(DatatypeName(h)); !ok || back != h {
			t.Errorf("LookupDatatype(%s) = %#x, %v", DatatypeName(h), back, ok)
		}
	}
	for _, name := range []string{"MPI_INTEGER", "MPI_CXX_BOOL", "MPI_REAL8", "MPI_2INTEGER"} {
		h, ok := LookupDatatype(name)
		if !ok {
			t.Errorf("%s missing", name)
			continue
		}
		if _, ok := Datatype(h); ok {
			t.Errorf("%s maps to a runtime datatype", name)
		}
		if DatatypeName(h) != name {
			t.Errorf("DatatypeName(%#x) = %q", h, DatatypeName(h))
		}
	}
	if h, _ := LookupDatatype("MPI_LONG_LONG_INT"); h != DatatypeHandle(comm.TypeLongLong) {
		t.Error("MPI_LONG_LONG_INT is not MPI_LONG_LONG")
	}
	if _, ok := Datatype(0x4242); ok || IsPredefinedDatatype(0x4242) {
		t.Error("an unknown handle is reported as predefined")
	}
	if DatatypeName(0x4242) != "" {
		t.Error("a name for an unknown handle")
	}
}

func TestOpRoundTrip(t *testing.T) {
	for _, o := range collective.Ops() {
		h := OpHandle(o)
		if h == OpNull {
			t.Errorf("%v has no handle", o)
			continue
		}
		back, ok := Op(h)
		if !ok || back != o {
			t.Errorf("Op(OpHandle(%v)=%#x) = %v, %v", o, h, back, ok)
		}
		if OpName(h) != o.String() {
			t.Errorf("OpName(%#x) = %q, want %q", h, OpName(h), o.String())
		}
	}
	if OpHandle(collective.OpNull) != OpNull {
		t.Error("OpNull does not map to MPI_OP_NULL")
	}
	if _, ok := Op(OpNull); ok {
		t.Error("MPI_OP_NULL is reported as a usable op")
	}
	if _, ok := Op(0x4242); ok || OpName(0x4242) != "" {
		t.Error("an unknown handle is reported as an op")
	}
}

func TestErrorClassRoundTrip(t *testing.T) {
	for _, c := range comm.ErrorClasses() {
		code := ErrorCode(c)
		if c != comm.Success && code == Success {
			t.Errorf("%v maps to MPI_SUCCESS", c)
		}
		back, ok := ErrorClassOf(code)
		want := c
		if c == comm.ErrNotSupported {
			want = comm.ErrUnsupportedOperation
		}
		if !ok || back != want {
			t.Errorf("ErrorClassOf(ErrorCode(%v)=%d) = %v, %v", c, code, back, ok)
		}
		if ErrorClassName(code) != want.String() {
			t.Errorf("ErrorClassName(%d) = %q, want %q", code, ErrorClassName(code), want.String())
		}
		if !IsErrorClass(code) {
			t.Errorf("IsErrorClass(%d) false", code)
		}
		if code > ErrLastCode {
			t.Errorf("%v = %d above MPI_ERR_LASTCODE", c, code)
		}
	}
	if ErrorCode(comm.ErrNotSupported) != ErrUnsupportedOperation {
		t.Error("ErrNotSupported is not MPI_ERR_UNSUPPORTED_OPERATION")
	}
	if _, ok := ErrorClassOf(ErrFile); ok {
		t.Error("MPI_ERR_FILE maps to a comm class")
	}
	if IsErrorClass(ErrLastCode) || IsErrorClass(ErrLastCode+1) || ErrorClassName(ErrLastCode+1) != "" {
		t.Error("MPI_ERR_LASTCODE or a user code reported as a class")
	}
	if !IsErrorClass(ErrFile) || ErrorClassName(TErrPvarNoAtomic) != "MPI_T_ERR_PVAR_NO_ATOMIC" {
		t.Error("ABI classes comm does not have are not reported")
	}
	seen := map[int32]string{}
	for _, e := range errorClassTable {
		if prev, dup := seen[e.code]; dup {
			t.Errorf("%s and %s share %d", prev, e.name, e.code)
		}
		seen[e.code] = e.name
	}
}

// TestKnownNumbers spot-checks numbers of the MPI 5.0 standard ABI against
// values written down independently of the tables.
func TestKnownNumbers(t *testing.T) {
	want := map[string]int64{
		"MPI_COMM_NULL": 0x100, "MPI_COMM_WORLD": 0x101, "MPI_COMM_SELF": 0x102,
		"MPI_GROUP_NULL": 0x108, "MPI_GROUP_EMPTY": 0x109, "MPI_WIN_NULL": 0x110,
		"MPI_FILE_NULL": 0x118, "MPI_SESSION_NULL": 0x120, "MPI_MESSAGE_NULL": 0x128,
		"MPI_MESSAGE_NO_PROC": 0x129, "MPI_INFO_NULL": 0x130, "MPI_INFO_ENV": 0x131,
		"MPI_ERRHANDLER_NULL": 0x140, "MPI_ERRORS_ARE_FATAL": 0x141, "MPI_ERRORS_RETURN": 0x142,
		"MPI_ERRORS_ABORT": 0x143, "MPI_REQUEST_NULL": 0x180,
		"MPI_OP_NULL": 0x20, "MPI_SUM": 0x21, "MPI_MIN": 0x22, "MPI_MAX": 0x23, "MPI_PROD": 0x24,
		"MPI_BAND": 0x28, "MPI_LAND": 0x30, "MPI_MINLOC": 0x38, "MPI_MAXLOC": 0x39,
		"MPI_REPLACE": 0x3c, "MPI_NO_OP": 0x3d,
		"MPI_DATATYPE_NULL": 0x200, "MPI_AINT": 0x201, "MPI_COUNT": 0x202, "MPI_OFFSET": 0x203,
		"MPI_PACKED": 0x207, "MPI_SHORT": 0x208, "MPI_INT": 0x209, "MPI_LONG": 0x20a,
		"MPI_LONG_LONG": 0x20b, "MPI_LONG_LONG_INT": 0x20b, "MPI_UNSIGNED": 0x20d,
		"MPI_FLOAT": 0x210, "MPI_C_COMPLEX": 0x212, "MPI_DOUBLE": 0x214, "MPI_LONG_DOUBLE": 0x220,
		"MPI_C_DOUBLE_COMPLEX": 0x216, "MPI_2INT": 0x22b, "MPI_DOUBLE_INT": 0x229,
		"MPI_C_BOOL": 0x238, "MPI_WCHAR": 0x23c, "MPI_INT8_T": 0x240, "MPI_CHAR": 0x243,
		"MPI_BYTE": 0x247, "MPI_INT32_T": 0x250, "MPI_UINT64_T": 0x259, "MPI_INTEGER": 0x219,
		"MPI_CHARACTER": 0x21e, "MPI_COMPLEX32": 0x2eb,
		"MPI_SUCCESS": 0, "MPI_ERR_TRUNCATE": 15, "MPI_ERR_IN_STATUS": 19, "MPI_ERR_PENDING": 18,
		"MPI_ERR_UNSUPPORTED_OPERATION": 55, "MPI_ERR_WIN": 56, "MPI_ERR_PROC_ABORTED": 58,
		"MPI_ERR_ERRHANDLER": 61, "MPI_T_ERR_CANNOT_INIT": 1001, "MPI_ERR_LASTCODE": 0x3fff,
		"MPI_ANY_SOURCE": -1, "MPI_ANY_TAG": -2, "MPI_PROC_NULL": -3, "MPI_ROOT": -4,
		"MPI_UNDEFINED": -32766, "MPI_KEYVAL_INVALID": 0, "MPI_TAG_UB": 501, "MPI_HOST": 503,
		"MPI_THREAD_SINGLE": 0, "MPI_THREAD_FUNNELED": 1024, "MPI_THREAD_MULTIPLE": 4096,
		"MPI_IDENT": 201, "MPI_UNEQUAL": 204, "MPI_CART": 211, "MPI_GRAPH": 212,
		"MPI_DIST_GRAPH": 213, "MPI_COMM_TYPE_SHARED": 221, "MPI_LOCK_EXCLUSIVE": 301,
		"MPI_ORDER_C": 12, "MPI_ORDER_FORTRAN": 15, "MPI_COMBINER_NAMED": 101,
		"MPI_MODE_NOCHECK": 1024, "MPI_MODE_RDONLY": 16, "MPI_IN_PLACE": 1, "MPI_BOTTOM": 0,
		"MPI_STATUS_IGNORE": 0, "MPI_UNWEIGHTED": 10, "MPI_WEIGHTS_EMPTY": 11,
		"MPI_MAX_PROCESSOR_NAME": 256, "MPI_MAX_ERROR_STRING": 512, "MPI_BSEND_OVERHEAD": 512,
		"MPI_COMM_DUP_FN": -1, "MPI_WIN_DUP_FN": -1, "MPI_DUP_FN": -1, "MPI_COMM_NULL_COPY_FN": 0, "MPI_VERSION": 4, "MPI_SUBVERSION": 1,
		"MPI_DISPLACEMENT_CURRENT": -1,
	}
	got := map[string]int64{}
	for _, g := range allGroups() {
		for _, d := range g.defs {
			if _, dup := got[d.name]; dup {
				t.Errorf("%s defined twice", d.name)
			}
			got[d.name] = d.num
		}
	}
	for name, v := range want {
		g, ok := got[name]
		if !ok {
			t.Errorf("%s not defined", name)
		} else if g != v {
			t.Errorf("%s = %d, want %d", name, g, v)
		}
	}
	if len(Names()) != len(got) {
		t.Errorf("Names has %d entries, want %d", len(Names()), len(got))
	}
}

// The overhead the header promises for each buffered send is the one the
// engine reserves.
func TestBsendOverheadMatchesEngine(t *testing.T) {
	if BsendOverhead != comm.BsendOverhead {
		t.Fatalf("header MPI_BSEND_OVERHEAD = %d, comm.BsendOverhead = %d", BsendOverhead, comm.BsendOverhead)
	}
}
