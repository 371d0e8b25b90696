package abi

import "github.com/wasmpi/wasmpi/comm"

// Error classes as the guest sees them (return codes of MPI functions).
const (
	Success                 int32 = 0
	ErrBuffer               int32 = 1
	ErrCount                int32 = 2
	ErrType                 int32 = 3
	ErrTag                  int32 = 4
	ErrComm                 int32 = 5
	ErrRank                 int32 = 6
	ErrRequest              int32 = 7
	ErrRoot                 int32 = 8
	ErrGroup                int32 = 9
	ErrOp                   int32 = 10
	ErrTopology             int32 = 11
	ErrDims                 int32 = 12
	ErrArg                  int32 = 13
	ErrUnknown              int32 = 14
	ErrTruncate             int32 = 15
	ErrOther                int32 = 16
	ErrIntern               int32 = 17
	ErrPending              int32 = 18
	ErrInStatus             int32 = 19
	ErrAccess               int32 = 20
	ErrAmode                int32 = 21
	ErrAssert               int32 = 22
	ErrBadFile              int32 = 23
	ErrBase                 int32 = 24
	ErrConversion           int32 = 25
	ErrDisp                 int32 = 26
	ErrDupDatarep           int32 = 27
	ErrFileExists           int32 = 28
	ErrFileInUse            int32 = 29
	ErrFile                 int32 = 30
	ErrInfoKey              int32 = 31
	ErrInfoNokey            int32 = 32
	ErrInfoValue            int32 = 33
	ErrInfo                 int32 = 34
	ErrIO                   int32 = 35
	ErrKeyval               int32 = 36
	ErrLocktype             int32 = 37
	ErrName                 int32 = 38
	ErrNoMem                int32 = 39
	ErrNotSame              int32 = 40
	ErrNoSpace              int32 = 41
	ErrNoSuchFile           int32 = 42
	ErrPort                 int32 = 43
	ErrQuota                int32 = 44
	ErrReadOnly             int32 = 45
	ErrRMAAttach            int32 = 46
	ErrRMAConflict          int32 = 47
	ErrRMARange             int32 = 48
	ErrRMAShared            int32 = 49
	ErrRMASync              int32 = 50
	ErrService              int32 = 51
	ErrSize                 int32 = 52
	ErrSpawn                int32 = 53
	ErrUnsupportedDatarep   int32 = 54
	ErrUnsupportedOperation int32 = 55
	ErrWin                  int32 = 56
	ErrRMAFlavor            int32 = 57
	ErrProcAborted          int32 = 58
	ErrValueTooLarge        int32 = 59
	ErrSession              int32 = 60
	ErrErrhandler           int32 = 61
	ErrABI                  int32 = 62

	// Tool information interface (MPI_T_*) error classes.
	TErrCannotInit      int32 = 1001
	TErrNotAccessible   int32 = 1002
	TErrNotInitialized  int32 = 1003
	TErrNotSupported    int32 = 1004
	TErrMemory          int32 = 1005
	TErrInvalid         int32 = 1006
	TErrInvalidIndex    int32 = 1007
	TErrInvalidItem     int32 = 1008
	TErrInvalidSession  int32 = 1009
	TErrInvalidHandle   int32 = 1010
	TErrInvalidName     int32 = 1011
	TErrOutOfHandles    int32 = 1012
	TErrOutOfSessions   int32 = 1013
	TErrCvarSetNotNow   int32 = 1014
	TErrCvarSetNever    int32 = 1015
	TErrPvarNoWrite     int32 = 1016
	TErrPvarNoStartstop int32 = 1017
	TErrPvarNoAtomic    int32 = 1018

	// ErrLastCode is MPI_ERR_LASTCODE: codes and classes the guest adds with
	// MPI_Add_error_class / MPI_Add_error_code are numbered above it.
	ErrLastCode int32 = 0x3fff
)

type errorClassEntry struct {
	name string
	code int32
}

// errorClassTable lists every ABI error class (and MPI_ERR_LASTCODE last) in
// numeric order. Read-only.
var errorClassTable = [...]errorClassEntry{
	{"MPI_SUCCESS", Success},
	{"MPI_ERR_BUFFER", ErrBuffer},
	{"MPI_ERR_COUNT", ErrCount},
	{"MPI_ERR_TYPE", ErrType},
	{"MPI_ERR_TAG", ErrTag},
	{"MPI_ERR_COMM", ErrComm},
	{"MPI_ERR_RANK", ErrRank},
	{"MPI_ERR_REQUEST", ErrRequest},
	{"MPI_ERR_ROOT", ErrRoot},
	{"MPI_ERR_GROUP", ErrGroup},
	{"MPI_ERR_OP", ErrOp},
	{"MPI_ERR_TOPOLOGY", ErrTopology},
	{"MPI_ERR_DIMS", ErrDims},
	{"MPI_ERR_ARG", ErrArg},
	{"MPI_ERR_UNKNOWN", ErrUnknown},
	{"MPI_ERR_TRUNCATE", ErrTruncate},
	{"MPI_ERR_OTHER", ErrOther},
	{"MPI_ERR_INTERN", ErrIntern},
	{"MPI_ERR_PENDING", ErrPending},
	{"MPI_ERR_IN_STATUS", ErrInStatus},
	{"MPI_ERR_ACCESS", ErrAccess},
	{"MPI_ERR_AMODE", ErrAmode},
	{"MPI_ERR_ASSERT", ErrAssert},
	{"MPI_ERR_BAD_FILE", ErrBadFile},
	{"MPI_ERR_BASE", ErrBase},
	{"MPI_ERR_CONVERSION", ErrConversion},
	{"MPI_ERR_DISP", ErrDisp},
	{"MPI_ERR_DUP_DATAREP", ErrDupDatarep},
	{"MPI_ERR_FILE_EXISTS", ErrFileExists},
	{"MPI_ERR_FILE_IN_USE", ErrFileInUse},
	{"MPI_ERR_FILE", ErrFile},
	{"MPI_ERR_INFO_KEY", ErrInfoKey},
	{"MPI_ERR_INFO_NOKEY", ErrInfoNokey},
	{"MPI_ERR_INFO_VALUE", ErrInfoValue},
	{"MPI_ERR_INFO", ErrInfo},
	{"MPI_ERR_IO", ErrIO},
	{"MPI_ERR_KEYVAL", ErrKeyval},
	{"MPI_ERR_LOCKTYPE", ErrLocktype},
	{"MPI_ERR_NAME", ErrName},
	{"MPI_ERR_NO_MEM", ErrNoMem},
	{"MPI_ERR_NOT_SAME", ErrNotSame},
	{"MPI_ERR_NO_SPACE", ErrNoSpace},
	{"MPI_ERR_NO_SUCH_FILE", ErrNoSuchFile},
	{"MPI_ERR_PORT", ErrPort},
	{"MPI_ERR_QUOTA", ErrQuota},
	{"MPI_ERR_READ_ONLY", ErrReadOnly},
	{"MPI_ERR_RMA_ATTACH", ErrRMAAttach},
	{"MPI_ERR_RMA_CONFLICT", ErrRMAConflict},
	{"MPI_ERR_RMA_RANGE", ErrRMARange},
	{"MPI_ERR_RMA_SHARED", ErrRMAShared},
	{"MPI_ERR_RMA_SYNC", ErrRMASync},
	{"MPI_ERR_SERVICE", ErrService},
	{"MPI_ERR_SIZE", ErrSize},
	{"MPI_ERR_SPAWN", ErrSpawn},
	{"MPI_ERR_UNSUPPORTED_DATAREP", ErrUnsupportedDatarep},
	{"MPI_ERR_UNSUPPORTED_OPERATION", ErrUnsupportedOperation},
	{"MPI_ERR_WIN", ErrWin},
	{"MPI_ERR_RMA_FLAVOR", ErrRMAFlavor},
	{"MPI_ERR_PROC_ABORTED", ErrProcAborted},
	{"MPI_ERR_VALUE_TOO_LARGE", ErrValueTooLarge},
	{"MPI_ERR_SESSION", ErrSession},
	{"MPI_ERR_ERRHANDLER", ErrErrhandler},
	{"MPI_ERR_ABI", ErrABI},
	{"MPI_T_ERR_CANNOT_INIT", TErrCannotInit},
	{"MPI_T_ERR_NOT_ACCESSIBLE", TErrNotAccessible},
	{"MPI_T_ERR_NOT_INITIALIZED", TErrNotInitialized},
	{"MPI_T_ERR_NOT_SUPPORTED", TErrNotSupported},
	{"MPI_T_ERR_MEMORY", TErrMemory},
	{"MPI_T_ERR_INVALID", TErrInvalid},
	{"MPI_T_ERR_INVALID_INDEX", TErrInvalidIndex},
	{"MPI_T_ERR_INVALID_ITEM", TErrInvalidItem},
	{"MPI_T_ERR_INVALID_SESSION", TErrInvalidSession},
	{"MPI_T_ERR_INVALID_HANDLE", TErrInvalidHandle},
	{"MPI_T_ERR_INVALID_NAME", TErrInvalidName},
	{"MPI_T_ERR_OUT_OF_HANDLES", TErrOutOfHandles},
	{"MPI_T_ERR_OUT_OF_SESSIONS", TErrOutOfSessions},
	{"MPI_T_ERR_CVAR_SET_NOT_NOW", TErrCvarSetNotNow},
	{"MPI_T_ERR_CVAR_SET_NEVER", TErrCvarSetNever},
	{"MPI_T_ERR_PVAR_NO_WRITE", TErrPvarNoWrite},
	{"MPI_T_ERR_PVAR_NO_STARTSTOP", TErrPvarNoStartstop},
	{"MPI_T_ERR_PVAR_NO_ATOMIC", TErrPvarNoAtomic},
	{"MPI_ERR_LASTCODE", ErrLastCode},
}

// ErrorCode is the ABI number of an error class of comm. comm.ErrNotSupported
// is reported as MPI_ERR_UNSUPPORTED_OPERATION; a value outside comm's enum
// gives MPI_ERR_INTERN.
func ErrorCode(c comm.ErrorClass) int32 {
	switch c {
	case comm.Success:
		return Success
	case comm.ErrBuffer:
		return ErrBuffer
	case comm.ErrCount:
		return ErrCount
	case comm.ErrType:
		return ErrType
	case comm.ErrTag:
		return ErrTag
	case comm.ErrComm:
		return ErrComm
	case comm.ErrRank:
		return ErrRank
	case comm.ErrRequest:
		return ErrRequest
	case comm.ErrRoot:
		return ErrRoot
	case comm.ErrGroup:
		return ErrGroup
	case comm.ErrOp:
		return ErrOp
	case comm.ErrTopology:
		return ErrTopology
	case comm.ErrDims:
		return ErrDims
	case comm.ErrArg:
		return ErrArg
	case comm.ErrUnknown:
		return ErrUnknown
	case comm.ErrTruncate:
		return ErrTruncate
	case comm.ErrOther:
		return ErrOther
	case comm.ErrIntern:
		return ErrIntern
	case comm.ErrInStatus:
		return ErrInStatus
	case comm.ErrPending:
		return ErrPending
	case comm.ErrNoMem:
		return ErrNoMem
	case comm.ErrUnsupportedOperation, comm.ErrNotSupported:
		return ErrUnsupportedOperation
	case comm.ErrErrhandler:
		return ErrErrhandler
	case comm.ErrInfo:
		return ErrInfo
	case comm.ErrKeyval:
		return ErrKeyval
	case comm.ErrWin:
		return ErrWin
	case comm.ErrProcAborted:
		return ErrProcAborted
	}
	return ErrIntern
}

// ErrorClassOf maps an ABI error class number back to comm's class. ok is
// false for classes comm does not have (file, RMA, MPI_T, ... classes) and
// for numbers that are not ABI error classes. MPI_ERR_UNSUPPORTED_OPERATION
// gives comm.ErrUnsupportedOperation.
func ErrorClassOf(code int32) (c comm.ErrorClass, ok bool) {
	for _, cc := range comm.ErrorClasses() {
		if cc == comm.ErrNotSupported {
			continue
		}
		if ErrorCode(cc) == code {
			return cc, true
		}
	}
	return comm.Success, false
}

// IsErrorClass reports whether code is one of the ABI's predefined error
// classes (MPI_SUCCESS included, MPI_ERR_LASTCODE excluded), whether or not
// comm has a class for it.
func IsErrorClass(code int32) bool { return ErrorClassName(code) != "" }

// ErrorClassName is the MPI name of an ABI error class number, such as
// "MPI_ERR_RANK", or "" when code is not a predefined error class
// (MPI_ERR_LASTCODE and codes added by the guest included).
func ErrorClassName(code int32) string {
	if code == ErrLastCode {
		return ""
	}
	for _, e := range errorClassTable {
		if e.code == code {
			return e.name
		}
	}
	return ""
}
