// Package comm is the message-passing core of wasmpi: communicators and
// groups, requests, the matching engine (context, source, tag with the
// non-overtaking rule) and the transports that carry messages between
// ranks.
//
// comm knows nothing about WebAssembly. A rank hands it byte slices that
// stay valid for the lifetime of the operation (the runtime guarantees that
// guest memory never moves), and comm moves bytes between them: when both
// ranks live in one process a message whose receive is already posted is
// copied exactly once, from the sender's memory to the receiver's.
package comm
