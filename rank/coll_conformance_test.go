package rank_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/wasmpi/wasmpi/rank/sdk"
)

// collBuilds caches the modules built by collBuild. (buildC in
// harness_test.go puts a NUL byte of its cache key into the output file
// name, which makes every build fail with "invalid argument"; this is the
// same build with a clean file name.)
var collBuilds sync.Map // name -> *buildResult

func collBuild(t *testing.T, name string) []byte {
	t.Helper()
	requireToolchain(t)
	v, _ := collBuilds.LoadOrStore(name, &buildResult{})
	br := v.(*buildResult)
	br.once.Do(func() {
		dir, err := os.MkdirTemp("", "wasmpi-coll-build")
		if err != nil {
			br.err = err.Error()
			return
		}
		src, err := filepath.Abs(filepath.Join("testdata", name))
		if err != nil {
			br.err = err.Error()
			return
		}
		out := filepath.Join(dir, strings.ReplaceAll(name, ".", "_")+".wasm")
		var stdout, stderr bytes.Buffer
		args := []string{"-O2", "-g", "-o", out, src}
		code, err := sdk.Run(context.Background(), sdk.C, args, &stdout, &stderr)
		if err != nil || code != 0 {
			br.err = fmt.Sprintf("mpicc %s: %s %v", strings.Join(args, " "), stderr.String(), err)
			return
		}
		br.wasm, err = os.ReadFile(out)
		if err != nil {
			br.err = err.Error()
		}
		os.RemoveAll(dir)
	})
	if br.err != "" {
		t.Fatalf("building %s: %s", name, br.err)
	}
	return br.wasm
}

// collExpectPass is expectPass on a module built by collBuild.
func collExpectPass(t *testing.T, name string, np int, args ...string) jobOutput {
	t.Helper()
	out := runJob(t, collBuild(t, name), np, args...)
	if out.Result.ExitCode != 0 || out.Result.Failure != nil || !strings.Contains(out.Stdout, "No Errors") || strings.Contains(out.Stdout+out.Stderr, "FAIL") {
		t.Fatalf("%s with %d ranks: exit %d, failure %v\nstdout:\n%s\nstderr:\n%s", name, np, out.Result.ExitCode, out.Result.Failure, out.Stdout, out.Stderr)
	}
	return out
}

func TestCollMove(t *testing.T) {
	t.Parallel()
	for _, np := range []int{1, 2, 3, 4, 7, 8} {
		t.Run(fmt.Sprintf("np%d", np), func(t *testing.T) {
			t.Parallel()
			collExpectPass(t, "coll_move.c", np)
		})
	}
}
