package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/wasmpi/wasmpi/rank/sdk"
)

var (
	buildOnce sync.Map // source path -> *builtModule
	tmpRoot   = sync.OnceValue(func() string {
		d, err := os.MkdirTemp("", "mpirun-test")
		if err != nil {
			panic(err)
		}
		return d
	})
)

type builtModule struct {
	once sync.Once
	path string
	err  error
}

func requireToolchain(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("clang-16"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("clang-16 is required in CI: %v", err)
		}
		t.Skip("clang-16 is not installed (run make toolchain)")
	}
}

// module compiles a C file with the SDK once per test binary and returns
// the path of the .wasm.
func module(t *testing.T, src string) string {
	t.Helper()
	requireToolchain(t)
	v, _ := buildOnce.LoadOrStore(src, &builtModule{})
	b := v.(*builtModule)
	b.once.Do(func() {
		b.path = filepath.Join(tmpRoot(), strings.ReplaceAll(filepath.Base(src), ".c", ".wasm"))
		var stderr bytes.Buffer
		code, err := sdk.Run(context.Background(), sdk.C, []string{"-O2", "-o", b.path, src}, &stderr, &stderr)
		if err == nil && code != 0 {
			err = &buildError{stderr.String()}
		}
		b.err = err
	})
	if b.err != nil {
		t.Fatalf("building %s: %v", src, b.err)
	}
	return b.path
}

type buildError struct{ msg string }

func (e *buildError) Error() string { return e.msg }

type result struct {
	code           int
	stdout, stderr string
}

func runMpirun(t *testing.T, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var stdout, stderr bytes.Buffer
	code := run(ctx, append([]string{"--no-cache"}, args...), strings.NewReader(""), &stdout, &stderr)
	return result{code, stdout.String(), stderr.String()}
}

func TestNormalizeArgs(t *testing.T) {
	var o options
	got := normalizeArgs(newFlagSet(&o), []string{"-np", "4", "-oversubscribe", "-x", "A=1", "-timeout=5", "--tag-output", "--wdir", "/tmp", "prog.wasm", "-np", "3"})
	want := []string{"--np", "4", "--oversubscribe", "-x", "A=1", "--timeout=5", "--tag-output", "--wdir", "/tmp", "prog.wasm", "-np", "3"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("normalizeArgs = %q, want %q", got, want)
	}
}

func TestUsageErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"--bogus", "x.wasm"}, "unknown flag: --bogus"},
		{[]string{}, "no program given"},
		{[]string{"-np", "0", "x.wasm"}, "at least 1"},
		{[]string{"-np", "two", "x.wasm"}, "invalid argument"},
		{[]string{"/nonexistent/prog.wasm"}, "cannot read the program"},
		{[]string{"-x", "WASMPI_SURELY_UNSET_VAR", "x.wasm"}, "not set in this environment"},
		{[]string{"--wdir", "/nonexistent", "x.wasm"}, "is not a directory"},
	}
	for _, c := range cases {
		r := runMpirun(t, c.args...)
		if r.code != exitUsage || !strings.Contains(r.stderr, c.want) {
			t.Errorf("mpirun %q: exit %d, stderr %q; want exit %d and %q", c.args, r.code, r.stderr, exitUsage, c.want)
		}
	}
}

func TestMalformedModule(t *testing.T) {
	t.Parallel()
	bad := filepath.Join(t.TempDir(), "bad.wasm")
	if err := os.WriteFile(bad, []byte("\x00asm\x01\x00\x00\x00garbage"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := runMpirun(t, "-np", "2", bad)
	if r.code == 0 || !strings.Contains(r.stderr, "not a valid WebAssembly module") {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
}

func TestVersionAndHelp(t *testing.T) {
	t.Parallel()
	r := runMpirun(t, "--version")
	if r.code != 0 || !strings.Contains(r.stdout, "wasmpi") {
		t.Fatalf("--version: exit %d, stdout %q", r.code, r.stdout)
	}
	r = runMpirun(t, "-h")
	if r.code != 0 || !strings.Contains(r.stdout, "--tag-output") || !strings.Contains(r.stdout, "-np") && !strings.Contains(r.stdout, "--np") {
		t.Fatalf("--help: exit %d, stdout %q", r.code, r.stdout)
	}
}

func TestHelloAllRanks(t *testing.T) {
	t.Parallel()
	prog := module(t, "../examples/hello.c")
	r := runMpirun(t, "-np", "5", "--oversubscribe", prog)
	if r.code != 0 {
		t.Fatalf("exit %d, stderr %s", r.code, r.stderr)
	}
	for i := 0; i < 5; i++ {
		if want := "Hello from rank " + string(rune('0'+i)) + " of 5"; !strings.Contains(r.stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
		}
	}
}

func TestTagOutputAndEnv(t *testing.T) {
	prog := module(t, "testdata/printenv.c")
	t.Setenv("WASMPI_TEST_FROM_HOST", "hostvalue")
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "marker.txt"), []byte("in wdir\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := runMpirun(t, "-np", "2", "--tag-output", "-x", "WASMPI_TEST_FROM_HOST", "-x", "OTHER=set,THIRD=3", "--wdir", dir,
		prog, "WASMPI_TEST_FROM_HOST", "OTHER", "THIRD", "HOME")
	if r.code != 0 {
		t.Fatalf("exit %d, stderr %s", r.code, r.stderr)
	}
	for _, want := range []string{
		"[1,0]<stdout>:WASMPI_TEST_FROM_HOST=hostvalue\n",
		"[1,1]<stdout>:OTHER=set\n",
		"[1,1]<stdout>:THIRD=3\n",
		"[1,0]<stdout>:HOME=(unset)\n",
		"[1,1]<stdout>:marker: in wdir\n",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
		}
	}
}

func TestExitStatus(t *testing.T) {
	t.Parallel()
	prog := module(t, "testdata/exitcode.c")
	r := runMpirun(t, "-np", "3", prog)
	if r.code != 0 {
		t.Fatalf("clean run: exit %d, stderr %s", r.code, r.stderr)
	}
	r = runMpirun(t, "-np", "3", prog, "1", "5")
	if r.code != 5 || !strings.Contains(r.stderr, "rank 1: exited with status 5") || !strings.Contains(r.stderr, "job failed") {
		t.Fatalf("exit(5) on rank 1: exit %d, stderr %s", r.code, r.stderr)
	}
	r = runMpirun(t, "-np", "4", prog, "2", "abort")
	if r.code != 42 || !strings.Contains(r.stderr, "rank 2: MPI_Abort was called with error code 42") {
		t.Fatalf("MPI_Abort(42) on rank 2: exit %d, stderr %s", r.code, r.stderr)
	}
}

func TestTimeout(t *testing.T) {
	t.Parallel()
	prog := module(t, "testdata/hang.c")
	start := time.Now()
	r := runMpirun(t, "-np", "3", "--timeout", "1", prog)
	if r.code != exitTimeout || !strings.Contains(r.stderr, "did not finish within 1 seconds") ||
		!strings.Contains(r.stderr, "when stopped: ranks 0,1,2 in MPI_Recv\n") {
		t.Fatalf("exit %d, stderr %s", r.code, r.stderr)
	}
	if d := time.Since(start); d > 20*time.Second {
		t.Fatalf("timeout took %v", d)
	}
	// The deadlock warning comes first, then the stop.
	r = runMpirun(t, "-np", "2", "--deadlock-warning", "1", "--timeout", "3", prog)
	if r.code != exitTimeout || !strings.Contains(r.stderr, "mpirun: warning: every rank has waited in MPI for 1s with no message or completion reaching it: ranks 0,1 in MPI_Recv; the job looks deadlocked") {
		t.Fatalf("deadlock warning: exit %d, stderr %s", r.code, r.stderr)
	}
	if r = runMpirun(t, "--deadlock-warning", "-1", prog); r.code != exitUsage || !strings.Contains(r.stderr, "--deadlock-warning must not be negative") {
		t.Fatalf("negative --deadlock-warning: exit %d, stderr %s", r.code, r.stderr)
	}
	// (A rank computing when stopped is covered by TestInterrupt, in a
	// process of its own: it cannot be interrupted, and would spin on in
	// the test process.)
}

// TestInterrupt builds the real binary and sends it SIGINT while ranks are
// blocked (and one computes without calling MPI).
func TestInterrupt(t *testing.T) {
	t.Parallel()
	prog := module(t, "testdata/hang.c")
	bin := filepath.Join(t.TempDir(), "mpirun")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	for _, args := range [][]string{{}, {"spin"}} {
		cmd := exec.Command(bin, append([]string{"--no-cache", "-np", "3", prog}, args...)...)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(30 * time.Second)
		for strings.Count(stdout.String(), "waiting") < 3 && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		_ = cmd.Process.Signal(syscall.SIGINT)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			_ = cmd.Process.Kill()
			t.Fatalf("mpirun %v did not stop on SIGINT", args)
		}
		if code := cmd.ProcessState.ExitCode(); code != exitInterrupted {
			t.Fatalf("mpirun %v: exit %d after SIGINT, want %d; stderr %s", args, code, exitInterrupted, stderr.String())
		}
		want := "when stopped: ranks 0,1,2 in MPI_Recv\n"
		if len(args) > 0 {
			want = "when stopped: rank 0 computing; ranks 1,2 in MPI_Recv\n"
		}
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("mpirun %v: no %q after SIGINT; stderr %s", args, want, stderr.String())
		}
	}
}

// TestUnexportedOpenMP: OMP_* variables of mpirun's environment that are
// not passed with -x are reported (Open MPI would have passed them on).
func TestUnexportedOpenMP(t *testing.T) {
	env := []string{"OMP_NUM_THREADS=4", "FOO=1"}
	environ := []string{"PATH=/bin", "OMP_NUM_THREADS=8", "OMP_SCHEDULE=dynamic", "OMP_PROC_BIND=true", "HOME=/root"}
	got := unexportedOpenMP(env, environ)
	want := []string{"OMP_PROC_BIND", "OMP_SCHEDULE"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("unexportedOpenMP = %v, want %v", got, want)
	}
	if got := unexportedOpenMP(nil, []string{"PATH=/bin"}); len(got) != 0 {
		t.Fatalf("no OMP_ variables: got %v", got)
	}
}
