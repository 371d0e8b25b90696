package rank_test

import (
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/wasmpi/wasmpi/rank"
	"github.com/wasmpi/wasmpi/rank/sdk"
)

// examplesDir is where the example programs and their modules live.
const examplesDir = "../examples"

func runExample(t *testing.T, name string, np int, args ...string) string {
	t.Helper()
	module, err := os.ReadFile(filepath.Join(examplesDir, name+".wasm"))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var out syncBuffer
	res, err := rank.Run(ctx, rank.Config{
		Module: module, Name: name + ".wasm", Ranks: np, Args: args,
		Stdout: func(int) io.Writer { return &out },
		Stderr: func(int) io.Writer { return &out },
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.ExitCode != 0 {
		t.Fatalf("%s: exit %d (%v)\n%s", name, res.ExitCode, res.Failure, out.String())
	}
	return out.String()
}

func TestExamples(t *testing.T) {
	cases := []struct {
		name string
		np   int
		args []string
		want []string // regular expressions
	}{
		{"hello", 4, nil, []string{`Hello from rank 0 of 4`, `Hello from rank 3 of 4`}},
		{"pi", 4, []string{"1000000"}, []string{`pi is approximately 3\.14159265\d+, error \d\.\d+e-1[3-9]`}},
		{"ring", 5, []string{"4"}, []string{`lap 3: token is 40`, `final token 40 \(expected 40\)`}},
		{"heat", 3, []string{"32"}, []string{`32x32 grid on 3 ranks: \d+ iterations, last change [0-9.e-]+, mean temperature`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			out := runExample(t, c.name, c.np, c.args...)
			for _, w := range c.want {
				if !regexp.MustCompile(w).MatchString(out) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
		})
	}
}

// TestHeatIsIndependentOfRankCount checks the halo exchange: the stencil
// gives the same mean temperature on 1 and on 4 ranks.
func TestHeatIsIndependentOfRankCount(t *testing.T) {
	t.Parallel()
	re := regexp.MustCompile(`(\d+) iterations, last change \S+, mean temperature (\S+),`)
	one := re.FindStringSubmatch(runExample(t, "heat", 1, "24"))
	four := re.FindStringSubmatch(runExample(t, "heat", 4, "24"))
	if one == nil || four == nil || one[1] != four[1] || one[2] != four[2] {
		t.Fatalf("1 rank: %v, 4 ranks: %v", one, four)
	}
}

// TestCommittedModulesAreReproducible rebuilds every example with the SDK
// and compares it with the committed .wasm.
func TestCommittedModulesAreReproducible(t *testing.T) {
	if _, err := exec.LookPath("clang-16"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("clang-16 is required in CI")
		}
		t.Skip("clang-16 is not installed")
	}
	srcs, _ := filepath.Glob(filepath.Join(examplesDir, "*.c"))
	if len(srcs) == 0 {
		t.Fatal("no example sources found")
	}
	for _, src := range srcs {
		t.Run(filepath.Base(src), func(t *testing.T) {
			t.Parallel()
			name := filepath.Base(src[:len(src)-2])
			out := filepath.Join(t.TempDir(), name+".wasm")
			var stderr bytes.Buffer
			code, err := sdk.Run(context.Background(), sdk.C, []string{"-o", out, src}, &stderr, &stderr)
			if err != nil || code != 0 {
				t.Fatalf("mpicc %s: %v %d\n%s", src, err, code, stderr.String())
			}
			fresh, _ := os.ReadFile(out)
			committed, err := os.ReadFile(filepath.Join(examplesDir, name+".wasm"))
			if err != nil {
				t.Fatalf("%s.wasm is not committed: run make examples", name)
			}
			if !bytes.Equal(fresh, committed) {
				t.Fatalf("%s.wasm differs from a fresh build of %s: run make examples", name, src)
			}
		})
	}
}
