// Package rma is the engine of MPI one-sided communication (MPI-4.1
// chapter 12): windows of memory that the ranks of a job expose to each
// other, the synchronisation between them (fence, passive-target locks,
// post/start/complete/wait) and the data movement of Put, Get, the
// accumulate family and compare-and-swap.
//
// The engine knows nothing about wasm: a rank exposes its window as byte
// slices of its linear memory (which never moves, so a slice stays valid
// for the window's life) together with the guest addresses they start at.
// An origin moves data straight between its own memory and the target's
// slices, block by block of the two datatypes: no intermediate buffer and
// no message, and every operation is complete when its call returns. So
// the synchronisation calls only order the ranks: a fence is a barrier, a
// lock is a readers-writer lock per target, and post/start/complete/wait
// is matched counting per pair of ranks.
//
// The MPI layer (package rank) uses a window through the Engine interface,
// which a transport between hosts could implement too. Window is the
// in-process implementation; Registry lets the ranks of a communicator
// meet in a collective creation call and share one Window.
package rma
