package openmp

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
)

// ProcessConfig describes one process (for wasmpi, one MPI rank) whose
// OpenMP threads share a memory.
type ProcessConfig struct {
	// Name prefixes the names of the wasm instances (e.g. "rank3" gives
	// "rank3.env", "rank3.omp1", ...); it must be unique in the runtime.
	Name string
	// Env is the process environment (KEY=VALUE); the OMP_* variables set
	// the initial ICVs.
	Env []string
	// DefaultThreads is nthreads-var when OMP_NUM_THREADS is unset.
	DefaultThreads int
	// NumProcs is what omp_get_num_procs reports.
	NumProcs int
	// Context is the parent of the context every call made on a new
	// OpenMP thread carries, so host functions (MPI) can find their state.
	Context context.Context
	// Instantiate creates another instance of the program for a new
	// OpenMP thread. ctx carries the import resolver that connects the
	// instance to this process's memory and runtime; the instance must
	// not run its start functions (_start).
	Instantiate func(ctx context.Context, name string) (api.Module, error)
	// Done stops the process when it closes: threads waiting in the
	// runtime give up and unwind through OnStop.
	Done <-chan struct{}
	// OnStop is called on a thread that has to stop because Done closed;
	// it should panic so that the guest unwinds. Nil: panic with ErrStopped.
	OnStop func()
	// OnFailure is told about the first failure of an OpenMP thread other
	// than the initial one (a trap, exit, or an error its host calls
	// raised). The initial thread sees the same error at its next
	// OpenMP call.
	OnFailure func(err error)
}

// ErrStopped is the panic value of threads unwinding because the process
// was stopped or closed.
var ErrStopped = errors.New("OpenMP: the process was stopped")

// errAborted unwinds threads other than the one that failed.
var errAborted = errors.New("OpenMP: another thread of the process failed")

// Process is the OpenMP runtime state of one process: its memory, its
// threads (the initial one and a pool of workers, each a wasm instance of
// the same module importing the same shared memory), its locks and teams.
type Process struct {
	cfg ProcessConfig
	mod *Module
	set *settings

	env        api.Module // owns the shared memory and re-exports the runtime
	mem        api.Memory
	resolveCtx context.Context
	main       *Thread
	start      time.Time

	mu      sync.Mutex // threads, idle
	threads []*Thread
	idle    []*Thread
	// creating counts threads being instantiated (for the thread limit).
	creating int

	abort     chan struct{} // closed when the process fails or closes
	abortOnce sync.Once
	failure   atomic.Pointer[failureRecord]
	closed    chan struct{}

	maxActive atomic.Int32 // max-active-levels-var
	// nteams-var and teams-thread-limit-var (0: not set)
	nteams           atomic.Int32
	teamsThreadLimit atomic.Int32

	crits      sync.Map // guest address of a kmp_critical_name -> *critLock
	locks      lockTable
	lockSemas  sync.Map      // guest address of a guest-side lock word -> chan struct{}
	taskTokens atomic.Uint32 // the last task token handed out (tokenIn)

	tpMu sync.Mutex
	tp   map[uint32]*tpVar // __kmpc_threadprivate_cached variables

	wasiMu sync.Mutex // serialises WASI calls of the process's threads

	redMu   sync.Mutex            // reds, redNext
	reds    map[uint32]*taskgroup // taskgroups with a task reduction, by handle
	redNext uint32
}

type failureRecord struct {
	err    error
	thread int32
}

var errJobStopped = errors.New("OpenMP: stopped by the embedder")

// NewProcess creates the process's memory and returns the process. The
// initial thread's instance is created by the caller with the context
// from ResolveContext and handed over with Start.
func (m *Module) NewProcess(ctx context.Context, cfg ProcessConfig) (*Process, error) {
	if cfg.Instantiate == nil {
		return nil, errors.New("openmp: ProcessConfig.Instantiate is required")
	}
	if cfg.Context == nil {
		cfg.Context = context.Background()
	}
	if cfg.NumProcs < 1 {
		cfg.NumProcs = 1
	}
	p := &Process{
		cfg:    cfg,
		mod:    m,
		set:    parseEnv(cfg.Env, cfg.DefaultThreads, cfg.NumProcs),
		start:  time.Now(),
		abort:  make(chan struct{}),
		closed: make(chan struct{}),
		tp:     map[uint32]*tpVar{},
	}
	p.maxActive.Store(int32(p.set.maxActiveLevels))
	p.nteams.Store(int32(p.set.nteams))
	p.teamsThreadLimit.Store(int32(p.set.teamsThreadLimit))
	env, err := m.rt.rt.InstantiateModule(ctx, m.env, wazero.NewModuleConfig().WithName(cfg.Name+".env").WithStartFunctions())
	if err != nil {
		return nil, fmt.Errorf("openmp: creating the shared memory: %w", err)
	}
	p.env = env
	p.mem = env.Memory()
	p.resolveCtx = p.ResolveContext(ctx)
	if cfg.Done != nil {
		go func() {
			select {
			case <-cfg.Done:
				p.fail(errJobStopped, -1)
			case <-p.closed:
			}
		}()
	}
	return p, nil
}

// ResolveContext returns ctx with the import resolver that gives an
// instance this process's memory and OpenMP runtime: instantiate the
// initial thread's module with it.
func (p *Process) ResolveContext(ctx context.Context) context.Context {
	return experimental.WithImportResolver(ctx, func(name string) api.Module {
		switch name {
		case "env":
			return p.env
		case wasi_snapshot_preview1.ModuleName:
			return p.mod.rt.wasi
		}
		return nil
	})
}

// Warnings lists the OMP_* settings that were ignored.
func (p *Process) Warnings() []string { return p.set.warnings }

// Memory is the process's shared memory.
func (p *Process) Memory() api.Memory { return p.mem }

// Start makes main, an instance created with ResolveContext's context,
// the initial thread. Its calls must carry the context returned by
// Context.
func (p *Process) Start(main api.Module) error {
	th, err := p.newThreadState(main, 0)
	if err != nil {
		return err
	}
	// The initial thread's stack is at the bottom of memory (mpicc links
	// with --stack-first): an overflow runs below address 0 and traps by
	// itself, so the stack check gets no limits.
	if err := th.setStackLimits(0xffffffff, 0); err != nil {
		return err
	}
	initial := &team{p: p, n: 1, members: []*Thread{th}}
	initial.init()
	th.cur = teamCtx{team: initial, tid: 0}
	th.cur.task = &task{implicit: true, team: initial, thread: th, icv: p.set.icv.clone()}
	th.cur.implicit = th.cur.task
	p.main = th
	p.threads = append(p.threads, th)
	return nil
}

// Context returns the context for calling the initial thread's functions
// (_start): host functions find the calling thread in it.
func (p *Process) Context(ctx context.Context) context.Context {
	p.main.ctx = context.WithValue(ctx, threadKey{}, p.main)
	return p.main.ctx
}

// Threads is the number of OpenMP threads created so far (the initial one
// included).
func (p *Process) Threads() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.threads)
}

// Close ends the worker threads once the initial thread has returned, and
// releases their instances and the memory. A worker still executing guest
// code (the initial thread exited in the middle of a parallel region)
// cannot be interrupted: Close waits up to grace for it to reach the
// runtime, and otherwise leaves everything in place and reports true.
func (p *Process) Close(ctx context.Context, grace time.Duration) (abandoned bool) {
	p.fail(ErrStopped, -1)
	p.abortOnce.Do(func() { close(p.abort) })
	select {
	case <-p.closed:
	default:
		close(p.closed)
	}
	p.mu.Lock()
	ws := append([]*Thread(nil), p.threads...)
	p.mu.Unlock()
	deadline := time.NewTimer(grace)
	defer deadline.Stop()
	for _, w := range ws {
		if w == p.main || w.done == nil {
			continue
		}
		select {
		case <-w.done:
		case <-deadline.C:
			return true
		}
	}
	for _, w := range ws {
		if w != p.main {
			_ = w.mod.Close(ctx)
		}
	}
	_ = p.env.Close(ctx)
	return false
}

// fail records the first failure and wakes every waiting thread.
func (p *Process) fail(err error, gtid int32) bool {
	first := p.failure.CompareAndSwap(nil, &failureRecord{err: err, thread: gtid})
	p.abortOnce.Do(func() { close(p.abort) })
	return first
}

// failThread records the failure of a thread other than the initial one.
func (p *Process) failThread(th *Thread, err error) {
	if errors.Is(err, errAborted) || errors.Is(err, ErrStopped) || errors.Is(err, errJobStopped) {
		return
	}
	if p.failure.Load() != nil {
		return
	}
	var exit interface{ ExitCode() uint32 }
	if !errors.As(err, &exit) {
		err = fmt.Errorf("OpenMP thread %d: %w", th.gtid, err)
	}
	if p.fail(err, th.gtid) && p.cfg.OnFailure != nil {
		p.cfg.OnFailure(err)
	}
}

// stopped reports whether the process has failed or is closing.
func (p *Process) stopped() bool { return p.failure.Load() != nil }

// unwind leaves the guest of th because the process stopped: it never
// returns.
func (th *Thread) unwind() {
	p := th.p
	f := p.failure.Load()
	if f == nil {
		panic(ErrStopped)
	}
	if f.err == errJobStopped {
		if p.cfg.OnStop != nil {
			p.cfg.OnStop()
		}
		panic(ErrStopped)
	}
	if th != p.main || f.err == ErrStopped {
		panic(errAborted)
	}
	panic(f.err)
}

// guestError is a misuse of the runtime by the guest (a bad pointer, an
// invalid lock); it fails the thread like a trap.
type guestError struct{ msg string }

func (e *guestError) Error() string { return "OpenMP: " + e.msg }

// fault stops the calling thread with a guest error.
func (th *Thread) fault(format string, args ...any) {
	panic(&guestError{fmt.Sprintf(format, args...)})
}

type threadKey struct{}

func threadFrom(ctx context.Context) *Thread {
	th, _ := ctx.Value(threadKey{}).(*Thread)
	return th
}

// Memory access on behalf of a thread: out-of-range addresses fault.

func (th *Thread) u32(addr uint32) uint32 {
	v, ok := th.p.mem.ReadUint32Le(addr)
	if !ok {
		th.fault("read of 4 bytes at %#x is outside the memory", addr)
	}
	return v
}

func (th *Thread) u64(addr uint32) uint64 {
	v, ok := th.p.mem.ReadUint64Le(addr)
	if !ok {
		th.fault("read of 8 bytes at %#x is outside the memory", addr)
	}
	return v
}

func (th *Thread) put32(addr, v uint32) {
	if !th.p.mem.WriteUint32Le(addr, v) {
		th.fault("write of 4 bytes at %#x is outside the memory", addr)
	}
}

func (th *Thread) put64(addr uint32, v uint64) {
	if !th.p.mem.WriteUint64Le(addr, v) {
		th.fault("write of 8 bytes at %#x is outside the memory", addr)
	}
}

func (th *Thread) bytes(addr, n uint32) []byte {
	b, ok := th.p.mem.Read(addr, n)
	if !ok {
		th.fault("%d bytes at %#x are outside the memory", n, addr)
	}
	return b
}

// IsInitialThread reports whether ctx is the context of a call made on a
// process's initial thread (or on no OpenMP thread at all): what
// MPI_Is_thread_main needs.
func IsInitialThread(ctx context.Context) bool {
	th := threadFrom(ctx)
	return th == nil || th == th.p.main
}
