package rank

import (
	"context"
	"errors"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tetratelabs/wazero/api"

	"github.com/wasmpi/wasmpi/collective"
	"github.com/wasmpi/wasmpi/comm"
	"github.com/wasmpi/wasmpi/rma"
)

// jobState is what the ranks of one run share.
type jobState struct {
	cfg   *Config
	world *comm.World
	start time.Time

	mu    sync.Mutex
	first *Failure

	// windows is where the ranks meet to create RMA windows (mpi_win.go).
	windows rma.Registry

	// coll is where the ranks meet for shared-memory collectives; it is
	// attached to every rank's context (see rankState.run).
	coll collective.Shared
}

// fail records the first failure and stops the world so that every blocked
// rank returns.
func (js *jobState) fail(rank, code int, err error) {
	js.mu.Lock()
	if js.first == nil {
		js.first = &Failure{Rank: rank, ExitCode: code, Err: err}
	}
	js.mu.Unlock()
	js.world.Stop(errStoppedByJob)
}

func (js *jobState) failure() *Failure {
	js.mu.Lock()
	defer js.mu.Unlock()
	return js.first
}

func (js *jobState) hostname() string {
	if js.cfg.Hostname != "" {
		return js.cfg.Hostname
	}
	if h, err := os.Hostname(); err == nil {
		return h
	}
	return "localhost"
}

func hostProcs() int { return runtime.NumCPU() }

// rankStop unwinds a rank out of the guest from inside a host function.
type rankStop struct {
	code  int
	err   error
	byJob bool // the job stopped because of another rank or a cancel
}

func (s *rankStop) Error() string {
	if s.err != nil {
		return s.err.Error()
	}
	return "rank stopped"
}

// rankState is one rank: its wasm instance and its MPI state. Host
// functions find it through the call's context.
type rankState struct {
	job  *jobState
	rank int
	mod  api.Module
	ep   *comm.Endpoint

	// activity names the MPI function the rank is in (nil: not in MPI),
	// for the report of what each rank was doing when a job is stopped.
	// With several OpenMP threads calling MPI it names one of the calls.
	activity atomic.Pointer[string]
	// ended is set when the rank's program has returned.
	ended atomic.Bool

	initialized atomic.Bool
	// spareCall is a call record kept for reuse by the host functions
	// marked reuseCall (host.go).
	spareCall atomic.Pointer[call]
	finalized atomic.Bool
	// openSessions counts the sessions open (mpi_session.go).
	openSessions atomic.Int32
	threadLevel  int32

	// mu guards the handle tables; MPI calls from one rank are serialised
	// by the guest unless it asked for MPI_THREAD_MULTIPLE.
	mu       sync.Mutex
	comms    map[uint32]*commState
	requests map[uint32]*requestState
	nextReq  uint32

	// the buffer attached with MPI_Buffer_attach (guest address and size)
	bsendAddr, bsendSize uint32

	// omp is the rank's OpenMP threads and their shared memory (nil
	// unless the program uses OpenMP; see openmp_rank.go).
	omp *ompRank

	// derived datatypes (types.go, mpi_type.go); it has its own lock
	types typeTable

	// Communicators and groups (mpi_comm.go, mpi_group.go), guarded by mu.
	// nextContext is the lowest context id this rank may propose for a new
	// communicator (0 until the first one: firstFreeContext); ctxClaimed
	// holds ids agreed by creations that are still confirming them.
	nextContext uint32
	ctxClaimed  map[uint32]bool
	commAlloc   handleAlloc
	groupAlloc  handleAlloc
	groups      map[uint32]*comm.Group
	inter       map[uint32]*interComm // intercommunicators: the extra state
	idups       int                   // MPI_Comm_idup agreements in flight (mpi_comm.go)

	// user-defined operations, attributes, info objects, error handlers
	// and classes, guest callbacks and host-owned guest memory
	// (guestcall.go, mpi_op.go, mpi_attr.go, mpi_info.go, mpi_errh.go)
	ext extState

	// RMA windows (mpi_win.go); the table has its own lock
	wins winTable
}

// commState is a communicator handle of one rank.
type commState struct {
	handle     uint32
	c          *comm.Comm
	errhandler uint32
	name       string
	// topo is the virtual topology (nil for none; mpi_topo.go). It never
	// changes, so a duplicate shares it.
	topo *comm.Topology
}

type rankKey struct{}

func withRank(ctx context.Context, r *rankState) context.Context {
	return context.WithValue(ctx, rankKey{}, r)
}

func rankFrom(ctx context.Context) *rankState {
	r, _ := ctx.Value(rankKey{}).(*rankState)
	return r
}

var errNotInitialized = errors.New("MPI has not been initialized (call MPI_Init first)")
