// Package abi is the one table of guest ABI numbers: the values a wasm32
// guest sees for MPI handles, integer constants, error classes and the list
// of MPI functions it may import from the wasm module "mpi".
//
// The numbers follow the MPI 5.0 standard ABI (handles are pointer-sized
// opaque values with fixed predefined constants, MPI_Aint is intptr_t,
// MPI_Offset and MPI_Count are 64-bit). The API level the guest header
// advertises is MPI 4.1 (MPI_VERSION 4, MPI_SUBVERSION 1).
//
// Everything here is constant: the package has no mutable state. The guest
// header rank/sdk/include/mpi.h is generated from this package by
// "go generate ./rank/abi" (see HeaderC).
package abi

//go:generate go run ./internal/genheader ../sdk/include/mpi.h

// Version and Subversion are the MPI standard level the guest header
// advertises as MPI_VERSION / MPI_SUBVERSION.
const (
	Version    int32 = 4
	Subversion int32 = 1
)

// Predefined handles. On wasm32 every handle is a 4-byte pointer-typed value;
// these are the numbers the ABI fixes for the predefined ones.
const (
	OpNull    uint32 = 0x20
	OpSum     uint32 = 0x21
	OpMin     uint32 = 0x22
	OpMax     uint32 = 0x23
	OpProd    uint32 = 0x24
	OpBand    uint32 = 0x28
	OpBor     uint32 = 0x29
	OpBxor    uint32 = 0x2a
	OpLand    uint32 = 0x30
	OpLor     uint32 = 0x31
	OpLxor    uint32 = 0x32
	OpMinloc  uint32 = 0x38
	OpMaxloc  uint32 = 0x39
	OpReplace uint32 = 0x3c
	OpNoOp    uint32 = 0x3d

	CommNull  uint32 = 0x100
	CommWorld uint32 = 0x101
	CommSelf  uint32 = 0x102

	GroupNull  uint32 = 0x108
	GroupEmpty uint32 = 0x109

	WinNull uint32 = 0x110

	FileNull uint32 = 0x118

	SessionNull uint32 = 0x120

	MessageNull   uint32 = 0x128
	MessageNoProc uint32 = 0x129

	InfoNull uint32 = 0x130
	InfoEnv  uint32 = 0x131

	ErrhandlerNull uint32 = 0x140
	ErrorsAreFatal uint32 = 0x141
	ErrorsReturn   uint32 = 0x142
	ErrorsAbort    uint32 = 0x143

	RequestNull uint32 = 0x180

	DatatypeNull uint32 = 0x200
)

// FirstUserHandle is the lowest value the runtime may hand out for a handle
// it creates (communicators, requests, derived datatypes, ...). Every
// predefined handle and every special pointer value is below it.
const FirstUserHandle uint32 = 0x1000

// Special pointer values (guest addresses) with a fixed meaning. wasm-ld
// places data at 1024 and above by default, so these never collide with a
// real object.
const (
	Bottom          uint32 = 0 // MPI_BOTTOM
	InPlace         uint32 = 1 // MPI_IN_PLACE
	BufferAutomatic uint32 = 2 // MPI_BUFFER_AUTOMATIC
	StatusIgnore    uint32 = 0 // MPI_STATUS_IGNORE
	StatusesIgnore  uint32 = 0 // MPI_STATUSES_IGNORE
	ErrcodesIgnore  uint32 = 0 // MPI_ERRCODES_IGNORE
	ArgvNull        uint32 = 0 // MPI_ARGV_NULL
	ArgvsNull       uint32 = 0 // MPI_ARGVS_NULL
	Unweighted      uint32 = 10
	WeightsEmpty    uint32 = 11

	// Predefined attribute copy/delete callbacks. They apply to every object
	// kind: MPI_COMM_NULL_COPY_FN, MPI_TYPE_NULL_COPY_FN, MPI_WIN_NULL_COPY_FN
	// and MPI_NULL_COPY_FN are all NullCopyFn, and so on. The null callbacks
	// are the null function pointer, as in the MPI 5.0 ABI. The ABI makes the
	// dup callbacks the pointer value 1, but on wasm32 a function pointer is
	// an index into the guest's function table and wasm-ld gives index 1 to
	// the guest's first address-taken function (LLVM 16's wasm-ld cannot
	// move the table base), so a guest callback could not be told from
	// MPI_COMM_DUP_FN. DupFn is therefore the all-ones pointer, which is never
	// a valid table index.
	NullCopyFn   uint32 = 0
	DupFn        uint32 = 0xffffffff
	NullDeleteFn uint32 = 0
	// MPI_CONVERSION_FN_NULL (and its _C twin).
	ConversionFnNull uint32 = 0
)

// MPI_Status layout on wasm32: three public ints and five internal ints.
// The internal words are ours to use; the runtime stores the received byte
// count there as a little-endian int64 and the cancelled flag after it.
const (
	StatusSize            = 32
	StatusSourceOffset    = 0
	StatusTagOffset       = 4
	StatusErrorOffset     = 8
	StatusCountOffset     = 12 // int64 number of bytes received
	StatusCancelledOffset = 20 // int32, nonzero when the request was cancelled
)

// Sizes of the ABI's scalar types on wasm32.
const (
	HandleSize = 4 // every MPI_* handle type
	AintSize   = 4 // MPI_Aint = intptr_t
	OffsetSize = 8 // MPI_Offset = int64_t
	CountSize  = 8 // MPI_Count = MPI_Offset
	FintSize   = 4 // MPI_Fint = int
)

// Fortran status array (MPI_F_STATUS_SIZE and the indices into it).
const (
	FStatusSize int32 = 8
	FSource     int32 = 0
	FTag        int32 = 1
	FError      int32 = 2
)

// Wildcards and sentinels.
const (
	AnySource int32 = -1
	AnyTag    int32 = -2
	ProcNull  int32 = -3
	Root      int32 = -4
	Undefined int32 = -32766
)

// DisplacementCurrent is MPI_DISPLACEMENT_CURRENT, an MPI_Offset.
const DisplacementCurrent int64 = -1

// Thread support levels (monotonic).
const (
	ThreadSingle     int32 = 0
	ThreadFunneled   int32 = 1024
	ThreadSerialized int32 = 2048
	ThreadMultiple   int32 = 4096
)

// Array datatype order and distribution.
const (
	OrderC             int32 = 12
	OrderFortran       int32 = 15
	DistributeNone     int32 = 16
	DistributeBlock    int32 = 17
	DistributeCyclic   int32 = 18
	DistributeDfltDarg int32 = 19
)

// Datatype decoding combiners.
const (
	CombinerNamed         int32 = 101
	CombinerDup           int32 = 102
	CombinerContiguous    int32 = 103
	CombinerVector        int32 = 104
	CombinerHvector       int32 = 105
	CombinerIndexed       int32 = 106
	CombinerHindexed      int32 = 107
	CombinerIndexedBlock  int32 = 108
	CombinerHindexedBlock int32 = 109
	CombinerStruct        int32 = 110
	CombinerSubarray      int32 = 111
	CombinerDarray        int32 = 112
	CombinerF90Integer    int32 = 113
	CombinerF90Real       int32 = 114
	CombinerF90Complex    int32 = 115
	CombinerResized       int32 = 116
	CombinerValueIndex    int32 = 117
)

// Type classes for MPI_Type_match_size.
const (
	TypeclassInteger int32 = 192
	TypeclassReal    int32 = 193
	TypeclassComplex int32 = 194
)

// Results of communicator and group comparisons.
const (
	Ident     int32 = 201
	Congruent int32 = 202
	Similar   int32 = 203
	Unequal   int32 = 204
)

// Virtual topology kinds (MPI_Topo_test).
const (
	Cart      int32 = 211
	Graph     int32 = 212
	DistGraph int32 = 213
)

// Communicator split types.
const (
	CommTypeShared         int32 = 221
	CommTypeHWUnguided     int32 = 222
	CommTypeHWGuided       int32 = 223
	CommTypeResourceGuided int32 = 224
)

// Window lock types, creation flavors and memory models.
const (
	LockExclusive     int32 = 301
	LockShared        int32 = 302
	WinFlavorCreate   int32 = 311
	WinFlavorAllocate int32 = 312
	WinFlavorDynamic  int32 = 313
	WinFlavorShared   int32 = 314
	WinUnified        int32 = 321
	WinSeparate       int32 = 322
)

// File positioning (MPI_File_seek whence).
const (
	SeekSet int32 = 401
	SeekCur int32 = 402
	SeekEnd int32 = 403
)

// Mode bits (file open modes and window assertions); they can be OR-ed.
const (
	ModeAppend        int32 = 1
	ModeCreate        int32 = 2
	ModeDeleteOnClose int32 = 4
	ModeExcl          int32 = 8
	ModeRdonly        int32 = 16
	ModeRdwr          int32 = 32
	ModeSequential    int32 = 64
	ModeUniqueOpen    int32 = 128
	ModeWronly        int32 = 256
	ModeNocheck       int32 = 1024
	ModeNoprecede     int32 = 2048
	ModeNoput         int32 = 4096
	ModeNostore       int32 = 8192
	ModeNosucceed     int32 = 16384
)

// Attribute keys. KeyvalInvalid is MPI_KEYVAL_INVALID.
const (
	KeyvalInvalid int32 = 0

	TagUB         int32 = 501
	IO            int32 = 502
	Host          int32 = 503
	WtimeIsGlobal int32 = 504
	UniverseSize  int32 = 505
	AppNum        int32 = 506
	LastUsedCode  int32 = 507

	WinBase         int32 = 601
	WinDispUnit     int32 = 602
	WinSize         int32 = 603
	WinCreateFlavor int32 = 604
	WinModel        int32 = 605
)

// Maximum string lengths (buffer sizes the guest allocates). Untyped, so
// they serve as int and int32 alike.
const (
	MaxDatarepString        = 128
	MaxErrorString          = 512
	MaxInfoKey              = 256
	MaxInfoVal              = 1024
	MaxLibraryVersionString = 8192
	MaxObjectName           = 128
	MaxPortName             = 1024
	MaxProcessorName        = 256
	MaxStringtagLen         = 1024
	MaxPsetNameLen          = 1024
)

// BsendOverhead is MPI_BSEND_OVERHEAD: bytes of attached buffer space the
// runtime may use per buffered message on top of the packed data.
const BsendOverhead = 512
