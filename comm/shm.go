package comm

// Accessors for the shared-memory collectives (collective/shm.go), which
// synchronise the ranks of a communicator on atomics instead of messages
// and sleep on the ranks' wakers while they wait.

// Pinned reports whether c is a copy made by PinCollSeq: a communicator
// used for one collective that runs apart from the rank's other calls
// (nonblocking and persistent collectives on a goroutine of their own,
// steps of intercommunicator collectives).
func (c *Comm) Pinned() bool { return c.pinned }

// Wake rouses the goroutines of the endpoint's rank that sleep in WaitFor
// (or any other wait), so that they check their conditions again. It is
// cheap when nobody sleeps.
func (e *Endpoint) Wake() { e.waker.wake() }

// AllLocal reports whether every rank of the world runs in this process
// and shares its memory: true for the in-process transport. Through any
// other transport the answer is false, so that all processes of a job
// make the same choice.
func (w *World) AllLocal() bool {
	_, local := w.transport.(inProcess)
	return local
}
