package rank_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/wasmpi/wasmpi/rank"
	"github.com/wasmpi/wasmpi/rank/sdk"
)

// OpenMP conformance: self-checking programs in testdata/omp_*.c, built
// with mpicc -fopenmp, each printing "No Errors" when every check passed.

// buildOmp compiles testdata/<name> with -fopenmp.
func buildOmp(t *testing.T, name string) []byte {
	t.Helper()
	return buildC(t, name, "-fopenmp")
}

// runOmp runs an OpenMP module with np ranks and the given environment.
func runOmp(t *testing.T, module []byte, np int, env []string, args ...string) jobOutput {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var stdout, stderr syncBuffer
	res, err := rank.Run(ctx, rank.Config{
		Module: module, Name: "omp.wasm", Ranks: np, Args: args, Env: env,
		Stdout:    func(int) io.Writer { return &stdout },
		Stderr:    func(int) io.Writer { return &stderr },
		Hostname:  "testhost",
		StopGrace: 5 * time.Second,
	})
	if err != nil {
		t.Fatalf("running job: %v", err)
	}
	if ctx.Err() != nil {
		t.Fatalf("job hung for 60 s; stdout:\n%s\nstderr:\n%s", stdout.String(), stderr.String())
	}
	return jobOutput{Stdout: stdout.String(), Stderr: stderr.String(), Result: res}
}

func expectOmpPass(t *testing.T, name string, np int, env []string, args ...string) jobOutput {
	t.Helper()
	return expectOmpModulePass(t, name, buildOmp(t, name), np, env, args...)
}

func expectOmpModulePass(t *testing.T, name string, mod []byte, np int, env []string, args ...string) jobOutput {
	t.Helper()
	out := runOmp(t, mod, np, env, args...)
	if out.Result.ExitCode != 0 || out.Result.Failure != nil || !strings.Contains(out.Stdout, "No Errors") || strings.Contains(out.Stdout+out.Stderr, "FAIL") {
		t.Fatalf("%s (%d ranks, env %q): exit %d, failure %v\nstdout:\n%s\nstderr:\n%s", name, np, env, out.Result.ExitCode, out.Result.Failure, out.Stdout, out.Stderr)
	}
	return out
}

func TestOmpConformance(t *testing.T) {
	four := []string{"OMP_NUM_THREADS=4"}
	cases := []struct {
		name  string
		env   []string
		flags []string
	}{
		{"omp_parallel.c", four, nil},
		// threadprivate through __kmpc_threadprivate_cached instead of TLS
		{"omp_parallel.c", four, []string{"-fnoopenmp-use-tls"}},
		{"omp_loops.c", four, nil},
		{"omp_loops.c", []string{"OMP_NUM_THREADS=3"}, nil},
		{"omp_loops.c", []string{"OMP_NUM_THREADS=1"}, nil},
		{"omp_reduction.c", four, nil},
		{"omp_reduction.c", []string{"OMP_NUM_THREADS=7"}, nil},
		{"omp_sync.c", four, nil},
		{"omp_tasks.c", four, nil},
		{"omp_tasks.c", []string{"OMP_NUM_THREADS=1"}, nil},
		{"omp_tasks.c", []string{"OMP_NUM_THREADS=2", "OMP_WAIT_POLICY=passive"}, nil},
		{"omp_api.c", four, nil},
		{"omp_allocate.c", four, []string{"-fopenmp-version=51"}},
		{"omp_doacross.c", four, nil},
		{"omp_doacross.c", []string{"OMP_NUM_THREADS=3", "OMP_SCHEDULE=dynamic,2"}, nil},
		{"omp_doacross.c", []string{"OMP_NUM_THREADS=1"}, nil},
		{"omp_taskred.c", four, nil},
		{"omp_taskred.c", []string{"OMP_NUM_THREADS=3", "OMP_WAIT_POLICY=passive"}, nil},
		{"omp_taskred.c", []string{"OMP_NUM_THREADS=1"}, nil},
		{"omp_teams.c", four, nil},
		{"omp_teams.c", []string{"OMP_NUM_THREADS=1"}, nil},
	}
	for _, c := range cases {
		t.Run(strings.TrimSuffix(c.name, ".c")+"/"+strings.Join(append(c.env, c.flags...), ","), func(t *testing.T) {
			t.Parallel()
			expectOmpModulePass(t, c.name, buildC(t, c.name, append([]string{"-fopenmp"}, c.flags...)...), 1, c.env)
		})
	}
}

// TestOmpVersion51 covers OpenMP 5.1 features (omp_all_memory, inoutset,
// atomic compare).
func TestOmpVersion51(t *testing.T) {
	t.Parallel()
	out := runOmp(t, buildC(t, "omp_tasks51.c", "-fopenmp", "-fopenmp-version=51"), 1, []string{"OMP_NUM_THREADS=4"})
	if out.Result.ExitCode != 0 || !strings.Contains(out.Stdout, "No Errors") {
		t.Fatalf("exit %d (%v)\n%s", out.Result.ExitCode, out.Result.Failure, out.Stdout)
	}
}

// TestOmpStress runs thousands of short parallel regions, contended
// critical sections and atomics, and libc calls from every thread; output
// lines written by several threads at once stay whole.
func TestOmpStress(t *testing.T) {
	t.Parallel()
	out := expectOmpPass(t, "omp_stress.c", 1, []string{"OMP_NUM_THREADS=4"}, "2000")
	checkThreadLines(t, out.Stdout, 4*50)
}

// checkThreadLines checks that the "line T N end" lines threads 0-3 wrote
// at the same time came out whole, and that there are want of them.
func checkThreadLines(t *testing.T, stdout string, want int) {
	t.Helper()
	line := regexp.MustCompile(`^line [0-3] [0-9]+ end$`)
	n := 0
	for _, l := range strings.Split(stdout, "\n") {
		if strings.HasPrefix(l, "line") || strings.Contains(l, "end") {
			if !line.MatchString(l) {
				t.Errorf("mangled output line %q", l)
			}
			n++
		}
	}
	if n != want {
		t.Errorf("%d output lines, want %d", n, want)
	}
}

// buildCXX compiles testdata/<name> with mpicxx and the given flags.
func buildCXX(t *testing.T, name string, flags ...string) []byte {
	t.Helper()
	requireToolchain(t)
	out := filepath.Join(t.TempDir(), strings.TrimSuffix(name, filepath.Ext(name))+".wasm")
	var stderr bytes.Buffer
	args := append(append([]string{"-O2"}, flags...), "-o", out, filepath.Join("testdata", name))
	if code, err := sdk.Run(context.Background(), sdk.CXX, args, io.Discard, &stderr); err != nil || code != 0 || stderr.Len() > 0 {
		t.Fatalf("mpicxx %s: exit %d, %v\n%s", strings.Join(args, " "), code, err, stderr.String())
	}
	mod, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return mod
}

// TestOmpHybrid is MPI + OpenMP: two ranks with three threads each.
func TestOmpHybrid(t *testing.T) {
	t.Parallel()
	expectOmpPass(t, "omp_hybrid.c", 2, []string{"OMP_NUM_THREADS=3"})
}

func TestOmpEnvironment(t *testing.T) {
	t.Parallel()
	ncpu := runtime.NumCPU()
	t.Run("default", func(t *testing.T) {
		t.Parallel()
		// Default: the host's processors shared among the ranks.
		expectOmpPass(t, "omp_env.c", 1, nil, "default", fmt.Sprint(max(1, ncpu)))
		expectOmpPass(t, "omp_env.c", 2, nil, "default", fmt.Sprint(max(1, ncpu/2)))
		expectOmpPass(t, "omp_env.c", 3*ncpu, nil, "default", "1")
	})
	t.Run("set", func(t *testing.T) {
		t.Parallel()
		expectOmpPass(t, "omp_env.c", 1, []string{"OMP_NUM_THREADS=3,2", "OMP_SCHEDULE=guided,5",
			"OMP_PROC_BIND=spread,close", "OMP_DYNAMIC=true", "OMP_STACKSIZE=16M"}, "set")
	})
	t.Run("malformed", func(t *testing.T) {
		t.Parallel()
		// Malformed values are ignored.
		expectOmpPass(t, "omp_env.c", 1, []string{"OMP_NUM_THREADS=x", "OMP_SCHEDULE=sometimes",
			"OMP_PROC_BIND=maybe", "OMP_STACKSIZE=huge"}, "bad", fmt.Sprint(max(1, ncpu)))
	})
}

// TestOmpThreadFailures: what goes wrong on an OpenMP thread other than
// the initial one fails the rank with an explanation; a data race does
// not harm the host.
func TestOmpThreadFailures(t *testing.T) {
	t.Parallel()
	mod := buildOmp(t, "omp_fail.c")
	cases := []struct {
		mode string
		env  []string
		code int
		want []string
	}{
		{"trap", nil, 1, []string{"OpenMP thread 1", "unreachable"}},
		{"oob", nil, 1, []string{"OpenMP thread 1", "out of bounds memory access"}},
		{"exit", nil, 3, []string{"exited with status 3"}},
		{"lock", nil, 1, []string{"omp_set_lock", "not initialized"}},
		{"relock", nil, 1, []string{"omp_set_lock", "already owns", "deadlock"}},
		{"unset", nil, 1, []string{"omp_unset_lock", "is not set"}},
		{"destroy", nil, 1, []string{"omp_destroy_lock", "still set"}},
		{"reuse", nil, 1, []string{"omp_set_lock", "not initialized"}},
		{"kind", nil, 1, []string{"omp_set_nest_lock", "simple lock, not a nestable one"}},
		{"owner", nil, 1, []string{"omp_unset_nest_lock", "owned by another task"}},
		{"critical", nil, 1, []string{"already inside a critical region of the same name"}},
		{"stack", []string{"OMP_STACKSIZE=64K"}, 1, []string{"OpenMP thread 1", "OMP_STACKSIZE"}},
	}
	for _, c := range cases {
		t.Run(c.mode, func(t *testing.T) {
			t.Parallel()
			out := runOmp(t, mod, 1, append([]string{"OMP_NUM_THREADS=2"}, c.env...), c.mode)
			res := out.Result
			if res.ExitCode != c.code || res.Failure == nil {
				t.Fatalf("exit %d failure %v, want exit %d\nstdout:\n%s", res.ExitCode, res.Failure, c.code, out.Stdout)
			}
			msg := res.Failure.Err.Error()
			for _, w := range c.want {
				if !strings.Contains(msg, w) {
					t.Errorf("failure %q does not mention %q", msg, w)
				}
			}
			if strings.Contains(out.Stdout, "survived") {
				t.Errorf("the program went on: %s", out.Stdout)
			}
		})
	}
	t.Run("race", func(t *testing.T) {
		t.Parallel()
		out := runOmp(t, mod, 1, []string{"OMP_NUM_THREADS=4"}, "race")
		if out.Result.ExitCode != 0 || !strings.Contains(out.Stdout, "racy counter") {
			t.Fatalf("exit %d (%v)\n%s", out.Result.ExitCode, out.Result.Failure, out.Stdout)
		}
	})
}

// TestOmpJobStop: ranks whose OpenMP threads wait (in MPI, at a barrier,
// for a lock) stop when another rank aborts.
func TestOmpJobStop(t *testing.T) {
	t.Parallel()
	start := time.Now()
	out := runOmp(t, buildOmp(t, "omp_abort.c"), 2, nil)
	res := out.Result
	if res.ExitCode != 7 || res.Failure == nil || res.Failure.Rank != 1 {
		t.Fatalf("exit %d failure %v, want MPI_Abort's 7 from rank 1\nstdout:\n%s", res.ExitCode, res.Failure, out.Stdout)
	}
	for _, o := range res.Ranks {
		if !o.Finished {
			t.Errorf("rank %d still running", o.Rank)
		}
	}
	if strings.Contains(out.Stdout, "FAIL") {
		t.Errorf("stdout:\n%s", out.Stdout)
	}
	if d := time.Since(start); d > 20*time.Second {
		t.Errorf("took %v", d)
	}
}

// TestOmpUnsupported: a program using an OpenMP entry point the runtime
// does not provide (omp_display_env) fails before it starts.
func TestOmpUnsupported(t *testing.T) {
	t.Parallel()
	mod := buildOmp(t, "omp_unsupported.c")
	_, err := rank.Compile(context.Background(), rank.Config{Module: mod, Name: "u.wasm", Ranks: 1})
	var mie *rank.MissingImportsError
	if !errors.As(err, &mie) {
		t.Fatalf("Compile returned %v, want a *rank.MissingImportsError", err)
	}
	if !strings.Contains(err.Error(), "omp_display_env is not supported yet") {
		t.Errorf("error %q", err)
	}
}

// TestOmpDoacrossDeadlock: a depend(sink) on an iteration that is never
// posted before every thread waits fails the rank with an explanation
// instead of hanging.
func TestOmpDoacrossDeadlock(t *testing.T) {
	t.Parallel()
	out := runOmp(t, buildOmp(t, "omp_doacross.c"), 1, []string{"OMP_NUM_THREADS=3"}, "deadlock")
	res := out.Result
	if res.ExitCode != 1 || res.Failure == nil || !strings.Contains(res.Failure.Err.Error(), "doacross loop deadlock") {
		t.Fatalf("exit %d failure %v, want a doacross deadlock report\nstdout:\n%s", res.ExitCode, res.Failure, out.Stdout)
	}
	if strings.Contains(out.Stdout, "survived") {
		t.Errorf("the program went on: %s", out.Stdout)
	}
}

// TestOmpTeams: OMP_NUM_TEAMS sets the number of teams of a teams
// construct without num_teams; a teams construct inside a parallel region
// fails the rank with an explanation.
func TestOmpTeams(t *testing.T) {
	t.Parallel()
	mod := buildOmp(t, "omp_teams.c")
	expectOmpModulePass(t, "omp_teams.c", mod, 1, []string{"OMP_NUM_THREADS=3", "OMP_NUM_TEAMS=5"}, "5")
	out := runOmp(t, mod, 1, []string{"OMP_NUM_THREADS=2"}, "nested")
	res := out.Result
	if res.ExitCode != 1 || res.Failure == nil || !strings.Contains(res.Failure.Err.Error(), "teams construct is nested inside a parallel region") {
		t.Fatalf("exit %d failure %v, want a nested-teams error\nstdout:\n%s", res.ExitCode, res.Failure, out.Stdout)
	}
	if strings.Contains(out.Stdout, "survived") {
		t.Errorf("the program went on: %s", out.Stdout)
	}
}

// TestOmpTaskReductionCXX: task reductions of a C++ class, whose private
// copies the runtime must destroy (the items' finalisers) after combining.
func TestOmpTaskReductionCXX(t *testing.T) {
	t.Parallel()
	mod := buildCXX(t, "omp_taskred_cxx.cc", "-fopenmp")
	expectOmpModulePass(t, "omp_taskred_cxx.cc", mod, 1, []string{"OMP_NUM_THREADS=3"})
}

// TestOmpCXXThreads: libc++ from OpenMP threads: string streams (locale
// reference counts and facet ids, serialised by the SDK's wrappers),
// function-local statics initialised once (guards), lines written to
// std::cout in one insertion (whole), errno.
func TestOmpCXXThreads(t *testing.T) {
	t.Parallel()
	mod := buildCXX(t, "omp_cxx_threads.cc", "-fopenmp", "-Wall")
	res := expectOmpModulePass(t, "omp_cxx_threads.cc", mod, 1, nil)
	checkThreadLines(t, res.Stdout, 16)
}

// TestOmpModuleWithoutOpenMP: programs built without -fopenmp are not
// affected by the runtime's presence.
func TestOmpModuleWithoutOpenMP(t *testing.T) {
	t.Parallel()
	expectPass(t, "p2p_basic.c", 2)
}

// TestOmpTasksUnderGC runs tasks (long guest calls from the runtime, full
// of host calls) while another goroutine keeps the garbage collector
// busy. Before openmp.callGuest kept the argument and result buffer of such
// calls alive, the collector reused it during the call and the guest's
// results overwrote Go objects: the process crashed within a few jobs.
func TestOmpTasksUnderGC(t *testing.T) {
	mod := buildOmp(t, "omp_taskgc.c")
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-stop:
				return
			default:
				runtime.GC()
				time.Sleep(200 * time.Microsecond)
			}
		}
	}()
	defer func() { close(stop); <-done }()
	for i := 0; i < 6; i++ {
		expectOmpModulePass(t, "omp_taskgc.c", mod, 1, []string{"OMP_NUM_THREADS=3"}, "3")
	}
}

// TestOmpPartitioned: OpenMP threads mark the partitions of one send
// (omp_part.c, MPI_THREAD_MULTIPLE).
func TestOmpPartitioned(t *testing.T) {
	t.Parallel()
	expectOmpPass(t, "omp_part.c", 2, []string{"OMP_NUM_THREADS=4"})
	expectOmpPass(t, "omp_part.c", 3, []string{"OMP_NUM_THREADS=2"})
}

// TestOmpThreadMultiple: under MPI_THREAD_MULTIPLE every OpenMP thread
// makes point-to-point calls, collectives on its own communicator and
// communicator creation at the same time (omp_multiple.c).
func TestOmpThreadMultiple(t *testing.T) {
	t.Parallel()
	expectOmpPass(t, "omp_multiple.c", 2, nil)
	expectOmpPass(t, "omp_multiple.c", 3, nil, "60")
}

// TestOmpErrno: errno is per thread, for libc (rewritten in the SDK cache),
// for this program's code and for an object compiled without -fopenmp
// (rewritten by mpicc at link time).
func TestOmpErrno(t *testing.T) {
	t.Parallel()
	requireToolchain(t)
	obj := filepath.Join(t.TempDir(), "omp_errno_plain.o")
	var stderr bytes.Buffer
	args := []string{"-O2", "-c", filepath.Join("testdata", "omp_errno_plain.c"), "-o", obj}
	if code, err := sdk.Run(context.Background(), sdk.C, args, io.Discard, &stderr); err != nil || code != 0 {
		t.Fatalf("mpicc %s: exit %d, %v\n%s", strings.Join(args, " "), code, err, stderr.String())
	}
	expectOmpModulePass(t, "omp_errno.c", buildC(t, "omp_errno.c", "-fopenmp", obj), 1, nil)
}
