package rank

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync/atomic"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
	"github.com/tetratelabs/wazero/sys"

	"github.com/wasmpi/wasmpi/openmp"
)

// OpenMP inside a rank: the rank's OpenMP threads are further instances of
// the program importing the rank's shared memory (package openmp). Their
// calls carry the rank in their context, so MPI calls from any thread find
// the rank's state.

// ompDefaultThreads is the default team size: the host's processors shared
// among the job's ranks.
func ompDefaultThreads(ranks int) int {
	return max(1, runtime.NumCPU()/max(ranks, 1))
}

// ompRank is a rank's OpenMP threads and their shared memory.
type ompRank struct {
	proc *openmp.Process
	// mem is the shared memory: instances closing do not free it (wazero
	// would free it with the first instance that closes, while the others
	// still run); releaseOpenMP does.
	mem *reservedMemory
	// abandoned is set when a thread was still running guest code after
	// the rank ended: then nothing is released.
	abandoned atomic.Bool
}

// newOpenMPProcess creates rank r's OpenMP process: its shared memory and
// the pool its threads will come from.
func (j *Job) newOpenMPProcess(ctx context.Context, js *jobState, r *rankState) (*ompRank, error) {
	cfg := js.cfg
	alloc := &pinnedAllocator{}
	proc, err := j.ompModule.NewProcess(experimental.WithMemoryAllocator(ctx, alloc), openmp.ProcessConfig{
		Name:           fmt.Sprintf("rank%d", r.rank),
		Env:            cfg.Env,
		DefaultThreads: ompDefaultThreads(cfg.Ranks),
		NumProcs:       hostProcs(),
		Context:        withRank(js.world.Context(), r),
		Instantiate: func(ctx context.Context, name string) (api.Module, error) {
			// WASI calls of the thread go to the rank's initial instance
			// (its files and streams), so the thread needs no WASI setup.
			return j.runtime.InstantiateModule(ctx, j.compiled, wazero.NewModuleConfig().WithName(name).WithStartFunctions())
		},
		Done:   js.world.Context().Done(),
		OnStop: r.stopForJob,
		OnFailure: func(err error) {
			// A thread other than the initial one failed: the rank fails
			// (the initial thread unwinds at its next OpenMP call, or at
			// its next MPI call now that the job stops).
			var exit *sys.ExitError
			var stop *rankStop
			switch {
			case errors.As(err, &stop):
				if !stop.byJob {
					js.fail(r.rank, stop.code, stop.err)
				}
			case errors.As(err, &exit):
				if exit.ExitCode() != 0 {
					js.fail(r.rank, int(exit.ExitCode()), fmt.Errorf("an OpenMP thread exited with status %d", exit.ExitCode()))
				}
			default:
				js.fail(r.rank, 1, fmt.Errorf("trapped: %w", err))
			}
		},
	})
	if err != nil {
		if alloc.mem != nil {
			alloc.mem.release()
		}
		return nil, err
	}
	return &ompRank{proc: proc, mem: alloc.mem}, nil
}

// closeOpenMP ends the rank's OpenMP threads once its initial thread has
// returned. A thread still computing cannot be interrupted: then nothing
// is released and the job keeps the runtime alive.
func (r *rankState) closeOpenMP() {
	if r.omp == nil {
		return
	}
	grace := r.job.cfg.StopGrace
	if grace == 0 {
		grace = 2 * time.Second
	}
	if r.omp.proc.Close(context.Background(), grace) {
		r.omp.abandoned.Store(true)
	}
}

// releaseOpenMP frees the rank's shared memory once its threads and its
// initial instance are closed.
func (r *rankState) releaseOpenMP() {
	if r.omp == nil || r.omp.abandoned.Load() || r.omp.mem == nil {
		return
	}
	r.omp.mem.release()
}

// onMainThread reports whether an MPI call (its context) comes from the
// rank's initial thread rather than another OpenMP thread, for
// MPI_Is_thread_main.
func onMainThread(ctx context.Context) bool { return openmp.IsInitialThread(ctx) }
