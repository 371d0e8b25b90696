package abi

import (
	"fmt"
	"strings"
)

// cdef is one #define of the guest header.
type cdef struct {
	name, value string
	num         int64 // the value of the expression, converted to the guest's intptr_t
}

// group is a titled run of #defines.
type group struct {
	title string
	defs  []cdef
}

func hexHandle(ctype string, v uint32) string { return fmt.Sprintf("((%s)%#x)", ctype, v) }

func intValue(v int32) string {
	if v < 0 {
		return fmt.Sprintf("(%d)", v)
	}
	return fmt.Sprintf("%d", v)
}

func ints(pairs ...any) []cdef {
	out := make([]cdef, 0, len(pairs)/2)
	for i := 0; i < len(pairs); i += 2 {
		var v int32
		switch x := pairs[i+1].(type) {
		case int32:
			v = x
		case int:
			v = int32(x)
		default:
			panic(fmt.Sprintf("abi: constant %v has type %T", pairs[i], x))
		}
		out = append(out, cdef{pairs[i].(string), intValue(v), int64(v)})
	}
	return out
}

// handleKind is one opaque handle type and its predefined values.
type handleKind struct {
	ctype string // C typedef, e.g. "MPI_Comm"
	tag   string // struct tag it points to
	defs  []struct {
		name string
		v    uint32
	}
}

func handleKinds() []handleKind {
	type hv = struct {
		name string
		v    uint32
	}
	return []handleKind{
		{"MPI_Op", "MPI_ABI_Op", []hv{
			{"MPI_OP_NULL", OpNull}, {"MPI_SUM", OpSum}, {"MPI_MIN", OpMin}, {"MPI_MAX", OpMax},
			{"MPI_PROD", OpProd}, {"MPI_BAND", OpBand}, {"MPI_BOR", OpBor}, {"MPI_BXOR", OpBxor},
			{"MPI_LAND", OpLand}, {"MPI_LOR", OpLor}, {"MPI_LXOR", OpLxor}, {"MPI_MINLOC", OpMinloc},
			{"MPI_MAXLOC", OpMaxloc}, {"MPI_REPLACE", OpReplace}, {"MPI_NO_OP", OpNoOp},
		}},
		{"MPI_Comm", "MPI_ABI_Comm", []hv{{"MPI_COMM_NULL", CommNull}, {"MPI_COMM_WORLD", CommWorld}, {"MPI_COMM_SELF", CommSelf}}},
		{"MPI_Group", "MPI_ABI_Group", []hv{{"MPI_GROUP_NULL", GroupNull}, {"MPI_GROUP_EMPTY", GroupEmpty}}},
		{"MPI_Win", "MPI_ABI_Win", []hv{{"MPI_WIN_NULL", WinNull}}},
		{"MPI_File", "MPI_ABI_File", []hv{{"MPI_FILE_NULL", FileNull}}},
		{"MPI_Session", "MPI_ABI_Session", []hv{{"MPI_SESSION_NULL", SessionNull}}},
		{"MPI_Message", "MPI_ABI_Message", []hv{{"MPI_MESSAGE_NULL", MessageNull}, {"MPI_MESSAGE_NO_PROC", MessageNoProc}}},
		{"MPI_Info", "MPI_ABI_Info", []hv{{"MPI_INFO_NULL", InfoNull}, {"MPI_INFO_ENV", InfoEnv}}},
		{"MPI_Errhandler", "MPI_ABI_Errhandler", []hv{
			{"MPI_ERRHANDLER_NULL", ErrhandlerNull}, {"MPI_ERRORS_ARE_FATAL", ErrorsAreFatal},
			{"MPI_ERRORS_RETURN", ErrorsReturn}, {"MPI_ERRORS_ABORT", ErrorsAbort},
		}},
		{"MPI_Request", "MPI_ABI_Request", []hv{{"MPI_REQUEST_NULL", RequestNull}}},
		{"MPI_Datatype", "MPI_ABI_Datatype", nil}, // values come from datatypeTable
	}
}

// integerGroups are the plain int constants of the header.
func integerGroups() []group {
	return []group{
		{"Fortran status array", ints(
			"MPI_F_STATUS_SIZE", FStatusSize, "MPI_F_SOURCE", FSource, "MPI_F_TAG", FTag, "MPI_F_ERROR", FError)},
		{"Wildcards and sentinels", ints(
			"MPI_ANY_SOURCE", AnySource, "MPI_ANY_TAG", AnyTag, "MPI_PROC_NULL", ProcNull,
			"MPI_ROOT", Root, "MPI_UNDEFINED", Undefined)},
		{"String sizes", ints(
			"MPI_MAX_DATAREP_STRING", MaxDatarepString, "MPI_MAX_ERROR_STRING", MaxErrorString,
			"MPI_MAX_INFO_KEY", MaxInfoKey, "MPI_MAX_INFO_VAL", MaxInfoVal,
			"MPI_MAX_LIBRARY_VERSION_STRING", MaxLibraryVersionString, "MPI_MAX_OBJECT_NAME", MaxObjectName,
			"MPI_MAX_PORT_NAME", MaxPortName, "MPI_MAX_PROCESSOR_NAME", MaxProcessorName,
			"MPI_MAX_STRINGTAG_LEN", MaxStringtagLen, "MPI_MAX_PSET_NAME_LEN", MaxPsetNameLen)},
		{"Buffered sends", ints("MPI_BSEND_OVERHEAD", BsendOverhead)},
		{"Mode bits", ints(
			"MPI_MODE_APPEND", ModeAppend, "MPI_MODE_CREATE", ModeCreate,
			"MPI_MODE_DELETE_ON_CLOSE", ModeDeleteOnClose, "MPI_MODE_EXCL", ModeExcl,
			"MPI_MODE_RDONLY", ModeRdonly, "MPI_MODE_RDWR", ModeRdwr, "MPI_MODE_SEQUENTIAL", ModeSequential,
			"MPI_MODE_UNIQUE_OPEN", ModeUniqueOpen, "MPI_MODE_WRONLY", ModeWronly,
			"MPI_MODE_NOCHECK", ModeNocheck, "MPI_MODE_NOPRECEDE", ModeNoprecede, "MPI_MODE_NOPUT", ModeNoput,
			"MPI_MODE_NOSTORE", ModeNostore, "MPI_MODE_NOSUCCEED", ModeNosucceed)},
		{"Thread support levels", ints(
			"MPI_THREAD_SINGLE", ThreadSingle, "MPI_THREAD_FUNNELED", ThreadFunneled,
			"MPI_THREAD_SERIALIZED", ThreadSerialized, "MPI_THREAD_MULTIPLE", ThreadMultiple)},
		{"Array datatype order and distribution", ints(
			"MPI_ORDER_C", OrderC, "MPI_ORDER_FORTRAN", OrderFortran,
			"MPI_DISTRIBUTE_NONE", DistributeNone, "MPI_DISTRIBUTE_BLOCK", DistributeBlock,
			"MPI_DISTRIBUTE_CYCLIC", DistributeCyclic, "MPI_DISTRIBUTE_DFLT_DARG", DistributeDfltDarg)},
		{"Datatype combiners", ints(
			"MPI_COMBINER_NAMED", CombinerNamed, "MPI_COMBINER_DUP", CombinerDup,
			"MPI_COMBINER_CONTIGUOUS", CombinerContiguous, "MPI_COMBINER_VECTOR", CombinerVector,
			"MPI_COMBINER_HVECTOR", CombinerHvector, "MPI_COMBINER_INDEXED", CombinerIndexed,
			"MPI_COMBINER_HINDEXED", CombinerHindexed, "MPI_COMBINER_INDEXED_BLOCK", CombinerIndexedBlock,
			"MPI_COMBINER_HINDEXED_BLOCK", CombinerHindexedBlock, "MPI_COMBINER_STRUCT", CombinerStruct,
			"MPI_COMBINER_SUBARRAY", CombinerSubarray, "MPI_COMBINER_DARRAY", CombinerDarray,
			"MPI_COMBINER_F90_INTEGER", CombinerF90Integer, "MPI_COMBINER_F90_REAL", CombinerF90Real,
			"MPI_COMBINER_F90_COMPLEX", CombinerF90Complex, "MPI_COMBINER_RESIZED", CombinerResized,
			"MPI_COMBINER_VALUE_INDEX", CombinerValueIndex)},
		{"Type classes", ints(
			"MPI_TYPECLASS_INTEGER", TypeclassInteger, "MPI_TYPECLASS_REAL", TypeclassReal,
			"MPI_TYPECLASS_COMPLEX", TypeclassComplex)},
		{"Comparison results", ints(
			"MPI_IDENT", Ident, "MPI_CONGRUENT", Congruent, "MPI_SIMILAR", Similar, "MPI_UNEQUAL", Unequal)},
		{"Topology kinds", ints("MPI_CART", Cart, "MPI_GRAPH", Graph, "MPI_DIST_GRAPH", DistGraph)},
		{"Communicator split types", ints(
			"MPI_COMM_TYPE_SHARED", CommTypeShared, "MPI_COMM_TYPE_HW_UNGUIDED", CommTypeHWUnguided,
			"MPI_COMM_TYPE_HW_GUIDED", CommTypeHWGuided, "MPI_COMM_TYPE_RESOURCE_GUIDED", CommTypeResourceGuided)},
		{"One-sided communication", ints(
			"MPI_LOCK_EXCLUSIVE", LockExclusive, "MPI_LOCK_SHARED", LockShared,
			"MPI_WIN_FLAVOR_CREATE", WinFlavorCreate, "MPI_WIN_FLAVOR_ALLOCATE", WinFlavorAllocate,
			"MPI_WIN_FLAVOR_DYNAMIC", WinFlavorDynamic, "MPI_WIN_FLAVOR_SHARED", WinFlavorShared,
			"MPI_WIN_UNIFIED", WinUnified, "MPI_WIN_SEPARATE", WinSeparate)},
		{"File positioning", ints("MPI_SEEK_SET", SeekSet, "MPI_SEEK_CUR", SeekCur, "MPI_SEEK_END", SeekEnd)},
		{"Attribute keys", ints(
			"MPI_KEYVAL_INVALID", KeyvalInvalid,
			"MPI_TAG_UB", TagUB, "MPI_IO", IO, "MPI_HOST", Host, "MPI_WTIME_IS_GLOBAL", WtimeIsGlobal,
			"MPI_UNIVERSE_SIZE", UniverseSize, "MPI_APPNUM", AppNum, "MPI_LASTUSEDCODE", LastUsedCode,
			"MPI_WIN_BASE", WinBase, "MPI_WIN_DISP_UNIT", WinDispUnit, "MPI_WIN_SIZE", WinSize,
			"MPI_WIN_CREATE_FLAVOR", WinCreateFlavor, "MPI_WIN_MODEL", WinModel)},
	}
}

func errorGroup() group {
	g := group{title: "Error classes"}
	for _, e := range errorClassTable {
		g.defs = append(g.defs, cdef{e.name, intValue(e.code), int64(e.code)})
	}
	return g
}

func pointerGroups() []group {
	ptr := func(name, ctype string, v uint32) cdef {
		return cdef{name, fmt.Sprintf("((%s)%d)", ctype, v), int64(v)}
	}
	return []group{
		{"Buffer addresses", []cdef{
			ptr("MPI_BOTTOM", "void *", Bottom),
			ptr("MPI_IN_PLACE", "void *", InPlace),
			ptr("MPI_BUFFER_AUTOMATIC", "void *", BufferAutomatic),
		}},
		{"Ignored or empty arguments", []cdef{
			ptr("MPI_ARGV_NULL", "char **", ArgvNull),
			ptr("MPI_ARGVS_NULL", "char ***", ArgvsNull),
			ptr("MPI_ERRCODES_IGNORE", "int *", ErrcodesIgnore),
			ptr("MPI_STATUS_IGNORE", "MPI_Status *", StatusIgnore),
			ptr("MPI_STATUSES_IGNORE", "MPI_Status *", StatusesIgnore),
			ptr("MPI_UNWEIGHTED", "int *", Unweighted),
			ptr("MPI_WEIGHTS_EMPTY", "int *", WeightsEmpty),
		}},
		{"File displacement", []cdef{
			{"MPI_DISPLACEMENT_CURRENT", fmt.Sprintf("((MPI_Offset)%d)", DisplacementCurrent), DisplacementCurrent},
		}},
	}
}

// callbackTypedefs are the C function types of user callbacks.
const callbackTypedefs = `typedef void MPI_User_function(void *invec, void *inoutvec, int *len, MPI_Datatype *datatype);
typedef void MPI_User_function_c(void *invec, void *inoutvec, MPI_Count *len, MPI_Datatype *datatype);
typedef int MPI_Grequest_query_function(void *extra_state, MPI_Status *status);
typedef int MPI_Grequest_free_function(void *extra_state);
typedef int MPI_Grequest_cancel_function(void *extra_state, int complete);
typedef int MPI_Copy_function(MPI_Comm oldcomm, int keyval, void *extra_state, void *attribute_val_in, void *attribute_val_out, int *flag);
typedef int MPI_Delete_function(MPI_Comm comm, int keyval, void *attribute_val, void *extra_state);
typedef int MPI_Comm_copy_attr_function(MPI_Comm oldcomm, int comm_keyval, void *extra_state, void *attribute_val_in, void *attribute_val_out, int *flag);
typedef int MPI_Comm_delete_attr_function(MPI_Comm comm, int comm_keyval, void *attribute_val, void *extra_state);
typedef int MPI_Type_copy_attr_function(MPI_Datatype oldtype, int type_keyval, void *extra_state, void *attribute_val_in, void *attribute_val_out, int *flag);
typedef int MPI_Type_delete_attr_function(MPI_Datatype datatype, int type_keyval, void *attribute_val, void *extra_state);
typedef int MPI_Win_copy_attr_function(MPI_Win oldwin, int win_keyval, void *extra_state, void *attribute_val_in, void *attribute_val_out, int *flag);
typedef int MPI_Win_delete_attr_function(MPI_Win win, int win_keyval, void *attribute_val, void *extra_state);
typedef int MPI_Datarep_extent_function(MPI_Datatype datatype, MPI_Aint *extent, void *extra_state);
typedef int MPI_Datarep_conversion_function(void *userbuf, MPI_Datatype datatype, int count, void *filebuf, MPI_Offset position, void *extra_state);
typedef int MPI_Datarep_conversion_function_c(void *userbuf, MPI_Datatype datatype, MPI_Count count, void *filebuf, MPI_Offset position, void *extra_state);
typedef void MPI_Comm_errhandler_function(MPI_Comm *comm, int *error_code, ...);
typedef void MPI_File_errhandler_function(MPI_File *file, int *error_code, ...);
typedef void MPI_Win_errhandler_function(MPI_Win *win, int *error_code, ...);
typedef void MPI_Session_errhandler_function(MPI_Session *session, int *error_code, ...);
typedef MPI_Comm_errhandler_function MPI_Comm_errhandler_fn;
typedef MPI_File_errhandler_function MPI_File_errhandler_fn;
typedef MPI_Win_errhandler_function MPI_Win_errhandler_fn;
typedef MPI_Session_errhandler_function MPI_Session_errhandler_fn;
`

func callbackGroup() group {
	fn := func(name, ctype string, v uint32) cdef {
		return cdef{name, fmt.Sprintf("((%s *)%#x)", ctype, v), int64(int32(v))}
	}
	return group{"Predefined attribute and conversion callbacks", []cdef{
		fn("MPI_NULL_COPY_FN", "MPI_Copy_function", NullCopyFn),
		fn("MPI_DUP_FN", "MPI_Copy_function", DupFn),
		fn("MPI_NULL_DELETE_FN", "MPI_Delete_function", NullDeleteFn),
		fn("MPI_COMM_NULL_COPY_FN", "MPI_Comm_copy_attr_function", NullCopyFn),
		fn("MPI_COMM_DUP_FN", "MPI_Comm_copy_attr_function", DupFn),
		fn("MPI_COMM_NULL_DELETE_FN", "MPI_Comm_delete_attr_function", NullDeleteFn),
		fn("MPI_TYPE_NULL_COPY_FN", "MPI_Type_copy_attr_function", NullCopyFn),
		fn("MPI_TYPE_DUP_FN", "MPI_Type_copy_attr_function", DupFn),
		fn("MPI_TYPE_NULL_DELETE_FN", "MPI_Type_delete_attr_function", NullDeleteFn),
		fn("MPI_WIN_NULL_COPY_FN", "MPI_Win_copy_attr_function", NullCopyFn),
		fn("MPI_WIN_DUP_FN", "MPI_Win_copy_attr_function", DupFn),
		fn("MPI_WIN_NULL_DELETE_FN", "MPI_Win_delete_attr_function", NullDeleteFn),
		fn("MPI_CONVERSION_FN_NULL", "MPI_Datarep_conversion_function", ConversionFnNull),
		fn("MPI_CONVERSION_FN_NULL_C", "MPI_Datarep_conversion_function_c", ConversionFnNull),
	}}
}

// toolTypedefs are the MPI_T handle and callback types.
const toolTypedefs = `typedef struct MPI_ABI_T_enum *MPI_T_enum;
typedef struct MPI_ABI_T_cvar_handle *MPI_T_cvar_handle;
typedef struct MPI_ABI_T_pvar_handle *MPI_T_pvar_handle;
typedef struct MPI_ABI_T_pvar_session *MPI_T_pvar_session;
typedef struct MPI_ABI_T_event_registration *MPI_T_event_registration;
typedef struct MPI_ABI_T_event_instance *MPI_T_event_instance;
typedef int MPI_T_cb_safety;
typedef int MPI_T_source_order;
typedef void MPI_T_event_cb_function(MPI_T_event_instance event_instance, MPI_T_event_registration event_registration, MPI_T_cb_safety cb_safety, void *user_data);
typedef void MPI_T_event_free_cb_function(MPI_T_event_registration event_registration, MPI_T_cb_safety cb_safety, void *user_data);
typedef void MPI_T_event_dropped_cb_function(MPI_Count count, MPI_T_event_registration event_registration, int source_index, MPI_T_cb_safety cb_safety, void *user_data);
`

// toolGroups are the MPI_T constants. The runtime implements MPI_T as an
// interface with no variables, so these only need to compile.
func toolGroups() []group {
	return []group{
		{"MPI_T null handles", []cdef{
			{"MPI_T_ENUM_NULL", "((MPI_T_enum)0)", 0},
			{"MPI_T_CVAR_HANDLE_NULL", "((MPI_T_cvar_handle)0)", 0},
			{"MPI_T_PVAR_SESSION_NULL", "((MPI_T_pvar_session)0)", 0},
			{"MPI_T_PVAR_HANDLE_NULL", "((MPI_T_pvar_handle)0)", 0},
			{"MPI_T_PVAR_ALL_HANDLES", "((MPI_T_pvar_handle)1)", 1},
		}},
		{"MPI_T callback safety and source ordering", ints(
			"MPI_T_CB_REQUIRE_NONE", int32(0x00), "MPI_T_CB_REQUIRE_MPI_RESTRICTED", int32(0x03),
			"MPI_T_CB_REQUIRE_THREAD_SAFE", int32(0x0f), "MPI_T_CB_REQUIRE_ASYNC_SIGNAL_SAFE", int32(0x3f),
			"MPI_T_SOURCE_ORDERED", int32(1), "MPI_T_SOURCE_UNORDERED", int32(2))},
		{"MPI_T verbosity", ints(
			"MPI_T_VERBOSITY_USER_BASIC", int32(0x09), "MPI_T_VERBOSITY_USER_DETAIL", int32(0x0a),
			"MPI_T_VERBOSITY_USER_ALL", int32(0x0c), "MPI_T_VERBOSITY_TUNER_BASIC", int32(0x11),
			"MPI_T_VERBOSITY_TUNER_DETAIL", int32(0x12), "MPI_T_VERBOSITY_TUNER_ALL", int32(0x14),
			"MPI_T_VERBOSITY_MPIDEV_BASIC", int32(0x21), "MPI_T_VERBOSITY_MPIDEV_DETAIL", int32(0x22),
			"MPI_T_VERBOSITY_MPIDEV_ALL", int32(0x24))},
		{"MPI_T binding", ints(
			"MPI_T_BIND_NO_OBJECT", int32(1), "MPI_T_BIND_MPI_COMM", int32(2),
			"MPI_T_BIND_MPI_DATATYPE", int32(3), "MPI_T_BIND_MPI_ERRHANDLER", int32(4),
			"MPI_T_BIND_MPI_FILE", int32(5), "MPI_T_BIND_MPI_GROUP", int32(6),
			"MPI_T_BIND_MPI_OP", int32(7), "MPI_T_BIND_MPI_REQUEST", int32(8),
			"MPI_T_BIND_MPI_WIN", int32(9), "MPI_T_BIND_MPI_MESSAGE", int32(10),
			"MPI_T_BIND_MPI_INFO", int32(11), "MPI_T_BIND_MPI_SESSION", int32(12))},
		{"MPI_T scope", ints(
			"MPI_T_SCOPE_CONSTANT", int32(1), "MPI_T_SCOPE_READONLY", int32(2),
			"MPI_T_SCOPE_LOCAL", int32(3), "MPI_T_SCOPE_GROUP", int32(4),
			"MPI_T_SCOPE_GROUP_EQ", int32(5), "MPI_T_SCOPE_ALL", int32(6), "MPI_T_SCOPE_ALL_EQ", int32(7))},
		{"MPI_T performance variable classes", ints(
			"MPI_T_PVAR_CLASS_STATE", int32(1), "MPI_T_PVAR_CLASS_LEVEL", int32(2),
			"MPI_T_PVAR_CLASS_SIZE", int32(3), "MPI_T_PVAR_CLASS_PERCENTAGE", int32(4),
			"MPI_T_PVAR_CLASS_HIGHWATERMARK", int32(5), "MPI_T_PVAR_CLASS_LOWWATERMARK", int32(6),
			"MPI_T_PVAR_CLASS_COUNTER", int32(7), "MPI_T_PVAR_CLASS_AGGREGATE", int32(8),
			"MPI_T_PVAR_CLASS_TIMER", int32(9), "MPI_T_PVAR_CLASS_GENERIC", int32(10))},
	}
}

// Names lists every name the header #defines, in header order. Tests and
// tools use it to check coverage.
func Names() []string {
	var out []string
	for _, g := range allGroups() {
		for _, d := range g.defs {
			out = append(out, d.name)
		}
	}
	return out
}

func datatypeGroup() group {
	g := group{title: "Predefined datatypes"}
	for _, e := range datatypeTable {
		g.defs = append(g.defs, cdef{e.name, hexHandle("MPI_Datatype", e.handle), int64(e.handle)})
	}
	for _, a := range datatypeAliases {
		h, _ := LookupDatatype(a[1])
		g.defs = append(g.defs, cdef{a[0], a[1], int64(h)})
	}
	return g
}

func allGroups() []group {
	var gs []group
	gs = append(gs, group{"Version", ints("MPI_VERSION", Version, "MPI_SUBVERSION", Subversion)})
	for _, k := range handleKinds() {
		if k.ctype == "MPI_Datatype" {
			gs = append(gs, datatypeGroup())
			continue
		}
		g := group{title: k.ctype}
		for _, d := range k.defs {
			g.defs = append(g.defs, cdef{d.name, hexHandle(k.ctype, d.v), int64(d.v)})
		}
		gs = append(gs, g)
	}
	gs = append(gs, errorGroup())
	gs = append(gs, integerGroups()...)
	gs = append(gs, pointerGroups()...)
	gs = append(gs, callbackGroup())
	gs = append(gs, toolGroups()...)
	return gs
}

func writeGroup(b *strings.Builder, g group) {
	fmt.Fprintf(b, "\n/* %s */\n", g.title)
	width := 0
	for _, d := range g.defs {
		width = max(width, len(d.name))
	}
	for _, d := range g.defs {
		fmt.Fprintf(b, "#define %-*s %s\n", width, d.name, d.value)
	}
}

// HeaderC is the text of the guest header mpi.h. It is deterministic:
// rank/sdk/include/mpi.h must equal it (go generate ./rank/abi).
func HeaderC() string {
	var b strings.Builder
	b.WriteString(`/* Generated by wasmpi from rank/abi; do not edit. */
/*
 * MPI for wasm32 guests run by wasmpi: the MPI 4.1 C interface with the
 * MPI 5.0 standard ABI numbering. Every function is imported from the wasm
 * module "mpi"; PMPI_ names are imported under their own names.
 */
#ifndef WASMPI_MPI_H
#define WASMPI_MPI_H

#if !defined(__wasm32__)
#error "this mpi.h is for wasm32 guests of wasmpi (compile with --target=wasm32-wasi)"
#endif

#include <stddef.h>
#include <stdint.h>

#if defined(__cplusplus)
extern "C" {
#endif
`)
	gs := allGroups()
	writeGroup(&b, gs[0]) // version

	b.WriteString(`
/* Integer types */
typedef intptr_t MPI_Aint;
typedef int64_t MPI_Offset;
typedef MPI_Offset MPI_Count;
typedef int MPI_Fint;

/* Opaque handle types */
`)
	for _, k := range handleKinds() {
		fmt.Fprintf(&b, "typedef struct %s *%s;\n", k.tag, k.ctype)
	}
	b.WriteString(`
/* Status: three public fields and five words reserved to the library */
typedef struct MPI_Status {
    int MPI_SOURCE;
    int MPI_TAG;
    int MPI_ERROR;
    int MPI_internal[5];
} MPI_Status;
`)
	for _, g := range gs[1:] {
		if g.title == "Predefined attribute and conversion callbacks" {
			b.WriteString("\n/* Callback function types */\n")
			b.WriteString(callbackTypedefs)
		}
		if g.title == "MPI_T null handles" {
			b.WriteString("\n/* Tool information interface types */\n")
			b.WriteString(toolTypedefs)
		}
		writeGroup(&b, g)
	}

	fns := Functions()
	b.WriteString("\n/* MPI functions */\n")
	for _, f := range fns {
		writeDecl(&b, f, f.Name)
	}
	b.WriteString("\n/* Profiling interface */\n")
	for _, f := range fns {
		writeDecl(&b, f, f.ProfilingName())
	}
	b.WriteString(`
#if defined(__cplusplus)
}
#endif

#endif /* WASMPI_MPI_H */
`)
	return b.String()
}

func writeDecl(b *strings.Builder, f Function, name string) {
	fmt.Fprintf(b, "%s __attribute__((import_module(%q), import_name(%q)));\n", f.Prototype(name), ImportModule, name)
}

// ImportModule is the wasm import module of every MPI function.
const ImportModule = "mpi"
