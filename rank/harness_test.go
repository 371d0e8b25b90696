package rank_test

import (
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wasmpi/wasmpi/rank"
	"github.com/wasmpi/wasmpi/rank/sdk"
)

// builds caches compiled test programs for the life of the test binary.
type buildCache struct {
	mu    sync.Mutex
	dir   string
	built map[string]*buildResult
}

type buildResult struct {
	once sync.Once
	wasm []byte
	err  string
}

var testBuilds = &buildCache{built: map[string]*buildResult{}}

// requireToolchain skips the test when clang-16 for wasm is not installed
// (make test installs it; plain `go test` on a bare machine still works).
func requireToolchain(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("clang-16"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("clang-16 is required in CI: %v", err)
		}
		t.Skip("clang-16 is not installed (run make toolchain)")
	}
}

// buildC compiles testdata/<name> (a C file) with the SDK driver once per
// test binary and returns the module.
func buildC(t *testing.T, name string, extra ...string) []byte {
	t.Helper()
	requireToolchain(t)
	key := name + "\x00" + strings.Join(extra, "\x00")
	testBuilds.mu.Lock()
	if testBuilds.dir == "" {
		d, err := os.MkdirTemp("", "wasmpi-test-build")
		if err != nil {
			testBuilds.mu.Unlock()
			t.Fatal(err)
		}
		testBuilds.dir = d
	}
	br := testBuilds.built[key]
	if br == nil {
		br = &buildResult{}
		testBuilds.built[key] = br
	}
	dir := testBuilds.dir
	testBuilds.mu.Unlock()
	br.once.Do(func() {
		src, err := filepath.Abs(filepath.Join("testdata", name))
		if err != nil {
			br.err = err.Error()
			return
		}
		out := filepath.Join(dir, strings.NewReplacer("/", "_", ".", "_", "\x00", "_").Replace(key)+".wasm")
		var stdout, stderr bytes.Buffer
		args := append([]string{"-O2", "-g", "-o", out, src}, extra...)
		code, err := sdk.Run(context.Background(), sdk.C, args, &stdout, &stderr)
		if err != nil || code != 0 {
			br.err = "mpicc " + strings.Join(args, " ") + ": " + stderr.String()
			if err != nil {
				br.err += err.Error()
			}
			return
		}
		br.wasm, err = os.ReadFile(out)
		if err != nil {
			br.err = err.Error()
		}
	})
	if br.err != "" {
		t.Fatalf("building %s: %s", name, br.err)
	}
	return br.wasm
}

// jobOutput is what a test job printed and how it ended.
type jobOutput struct {
	Stdout, Stderr string
	Result         *rank.Result
}

// syncBuffer is a goroutine-safe bytes.Buffer.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// runJob runs module with np ranks and a deadline, failing the test if the
// job cannot start.
func runJob(t *testing.T, module []byte, np int, args ...string) jobOutput {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var stdout, stderr syncBuffer
	res, err := rank.Run(ctx, rank.Config{
		Module: module, Name: "test.wasm", Ranks: np, Args: args,
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

// expectPass runs a self-checking test program: every rank must exit 0 and
// the output must contain "No Errors" (printed by rank 0) and no "FAIL".
func expectPass(t *testing.T, name string, np int, args ...string) jobOutput {
	t.Helper()
	out := runJob(t, buildC(t, name), np, args...)
	if out.Result.ExitCode != 0 || out.Result.Failure != nil || !strings.Contains(out.Stdout, "No Errors") || strings.Contains(out.Stdout+out.Stderr, "FAIL") {
		t.Fatalf("%s with %d ranks: exit %d, failure %v\nstdout:\n%s\nstderr:\n%s", name, np, out.Result.ExitCode, out.Result.Failure, out.Stdout, out.Stderr)
	}
	return out
}
