// Package openmp is the OpenMP runtime entry points and thread teams over
// one shared memory.
//
// A C program compiled with mpicc -fopenmp calls the libomp ABI that clang
// emits (__kmpc_fork_call, __kmpc_for_static_init_4, __kmpc_reduce_nowait,
// ...) and the omp_* API; all of them are imports from module "env", and
// so is the program's memory, which is shared (-Wl,--import-memory,
// --shared-memory). This package provides them as host functions.
//
// Each OpenMP thread of a process is an instance of the same compiled
// module: its own globals (stack pointer, TLS base) and its own function
// table, importing the one shared memory. The "env" module a process's
// instances import is generated per program: it defines the memory with
// the limits the program imports it with and re-exports the runtime's
// functions from the host module [HostModuleName]. Instances find their
// process through experimental.WithImportResolver, and host functions find
// the calling thread in the call's context.
//
// Threads are pooled: the first parallel region creates its workers (an
// instance, a stack allocated with the program's malloc, a TLS block
// initialised with __wasm_init_tls) and later regions reuse them. A
// worker is a goroutine that spins briefly and then parks while idle.
//
// The package does not know about MPI: the embedder hands it a context
// for the workers' calls, a way to instantiate the module, and hooks for
// stopping.
package openmp
