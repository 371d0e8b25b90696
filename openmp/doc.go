// Package openmp is the OpenMP runtime entry points and thread teams over
// one shared memory.
//
// A C program compiled with mpicc -fopenmp calls the libomp ABI that clang
// emits (__kmpc_fork_call, __kmpc_for_static_init_4, __kmpc_reduce_nowait,
// ...) and the omp_* API; all of them are imports from module "env", and
// so is the program's memory, which is shared (-Wl,--import-memory,
// --shared-memory). This package provides them as host functions. It does
// not know about MPI: the embedder (package rank) hands it a context for
// the calls of new threads, a way to instantiate the module, and hooks for
// stopping and failing.
//
// # Threads, memory, stacks
//
// Each OpenMP thread of a process is an instance of the same compiled
// module: its own globals (stack pointer, TLS base) and its own function
// table, importing the one shared memory. The "env" module the instances
// import is generated per program ([Runtime.Prepare]): it defines the
// memory with exactly the limits the program imports it with and
// re-exports the runtime's functions from the host module
// [HostModuleName]. Each process instantiates it once ([Module.NewProcess])
// and its instances find it through experimental.WithImportResolver
// ([Process.ResolveContext]). Instantiating the module again does not
// re-initialise the data: a shared-memory module initialises its passive
// segments once. The memory is allocated with the embedder's allocator
// (rank reserves the maximum up front), so it never moves.
//
// Host functions find the calling thread in the call's context: the
// initial thread's calls carry [Process.Context], a worker's calls carry a
// context derived from ProcessConfig.Context, so the embedder's own host
// functions (MPI) find their state from any thread.
//
// Threads are pooled: the first parallel region creates its workers and
// later ones reuse them; a master keeps the workers of its last region
// (its hot team) and idle ones return to the pool, so a parallel region in
// a loop creates no instance after the first. A new worker gets a stack of
// OMP_STACKSIZE (default 4 MiB) allocated with the program's own malloc, a
// TLS block initialised with __wasm_init_tls, and a goroutine. Waiting
// threads spin for a while (OMP_WAIT_POLICY) and then park, so idle
// threads use no CPU. The SDK's support library tells the runtime where
// the allocator and the TLS initialiser are (__wasmpi_omp_info: the
// functions are reached through the table, because wasm-ld wraps a
// command module's function exports in constructor/destructor calls).
// Programs processed by wasm-opt --stack-check get per-thread stack
// limits; otherwise a canary under each worker's stack reports overflows
// at the next join.
//
// The WASI calls of all threads go to the initial thread's instance (its
// file descriptors and streams) through a proxy host module, one call at
// a time; the SDK wraps malloc and stdio with locks in the guest.
//
// # What is provided
//
// Parallel regions (num_threads, if, proc_bind accepted, nesting up to 8
// active levels, serialized regions), worksharing loops with every
// schedule (static with and without chunk, dynamic, guided, runtime, auto,
// monotonic/nonmonotonic, simd variants) on 32- and 64-bit signed and
// unsigned induction variables, ordered loops, sections, single with
// copyprivate, master and masked, barriers, critical sections (named,
// with hints; programs linked by the SDK take and release them in the
// guest and call the runtime only to sleep, wake and report misuse: see
// sync.go), flush, reductions (combined in thread order, so results are
// reproducible for a given team size and schedule), threadprivate (TLS,
// or __kmpc_threadprivate_cached), tasks with depend(in/out/inout/
// mutexinoutset/inoutset/omp_all_memory), taskwait (with depend),
// taskgroup, taskyield, if(0) and final tasks, taskloop (grainsize,
// num_tasks, nogroup, firstprivate, lastprivate), task reductions
// (task_reduction/in_reduction, taskloop reduction, the task modifier of
// parallel and worksharing reductions, user-declared reductions; combined
// in thread order), doacross loops (ordered(n) with depend(sink/source),
// deadlocks reported), teams on the host with distribute (static
// dist_schedule, distribute parallel for; see teams.go), locks and
// nestable locks (kept in the guest by programs linked by the SDK, which
// call the runtime only to sleep, wake, learn their task and report
// misuse), and the omp_* API listed by [EntryPoints].
// Cancellation is disabled (cancel-var false, as libomp without
// OMP_CANCELLATION).
//
// Not provided: the names in [Unsupported] (detachable tasks, allocators,
// offloading, entry points clang 16 does not emit for wasm32, ...). A
// program that imports one of them fails to load.
//
// # Environment
//
// OMP_NUM_THREADS (a list sets the nested levels), OMP_SCHEDULE,
// OMP_DYNAMIC, OMP_NESTED, OMP_MAX_ACTIVE_LEVELS, OMP_THREAD_LIMIT,
// OMP_NUM_TEAMS, OMP_TEAMS_THREAD_LIMIT,
// OMP_STACKSIZE, OMP_WAIT_POLICY, OMP_PROC_BIND (accepted and reported;
// goroutines are not bound), OMP_MAX_TASK_PRIORITY and OMP_DEFAULT_DEVICE
// are read from the process's environment; malformed values are ignored
// ([Process.Warnings]).
package openmp
