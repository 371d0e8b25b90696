package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wasmpi/wasmpi/benchmarks/internal/stats"
)

// TestQuickSmoke runs the whole harness in --quick mode: both builds, every
// benchmark once at tiny sizes, result parsing, results.json, the plots
// and RESULTS.md, all in a temporary directory. It asserts nothing about
// timings. Without Open MPI it runs only the wasm variant, except in CI
// (CI set), where Open MPI must be installed.
func TestQuickSmoke(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	dir := t.TempDir()
	args := []string{"--quick", "--out", filepath.Join(dir, "results"), "--results-md=" + filepath.Join(dir, "RESULTS.md")}
	variants := []string{stats.Native, stats.Wasm}
	if _, _, err := findOpenMPI(ctx, "mpicc", "mpirun"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI must have Open MPI (scripts/install-toolchain.sh installs it): %v", err)
		}
		t.Logf("skipping the native variant: %v", err)
		args = append(args, "--no-native")
		variants = []string{stats.Wasm}
	}

	start := time.Now()
	var stdout, stderr bytes.Buffer
	if code := run(ctx, args, &stdout, &stderr); code != 0 {
		t.Fatalf("harness exited with %d\nstdout:\n%s\nstderr:\n%s", code, stdout.String(), stderr.String())
	}
	t.Logf("quick mode took %.1fs", time.Since(start).Seconds())

	b, err := os.ReadFile(filepath.Join(dir, "results", "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	var rep report
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatalf("results.json: %v", err)
	}
	if !rep.Quick || rep.Reps != 1 {
		t.Errorf("results.json: quick %v reps %d", rep.Quick, rep.Reps)
	}
	// every benchmark measured by every variant, at every rank count
	seen := map[string]map[int]bool{}
	for _, s := range rep.Samples {
		k := s.Bench + "/" + s.Variant
		if seen[k] == nil {
			seen[k] = map[int]bool{}
		}
		seen[k][s.Ranks] = true
		if s.Value < 0 || s.Unit == "" {
			t.Errorf("odd sample %+v", s)
		}
	}
	o, _ := parseFlags([]string{"--quick"}, &stderr)
	for _, bm := range catalogue() {
		want := []int{2}
		switch bm.group {
		case groupColl:
			want = o.ranks
		case groupKernel:
			want = o.kernelRanks
		case groupOpenMP:
			want = []int{1}
		case groupStartup:
			want = o.startupRanks
		}
		for _, v := range variants {
			for _, np := range want {
				if !seen[bm.name+"/"+v][np] {
					t.Errorf("no %s result for %s at %d ranks", v, bm.name, np)
				}
			}
		}
	}
	for _, r := range rep.Runs {
		if r.Error != "" {
			t.Errorf("run %s (%s) failed: %s", r.Job, r.Variant, r.Error)
		}
	}

	pngs := []string{"latency.png", "bandwidth.png", "collectives.png", "startup.png"}
	if len(variants) == 2 {
		pngs = append(pngs, "kernels.png")
	}
	for _, f := range pngs {
		st, err := os.Stat(filepath.Join(dir, "results", f))
		if err != nil || st.Size() < 1000 {
			t.Errorf("plot %s: %v", f, err)
		}
	}
	md, err := os.ReadFile(filepath.Join(dir, "RESULTS.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"## Machine", "| benchmark | ranks |", "](results/latency.png)", "Quick mode", "loaded 2-core VM"} {
		if !strings.Contains(string(md), want) {
			t.Errorf("RESULTS.md lacks %q", want)
		}
	}
	if !strings.Contains(stdout.String(), "wasm/native") {
		t.Errorf("no table on stdout:\n%s", stdout.String())
	}
}

func TestMissingOpenMPI(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"--quick", "--only", "pingpong", "--out", t.TempDir(),
		"--native-mpicc", "/nonexistent/mpicc"}, &stdout, &stderr)
	if code == 0 {
		t.Fatal("harness succeeded without Open MPI")
	}
	for _, want := range []string{"openmpi-bin libopenmpi-dev", "--no-native"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("message lacks %q: %s", want, stderr.String())
		}
	}
}

func TestFlags(t *testing.T) {
	var stderr bytes.Buffer
	o, err := parseFlags(nil, &stderr)
	if err != nil {
		t.Fatal(err)
	}
	if o.reps != 5 || o.quick || o.out != "benchmarks/results" || o.resultsMD != "" || !slices.Equal(o.startupRanks, []int{1, 16, 64}) {
		t.Errorf("defaults: %+v", o)
	}
	o, err = parseFlags([]string{"--quick", "--results-md", "--only", "pingpong,kernels"}, &stderr)
	if err != nil {
		t.Fatal(err)
	}
	if o.reps != 1 || o.resultsMD != "benchmarks/RESULTS.md" || !slices.Equal(o.startupRanks, []int{1, 4}) {
		t.Errorf("--quick --results-md: %+v", o)
	}
	if o, _ = parseFlags([]string{"--quick", "--reps", "3"}, &stderr); o.reps != 3 {
		t.Errorf("--quick --reps 3 gave %d reps", o.reps)
	}
	for _, bad := range [][]string{{"--reps", "0"}, {"--ranks", "0"}, {"stray"}, {"--timeout", "0s"}} {
		if _, err := parseFlags(bad, &stderr); err == nil {
			t.Errorf("parseFlags(%q) accepted", bad)
		}
	}
}

func TestSelectAndJobs(t *testing.T) {
	sel, err := selectBenchmarks([]string{"pingpong", "allreduce", "alltoall", "kernels"})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, b := range sel {
		names = append(names, b.name)
	}
	want := []string{"pingpong", "allreduce", "alltoall", "triad", "stencil", "transpose", "dgemm", "spmv", "cg"}
	if !slices.Equal(names, want) {
		t.Errorf("selected %v, want %v", names, want)
	}
	if _, err := selectBenchmarks([]string{"nosuch"}); err == nil || !strings.Contains(err.Error(), "pingpong") {
		t.Errorf("unknown name: %v", err)
	}

	o := options{ranks: []int{2, 8}, kernelRanks: []int{2}, startupRanks: []int{1}}
	js := jobs(sel, quickPlan(), o)
	var labels []string
	for _, j := range js {
		labels = append(labels, j.label)
	}
	wantLabels := []string{"pingpong", "coll np=2", "coll np=8", "triad np=2", "stencil np=2", "transpose np=2", "dgemm np=2", "spmv np=2", "cg np=2"}
	if !slices.Equal(labels, wantLabels) {
		t.Errorf("jobs %v, want %v", labels, wantLabels)
	}
	if !slices.Contains(js[1].args, "ops=allreduce,alltoall") {
		t.Errorf("collective job args %v", js[1].args)
	}
	if got := sources(js); !slices.Equal(got, []string{"pingpong", "coll", "triad", "stencil", "transpose", "dgemm", "spmv", "cg"}) {
		t.Errorf("sources %v", got)
	}
	for _, j := range js {
		if j.threads != 0 {
			t.Errorf("job %s has %d OpenMP threads", j.label, j.threads)
		}
	}
	// every program the catalogue names exists in src/
	for _, b := range catalogue() {
		if _, err := sourceFS.ReadFile("src/" + b.source + ".c"); err != nil {
			t.Errorf("%s: %v", b.name, err)
		}
	}
}

func TestOpenMPJobs(t *testing.T) {
	sel, err := selectBenchmarks([]string{"openmp"})
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range sel {
		if b.group != groupOpenMP || !strings.HasPrefix(b.name, "omp_") {
			t.Errorf("--only openmp selected %+v", b)
		}
	}
	if len(sel) < 12 {
		t.Errorf("--only openmp selected %d benchmarks", len(sel))
	}
	js := jobs(sel, quickPlan(), options{})
	if got := sources(js); !slices.Equal(got, []string{"omp_sync", "omp_kernels"}) {
		t.Errorf("sources %v", got)
	}
	for _, j := range js {
		if j.ranks != 1 || j.threads != ompThreads || !slices.Contains(j.args, "threads=2") {
			t.Errorf("job %+v", j)
		}
	}

	sel, err = selectBenchmarks([]string{"omp_barrier", "omp_dgemm", "omp_pi_speedup"})
	if err != nil {
		t.Fatal(err)
	}
	js = jobs(sel, fullPlan(), options{})
	if len(js) != 2 || !slices.Contains(js[0].args, "only=omp_barrier,omp_pi_speedup") || !slices.Contains(js[1].args, "only=omp_dgemm") {
		t.Fatalf("jobs %+v", js)
	}
	r := &runner{work: "/w", nativeMpirun: "mpirun", progs: programs{mpirun: "wmpirun",
		native: map[string]string{"omp_sync": "omp_sync"}, wasm: map[string]string{"omp_sync": "omp_sync.wasm"}}}
	nat := strings.Join(r.command(js[0], stats.Native), " ")
	if !strings.Contains(nat, "-np 1 --bind-to none -x OMP_NUM_THREADS=2 omp_sync ") {
		t.Errorf("native command %q", nat)
	}
	was := strings.Join(r.command(js[0], stats.Wasm), " ")
	if !strings.Contains(was, "-np 1 -x OMP_NUM_THREADS=2 omp_sync.wasm ") {
		t.Errorf("wasm command %q", was)
	}
	if !isOpenMP("omp_kernels") || isOpenMP("dgemm") {
		t.Error("isOpenMP")
	}
	if f := sourceFlags(wasmFlags(), "omp_sync"); !slices.Contains(f, "-fopenmp") {
		t.Errorf("omp_sync flags %v", f)
	}
	if f := sourceFlags(nativeFlags(), "triad"); slices.Contains(f, "-fopenmp") {
		t.Errorf("triad flags %v", f)
	}
}
