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
	// src, if set, holds the data instead of Data: a non-contiguous
	// buffer of the sender, read in place (sends of at most EagerLimit
	// bytes are packed into a private copy instead).
	src *Layout
	// Taken, if set, is called exactly once after a receiver has copied Data
	// (or the message was otherwise consumed). It releases eager buffers
	// and, through a transport, acknowledges synchronous sends.
	Taken func()
	// sendReq, if set, is the local send request that completes when the
	// message is taken (rendezvous and synchronous sends in process). It
	// saves a closure per message.
	sendReq *Request
	// pool, if set, is the eager pool the message returns to once taken.
	pool *eagerPool
	// next links the messages of an endpoint's inbox.
	next *Message
}

// taken runs the message's completion. The message must not be touched
// afterwards: it may live inside a send request that is reused, or go back
// to the eager pool.
// size is the number of data bytes of the message.
func (m *Message) size() int {
	if m.src != nil {
		return m.src.Size()
	}
	return len(m.Data)
}

// copyTo copies the first n data bytes of the message into buf, or into
// the layout dst when it is set.
func (m *Message) copyTo(buf []byte, dst *Layout, n int) {
	switch {
	case dst == nil && m.src == nil:
		copy(buf[:n], m.Data)
	case dst == nil:
		m.src.pack(buf[:n])
	case m.src == nil:
		dst.unpack(m.Data[:n])
	default:
		copyLayouts(dst, m.src, int64(n))
	}
}

func (m *Message) taken() {
	f, req, pool := m.Taken, m.sendReq, m.pool
	m.Taken, m.sendReq = nil, nil
	if f != nil {
		f()
	}
	if req != nil {
		req.complete(Status{})
	}
	if pool != nil {
		pool.put(m)
	}
}

// eagerPool recycles the messages (with their data buffers) that carry
// private copies of small messages, so that the steady state allocates
// nothing per message. Each class holds messages whose buffer capacity is
// one power of two.
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

// copyOf returns a message with envelope env holding a private copy of
// data. Copies of at most EagerLimit bytes come from the pool and go back
// to it once taken.
func (p *eagerPool) copyOf(env Envelope, data []byte, src *Layout) *Message {
	n := len(data)
	if src != nil {
		n = src.Size()
	}
	c := eagerClass(n)
	var m *Message
	if c >= eagerClasses {
		m = &Message{Data: make([]byte, n)}
	} else {
		if v, ok := p.classes[c].Get().(*Message); ok {
			m = v
		} else {
			m = &Message{Data: make([]byte, 0, 1<<(eagerMinShift+c))}
		}
		m.Data = m.Data[:n]
		m.pool = p
	}
	m.Envelope = env
	if src != nil {
		src.pack(m.Data)
	} else {
		copy(m.Data, data)
	}
	return m
}

// put takes back a message of the pool once it has been consumed.
func (p *eagerPool) put(m *Message) {
	data := m.Data[:0]
	*m = Message{Data: data}
	p.classes[eagerClass(cap(data))].Put(m)
}
