package comm_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/wasmpi/wasmpi/comm"
)

// Iprobe sees a waiting message without consuming it; Probe blocks until a
// matching message arrives and ignores non-matching ones.
func TestProbeAndIprobe(t *testing.T) {
	w, c := mtWorld(t, 3)
	ctx := w.Context()
	if st, ok, err := c[0].Iprobe(comm.AnySource, comm.AnyTag); ok || err != nil {
		t.Fatalf("Iprobe on an empty queue = %+v, %v, %v", st, ok, err)
	}
	mtNoErr(t, "send", c[1].Send(ctx, []byte("hello"), 0, 4, comm.ModeStandard))
	big := mtPayload(2, comm.EagerLimit+10)
	br, err := c[2].Isend(ctx, big, 0, 6, comm.ModeStandard)
	mtNoErr(t, "Isend big", err)
	for i := 0; i < 3; i++ {
		st, ok, err := c[0].Iprobe(comm.AnySource, comm.AnyTag)
		if err != nil || !ok {
			t.Fatalf("Iprobe %d = %v, %v", i, ok, err)
		}
		mtCheckStatus(t, "Iprobe any", st, 1, 4, 5)
	}
	st, ok, _ := c[0].Iprobe(2, comm.AnyTag)
	if !ok {
		t.Fatal("Iprobe(2, AnyTag) found nothing")
	}
	mtCheckStatus(t, "Iprobe(2, AnyTag)", st, 2, 6, len(big))
	st, err = c[0].Probe(ctx, comm.AnySource, 6)
	mtNoErr(t, "Probe", err)
	mtCheckStatus(t, "Probe(AnySource, 6)", st, 2, 6, len(big))
	if _, ok, _ := c[0].Iprobe(1, 6); ok {
		t.Fatal("Iprobe(1, 6) matched")
	}
	if _, ok, _ := c[0].Iprobe(0, comm.AnyTag); ok {
		t.Fatal("Iprobe(0, AnyTag) matched")
	}
	if br.Done() {
		t.Fatal("probing completed a rendezvous send")
	}
	mtPending(t, "probes consume nothing", c[0], 0, 2)

	buf := make([]byte, len(big))
	st, err = c[0].Recv(ctx, buf, 1, 4)
	mtNoErr(t, "Recv", err)
	mtSameBytes(t, "probed message", buf[:st.Bytes], []byte("hello"))
	st, err = c[0].Recv(ctx, buf, comm.AnySource, comm.AnyTag)
	mtNoErr(t, "Recv", err)
	mtSameBytes(t, "probed big message", buf[:st.Bytes], big)
	mtWait(t, c[2], br)
	if _, ok, _ := c[0].Iprobe(comm.AnySource, comm.AnyTag); ok {
		t.Fatal("Iprobe found a message after everything was received")
	}
}

func TestProbeBlocksUntilArrival(t *testing.T) {
	for _, size := range []int{3, comm.EagerLimit + 1} {
		t.Run(fmt.Sprintf("size=%d", size), func(t *testing.T) {
			w, c := mtWorld(t, 3)
			ctx := w.Context()
			done := make(chan mtResult, 1)
			go func() {
				st, err := c[0].Probe(ctx, 1, 7)
				done <- mtResult{st, err}
			}()
			mtNotYet(t, "Probe with nothing sent", done, mtPendingFor)
			// Non-matching traffic (other source, other tag, other
			// context) wakes the prober but must not satisfy it.
			mtNoErr(t, "send", c[2].Send(ctx, []byte("no"), 0, 7, comm.ModeStandard))
			mtNoErr(t, "send", c[1].Send(ctx, []byte("no"), 0, 8, comm.ModeStandard))
			mtNoErr(t, "send", c[1].Collective().Send(ctx, []byte("no"), 0, 7, comm.ModeStandard))
			mtNotYet(t, "Probe with only non-matching messages", done, mtPendingFor)
			data := mtPayload(1, size)
			r, err := c[1].Isend(ctx, data, 0, 7, comm.ModeStandard)
			mtNoErr(t, "Isend", err)
			res := mtAwait(t, "Probe after a matching send", done, 5*time.Second)
			mtNoErr(t, "Probe", res.err)
			mtCheckStatus(t, "Probe", res.st, 1, 7, size)
			mtPending(t, "probe consumed nothing", c[0], 0, 4)
			buf := make([]byte, size)
			st, err := c[0].Recv(ctx, buf, res.st.Source, res.st.Tag)
			mtNoErr(t, "Recv", err)
			mtCheckStatus(t, "Recv", st, 1, 7, size)
			mtSameBytes(t, "Recv", buf, data)
			mtWait(t, c[1], r)
		})
	}
}

// A Probe whose context expires returns the context error.
func TestProbeContextExpires(t *testing.T) {
	w, c := mtWorld(t, 2)
	ctx, cancel := context.WithTimeout(w.Context(), 20*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c[0].Probe(ctx, 1, 0)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Probe error %v, want DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("Probe took %v to notice its deadline", d)
	}
}

// Cancel completes a posted receive with Cancelled=true, removes it from
// matching, and wakes a goroutine waiting for it. The message that would
// have matched goes to the next receive.
func TestCancelPostedReceive(t *testing.T) {
	w, c := mtWorld(t, 2)
	ctx := w.Context()
	buf := []byte("untouched")
	r, err := c[0].Irecv(buf, 1, 2)
	mtNoErr(t, "Irecv", err)
	done := make(chan mtResult, 1)
	go func() {
		st, err := c[0].Endpoint().Wait(ctx, r)
		done <- mtResult{st, err}
	}()
	mtNotYet(t, "Wait on a pending receive", done, 20*time.Millisecond)
	c[0].Endpoint().Cancel(r)
	res := mtAwait(t, "Wait after Cancel", done, 5*time.Second)
	mtNoErr(t, "Wait", res.err)
	if !res.st.Cancelled || !r.Done() || !r.Status().Cancelled {
		t.Fatalf("cancelled receive: status %+v, done %v", res.st, r.Done())
	}
	mtPending(t, "cancelled receive is no longer posted", c[0], 0, 0)
	c[0].Endpoint().Cancel(r) // a second Cancel is harmless
	if !r.Status().Cancelled {
		t.Fatal("second Cancel changed the status")
	}

	for _, size := range []int{5, comm.EagerLimit + 1} {
		data := mtPayload(uint64(size), size)
		sr, err := c[1].Isend(ctx, data, 0, 2, comm.ModeStandard)
		mtNoErr(t, "Isend", err)
		if string(buf) != "untouched" {
			t.Fatalf("a cancelled receive got data: %q", buf)
		}
		mtPending(t, "message is unexpected", c[0], 0, 1)
		rbuf := make([]byte, size)
		st, err := c[0].Recv(ctx, rbuf, 1, 2)
		mtNoErr(t, "Recv", err)
		mtSameBytes(t, "message after cancel", rbuf[:st.Bytes], data)
		mtWait(t, c[1], sr)
	}
	if st := r.Status(); !st.Cancelled || st.Bytes != 0 {
		t.Fatalf("cancelled receive status changed to %+v", st)
	}
}

// Cancel of a receive that already matched, and of sends, does nothing.
func TestCancelNoEffect(t *testing.T) {
	w, c := mtWorld(t, 2)
	ctx := w.Context()
	buf := make([]byte, 4)
	r, err := c[0].Irecv(buf, 1, 0)
	mtNoErr(t, "Irecv", err)
	mtNoErr(t, "Send", c[1].Send(ctx, []byte("abcd"), 0, 0, comm.ModeStandard))
	c[0].Endpoint().Cancel(r)
	st := mtWait(t, c[0], r)
	mtCheckStatus(t, "matched then cancelled", st, 1, 0, 4)

	big := mtPayload(1, comm.EagerLimit+1)
	sr, err := c[1].Isend(ctx, big, 0, 1, comm.ModeStandard)
	mtNoErr(t, "Isend", err)
	c[1].Endpoint().Cancel(sr)
	if sr.Done() {
		t.Fatal("Cancel completed a send")
	}
	bigBuf := make([]byte, len(big))
	st, err = c[0].Recv(ctx, bigBuf, 1, 1)
	mtNoErr(t, "Recv", err)
	mtSameBytes(t, "send survived Cancel", bigBuf, big)
	if sst := mtWait(t, c[1], sr); sst.Cancelled {
		t.Fatal("send reported cancelled")
	}
}

// Cancel racing with an arriving message: exactly one of the two wins.
// Either the receive got the message, or it is cancelled, its buffer is
// untouched and the message waits for the next receive.
func TestCancelRacesWithArrival(t *testing.T) {
	w, c := mtWorld(t, 2)
	ctx := w.Context()
	var cancelled, matched int
	for i := 0; i < 400; i++ {
		size := 8
		if i%4 == 3 {
			size = comm.EagerLimit + 8
		}
		data := mtPayload(uint64(i), size)
		buf := make([]byte, size)
		r, err := c[0].Irecv(buf, 1, 0)
		mtNoErr(t, "Irecv", err)
		var sr *comm.Request
		var wg sync.WaitGroup
		wg.Add(2)
		go func() {
			defer wg.Done()
			var err error
			sr, err = c[1].Isend(ctx, data, 0, 0, comm.ModeStandard)
			if err != nil {
				t.Error(err)
			}
		}()
		go func() {
			defer wg.Done()
			c[0].Endpoint().Cancel(r)
		}()
		wg.Wait()
		if sr == nil {
			t.FailNow()
		}
		st := mtWait(t, c[0], r)
		if st.Cancelled {
			cancelled++
			if slices.ContainsFunc(buf, func(b byte) bool { return b != 0 }) {
				t.Fatalf("iteration %d: a cancelled receive got data", i)
			}
			mtPending(t, "cancel won", c[0], 0, 1)
			got := make([]byte, size)
			st, err := c[0].Recv(ctx, got, 1, 0)
			mtNoErr(t, "Recv", err)
			mtSameBytes(t, "message after a cancel", got[:st.Bytes], data)
		} else {
			matched++
			mtCheckStatus(t, "receive won", st, 1, 0, size)
			mtSameBytes(t, "receive won", buf, data)
			mtPending(t, "receive won", c[0], 0, 0)
		}
		mtWait(t, c[1], sr)
	}
	t.Logf("cancel won %d times, the message %d times", cancelled, matched)
}

// WaitAny, WaitSome, TestSome and WaitAll with nil entries, all-nil and
// empty lists.
func TestWaitAnySomeTestSome(t *testing.T) {
	w, c := mtWorld(t, 3)
	ctx := w.Context()
	ep := c[0].Endpoint()

	for _, rs := range [][]*comm.Request{nil, {}, {nil}, {nil, nil, nil}} {
		i, err := ep.WaitAny(ctx, rs)
		if i != -1 || err != nil {
			t.Fatalf("WaitAny(%d nil) = %d, %v; want -1, nil", len(rs), i, err)
		}
		idx, err := ep.WaitSome(ctx, rs)
		if len(idx) != 0 || err != nil {
			t.Fatalf("WaitSome(%d nil) = %v, %v; want none", len(rs), idx, err)
		}
		if idx := comm.TestSome(rs); len(idx) != 0 {
			t.Fatalf("TestSome(%d nil) = %v", len(rs), idx)
		}
		mtNoErr(t, "WaitAll of nils", ep.WaitAll(ctx, rs))
	}

	b1, b2 := make([]byte, 8), make([]byte, 8)
	r1, err := c[0].Irecv(b1, 1, 0)
	mtNoErr(t, "Irecv", err)
	r2, err := c[0].Irecv(b2, 2, 0)
	mtNoErr(t, "Irecv", err)
	rs := []*comm.Request{nil, r1, nil, r2}
	if idx := comm.TestSome(rs); len(idx) != 0 {
		t.Fatalf("TestSome with nothing done = %v", idx)
	}
	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	i, err := ep.WaitAny(short, rs)
	cancel()
	if err == nil {
		t.Fatalf("WaitAny with nothing done returned %d", i)
	}
	short, cancel = context.WithTimeout(ctx, 20*time.Millisecond)
	idx, err := ep.WaitSome(short, rs)
	cancel()
	if err == nil {
		t.Fatalf("WaitSome with nothing done returned %v", idx)
	}

	// WaitAny wakes when the second receive completes from another
	// goroutine.
	done := make(chan mtResult, 1)
	go func() {
		i, err := ep.WaitAny(ctx, rs)
		done <- mtResult{comm.Status{Bytes: i}, err}
	}()
	mtNotYet(t, "WaitAny with nothing done", done, 20*time.Millisecond)
	mtNoErr(t, "send", c[2].Send(ctx, []byte("two"), 0, 0, comm.ModeStandard))
	if res := mtAwait(t, "WaitAny after a completion", done, 5*time.Second); res.err != nil || res.st.Bytes != 3 {
		t.Fatalf("WaitAny = %d, %v; want 3", res.st.Bytes, res.err)
	}
	if idx := comm.TestSome(rs); !slices.Equal(idx, []int{3}) {
		t.Fatalf("TestSome = %v, want [3]", idx)
	}
	// WaitSome returns every completed index.
	mtNoErr(t, "send", c[1].Send(ctx, []byte("one"), 0, 0, comm.ModeStandard))
	idx, err = ep.WaitSome(ctx, rs)
	if err != nil || !slices.Equal(idx, []int{1, 3}) {
		t.Fatalf("WaitSome = %v, %v; want [1 3]", idx, err)
	}
	// WaitAny returns the first completed index when several are done.
	if i, err := ep.WaitAny(ctx, rs); i != 1 || err != nil {
		t.Fatalf("WaitAny with both done = %d, %v; want 1", i, err)
	}
	// After the caller nils out the completed requests nothing is active.
	rs[1], rs[3] = nil, nil
	if i, err := ep.WaitAny(ctx, rs); i != -1 || err != nil {
		t.Fatalf("WaitAny after clearing = %d, %v", i, err)
	}
	if string(b1[:3]) != "one" || string(b2[:3]) != "two" {
		t.Fatalf("buffers %q %q", b1, b2)
	}

	// WaitSome blocking until a generic request completes.
	g := ep.NewGenericRequest()
	rs = []*comm.Request{nil, g}
	res := make(chan []int, 1)
	go func() {
		idx, err := ep.WaitSome(ctx, rs)
		if err != nil {
			idx = []int{-1}
		}
		res <- idx
	}()
	time.Sleep(20 * time.Millisecond)
	gerr := errors.New("collective failed")
	g.Complete(gerr)
	select {
	case idx := <-res:
		if !slices.Equal(idx, []int{1}) {
			t.Fatalf("WaitSome = %v, want [1]", idx)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("WaitSome did not wake")
	}
	if st, err := ep.Wait(ctx, g); err != nil || !errors.Is(st.Err, gerr) {
		t.Fatalf("Wait(generic) = %+v, %v", st, err)
	}

	// WaitAll over a mix of done, pending and nil.
	r3, _ := c[0].Irecv(make([]byte, 1), 1, 5)
	r4, _ := c[0].Irecv(make([]byte, 1), 2, 5)
	go func() {
		time.Sleep(10 * time.Millisecond)
		_ = c[2].Send(ctx, []byte("a"), 0, 5, comm.ModeStandard)
		time.Sleep(10 * time.Millisecond)
		_ = c[1].Send(ctx, []byte("b"), 0, 5, comm.ModeSync)
	}()
	mtNoErr(t, "WaitAll", ep.WaitAll(ctx, []*comm.Request{g, nil, r3, nil, r4}))
	if !r3.Done() || !r4.Done() {
		t.Fatal("WaitAll returned early")
	}
}
