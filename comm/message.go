package comm

import "sync"

// Wildcards and special ranks as comm understands them. The guest ABI maps
// its own numbers onto these.
const (
	AnySource = -1
	AnyTag    = -1
	ProcNull  = -2
)

// EagerLimit is the largest message that a standard-mode send buffers when
// no matching receive is posted yet. Larger messages wait for the receiver
// and are then copied once, straight from the sender's buffer.
const EagerLimit = 64 << 10

// Envelope is what matching looks at: the communicator context, the
// sender's rank in that communicator and the tag.
type Envelope struct {
	Context uint32
	Source  int
	Tag     int
}

// Message is one message on its way to a receiver.
//
// Data is either a view of the sender's buffer (the sender does not touch it
// until Taken is called) or a buffer owned by the message. Transports that
// carry a message out of the process must copy Data before they return, or
// keep the sender waiting until the remote receiver has taken it.
type Message struct {
	Envelope
	Data []byte
	// Taken, if set, is called exactly once after a receiver has copied Data
	// (or the message was otherwise consumed). It releases eager buffers
	// and, through a transport, acknowledges synchronous sends.
	Taken func()
	// sendReq, if set, is the local send request that completes when the
	// message is taken (rendezvous and synchronous sends in process). It
	// saves a closure per message.
	sendReq *Request
}

// taken runs the message's completion. The message must not be touched
// afterwards: it may live inside a send request that is reused.
func (m *Message) taken() {
	f, req := m.Taken, m.sendReq
	m.Taken, m.sendReq = nil, nil
	if f != nil {
		f()
	}
	if req != nil {
		req.complete(Status{})
	}
}

// eagerPool recycles the buffers of small unexpected messages so that the
// steady state allocates nothing per message. Classes are powers of two.
type eagerPool struct {
	classes [eagerClasses]sync.Pool
}

const (
	eagerMinShift = 6  // 64 B
	eagerClasses  = 11 // up to 64 KiB
)

func eagerClass(n int) int {
	c := 0
	for size := 1 << eagerMinShift; size < n; size <<= 1 {
		c++
	}
	return c
}

// get returns a buffer of length n; n must not exceed EagerLimit.
func (p *eagerPool) get(n int) []byte {
	c := eagerClass(n)
	if c >= eagerClasses {
		return make([]byte, n)
	}
	if b, ok := p.classes[c].Get().(*[]byte); ok {
		return (*b)[:n]
	}
	return make([]byte, n, 1<<(eagerMinShift+c))
}

func (p *eagerPool) put(b []byte) {
	c := eagerClass(cap(b))
	if c >= eagerClasses || cap(b) != 1<<(eagerMinShift+c) {
		return
	}
	b = b[:cap(b)]
	p.classes[c].Put(&b)
}
