// Package collective implements the MPI collective operations (barrier,
// broadcast, reductions, gathers, scatters, all-to-all, scans) on top of the
// point-to-point layer in package comm, and the predefined reduction
// operations on every datatype the standard allows them for.
//
// Reductions combine contributions in a fixed order that depends only on the
// communicator size and root, so floating-point results are bit-identical
// from run to run and on every rank.
//
// When the context carries a Shared domain (WithShared) and every rank of
// an intracommunicator lives in this process, Barrier, Bcast, Reduce and
// Allreduce synchronise on atomics and read the peers' buffers directly
// instead of sending messages (shm.go); the results are the same bits.
package collective
