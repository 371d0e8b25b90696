package rank_test

import (
	"context"
	"fmt"
	"io"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/wasmpi/wasmpi/rank"
)

// pass runs a self-checking program with expectPass and logs its summary.
func pass(t *testing.T, name string, np int, args ...string) jobOutput {
	t.Helper()
	out := expectPass(t, name, np, args...)
	for _, line := range strings.Split(out.Stdout, "\n") {
		if strings.HasPrefix(line, "No Errors") {
			t.Logf("%s -np %d %s: %s", name, np, strings.Join(args, " "), line)
		}
	}
	return out
}

// module returns the built module of name.
func module(t *testing.T, name string) []byte {
	t.Helper()
	return buildC(t, name)
}

func TestEnvConformance(t *testing.T) {
	t.Parallel()
	for _, np := range []int{1, 3, 8} {
		t.Run(fmt.Sprintf("init/np%d", np), func(t *testing.T) {
			t.Parallel()
			pass(t, "env_basic.c", np)
		})
	}
	for _, level := range []string{"single", "funneled", "serialized", "multiple"} {
		t.Run("init_thread/"+level, func(t *testing.T) {
			t.Parallel()
			pass(t, "env_basic.c", 2, level, "2")
		})
	}
}

func TestP2PBasic(t *testing.T) {
	t.Parallel()
	for _, np := range []int{1, 2, 3, 4, 8} {
		t.Run(fmt.Sprintf("np%d", np), func(t *testing.T) {
			t.Parallel()
			pass(t, "p2p_basic.c", np)
		})
	}
}

func TestP2PNonblocking(t *testing.T) {
	t.Parallel()
	for _, np := range []int{1, 2, 5, 8} {
		t.Run(fmt.Sprintf("np%d", np), func(t *testing.T) {
			t.Parallel()
			pass(t, "p2p_nonblock.c", np)
		})
	}
}

func TestP2POrder(t *testing.T) {
	t.Parallel()
	for _, np := range []int{2, 3, 8} {
		t.Run(fmt.Sprintf("np%d", np), func(t *testing.T) {
			t.Parallel()
			pass(t, "p2p_order.c", np, "order")
		})
	}
}

// TestBlockedRanksAreCheap runs 64 ranks where 63 block in MPI_Recv while
// rank 0 computes for about a second. Blocked ranks must park, not spin:
// the job's CPU time stays close to rank 0's one second of work. The test
// is not parallel so that the process's CPU time is its own.
func TestBlockedRanksAreCheap(t *testing.T) {
	mod := module(t, "p2p_order.c")
	var before, after syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &before)
	start := time.Now()
	out := runJob(t, mod, 64, "fanout")
	wall := time.Since(start)
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &after)
	if out.Result.ExitCode != 0 || out.Result.Failure != nil || !strings.Contains(out.Stdout, "No Errors") {
		t.Fatalf("exit %d, failure %v\nstdout:\n%s\nstderr:\n%s", out.Result.ExitCode, out.Result.Failure, out.Stdout, out.Stderr)
	}
	cpu := time.Duration(after.Utime.Nano() + after.Stime.Nano() - before.Utime.Nano() - before.Stime.Nano())
	t.Logf("64 ranks: wall %v, CPU %v", wall, cpu)
	if wall < time.Second {
		t.Errorf("job took %v; rank 0 computes for 1 s", wall)
	}
	// Rank 0 uses one core for ~1 s; compiling and 64 instantiations add a
	// little. 63 spinning ranks would use the second core the whole time.
	if cpu > wall*3/2 {
		t.Errorf("CPU %v for a wall time of %v: blocked ranks are burning CPU", cpu, wall)
	}
}

func TestErrorsReturn(t *testing.T) {
	t.Parallel()
	for _, np := range []int{1, 2, 4} {
		t.Run(fmt.Sprintf("np%d", np), func(t *testing.T) {
			t.Parallel()
			pass(t, "err_args.c", np)
		})
	}
}

// TestBufferDetachBeforeReceive: every rank Bsends to its neighbour, then
// detaches its buffer, then receives. Native MPIs complete this (a buffered
// send is local and the data was copied out); so must wasmpi: the runtime
// holds its own copy of the data, so detach returns at once.
func TestBufferDetachBeforeReceive(t *testing.T) {
	t.Parallel()
	mod := module(t, "p2p_basic.c")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	var stdout syncBuffer
	res, err := rank.Run(ctx, rank.Config{
		Module: mod, Name: "detach.wasm", Ranks: 2, Args: []string{"detach_before_recv"},
		Stdout: func(int) io.Writer { return &stdout },
		Stderr: func(int) io.Writer { return &stdout },
	})
	if err != nil {
		t.Fatal(err)
	}
	if ctx.Err() != nil {
		t.Fatalf("Bsend; Buffer_detach; Recv on two ranks hung: detach must not wait for the receiver\n%s", stdout.String())
	}
	if res.ExitCode != 0 || !strings.Contains(stdout.String(), "No Errors") {
		t.Fatalf("exit %d failure %v\n%s", res.ExitCode, res.Failure, stdout.String())
	}
}

// MPI_Request_free on a receive with a non-contiguous datatype still
// unpacks the data when the receive completes.
func TestP2PRequestFreeUnpack(t *testing.T) {
	t.Parallel()
	pass(t, "p2p_reqfree_unpack.c", 2)
}

// TestIsendrecv: MPI_Isendrecv(_replace) and their _c forms (isendrecv.c).
func TestIsendrecv(t *testing.T) {
	t.Parallel()
	for _, np := range []int{1, 2, 3} {
		t.Run(fmt.Sprintf("np%d", np), func(t *testing.T) {
			t.Parallel()
			pass(t, "isendrecv.c", np)
		})
	}
}
