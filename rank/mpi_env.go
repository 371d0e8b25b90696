package rank

import (
	"fmt"
	"time"

	"github.com/wasmpi/wasmpi/collective"
	"github.com/wasmpi/wasmpi/comm"
	"github.com/wasmpi/wasmpi/rank/abi"
)

// Version information reported to guests.
const (
	mpiVersion    = 4
	mpiSubversion = 1
	// LibraryVersion is what MPI_Get_library_version reports.
	LibraryVersion = "wasmpi 0.1 (MPI 4.1 API, MPI 5.0 standard ABI, wasm32)"
)

// Context ids of the predefined communicators. Each communicator uses its
// id for point-to-point traffic and id+1 for collectives.
const (
	contextWorld    = 0
	contextSelf     = 2
	contextFinalize = 4
	// contextSessions is the hidden communicator of all processes over
	// which communicators made from groups agree on their context.
	contextSessions = 6
	// firstFreeContext is where communicators created by the program start.
	firstFreeContext = 8
)

func newRankState(js *jobState, i int) *rankState {
	return &rankState{
		job:      js,
		rank:     i,
		ep:       js.world.Endpoint(i),
		comms:    map[uint32]*commState{},
		requests: map[uint32]*requestState{},
		nextReq:  firstRequestHandle,
	}
}

// initMPI sets up the predefined communicators.
func (r *rankState) initMPI(level int32) error {
	if r.initialized.Load() {
		return comm.Errorf(comm.ErrOther, "MPI is already initialized")
	}
	if r.finalized.Load() {
		return comm.Errorf(comm.ErrOther, "MPI cannot be initialized again after MPI_Finalize")
	}
	w := r.job.world
	all := make([]int, w.Size())
	for i := range all {
		all[i] = i
	}
	world, err := w.Comm(r.rank, contextWorld, all)
	if err != nil {
		return err
	}
	self, err := w.Comm(r.rank, contextSelf, []int{r.rank})
	if err != nil {
		return err
	}
	r.mu.Lock()
	r.comms[abi.CommWorld] = &commState{handle: abi.CommWorld, c: world, errhandler: abi.ErrorsAreFatal, name: "MPI_COMM_WORLD"}
	r.comms[abi.CommSelf] = &commState{handle: abi.CommSelf, c: self, errhandler: abi.ErrorsAreFatal, name: "MPI_COMM_SELF"}
	r.mu.Unlock()
	// The engine is safe for concurrent calls from several threads of a
	// rank, so every level up to MPI_THREAD_MULTIPLE is provided.
	r.threadLevel = level
	r.initialized.Store(true)
	return nil
}

// finalizeMPI synchronises with every other rank so that no rank leaves
// while others still exchange messages with it, then marks MPI finished.
func (r *rankState) finalizeMPI(c *call) error {
	w := r.job.world
	all := make([]int, w.Size())
	for i := range all {
		all[i] = i
	}
	fc, err := w.Comm(r.rank, contextFinalize, all)
	if err != nil {
		return err
	}
	if err := collective.Barrier(c.ctx, fc); err != nil {
		return err
	}
	r.finalized.Store(true)
	return nil
}

func envFunctions() []mpiFunc {
	return []mpiFunc{
		{name: "MPI_Init", params: params(2), beforeInit: true, fn: func(c *call) error {
			return c.r.initMPI(abi.ThreadSingle)
		}},
		{name: "MPI_Init_thread", params: params(4), beforeInit: true, fn: func(c *call) error {
			required := int32(c.int(2))
			if required < abi.ThreadSingle || required > abi.ThreadMultiple {
				return comm.Errorf(comm.ErrArg, "invalid thread level %d", required)
			}
			if err := c.r.initMPI(required); err != nil {
				return err
			}
			return c.putI32(c.u32(3), c.r.threadLevel, "provided")
		}},
		{name: "MPI_Initialized", params: params(1), beforeInit: true, fn: func(c *call) error {
			return c.putI32(c.u32(0), boolInt(c.r.initialized.Load()), "flag")
		}},
		{name: "MPI_Finalized", params: params(1), beforeInit: true, fn: func(c *call) error {
			return c.putI32(c.u32(0), boolInt(c.r.finalized.Load()), "flag")
		}},
		{name: "MPI_Finalize", params: nil, fn: func(c *call) error {
			return c.r.finalizeMPI(c)
		}},
		{name: "MPI_Abort", params: params(2), beforeInit: true, fn: func(c *call) error {
			code := c.int(1)
			e := fmt.Errorf("MPI_Abort was called with error code %d", code)
			c.r.job.fail(c.r.rank, code, e)
			panic(&rankStop{code: code, err: e})
		}},
		{name: "MPI_Comm_rank", params: params(2), fn: func(c *call) error {
			cs, err := c.comm(c.u32(0))
			if err != nil {
				return err
			}
			return c.putI32(c.u32(1), int32(cs.c.Rank()), "rank")
		}},
		{name: "MPI_Comm_size", params: params(2), fn: func(c *call) error {
			cs, err := c.comm(c.u32(0))
			if err != nil {
				return err
			}
			return c.putI32(c.u32(1), int32(cs.c.Size()), "size")
		}},
		{name: "MPI_Wtime", beforeInit: true, float: func(c *call) float64 {
			// Seconds since the epoch, but advanced by the monotonic clock
			// from one instant shared by every rank of the job, so it never
			// goes backwards when the wall clock is stepped and all ranks
			// read the same clock (MPI_WTIME_IS_GLOBAL).
			start := c.r.job.start
			return float64(start.UnixNano())/1e9 + time.Since(start).Seconds()
		}},
		{name: "MPI_Wtick", beforeInit: true, float: func(c *call) float64 { return 1e-9 }},
		{name: "MPI_Get_processor_name", params: params(2), beforeInit: true, fn: func(c *call) error {
			return c.putString(c.u32(0), abi.MaxProcessorName, c.u32(1), c.r.job.hostname(), "name")
		}},
		{name: "MPI_Get_version", params: params(2), beforeInit: true, fn: func(c *call) error {
			if err := c.putI32(c.u32(0), mpiVersion, "version"); err != nil {
				return err
			}
			return c.putI32(c.u32(1), mpiSubversion, "subversion")
		}},
		{name: "MPI_Get_library_version", params: params(2), beforeInit: true, fn: func(c *call) error {
			return c.putString(c.u32(0), abi.MaxLibraryVersionString, c.u32(1), LibraryVersion, "version")
		}},
		{name: "MPI_Query_thread", params: params(1), fn: func(c *call) error {
			return c.putI32(c.u32(0), c.r.threadLevel, "provided")
		}},
		{name: "MPI_Is_thread_main", params: params(1), fn: func(c *call) error {
			// The main thread is the rank's initial thread (the one that
			// runs main and called MPI_Init); OpenMP workers are not.
			return c.putI32(c.u32(0), boolInt(onMainThread(c.ctx)), "flag")
		}},
		{name: "MPI_Comm_set_errhandler", params: params(2), fn: func(c *call) error {
			cs, err := c.anyComm(c.u32(0))
			if err != nil {
				return err
			}
			return c.setErrhandler(cs, c.u32(1))
		}},
		{name: "MPI_Comm_get_errhandler", params: params(2), fn: func(c *call) error {
			cs, err := c.anyComm(c.u32(0))
			if err != nil {
				return err
			}
			return c.getErrhandler(cs, c.u32(1))
		}},
		{name: "MPI_Errhandler_free", params: params(1), fn: func(c *call) error {
			// Predefined handlers may be "freed": the handle becomes NULL.
			p := c.u32(0)
			h, err := c.getI32(p, "errhandler")
			if err != nil {
				return err
			}
			switch uint32(h) {
			case abi.ErrorsAreFatal, abi.ErrorsReturn, abi.ErrorsAbort:
				return c.putI32(p, int32(abi.ErrhandlerNull), "errhandler")
			}
			if isErrhHandle(uint32(h)) {
				// Communicators that use the handler keep it: it is only
				// marked freed (no new uses).
				e, err := c.userErrhandler(uint32(h))
				if err != nil {
					return err
				}
				c.r.ext.mu.Lock()
				if e.refs--; e.refs <= 0 {
					e.freed = true
				}
				c.r.ext.mu.Unlock()
				return c.putI32(p, int32(abi.ErrhandlerNull), "errhandler")
			}
			return comm.Errorf(comm.ErrArg, "invalid error handler %#x", h)
		}},
		{name: "MPI_Error_class", params: params(2), beforeInit: true, fn: func(c *call) error {
			// Every code the runtime returns is an error class itself, so
			// the class of a predefined class is that class, including the
			// file, RMA and MPI_T classes comm never reports.
			code := int32(c.int(0))
			if cl, ok := c.r.addedClass(code); ok {
				return c.putI32(c.u32(1), cl, "errorclass")
			}
			if !abi.IsErrorClass(code) {
				return comm.Errorf(comm.ErrArg, "invalid error code %d", code)
			}
			return c.putI32(c.u32(1), code, "errorclass")
		}},
		{name: "MPI_Error_string", params: params(3), beforeInit: true, fn: func(c *call) error {
			code := int32(c.int(0))
			if _, ok := c.r.addedClass(code); ok {
				return c.putString(c.u32(1), abi.MaxErrorString, c.u32(2), c.r.addedString(code), "string")
			}
			name := abi.ErrorClassName(code)
			if name == "" {
				return comm.Errorf(comm.ErrArg, "invalid error code %d", code)
			}
			return c.putString(c.u32(1), abi.MaxErrorString, c.u32(2), name+": "+errorDescription(code), "string")
		}},
	}
}

func boolInt(b bool) int32 {
	if b {
		return 1
	}
	return 0
}

// errorDescription is a short explanation of an error class.
func errorDescription(code int32) string {
	cl, _ := abi.ErrorClassOf(code)
	switch cl {
	case comm.Success:
		return "no error"
	case comm.ErrBuffer:
		return "invalid buffer pointer"
	case comm.ErrCount:
		return "invalid count argument"
	case comm.ErrType:
		return "invalid datatype"
	case comm.ErrTag:
		return "invalid tag"
	case comm.ErrComm:
		return "invalid communicator"
	case comm.ErrRank:
		return "invalid rank"
	case comm.ErrRequest:
		return "invalid request"
	case comm.ErrRoot:
		return "invalid root"
	case comm.ErrGroup:
		return "invalid group"
	case comm.ErrOp:
		return "invalid reduce operation"
	case comm.ErrArg:
		return "invalid argument"
	case comm.ErrTruncate:
		return "message truncated"
	case comm.ErrInStatus:
		return "error code is in status"
	case comm.ErrPending:
		return "pending request"
	case comm.ErrUnsupportedOperation, comm.ErrNotSupported:
		return "operation not supported"
	case comm.ErrIntern:
		return "internal error"
	default:
		return "error"
	}
}
