package rank

import (
	"fmt"

	"github.com/wasmpi/wasmpi/comm"
	"github.com/wasmpi/wasmpi/rank/abi"
)

// Handles the runtime creates are numbered per rank, in a range of their
// own for each kind of object, all above abi.FirstUserHandle (every
// predefined handle is below it). A handle of one kind passed where
// another is expected is therefore never found in the wrong table, and the
// error can say what it is. Handles are given out cyclically through the
// range, so a freed handle is not reused at once and a stale copy of it is
// usually caught.
//
//	0x00001000 - 0x00003fff  communicators (12288 live at a time)
//	0x00004000 - 0x00007fff  groups (16384)
//	0x00008000 - 0x0000bfff  derived datatypes (rank/types.go)
//	0x0000c000 - 0x0000cfff  user-defined reduction operations (mpi_op.go)
//	0x0000d000 - 0x0000dfff  info objects (mpi_info.go)
//	0x0000e000 - 0x0000efff  user-defined error handlers (mpi_errh.go)
//	0x0000f000 - 0x0000f0ff  sessions (mpi_session.go)
//	0x0000f100 - 0x0000fbff  free for other kinds
//	0x0000fc00 - 0x0000fdff  RMA windows (mpi_win.go)
//	0x0000fe00 - 0x0000ffff  free for other kinds
//	0x00010000 - 0xffffffff  requests (rank/mpi_p2p.go, firstRequestHandle)
type handleRange struct {
	kind        string // "communicator", "group"
	first, last uint32
}

var (
	commHandles    = handleRange{"communicator", 0x1000, 0x3fff}
	groupHandles   = handleRange{"group", 0x4000, 0x7fff}
	opHandles      = handleRange{"operation", 0xc000, 0xcfff}
	infoHandles    = handleRange{"info", 0xd000, 0xdfff}
	errhHandles    = handleRange{"error handler", 0xe000, 0xefff}
	winHandles     = handleRange{"window", 0xfc00, 0xfdff}
	sessionHandles = handleRange{"session", 0xf000, 0xf0ff}
)

// handleRanges lists the kinds with their own range, for error messages.
var handleRanges = []handleRange{commHandles, groupHandles, {"datatype", firstTypeHandle, lastTypeHandle}, opHandles, infoHandles, errhHandles, winHandles, sessionHandles, {"request", firstRequestHandle, 0xffffffff}}

// The ranges must stay above every predefined handle and apart.
func init() {
	for i, r := range handleRanges {
		if r.first < abi.FirstUserHandle || r.last < r.first {
			panic(fmt.Sprintf("rank: %s handle range [%#x, %#x] is invalid", r.kind, r.first, r.last))
		}
		for _, o := range handleRanges[:i] {
			if r.first <= o.last && o.first <= r.last {
				panic(fmt.Sprintf("rank: %s and %s handle ranges overlap", r.kind, o.kind))
			}
		}
	}
}

// handleKind names the kind of object whose range h falls in ("" for none).
func handleKind(h uint32) string {
	for _, r := range handleRanges {
		if h >= r.first && h <= r.last {
			return r.kind
		}
	}
	return ""
}

// describeHandle explains an unknown handle for an error message: what
// kind of handle it looks like when that is not the expected kind.
func describeHandle(h uint32, want string) string {
	if k := handleKind(h); k != "" && k != want {
		return fmt.Sprintf("%#x (that is a %s handle, not a %s)", h, k, want)
	}
	return fmt.Sprintf("%#x", h)
}

// handleAlloc hands out handles of one range. The zero cursor starts at
// the beginning of the range. The caller holds the lock of the table.
type handleAlloc struct{ next uint32 }

// allocHandle stores v in m under a free handle of range r and returns the
// handle; ErrOther when every handle of the range is in use.
func allocHandle[T any](a *handleAlloc, r handleRange, m map[uint32]T, v T) (uint32, error) {
	n := r.last - r.first + 1
	for i := uint32(0); i < n; i++ {
		h := a.next
		if h < r.first || h > r.last {
			h = r.first
		}
		a.next = h + 1
		if _, used := m[h]; !used {
			m[h] = v
			return h, nil
		}
	}
	return 0, comm.Errorf(comm.ErrOther, "too many %ss in use (%d); free some", r.kind, n)
}
