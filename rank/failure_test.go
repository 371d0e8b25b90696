package rank_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wasmpi/wasmpi/rank"
	"github.com/wasmpi/wasmpi/rank/abi"
)

// outcomeErr is the text of a rank's error, "" for none.
func outcomeErr(o rank.Outcome) string {
	if o.Err == nil {
		return ""
	}
	return o.Err.Error()
}

// checkStopped asserts that every rank except the failed one (and except
// the ones in running) ended because the job stopped: finished, not hung,
// with the job's stop reason.
func checkStopped(t *testing.T, res *rank.Result, failed int, running ...int) {
	t.Helper()
	isRunning := map[int]bool{}
	for _, r := range running {
		isRunning[r] = true
	}
	for _, o := range res.Ranks {
		switch {
		case o.Rank == failed:
			if !o.Finished {
				t.Errorf("failed rank %d is not marked finished", o.Rank)
			}
		case isRunning[o.Rank]:
			if o.Finished {
				t.Errorf("rank %d was computing when Run returned but is marked finished (%+v)", o.Rank, o)
			}
		default:
			if !o.Finished || !strings.Contains(outcomeErr(o), "stopped because the job ended") {
				t.Errorf("rank %d: finished %v, err %q; want stopped by the job", o.Rank, o.Finished, outcomeErr(o))
			}
		}
	}
}

func TestFailureFatalMPIError(t *testing.T) {
	t.Parallel()
	mod := module(t, "err_fatal.c")
	for _, victim := range []int{1, 2, 3} {
		t.Run(fmt.Sprintf("rank%d", victim), func(t *testing.T) {
			t.Parallel()
			out := runJob(t, mod, 4, "send9", fmt.Sprint(victim))
			res := out.Result
			if res.Failure == nil {
				t.Fatalf("no failure; stdout:\n%s", out.Stdout)
			}
			if res.Failure.Rank != victim {
				t.Errorf("Failure.Rank = %d, want %d", res.Failure.Rank, victim)
			}
			msg := res.Failure.Err.Error()
			for _, want := range []string{"MPI_Send: invalid destination rank 9", "MPI_ERR_RANK"} {
				if !strings.Contains(msg, want) {
					t.Errorf("Failure.Err = %q, want it to contain %q", msg, want)
				}
			}
			if want := int(abi.ErrRank); res.ExitCode != want || res.Failure.ExitCode != want {
				t.Errorf("exit code %d (failure %d), want MPI_ERR_RANK = %d", res.ExitCode, res.Failure.ExitCode, want)
			}
			if o := res.Ranks[victim]; o.ExitCode != int(abi.ErrRank) || !strings.Contains(outcomeErr(o), "MPI_ERR_RANK") {
				t.Errorf("victim outcome %+v", o)
			}
			checkStopped(t, res, victim)
			if s := res.Summary(); !strings.Contains(s, fmt.Sprintf("rank %d exited with status %d", victim, abi.ErrRank)) || !strings.Contains(s, "stopped: ") {
				t.Errorf("Summary() = %q", s)
			}
			// Other ranks may be stopped before they print: only the
			// victim's line is certain.
			if !strings.Contains(out.Stdout, fmt.Sprintf("rank %d started", victim)) || strings.Contains(out.Stdout, "FAIL") {
				t.Errorf("stdout:\n%s", out.Stdout)
			}
		})
	}
}

func TestFailureAbort(t *testing.T) {
	t.Parallel()
	out := runJob(t, module(t, "err_fatal.c"), 4, "abort7", "2")
	res := out.Result
	if res.ExitCode != 7 || res.Failure == nil || res.Failure.Rank != 2 || res.Failure.ExitCode != 7 {
		t.Fatalf("exit %d failure %+v, want exit 7 from rank 2\nstdout:\n%s", res.ExitCode, res.Failure, out.Stdout)
	}
	if msg := res.Failure.Err.Error(); !strings.Contains(msg, "MPI_Abort") || !strings.Contains(msg, "7") {
		t.Errorf("Failure.Err = %q", msg)
	}
	checkStopped(t, res, 2)
	if strings.Contains(out.Stdout, "FAIL") {
		t.Errorf("stdout:\n%s", out.Stdout)
	}
}

func TestFailureTraps(t *testing.T) {
	t.Parallel()
	mod := module(t, "err_fatal.c")
	cases := []struct {
		mode    string
		victim  int
		want    []string
		noTrace bool
	}{
		{"oob", 1, []string{"out of bounds memory access", "main"}, false},
		{"trap", 2, []string{"unreachable", "main"}, false},
		{"div0", 3, []string{"integer divide by zero", "main"}, false},
		// mpicc puts the C stack first in memory (--stack-first), so a
		// runaway recursion whose frames live in linear memory runs the
		// stack pointer below address 0 and traps on the wrapped address.
		{"recurse", 0, []string{"C stack overflow", "out of bounds memory access", "recurse"}, false},
		// Frames on the wasm value stack only: wazero's own call-depth
		// limit. wazero returns this one as a bare "stack overflow" error
		// (wasmruntime.ErrRuntimeStackOverflow), without a stack trace.
		{"deep", 1, []string{"stack overflow"}, true},
	}
	for _, c := range cases {
		t.Run(c.mode, func(t *testing.T) {
			t.Parallel()
			out := runJob(t, mod, 4, c.mode, fmt.Sprint(c.victim))
			res := out.Result
			if res.Failure == nil || res.ExitCode == 0 {
				t.Fatalf("exit %d failure %v\nstdout:\n%s", res.ExitCode, res.Failure, out.Stdout)
			}
			if res.Failure.Rank != c.victim {
				t.Errorf("Failure.Rank = %d, want %d", res.Failure.Rank, c.victim)
			}
			msg := res.Failure.Err.Error()
			want := c.want
			if !c.noTrace {
				want = append(want, "wasm stack trace")
			}
			for _, want := range want {
				if !strings.Contains(msg, want) {
					t.Errorf("Failure.Err does not contain %q:\n%s", want, msg)
				}
			}
			if strings.Contains(msg, "recovered by wazero") && strings.Contains(msg, "Go runtime stack trace") {
				t.Errorf("a Go panic, not a wasm trap:\n%s", msg)
			}
			if res.Ranks[c.victim].ExitCode == 0 {
				t.Errorf("victim exit code 0")
			}
			checkStopped(t, res, c.victim)
			if strings.Contains(out.Stdout, "FAIL") {
				t.Errorf("stdout:\n%s", out.Stdout)
			}
		})
	}
}

func TestFailureExit(t *testing.T) {
	t.Parallel()
	mod := module(t, "err_fatal.c")
	t.Run("exit3", func(t *testing.T) {
		t.Parallel()
		out := runJob(t, mod, 4, "exit3", "1")
		res := out.Result
		if res.ExitCode != 3 || res.Failure == nil || res.Failure.Rank != 1 {
			t.Fatalf("exit %d failure %+v, want 3 from rank 1", res.ExitCode, res.Failure)
		}
		if msg := res.Failure.Err.Error(); !strings.Contains(msg, "3") {
			t.Errorf("Failure.Err = %q", msg)
		}
		checkStopped(t, res, 1)
	})
	t.Run("nofinalize", func(t *testing.T) {
		t.Parallel()
		out := runJob(t, mod, 3, "nofinalize", "2")
		res := out.Result
		if res.ExitCode == 0 || res.Failure == nil || res.Failure.Rank != 2 {
			t.Fatalf("exit %d failure %+v, want a failure of rank 2", res.ExitCode, res.Failure)
		}
		if msg := res.Failure.Err.Error(); !strings.Contains(msg, "MPI_Finalize") {
			t.Errorf("Failure.Err = %q, want it to mention MPI_Finalize", msg)
		}
		checkStopped(t, res, 2)
	})
	t.Run("beforeinit", func(t *testing.T) {
		t.Parallel()
		out := runJob(t, mod, 3, "beforeinit", "1")
		res := out.Result
		if res.Failure == nil || res.Failure.Rank != 1 || res.ExitCode != int(abi.ErrOther) {
			t.Fatalf("exit %d failure %+v, want MPI_ERR_OTHER from rank 1", res.ExitCode, res.Failure)
		}
		if msg := res.Failure.Err.Error(); !strings.Contains(msg, "MPI_Comm_rank") || !strings.Contains(msg, "before MPI_Init") {
			t.Errorf("Failure.Err = %q", msg)
		}
		checkStopped(t, res, 1)
		if strings.Contains(out.Stdout, "FAIL") {
			t.Errorf("stdout:\n%s", out.Stdout)
		}
	})
	t.Run("afterfinalize", func(t *testing.T) {
		t.Parallel()
		out := runJob(t, mod, 3, "afterfinalize", "2")
		res := out.Result
		if res.Failure == nil || res.Failure.Rank != 2 || res.ExitCode != int(abi.ErrOther) {
			t.Fatalf("exit %d failure %+v, want MPI_ERR_OTHER from rank 2", res.ExitCode, res.Failure)
		}
		if msg := res.Failure.Err.Error(); !strings.Contains(msg, "MPI_Send") || !strings.Contains(msg, "after MPI_Finalize") {
			t.Errorf("Failure.Err = %q", msg)
		}
		for _, o := range res.Ranks {
			if !o.Finished {
				t.Errorf("rank %d not finished", o.Rank)
			}
		}
		if strings.Contains(out.Stdout, "FAIL") {
			t.Errorf("stdout:\n%s", out.Stdout)
		}
	})
	t.Run("ok", func(t *testing.T) {
		t.Parallel()
		out := runJob(t, mod, 3, "ok")
		res := out.Result
		if res.ExitCode != 0 || res.Failure != nil || res.Summary() != "" {
			t.Fatalf("exit %d failure %v summary %q", res.ExitCode, res.Failure, res.Summary())
		}
		for _, o := range res.Ranks {
			if !o.Finished || o.Err != nil || o.ExitCode != 0 {
				t.Errorf("rank %d: %+v", o.Rank, o)
			}
		}
	})
}

// TestFailureWhileComputing: rank 1 fails while rank 0 computes without
// calling MPI. Run cannot interrupt rank 0; it returns after StopGrace and
// marks rank 0 as not finished.
func TestFailureWhileComputing(t *testing.T) {
	t.Parallel()
	mod := module(t, "err_fatal.c")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var stdout syncBuffer
	// Generous for a loaded machine: the blocked ranks must unwind within
	// the grace; rank 0 computes far longer and must be abandoned.
	const grace = 1500 * time.Millisecond
	start := time.Now()
	res, err := rank.Run(ctx, rank.Config{
		Module: mod, Name: "spin.wasm", Ranks: 4, Args: []string{"spin", "1", "8"},
		Stdout:    func(int) io.Writer { return &stdout },
		Stderr:    func(int) io.Writer { return &stdout },
		Hostname:  "testhost",
		StopGrace: grace,
	})
	took := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	if took > 6*time.Second {
		t.Errorf("Run took %v with a stop grace of %v: it waited for rank 0, which computes for 8 s", took, grace)
	}
	if res.Failure == nil || res.Failure.Rank != 1 || res.ExitCode != int(abi.ErrRank) {
		t.Fatalf("exit %d failure %+v", res.ExitCode, res.Failure)
	}
	checkStopped(t, res, 1, 0)
	if s := res.Summary(); !strings.Contains(s, "still computing, abandoned: 0") {
		t.Errorf("Summary() = %q", s)
	}
}

func TestUnsupportedImport(t *testing.T) {
	t.Parallel()
	mod := module(t, "err_unsupported.c")
	var stdout syncBuffer
	res, err := rank.Run(context.Background(), rank.Config{
		Module: mod, Name: "unsupported.wasm", Ranks: 2,
		Stdout: func(int) io.Writer { return &stdout },
		Stderr: func(int) io.Writer { return &stdout },
	})
	var mie *rank.MissingImportsError
	if !errors.As(err, &mie) {
		t.Fatalf("Run returned %v, %v; want a *rank.MissingImportsError", res, err)
	}
	if res != nil {
		t.Errorf("Run returned a result %+v with the error", res)
	}
	found := false
	for _, m := range mie.Missing {
		if m == "MPI_Open_port is not supported yet" {
			found = true
		}
	}
	if !found {
		t.Errorf("Missing = %q, want it to list \"MPI_Open_port is not supported yet\"", mie.Missing)
	}
	if mie.Module != "unsupported.wasm" || !strings.Contains(err.Error(), "MPI_Open_port is not supported yet") {
		t.Errorf("error %q (module %q)", err, mie.Module)
	}
	if stdout.String() != "" {
		t.Errorf("the program ran: %q", stdout.String())
	}
	// Compile alone reports the same, before anything runs.
	_, err = rank.Compile(context.Background(), rank.Config{Module: mod, Ranks: 1})
	if !errors.As(err, &mie) {
		t.Errorf("Compile returned %v", err)
	}
}

func TestMalformedModule(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewSource(1))
	random := make([]byte, 4096)
	rng.Read(random)
	header := append([]byte("\x00asm\x01\x00\x00\x00"), random[:512]...)
	cases := map[string][]byte{
		"empty":       {},
		"random":      random,
		"text":        []byte("int main(void) { return 0; }\n"),
		"header only": []byte("\x00asm\x01\x00\x00\x00"),
		"bad body":    header,
		"truncated":   module(t, "err_fatal.c")[:1000],
	}
	for name, b := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var out syncBuffer
			res, err := rank.Run(context.Background(), rank.Config{
				Module: b, Name: "bad.wasm", Ranks: 2,
				Stdout: func(int) io.Writer { return &out },
			})
			if err == nil {
				t.Fatalf("Run accepted a malformed module: %+v", res)
			}
			if res != nil {
				t.Errorf("result %+v with error %v", res, err)
			}
			if !strings.Contains(err.Error(), "bad.wasm") {
				t.Errorf("error %q does not name the module", err)
			}
			t.Logf("%s: %v", name, err)
		})
	}
	// Zero ranks is refused too.
	if _, err := rank.Run(context.Background(), rank.Config{Module: module(t, "err_fatal.c"), Ranks: 0}); err == nil {
		t.Error("Run accepted 0 ranks")
	}
}

// TestStallWarning: Config.Warn is called once when every rank sleeps in
// MPI with nothing reaching it (stall.c deadlock), naming what each rank
// waits in, and never while a rank computes or messages flow.
func TestStallWarning(t *testing.T) {
	t.Parallel()
	mod := buildC(t, "stall.c")
	run := func(ctx context.Context, args []string, warn func(string)) (*rank.Result, string) {
		var stdout syncBuffer
		res, err := rank.Run(ctx, rank.Config{
			Module: mod, Name: "stall.wasm", Ranks: 3, Args: args,
			Stdout:       func(int) io.Writer { return &stdout },
			StallWarning: 300 * time.Millisecond,
			Warn:         warn,
		})
		if err != nil {
			t.Fatal(err)
		}
		return res, stdout.String()
	}

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var mu sync.Mutex
	var warnings []string
	res, _ := run(ctx, []string{"deadlock"}, func(msg string) {
		mu.Lock()
		warnings = append(warnings, msg)
		mu.Unlock()
		cancel()
	})
	mu.Lock()
	if len(warnings) != 1 || !strings.Contains(warnings[0], "rank 0 in MPI_Recv; ranks 1,2 in MPI_Barrier") ||
		!strings.Contains(warnings[0], "deadlocked") {
		t.Fatalf("deadlock: warnings %q", warnings)
	}
	mu.Unlock()
	if res.Failure == nil || res.Failure.Rank >= 0 {
		t.Fatalf("deadlock: the job ended with %v, want it cancelled", res.Failure)
	}

	for _, mode := range []string{"compute", "busy"} {
		res, stdout := run(context.Background(), []string{mode, "1.2"}, func(msg string) {
			t.Errorf("%s: unexpected warning %q", mode, msg)
		})
		if res.Failure != nil || !strings.Contains(stdout, "No Errors") {
			t.Fatalf("%s: failure %v\n%s", mode, res.Failure, stdout)
		}
	}
}
