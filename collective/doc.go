// Package collective implements the MPI collective operations (barrier,
// broadcast, reductions, gathers, scatters, all-to-all, scans) on top of the
// point-to-point layer in package comm, and the predefined reduction
// operations on every datatype the standard allows them for.
//
// Reductions combine contributions in a fixed order that depends only on the
// communicator size and root, so floating-point results are bit-identical
// from run to run and on every rank.
package collective
