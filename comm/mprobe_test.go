package comm_test

import (
	"testing"
	"time"

	"github.com/wasmpi/wasmpi/comm"
)

// A matched message leaves the queue: probes and receives no longer see it,
// and ReceiveMessage delivers exactly it (completing a rendezvous sender).
func TestMatchedProbeDequeues(t *testing.T) {
	w, cs := mtWorld(t, 3)
	ctx := w.Context()
	small, big := mtPayload(1, 100), mtPayload(2, comm.EagerLimit+1000)
	mtNoErr(t, "send small", cs[1].Send(ctx, small, 0, 7, comm.ModeStandard))
	bigReq, err := cs[2].Isend(ctx, big, 0, 7, comm.ModeStandard)
	mtNoErr(t, "isend big", err)

	m, st, ok, err := cs[0].Improbe(comm.AnySource, 7)
	mtNoErr(t, "improbe", err)
	if !ok || m == nil {
		t.Fatalf("Improbe found nothing")
	}
	mtCheckStatus(t, "improbe", st, 1, 7, len(small))
	mtPending(t, "after improbe", cs[0], 0, 1)

	// A receive posted now must get the other message.
	other := make([]byte, len(big))
	r, err := cs[0].Irecv(other, comm.AnySource, 7)
	mtNoErr(t, "irecv", err)
	mtCheckStatus(t, "irecv", mtWait(t, cs[0], r), 2, 7, len(big))
	mtSameBytes(t, "irecv data", other, big)
	mtWait(t, cs[2], bigReq)

	buf := make([]byte, len(small))
	mtCheckStatus(t, "receive message", cs[0].Endpoint().ReceiveMessage(m, buf), 1, 7, len(small))
	mtSameBytes(t, "matched data", buf, small)
	mtPending(t, "end", cs[0], 0, 0)

	if _, _, ok, _ := cs[0].Improbe(comm.AnySource, comm.AnyTag); ok {
		t.Fatalf("Improbe found a message in an empty queue")
	}
}

func TestMprobeWaitsAndTruncates(t *testing.T) {
	w, cs := mtWorld(t, 2)
	ctx := w.Context()
	type res struct {
		m   *comm.Message
		st  comm.Status
		err error
	}
	ch := make(chan res, 1)
	go func() {
		m, st, err := cs[0].Mprobe(ctx, 1, comm.AnyTag)
		ch <- res{m, st, err}
	}()
	select {
	case <-ch:
		t.Fatalf("Mprobe returned before a message was sent")
	case <-time.After(20 * time.Millisecond):
	}
	sreq, err := cs[1].Isend(ctx, mtPayload(3, comm.EagerLimit+1), 0, 4, comm.ModeSync)
	mtNoErr(t, "issend", err)
	got := <-ch
	mtNoErr(t, "mprobe", got.err)
	mtCheckStatus(t, "mprobe", got.st, 1, 4, comm.EagerLimit+1)
	mtStaysPending(t, "synchronous send before the matched receive", sreq, 10*time.Millisecond)
	st := cs[0].Endpoint().ReceiveMessage(got.m, make([]byte, 10))
	mtClass(t, "truncated", st.Err, comm.ErrTruncate)
	if st.Bytes != 10 {
		t.Fatalf("truncated receive reports %d bytes", st.Bytes)
	}
	mtWait(t, cs[1], sreq)

	m, st, ok, err := cs[0].Improbe(comm.ProcNull, 0)
	if err != nil || !ok || m != nil || st.Source != comm.ProcNull {
		t.Fatalf("Improbe(ProcNull) = %v %+v %v %v", m, st, ok, err)
	}
	if st := cs[0].Endpoint().ReceiveMessage(nil, nil); st.Source != comm.ProcNull {
		t.Fatalf("ReceiveMessage(nil) = %+v", st)
	}
	_, _, _, err = cs[0].Improbe(5, 0)
	mtClass(t, "bad source", err, comm.ErrRank)
	_, _, _, err = cs[0].Improbe(0, -3)
	mtClass(t, "bad tag", err, comm.ErrTag)
}
