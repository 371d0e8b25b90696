// Package rank runs MPI programs compiled to WebAssembly: it compiles a
// module once per job (with an on-disk cache), checks that every import is
// provided, instantiates the module once per rank with WASI, and provides
// the "mpi" host module whose functions decode guest arguments, check guest
// pointers, call into packages comm, collective and rma, and encode
// results.
//
// Guest memory never moves once a rank runs: other ranks' goroutines copy
// messages straight into it, so every linear memory is reserved at its
// maximum size up front and only committed as the guest grows it.
package rank
