package comm_test

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/wasmpi/wasmpi/comm"
)

const mtPendingFor = 50 * time.Millisecond

// A synchronous send does not complete until the receive is posted,
// whatever its size; a standard send larger than EagerLimit likewise.
func TestSendCompletesOnlyAfterMatch(t *testing.T) {
	for _, tc := range []struct {
		name string
		mode comm.SendMode
		size int
	}{
		{"sync-empty", comm.ModeSync, 0},
		{"sync-small", comm.ModeSync, 10},
		{"sync-large", comm.ModeSync, 300 << 10},
		{"standard-EagerLimit+1", comm.ModeStandard, comm.EagerLimit + 1},
		{"standard-1MiB", comm.ModeStandard, 1 << 20},
		{"ready-large", comm.ModeReady, comm.EagerLimit + 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w, c := mtWorld(t, 2)
			ctx := w.Context()
			data := mtPayload(uint64(tc.size), tc.size)
			r, err := c[0].Isend(ctx, data, 1, 2, tc.mode)
			mtNoErr(t, "Isend", err)
			mtStaysPending(t, "send without a receiver", r, mtPendingFor)
			mtPending(t, "queued at receiver", c[1], 0, 1)

			// A receive that does not match leaves the send pending.
			other, err := c[1].Irecv(make([]byte, 1), 0, 3)
			mtNoErr(t, "Irecv other tag", err)
			mtStaysPending(t, "send with a non-matching receive", r, 5*time.Millisecond)
			c[1].Endpoint().Cancel(other)

			buf := make([]byte, tc.size)
			rr, err := c[1].Irecv(buf, 0, 2)
			mtNoErr(t, "Irecv", err)
			st := mtWait(t, c[1], rr)
			mtCheckStatus(t, "receive", st, 0, 2, tc.size)
			mtSameBytes(t, "receive", buf, data)
			sst := mtWait(t, c[0], r)
			if sst.Err != nil || sst.Cancelled {
				t.Fatalf("send status %+v", sst)
			}
		})
	}
}

// A blocked Send in another goroutine is released by the matching receive.
func TestBlockingSyncSendWokenByReceive(t *testing.T) {
	for _, size := range []int{4, comm.EagerLimit + 1} {
		for _, mode := range []comm.SendMode{comm.ModeSync, comm.ModeStandard} {
			if mode == comm.ModeStandard && size <= comm.EagerLimit {
				continue
			}
			t.Run(fmt.Sprintf("mode=%d/size=%d", mode, size), func(t *testing.T) {
				w, c := mtWorld(t, 2)
				ctx := w.Context()
				data := mtPayload(7, size)
				done := make(chan mtResult, 1)
				go func() { done <- mtResult{err: c[0].Send(ctx, data, 1, 0, mode)} }()
				mtNotYet(t, "Send without receiver", done, mtPendingFor)
				buf := make([]byte, size)
				st, err := c[1].Recv(ctx, buf, 0, 0)
				mtNoErr(t, "Recv", err)
				mtCheckStatus(t, "Recv", st, 0, 0, size)
				mtSameBytes(t, "Recv", buf, data)
				if res := mtAwait(t, "Send after receive", done, 5*time.Second); res.err != nil {
					t.Fatalf("Send: %v", res.err)
				}
			})
		}
	}
}

// A standard send of at most EagerLimit bytes completes inside Isend even
// with no receiver, and the data is copied: the sender may reuse its buffer
// at once.
func TestEagerSendCompletesAtOnce(t *testing.T) {
	for _, size := range []int{0, 1, 63, 64, 65, 4096, comm.EagerLimit} {
		for _, mode := range []comm.SendMode{comm.ModeStandard, comm.ModeReady} {
			w, c := mtWorld(t, 2)
			ctx := w.Context()
			data := mtPayload(uint64(size), size)
			orig := bytes.Clone(data)
			r, err := c[0].Isend(ctx, data, 1, 1, mode)
			mtNoErr(t, "Isend", err)
			if !r.Done() {
				t.Fatalf("size %d mode %d: eager send not complete at once", size, mode)
			}
			mtPending(t, "queued", c[1], 0, 1)
			for i := range data {
				data[i] ^= 0xff // the send is complete: the buffer is ours again
			}
			buf := make([]byte, size)
			st, err := c[1].Recv(ctx, buf, 0, 1)
			mtNoErr(t, "Recv", err)
			mtCheckStatus(t, "Recv", st, 0, 1, size)
			mtSameBytes(t, fmt.Sprintf("size %d: eager data", size), buf, orig)
		}
	}
}

// When the receive is already posted, every send is matched inside Isend,
// nothing is queued, and both sides complete at once.
func TestSendToPostedReceiveIsImmediate(t *testing.T) {
	for _, size := range []int{0, 5, comm.EagerLimit, comm.EagerLimit + 1, 1 << 20} {
		for _, mode := range []comm.SendMode{comm.ModeStandard, comm.ModeSync, comm.ModeReady} {
			w, c := mtWorld(t, 2)
			ctx := w.Context()
			buf := make([]byte, size)
			rr, err := c[1].Irecv(buf, 0, 4)
			mtNoErr(t, "Irecv", err)
			data := mtPayload(3, size)
			sr, err := c[0].Isend(ctx, data, 1, 4, mode)
			mtNoErr(t, "Isend", err)
			if !sr.Done() || !rr.Done() {
				t.Fatalf("size %d mode %d: send done %v, receive done %v; want both", size, mode, sr.Done(), rr.Done())
			}
			mtPending(t, "nothing queued", c[1], 0, 0)
			mtSameBytes(t, "data", buf, data)
		}
	}
}

// A rendezvous message is not copied before its receive is posted: the
// unexpected queue holds a view of the sender's buffer, and the receive
// copies straight from it. (Writing a pending send's buffer is forbidden to
// MPI programs; the test does it only to observe when the copy happens.)
func TestRendezvousSingleCopy(t *testing.T) {
	w, c := mtWorld(t, 2)
	ctx := w.Context()
	size := 256 << 10
	data := mtPayload(11, size)
	r, err := c[0].Isend(ctx, data, 1, 9, comm.ModeStandard)
	mtNoErr(t, "Isend", err)
	mtPending(t, "one unexpected message", c[1], 0, 1)
	st, ok, err := c[1].Iprobe(0, 9)
	if err != nil || !ok || st.Bytes != size {
		t.Fatalf("Iprobe = %+v, %v, %v", st, ok, err)
	}
	if r.Done() {
		t.Fatal("rendezvous send completed before the receive")
	}
	// Change the sender's buffer: if the message had been copied at send
	// time, the receiver would see the old bytes.
	data[0], data[size/2], data[size-1] = 0xAB, 0xCD, 0xEF
	want := bytes.Clone(data)
	buf := make([]byte, size)
	st, err = c[1].Recv(ctx, buf, 0, 9)
	mtNoErr(t, "Recv", err)
	mtCheckStatus(t, "Recv", st, 0, 9, size)
	mtSameBytes(t, "rendezvous data (taken from the sender's buffer at receive time)", buf, want)
	mtWait(t, c[0], r)
}

// Truncation: a receive buffer smaller than the message gets the first
// len(buf) bytes, Status.Err has class ErrTruncate, Bytes reports what was
// delivered, nothing beyond the buffer is written, and the sender completes.
func TestTruncation(t *testing.T) {
	for _, tc := range []struct {
		size, buf int
		mode      comm.SendMode
	}{
		{10, 4, comm.ModeStandard},
		{10, 0, comm.ModeStandard},
		{comm.EagerLimit, comm.EagerLimit - 1, comm.ModeStandard},
		{comm.EagerLimit + 1, comm.EagerLimit, comm.ModeStandard},
		{1 << 20, 1000, comm.ModeStandard},
		{100, 99, comm.ModeSync},
		{200 << 10, 7, comm.ModeSync},
		{100, 50, comm.ModeBuffered},
		{100 << 10, 1 << 10, comm.ModeBuffered},
	} {
		for _, postFirst := range []bool{false, true} {
			for _, blocking := range []bool{false, true} {
				name := fmt.Sprintf("size=%d/buf=%d/mode=%d/postFirst=%v/blocking=%v", tc.size, tc.buf, tc.mode, postFirst, blocking)
				t.Run(name, func(t *testing.T) {
					w, c := mtWorld(t, 2)
					ctx := w.Context()
					if tc.mode == comm.ModeBuffered {
						mtNoErr(t, "AttachBuffer", c[0].Endpoint().AttachBuffer(2<<20))
					}
					data := mtPayload(uint64(tc.size), tc.size)
					backing := bytes.Repeat([]byte{0x5A}, tc.buf+64)
					buf := backing[:tc.buf:tc.buf]
					var rr *comm.Request
					var err error
					if postFirst {
						rr, err = c[1].Irecv(buf, 0, 1)
						mtNoErr(t, "Irecv", err)
					}
					sr, err := c[0].Isend(ctx, data, 1, 1, tc.mode)
					mtNoErr(t, "Isend", err)
					var st comm.Status
					if postFirst {
						st = mtWait(t, c[1], rr)
					} else if blocking {
						var rerr error
						st, rerr = c[1].Recv(ctx, buf, 0, 1)
						mtClass(t, "Recv error", rerr, comm.ErrTruncate)
					} else {
						rr, err = c[1].Irecv(buf, 0, 1)
						mtNoErr(t, "Irecv", err)
						st = mtWait(t, c[1], rr)
					}
					mtClass(t, "Status.Err", st.Err, comm.ErrTruncate)
					if st.Bytes != tc.buf || st.Source != 0 || st.Tag != 1 || st.Cancelled {
						t.Fatalf("status %+v, want Source=0 Tag=1 Bytes=%d", st, tc.buf)
					}
					mtSameBytes(t, "delivered prefix", buf, data[:tc.buf])
					for i, b := range backing[tc.buf:] {
						if b != 0x5A {
							t.Fatalf("byte %d past the receive buffer was written", tc.buf+i)
						}
					}
					sst := mtWait(t, c[0], sr)
					if sst.Err != nil {
						t.Fatalf("sender status carries an error: %v", sst.Err)
					}
					mtPending(t, "message consumed", c[1], 0, 0)
					if tc.mode == comm.ModeBuffered {
						dctx, cancel := context.WithTimeout(ctx, 2*time.Second)
						defer cancel()
						if _, err := c[0].Endpoint().DetachBuffer(dctx); err != nil {
							t.Fatalf("DetachBuffer after a truncated buffered message: %v", err)
						}
					}
				})
			}
		}
	}
}

// Buffered mode needs an attached buffer big enough for the data plus
// BsendOverhead per message; it completes at once and copies the data.
func TestBufferedSend(t *testing.T) {
	w, c := mtWorld(t, 2)
	ctx := w.Context()
	ep := c[0].Endpoint()

	_, err := c[0].Isend(ctx, []byte("x"), 1, 0, comm.ModeBuffered)
	mtClass(t, "Bsend without an attached buffer", err, comm.ErrBuffer)
	mtClass(t, "Send(ModeBuffered) without an attached buffer", c[0].Send(ctx, []byte("x"), 1, 0, comm.ModeBuffered), comm.ErrBuffer)
	_, err = ep.DetachBuffer(ctx)
	mtClass(t, "DetachBuffer with nothing attached", err, comm.ErrBuffer)
	mtClass(t, "AttachBuffer(-1)", ep.AttachBuffer(-1), comm.ErrArg)
	mtPending(t, "nothing sent", c[1], 0, 0)

	// Room for exactly one 10-byte message.
	mtNoErr(t, "AttachBuffer", ep.AttachBuffer(10+comm.BsendOverhead))
	mtClass(t, "second AttachBuffer", ep.AttachBuffer(100), comm.ErrBuffer)
	_, err = c[0].Isend(ctx, make([]byte, 11), 1, 0, comm.ModeBuffered)
	mtClass(t, "Bsend larger than the buffer", err, comm.ErrBuffer)
	data := []byte("0123456789")
	r, err := c[0].Isend(ctx, data, 1, 0, comm.ModeBuffered)
	mtNoErr(t, "Bsend that fits exactly", err)
	if !r.Done() {
		t.Fatal("buffered send not complete at once")
	}
	copy(data, "XXXXXXXXXX") // copied out: the buffer is free again
	_, err = c[0].Isend(ctx, nil, 1, 0, comm.ModeBuffered)
	mtClass(t, "empty Bsend into a full buffer", err, comm.ErrBuffer)
	mtPending(t, "one buffered message queued", c[1], 0, 1)

	buf := make([]byte, 10)
	st, err := c[1].Recv(ctx, buf, 0, 0)
	mtNoErr(t, "Recv", err)
	mtCheckStatus(t, "Recv", st, 0, 0, 10)
	mtSameBytes(t, "buffered data", buf, []byte("0123456789"))
	// Receiving released the space.
	mtNoErr(t, "Bsend after the space was released", c[0].Send(ctx, []byte("abc"), 1, 0, comm.ModeBuffered))
	st, err = c[1].Recv(ctx, buf, 0, 0)
	mtNoErr(t, "Recv", err)
	mtCheckStatus(t, "Recv", st, 0, 0, 3)
	n, err := ep.DetachBuffer(ctx)
	mtNoErr(t, "DetachBuffer", err)
	if n != 10+comm.BsendOverhead {
		t.Fatalf("DetachBuffer returned %d, want %d", n, 10+comm.BsendOverhead)
	}
	_, err = c[0].Isend(ctx, []byte("x"), 1, 0, comm.ModeBuffered)
	mtClass(t, "Bsend after detach", err, comm.ErrBuffer)

	// A large buffered message (over EagerLimit) also completes at once.
	mtNoErr(t, "AttachBuffer", ep.AttachBuffer(1<<20))
	big := mtPayload(5, 300<<10)
	orig := bytes.Clone(big)
	r, err = c[0].Isend(ctx, big, 1, 1, comm.ModeBuffered)
	mtNoErr(t, "large Bsend", err)
	if !r.Done() {
		t.Fatal("large buffered send not complete at once")
	}
	clear(big)
	bigBuf := make([]byte, len(big))
	st, err = c[1].Recv(ctx, bigBuf, 0, 1)
	mtNoErr(t, "Recv large", err)
	mtCheckStatus(t, "Recv large", st, 0, 1, len(orig))
	mtSameBytes(t, "large buffered data", bigBuf, orig)
	_, err = ep.DetachBuffer(ctx)
	mtNoErr(t, "DetachBuffer", err)
}

// DetachBuffer returns at once: the buffered messages are already copied
// into their receivers' queues, and are received intact afterwards. Releases
// of the old buffer's messages do not count against a new buffer.
func TestDetachBufferDoesNotWaitForReceivers(t *testing.T) {
	w, c := mtWorld(t, 2)
	ctx := w.Context()
	ep := c[0].Endpoint()
	mtNoErr(t, "AttachBuffer", ep.AttachBuffer(1<<20))
	sizes := []int{0, 100, 200 << 10}
	for i, n := range sizes {
		mtNoErr(t, "Bsend", c[0].Send(ctx, mtPayload(uint64(i), n), 1, i, comm.ModeBuffered))
	}
	n, err := ep.DetachBuffer(ctx)
	if err != nil || n != 1<<20 {
		t.Fatalf("DetachBuffer = %d, %v; want %d, nil", n, err, 1<<20)
	}
	small := 100 + comm.BsendOverhead
	mtNoErr(t, "AttachBuffer again", ep.AttachBuffer(small))
	buf := make([]byte, 256<<10)
	for _, i := range []int{2, 0, 1} {
		st, err := c[1].Recv(ctx, buf, 0, i)
		mtNoErr(t, "Recv", err)
		mtSameBytes(t, "buffered message", buf[:st.Bytes], mtPayload(uint64(i), sizes[i]))
	}
	// The new buffer is exactly one 100-byte message big: the old
	// generation's releases must not have made room for a second one.
	mtNoErr(t, "Bsend into the new buffer", c[0].Send(ctx, mtPayload(9, 100), 1, 9, comm.ModeBuffered))
	mtClass(t, "second Bsend into the full new buffer", c[0].Send(ctx, mtPayload(9, 1), 1, 9, comm.ModeBuffered), comm.ErrBuffer)
}

// OnComplete runs its function exactly once whether it is registered
// before the receive matches, after it completed, or on a send that was
// done at once, and the status is final when it runs.
func TestOnComplete(t *testing.T) {
	_, c := mtWorld(t, 2)
	ctx := context.Background()
	for _, late := range []bool{false, true} {
		in := make([]byte, 4)
		r, err := c[1].Irecv(in, 0, 7)
		if err != nil {
			t.Fatal(err)
		}
		var runs int
		var got comm.Status
		hook := func() { runs++; got = r.Status() }
		if !late {
			r.OnComplete(hook)
		}
		if err := c[0].Send(ctx, []byte{1, 2, 3}, 1, 7, comm.ModeStandard); err != nil {
			t.Fatal(err)
		}
		if _, err := c[1].Endpoint().Wait(ctx, r); err != nil {
			t.Fatal(err)
		}
		if late {
			r.OnComplete(hook)
		}
		if runs != 1 || got.Bytes != 3 || got.Source != 0 || got.Tag != 7 {
			t.Errorf("late=%v: hook ran %d times with status %+v, want once with 3 bytes from 0 tag 7", late, runs, got)
		}
	}
	s, err := c[0].Isend(ctx, []byte{1}, 1, 8, comm.ModeStandard)
	if err != nil {
		t.Fatal(err)
	}
	runs := 0
	s.OnComplete(func() { runs++ })
	if runs != 1 {
		t.Errorf("hook on a send done at once ran %d times, want 1", runs)
	}
	if _, err := c[1].Recv(ctx, make([]byte, 1), 0, 8); err != nil {
		t.Fatal(err)
	}
}
