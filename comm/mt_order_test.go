package comm_test

import (
	"context"
	"encoding/binary"
	"fmt"
	"sync"
	"testing"

	"github.com/wasmpi/wasmpi/comm"
)

// mtOrderSizes mixes eager and rendezvous sizes, including both sides of
// EagerLimit and empty messages, so that small messages sent after large
// ones could overtake them if ordering were broken.
var mtOrderSizes = []int{
	comm.EagerLimit + 1, 8, 0, 200 << 10, comm.EagerLimit, 1,
	100 << 10, 16, comm.EagerLimit - 1, 3 << 16, 0, 1000,
}

// mtOrderMsg is message seq of a stream: its payload starts with the
// sequence number (when there is room) and is otherwise deterministic.
func mtOrderMsg(stream, seq int) []byte {
	n := mtOrderSizes[seq%len(mtOrderSizes)]
	b := mtPayload(uint64(stream)<<32|uint64(seq), n)
	if n >= 4 {
		binary.LittleEndian.PutUint32(b, uint32(seq))
	}
	return b
}

var mtOrderModes = []comm.SendMode{comm.ModeStandard, comm.ModeStandard, comm.ModeSync, comm.ModeReady, comm.ModeBuffered}

// Non-overtaking, receives posted after every message has arrived: the
// messages of one sender with one tag queue in send order across eager,
// rendezvous, synchronous and buffered sends, and receives with a specific
// source, with AnySource and with AnyTag take them in that order.
func TestNonOvertakingUnexpected(t *testing.T) {
	for _, pat := range []struct {
		name     string
		src, tag int
	}{{"exact", 1, 3}, {"AnySource", comm.AnySource, 3}, {"AnyTag", 1, comm.AnyTag}, {"both", comm.AnySource, comm.AnyTag}} {
		t.Run(pat.name, func(t *testing.T) {
			w, c := mtWorld(t, 2)
			ctx := w.Context()
			mtNoErr(t, "AttachBuffer", c[1].Endpoint().AttachBuffer(64<<20))
			const n = 60
			var sends []*comm.Request
			for i := 0; i < n; i++ {
				r, err := c[1].Isend(ctx, mtOrderMsg(1, i), 0, 3, mtOrderModes[i%len(mtOrderModes)])
				mtNoErr(t, "Isend", err)
				sends = append(sends, r)
			}
			mtPending(t, "all queued", c[0], 0, n)
			buf := make([]byte, 256<<10)
			for i := 0; i < n; i++ {
				st, err := c[0].Recv(ctx, buf, pat.src, pat.tag)
				mtNoErr(t, "Recv", err)
				want := mtOrderMsg(1, i)
				mtCheckStatus(t, fmt.Sprintf("receive %d", i), st, 1, 3, len(want))
				mtSameBytes(t, fmt.Sprintf("receive %d", i), buf[:st.Bytes], want)
			}
			mtNoErr(t, "WaitAll sends", c[1].Endpoint().WaitAll(ctx, sends))
			if _, err := c[1].Endpoint().DetachBuffer(ctx); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// Non-overtaking, receives posted before the messages arrive: receive i
// gets message i.
func TestNonOvertakingPosted(t *testing.T) {
	for _, src := range []int{1, comm.AnySource} {
		t.Run(fmt.Sprintf("source=%d", src), func(t *testing.T) {
			w, c := mtWorld(t, 2)
			ctx := w.Context()
			mtNoErr(t, "AttachBuffer", c[1].Endpoint().AttachBuffer(64<<20))
			const n = 60
			bufs := make([][]byte, n)
			recvs := make([]*comm.Request, n)
			for i := range recvs {
				bufs[i] = make([]byte, 256<<10)
				var err error
				recvs[i], err = c[0].Irecv(bufs[i], src, 3)
				mtNoErr(t, "Irecv", err)
			}
			mtPending(t, "all posted", c[0], n, 0)
			var sends []*comm.Request
			for i := 0; i < n; i++ {
				r, err := c[1].Isend(ctx, mtOrderMsg(1, i), 0, 3, mtOrderModes[i%len(mtOrderModes)])
				mtNoErr(t, "Isend", err)
				sends = append(sends, r)
				// With the receive already posted every mode completes
				// inside Isend.
				if !r.Done() {
					t.Fatalf("send %d to a posted receive is not complete", i)
				}
			}
			mtPending(t, "all matched", c[0], 0, 0)
			for i, r := range recvs {
				st := mtWait(t, c[0], r)
				want := mtOrderMsg(1, i)
				mtCheckStatus(t, fmt.Sprintf("receive %d", i), st, 1, 3, len(want))
				mtSameBytes(t, fmt.Sprintf("receive %d", i), bufs[i][:st.Bytes], want)
			}
			mtNoErr(t, "WaitAll", c[1].Endpoint().WaitAll(ctx, sends))
		})
	}
}

// Non-overtaking with some receives posted before and some after arrival,
// and tags interleaved: each tag's stream stays in order while receives for
// another tag pass it.
func TestNonOvertakingInterleavedTags(t *testing.T) {
	w, c := mtWorld(t, 2)
	ctx := w.Context()
	const n = 24
	// Pre-post receives for the first half of tag 8.
	bufs8 := make([][]byte, n)
	pre := make([]*comm.Request, n/2)
	for i := range pre {
		bufs8[i] = make([]byte, 256<<10)
		var err error
		pre[i], err = c[0].Irecv(bufs8[i], 1, 8)
		mtNoErr(t, "Irecv", err)
	}
	var sends []*comm.Request
	for i := 0; i < n; i++ {
		for _, tag := range []int{7, 8} {
			r, err := c[1].Isend(ctx, mtOrderMsg(tag, i), 0, tag, comm.ModeStandard)
			mtNoErr(t, "Isend", err)
			sends = append(sends, r)
		}
	}
	mtPending(t, "after sends", c[0], 0, n+n/2)
	buf := make([]byte, 256<<10)
	// Take tag 8's second half first, then tag 7.
	for i := n / 2; i < n; i++ {
		st, err := c[0].Recv(ctx, buf, 1, 8)
		mtNoErr(t, "Recv tag 8", err)
		mtSameBytes(t, fmt.Sprintf("tag 8 message %d", i), buf[:st.Bytes], mtOrderMsg(8, i))
	}
	for i, r := range pre {
		st := mtWait(t, c[0], r)
		mtSameBytes(t, fmt.Sprintf("pre-posted tag 8 message %d", i), bufs8[i][:st.Bytes], mtOrderMsg(8, i))
	}
	for i := 0; i < n; i++ {
		st, err := c[0].Recv(ctx, buf, comm.AnySource, 7)
		mtNoErr(t, "Recv tag 7", err)
		mtCheckStatus(t, "tag 7", st, 1, 7, len(mtOrderMsg(7, i)))
		mtSameBytes(t, fmt.Sprintf("tag 7 message %d", i), buf[:st.Bytes], mtOrderMsg(7, i))
	}
	mtNoErr(t, "WaitAll", c[1].Endpoint().WaitAll(ctx, sends))
}

// Non-overtaking under concurrency: three senders each run blocking sends
// of mixed sizes and modes with one tag while the receiver takes them with
// AnySource receives (so receives are sometimes posted first, sometimes
// not). Every sender's messages arrive in order.
func TestNonOvertakingConcurrentAnySource(t *testing.T) {
	w, c := mtWorld(t, 4)
	ctx := w.Context()
	const perSender = 120
	var wg sync.WaitGroup
	// If the receiving side fails the test, stop the world and let the
	// senders end before the test returns.
	defer func() { w.Stop(nil); wg.Wait() }()
	for s := 1; s < 4; s++ {
		mtNoErr(t, "AttachBuffer", c[s].Endpoint().AttachBuffer(64<<20))
		wg.Add(1)
		go func() {
			defer wg.Done()
			report := func(err error) {
				if w.Context().Err() == nil {
					t.Error(err)
				}
				w.Stop(err)
			}
			for i := 0; i < perSender; i++ {
				if err := c[s].Send(ctx, mtOrderMsg(s, i), 0, 5, mtOrderModes[(i+s)%len(mtOrderModes)]); err != nil {
					report(fmt.Errorf("sender %d message %d: %w", s, i, err))
					return
				}
			}
			if _, err := c[s].Endpoint().DetachBuffer(ctx); err != nil {
				report(fmt.Errorf("sender %d DetachBuffer: %w", s, err))
			}
		}()
	}
	next := make([]int, 4)
	check := func(what string, st comm.Status, buf []byte) {
		t.Helper()
		s := st.Source
		if s < 1 || s > 3 || st.Tag != 5 || st.Err != nil {
			t.Fatalf("%s: status %+v", what, st)
		}
		if next[s] >= perSender {
			t.Fatalf("%s: too many messages from sender %d", what, s)
		}
		want := mtOrderMsg(s, next[s])
		if st.Bytes != len(want) {
			t.Fatalf("%s: sender %d message %d: got %d bytes, want %d (out of order?)", what, s, next[s], st.Bytes, len(want))
		}
		mtSameBytes(t, fmt.Sprintf("%s: sender %d message %d", what, s, next[s]), buf[:st.Bytes], want)
		next[s]++
	}
	bufA := make([]byte, 256<<10)
	bufB := make([]byte, 256<<10)
	for k := 0; k < 3*perSender; k++ {
		if k%3 == 1 && k+1 < 3*perSender {
			// Two receives in flight at once: when both match messages
			// of one sender, the earlier-posted receive must get the
			// earlier message, so checking r1 before r2 is right in
			// every case.
			r1, err := c[0].Irecv(bufA, comm.AnySource, 5)
			mtNoErr(t, "Irecv", err)
			r2, err := c[0].Irecv(bufB, comm.AnySource, comm.AnyTag)
			mtNoErr(t, "Irecv", err)
			st1 := mtWait(t, c[0], r1)
			st2 := mtWait(t, c[0], r2)
			check(fmt.Sprintf("receive %d", k), st1, bufA)
			check(fmt.Sprintf("receive %d", k+1), st2, bufB)
			k++
			continue
		}
		st, err := c[0].Recv(ctx, bufA, comm.AnySource, 5)
		mtNoErr(t, "Recv", err)
		check(fmt.Sprintf("receive %d", k), st, bufA)
	}
	wg.Wait()
	for s := 1; s < 4; s++ {
		if next[s] != perSender {
			t.Errorf("sender %d: received %d of %d", s, next[s], perSender)
		}
	}
	mtPending(t, "end", c[0], 0, 0)
}

// mtQueueTransport is a Transport that keeps messages in one FIFO queue
// until flush, as a network transport with a send queue would. It keeps the
// order of messages from one sender to one destination, as the Transport
// contract requires.
type mtQueueTransport struct {
	mu sync.Mutex
	w  *comm.World
	q  []mtQueued
}

type mtQueued struct {
	dst int
	m   *comm.Message
}

func (q *mtQueueTransport) Deliver(_ context.Context, dst int, m *comm.Message) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.q = append(q.q, mtQueued{dst, m})
	return nil
}

func (q *mtQueueTransport) flush() {
	q.mu.Lock()
	pending := q.q
	q.q = nil
	q.mu.Unlock()
	for _, p := range pending {
		q.w.Endpoint(p.dst).Arrive(p.m)
	}
}

// With a transport that does not deliver synchronously, a small (eager)
// message sent after a large (rendezvous) one must still be received after
// it. Isend hands large messages to the transport but puts small ones
// straight into the destination endpoint, bypassing the transport and its
// ordering.
func TestNonOvertakingWithQueuedTransport(t *testing.T) {
	tr := &mtQueueTransport{}
	w, c := mtWorld(t, 2, comm.WithTransport(tr))
	tr.w = w
	ctx := w.Context()
	large := mtPayload(1, comm.EagerLimit+1)
	small := []byte("small")
	r1, err := c[0].Isend(ctx, large, 1, 0, comm.ModeStandard)
	mtNoErr(t, "Isend large", err)
	r2, err := c[0].Isend(ctx, small, 1, 0, comm.ModeStandard)
	mtNoErr(t, "Isend small", err)
	tr.flush()
	buf := make([]byte, len(large))
	st, err := c[1].Recv(ctx, buf, 0, 0)
	mtNoErr(t, "Recv", err)
	if st.Bytes != len(large) {
		t.Errorf("first receive got the %d-byte message sent second; the %d-byte message sent first was overtaken", st.Bytes, len(large))
	}
	st, err = c[1].Recv(ctx, buf, 0, 0)
	mtNoErr(t, "Recv", err)
	tr.flush()
	mtWait(t, c[0], r1)
	mtWait(t, c[0], r2)
}
