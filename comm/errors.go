package comm

import (
	"errors"
	"fmt"
)

// ErrorClass is an MPI error class, named as in the standard. The numbers a
// guest sees are assigned by the ABI table, not here.
type ErrorClass int

// The MPI error classes that comm and collective report.
const (
	Success ErrorClass = iota
	ErrBuffer
	ErrCount
	ErrType
	ErrTag
	ErrComm
	ErrRank
	ErrRequest
	ErrRoot
	ErrGroup
	ErrOp
	ErrTopology
	ErrDims
	ErrArg
	ErrUnknown
	ErrTruncate
	ErrOther
	ErrIntern
	ErrInStatus
	ErrPending
	ErrNoMem
	ErrUnsupportedOperation
	ErrErrhandler
	ErrInfo
	ErrKeyval
	ErrWin
	ErrProcAborted
	ErrNotSupported // not an MPI class; maps to MPI_ERR_UNSUPPORTED_OPERATION
	numErrorClasses
)

var errorClassNames = [numErrorClasses]string{
	Success: "MPI_SUCCESS", ErrBuffer: "MPI_ERR_BUFFER", ErrCount: "MPI_ERR_COUNT",
	ErrType: "MPI_ERR_TYPE", ErrTag: "MPI_ERR_TAG", ErrComm: "MPI_ERR_COMM",
	ErrRank: "MPI_ERR_RANK", ErrRequest: "MPI_ERR_REQUEST", ErrRoot: "MPI_ERR_ROOT",
	ErrGroup: "MPI_ERR_GROUP", ErrOp: "MPI_ERR_OP", ErrTopology: "MPI_ERR_TOPOLOGY",
	ErrDims: "MPI_ERR_DIMS", ErrArg: "MPI_ERR_ARG", ErrUnknown: "MPI_ERR_UNKNOWN",
	ErrTruncate: "MPI_ERR_TRUNCATE", ErrOther: "MPI_ERR_OTHER", ErrIntern: "MPI_ERR_INTERN",
	ErrInStatus: "MPI_ERR_IN_STATUS", ErrPending: "MPI_ERR_PENDING", ErrNoMem: "MPI_ERR_NO_MEM",
	ErrUnsupportedOperation: "MPI_ERR_UNSUPPORTED_OPERATION", ErrErrhandler: "MPI_ERR_ERRHANDLER",
	ErrInfo: "MPI_ERR_INFO", ErrKeyval: "MPI_ERR_KEYVAL", ErrWin: "MPI_ERR_WIN",
	ErrProcAborted: "MPI_ERR_PROC_ABORTED", ErrNotSupported: "MPI_ERR_UNSUPPORTED_OPERATION",
}

// String is the MPI name of the class, such as "MPI_ERR_RANK".
func (c ErrorClass) String() string {
	if c < 0 || c >= numErrorClasses {
		return fmt.Sprintf("error class %d", int(c))
	}
	return errorClassNames[c]
}

// ErrorClasses lists every class, Success included.
func ErrorClasses() []ErrorClass {
	out := make([]ErrorClass, numErrorClasses)
	for i := range out {
		out[i] = ErrorClass(i)
	}
	return out
}

// Error is an MPI error: a class plus a message worded for the user.
type Error struct {
	Class ErrorClass
	Msg   string
}

func (e *Error) Error() string { return fmt.Sprintf("%s (%s)", e.Msg, e.Class) }

// Errorf builds an *Error of the given class.
func Errorf(class ErrorClass, format string, args ...any) error {
	return &Error{Class: class, Msg: fmt.Sprintf(format, args...)}
}

// ClassOf returns the MPI error class of err: Success for nil, the class of
// an *Error found with errors.As, and ErrOther for anything else.
func ClassOf(err error) ErrorClass {
	if err == nil {
		return Success
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Class
	}
	return ErrOther
}
