package sdk

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"

	"github.com/wasmpi/wasmpi/openmp"
)

func ompTC() *toolchain {
	tc := fakeTC(C)
	tc.ompCore = "/L/omp/core.o"
	tc.ompLib = []string{"/L/omp/libwasmpi_omp.a"}
	tc.ompImports = "/L/omp/imports.txt"
	tc.wasmOpt = "/W"
	return tc
}

func TestTranslateOpenMP(t *testing.T) {
	t.Parallel()
	tc := ompTC()
	cmd := func(args string) string {
		p, err := parseArgs(C, strings.Fields(args))
		if err != nil {
			t.Fatal(err)
		}
		return strings.Join(translate(C, tc, p).argv, " ")
	}
	link := cmd("-fopenmp a.c -lgomp -l omp -o a.wasm")
	for _, want := range []string{
		"-msimd128 -fopenmp -matomics -mbulk-memory -fthreadsafe-statics a.c -o a.wasm",
		"-Wl,--import-memory -Wl,--shared-memory -Wl,--no-check-features -Wl,--max-memory=4294967296",
		"-Wl,--export-if-defined=__tls_size -Wl,--export-if-defined=__tls_align -Wl,--export=__wasmpi_omp_info",
		"-Wl,--allow-undefined-file=/L/omp/imports.txt",
		"-Wl,--wrap=malloc -Wl,--wrap=calloc", "-Wl,--wrap=printf", "-Wl,--wrap=fwrite",
		"/L/omp/core.o /L/omp/libwasmpi_omp.a",
		"-B/W/omp-release/",
	} {
		if !strings.Contains(link, want) {
			t.Errorf("link command lacks %q:\n%s", want, link)
		}
	}
	if strings.Contains(link, "gomp") || strings.Contains(link, " omp ") || strings.Contains(link, "--allow-undefined ") {
		t.Errorf("link command: %s", link)
	}
	if c := cmd("-fopenmp=libgomp -c a.c"); !strings.Contains(c, "-fopenmp -matomics -mbulk-memory -fthreadsafe-statics -c a.c") || strings.Contains(c, "libgomp") || strings.Contains(c, "shared-memory") {
		t.Errorf("compile command: %s", c)
	}
	if c := cmd("-fopenmp -g a.c"); !strings.Contains(c, "-B/W/omp-debug/") {
		t.Errorf("debug link: %s", c)
	}
	if c := cmd("-fopenmp a.c -Wl,--max-memory=1073741824"); strings.Contains(c, "4294967296") || !strings.Contains(c, "--max-memory=1073741824") {
		t.Errorf("user --max-memory: %s", c)
	}
	if c := cmd("-fopenmp -fno-openmp a.c"); strings.Contains(c, "openmp") || strings.Contains(c, "shared-memory") {
		t.Errorf("-fno-openmp: %s", c)
	}
	if c := cmd("a.c"); strings.Contains(c, "omp") || strings.Contains(c, "atomics") {
		t.Errorf("without -fopenmp: %s", c)
	}
	if c := cmd("-fopenmp-simd a.c"); !strings.Contains(c, "-fopenmp-simd") || strings.Contains(c, "shared-memory") {
		t.Errorf("-fopenmp-simd: %s", c)
	}
}

func TestCriticalNames(t *testing.T) {
	t.Parallel()
	stderr := `wasm-ld-16: error: /tmp/a-1.o: undefined symbol: .gomp_critical_user_alpha.var
wasm-ld-16: error: /tmp/a-1.o: undefined symbol: .gomp_critical_user_b_2.var
wasm-ld-16: error: /tmp/b-1.o: undefined symbol: .gomp_critical_user_alpha.var
wasm-ld-16: error: /tmp/b-1.o: undefined symbol: foo
wasm-ld-16: error: /tmp/b-1.o: undefined symbol: tp.cache.`
	got := criticalNames(stderr)
	if strings.Join(got, " ") != ".gomp_critical_user_alpha.var .gomp_critical_user_b_2.var tp.cache." {
		t.Errorf("criticalNames = %q", got)
	}
	defs := criticalDefinitions(got)
	if !strings.Contains(defs, `__asm__(".gomp_critical_user_alpha.var")`) || strings.Count(defs, "__asm__") != 3 {
		t.Errorf("definitions:\n%s", defs)
	}
	if h := hint("wasm-ld: error: x.o: undefined symbol: __kmpc_fork_call", false); !strings.Contains(h, "-fopenmp") {
		t.Errorf("hint %q", h)
	}
}

// TestOpenMPWrappersMatch: every wrapped symbol has its wrapper in the
// member of support/omp/wrap.c the driver builds for it.
func TestOpenMPWrappersMatch(t *testing.T) {
	t.Parallel()
	src, err := supportFS.ReadFile("support/omp/wrap.c")
	if err != nil {
		t.Fatal(err)
	}
	sections := regexp.MustCompile(`(?s)#ifdef WRAP_(\w+)\n(.*?)#endif`).FindAllStringSubmatch(string(src), -1)
	bodies := map[string]string{}
	for _, s := range sections {
		bodies[s[1]] = s[2]
	}
	for _, m := range ompWrapMembers {
		body, ok := bodies[m.member]
		if !ok {
			t.Errorf("wrap.c has no WRAP_%s section", m.member)
			continue
		}
		for _, s := range m.syms {
			if !regexp.MustCompile(`\b__wrap_` + s + `\(`).MatchString(body) {
				t.Errorf("WRAP_%s does not define __wrap_%s", m.member, s)
			}
		}
		delete(bodies, m.member)
	}
	for m := range bodies {
		t.Errorf("wrap.c section WRAP_%s is not built", m)
	}
	names := ompImportNames()
	for _, n := range []string{"__kmpc_fork_call", "omp_get_thread_num", "__kmpc_taskred_init"} {
		if !strings.Contains(names, n+"\n") {
			t.Errorf("the import list lacks %s", n)
		}
	}
}

const ompProgram = `#include <omp.h>
#include <stdio.h>
#include <stdlib.h>

static int tp;
#pragma omp threadprivate(tp)

int main(void) {
	int sum = 0, crit = 0, n = 0;
	double *v = malloc(1000 * sizeof *v);
#pragma omp parallel reduction(+ : sum)
	{
		tp = omp_get_thread_num();
		sum += tp + 1;
#pragma omp critical(named)
		crit++;
#pragma omp single
		n = omp_get_num_threads();
		char *p = malloc(100);
		snprintf(p, 100, "thread %d", omp_get_thread_num());
		free(p);
	}
#pragma omp parallel for schedule(dynamic, 10)
	for (int i = 0; i < 1000; i++)
		v[i] = i * 0.5;
	double s = 0;
	for (int i = 0; i < 1000; i++)
		s += v[i];
	printf("threads=%d sum=%d crit=%d s=%g\n", n, sum, crit, s);
	return 0;
}
`

// TestOpenMPProgram builds an OpenMP program (named critical sections,
// threadprivate, libc calls from threads) and runs it on the openmp
// package's runtime, without MPI.
func TestOpenMPProgram(t *testing.T) {
	t.Parallel()
	needToolchain(t, C)
	dir := t.TempDir()
	src := writeFile(t, dir, "omp.c", ompProgram)
	out := filepath.Join(dir, "omp.wasm")
	mustBuild(t, C, "-fopenmp", "-Wall", "-Werror", src, "-o", out)
	bin, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	r := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfig().WithCoreFeatures(api.CoreFeaturesV2|experimental.CoreFeaturesThreads))
	defer r.Close(ctx)
	compiled, err := r.CompileModule(ctx, bin)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range compiled.ImportedFunctions() {
		if mod, name, _ := f.Import(); mod != "wasi_snapshot_preview1" && mod != "env" {
			t.Errorf("unexpected import %s.%s", mod, name)
		}
	}
	wasi_snapshot_preview1.MustInstantiate(ctx, r)
	rt, err := openmp.NewRuntime(ctx, r)
	if err != nil {
		t.Fatal(err)
	}
	om, problems, err := rt.Prepare(ctx, bin, compiled)
	if err != nil || len(problems) > 0 || om == nil {
		t.Fatalf("Prepare: %v %q", err, problems)
	}
	var stdout bytes.Buffer
	p, err := om.NewProcess(ctx, openmp.ProcessConfig{
		Name: "p", Env: []string{"OMP_NUM_THREADS=3"}, Context: ctx,
		Instantiate: func(ctx context.Context, name string) (api.Module, error) {
			return r.InstantiateModule(ctx, compiled, wazero.NewModuleConfig().WithName(name).WithStartFunctions())
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	main, err := r.InstantiateModule(p.ResolveContext(ctx), compiled, wazero.NewModuleConfig().WithName("main").
		WithStartFunctions().WithStdout(&stdout).WithStderr(io.Discard))
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Start(main); err != nil {
		t.Fatal(err)
	}
	if _, err := main.ExportedFunction("_start").Call(p.Context(ctx)); err != nil && !strings.Contains(err.Error(), "exit_code(0)") {
		t.Fatalf("_start: %v\n%s", err, stdout.String())
	}
	if p.Close(ctx, time.Second) {
		t.Error("threads abandoned")
	}
	if got, want := stdout.String(), "threads=3 sum=6 crit=3 s=249750\n"; got != want {
		t.Errorf("output %q, want %q", got, want)
	}
	if n := p.Threads(); n != 3 {
		t.Errorf("%d threads", n)
	}
}

// TestOpenMPThreadErrno: the cache holds the sysroot's libraries rewritten
// for a thread-local errno; an -fopenmp link rewrites an input object
// compiled without -fopenmp (and leaves the file itself alone), and refuses
// one whose errno use cannot be rewritten, naming the file and the reason.
func TestOpenMPThreadErrno(t *testing.T) {
	t.Parallel()
	needToolchain(t, C)
	dir := t.TempDir()
	plain := writeFile(t, dir, "plain.c", "#include <errno.h>\nint *where(void) { return &errno; }\nvoid set(int v) { errno = v; }\n")
	obj := filepath.Join(dir, "plain.o")
	mustBuild(t, C, "-c", plain, "-o", obj)
	before, err := os.ReadFile(obj)
	if err != nil {
		t.Fatal(err)
	}
	main := writeFile(t, dir, "main.c", "#include <errno.h>\nint *where(void);\nvoid set(int);\nint main(void) {\n"+
		"int bad = 0;\n#pragma omp parallel num_threads(2) reduction(+:bad)\n{ set(7); bad += where() != &errno || errno != 7; }\nreturn bad; }\n")
	out := filepath.Join(dir, "a.wasm")
	mustBuild(t, C, "-fopenmp", main, obj, "-o", out)
	if after, _ := os.ReadFile(obj); !bytes.Equal(before, after) {
		t.Error("the input object was modified in place")
	}

	d := &Driver{Lang: C, CacheDir: sharedCache}
	tc, err := d.prepare(context.Background(), C)
	if err != nil {
		t.Fatal(err)
	}
	report, err := os.ReadFile(tc.ompErrnoReport)
	if err != nil {
		t.Fatal(err)
	}
	for _, lib := range []string{"libc.a", "libc++.a"} {
		if !bytes.Contains(report, []byte(lib+": ")) {
			t.Errorf("errno.txt does not list %s:\n%s", lib, report)
		}
		if _, err := os.Stat(filepath.Join(tc.ompLibDir, lib)); err != nil {
			t.Error(err)
		}
	}

	// The same object in an archive that -l finds in a -L directory.
	cc, err := findCompiler(C, os.Getenv)
	if err != nil {
		t.Fatal(err)
	}
	if ar := findAr(cc, os.Getenv); ar != "" {
		libDir := filepath.Join(dir, "lib")
		if err := os.Mkdir(libDir, 0o755); err != nil {
			t.Fatal(err)
		}
		if b, err := exec.Command(ar, "rcs", filepath.Join(libDir, "libplain.a"), obj).CombinedOutput(); err != nil {
			t.Fatalf("%s: %v\n%s", ar, err, b)
		}
		mustBuild(t, C, "-fopenmp", main, "-L", libDir, "-lplain", "-o", out)
		mustBuild(t, C, "-fopenmp", main, "-L"+libDir, "-l", "plain", "-o", out)
		// What the link used: the option became a rewritten copy.
		for _, c := range []struct{ args, want []string }{
			{[]string{"-L", libDir, "-lplain"}, []string{"-L", libDir, "LIB"}},
			{[]string{"-L" + libDir, "-l", "plain", "-lm"}, []string{"-L" + libDir, "LIB", "-lm"}},
		} {
			p, err := parseArgs(C, append([]string{"-fopenmp", main, obj}, c.args...))
			if err != nil {
				t.Fatal(err)
			}
			tmp, err := patchInputs(p)
			if err != nil {
				t.Fatal(err)
			}
			defer os.RemoveAll(tmp)
			want := append([]string{main, "OBJ"}, c.want...)
			ok := len(p.args) == len(want) && len(p.inputAt) == 2 && p.inputAt[0] == 0 && p.inputAt[1] == 1
			for i := 0; ok && i < len(want); i++ {
				switch want[i] {
				case "OBJ":
					ok = strings.HasPrefix(p.args[i], tmp) && filepath.Base(p.args[i]) == "plain.o"
				case "LIB":
					ok = strings.HasPrefix(p.args[i], tmp) && filepath.Base(p.args[i]) == "libplain.a"
				default:
					ok = p.args[i] == want[i]
				}
			}
			if !ok {
				t.Fatalf("%q: args after patching %q (inputs at %v), want %q with rewritten copies", c.args, p.args, p.inputAt, want)
			}
		}
	}

	bad := writeFile(t, dir, "bad.c", "extern int errno;\nint *saved = &errno;\n")
	badObj := filepath.Join(dir, "bad.o")
	mustBuild(t, C, "-c", bad, "-o", badObj)
	r := mpicc(t, C, "-fopenmp", main, obj, badObj, "-o", out)
	if r.err == nil || r.code == 0 || !strings.Contains(r.err.Error(), "bad.o: making errno thread-local for -fopenmp") ||
		!strings.Contains(r.err.Error(), "static data holds the address of errno") {
		t.Fatalf("code %d, err %v; want a refusal naming bad.o", r.code, r.err)
	}
}

// TestOpenMPDroppedLoop: the combined loop constructs clang 16 compiles to
// nothing are refused with the file, the line and what to write instead;
// the same text in a comment, in an excluded #if branch, or the loop
// construct on its own, is compiled.
func TestOpenMPDroppedLoop(t *testing.T) {
	t.Parallel()
	needToolchain(t, C)
	dir := t.TempDir()
	body := "int a[10];\nvoid f(void) {\n%s\nfor (int i = 0; i < 10; i++) a[i] = i;\n}\n"
	cases := []struct {
		name, directive, want string
	}{
		{"teams", "#pragma omp teams loop", "t_teams.c:3: '#pragma omp teams loop' is not supported"},
		{"parallel", "  #  pragma   omp parallel \\\n loop", "t_parallel.c:3: '#pragma omp parallel loop' is not supported"},
		{"target", "#pragma omp target teams loop collapse(1)", "'#pragma omp target teams loop' is not supported"},
		{"pragma_op", "_Pragma(\"omp parallel loop\")", "'#pragma omp parallel loop' is not supported"},
		{"macro", "#define PL _Pragma(\"omp parallel loop\")\nPL", "'#pragma omp parallel loop' is not supported"},
		{"comment", "/* #pragma omp teams loop */ // #pragma omp parallel loop", ""},
		{"excluded", "#if 0\n#pragma omp parallel loop\n#else\n#pragma omp parallel for\n#endif", ""},
		{"separate", "#pragma omp parallel\n#pragma omp loop", ""},
		{"taskloop", "#pragma omp parallel\n#pragma omp single\n#pragma omp taskloop", ""},
	}
	for _, c := range cases {
		src := writeFile(t, dir, "t_"+c.name+".c", fmt.Sprintf(body, c.directive))
		r := mpicc(t, C, "-fopenmp", "-c", src, "-o", filepath.Join(dir, c.name+".o"))
		if c.want == "" {
			if r.err != nil || r.code != 0 {
				t.Errorf("%s: code %d, err %v\n%s", c.name, r.code, r.err, r.stderr)
			}
			continue
		}
		if r.err == nil || !strings.Contains(r.err.Error(), c.want) || !strings.Contains(r.err.Error(), "instead") {
			t.Errorf("%s: code %d, err %v; want %q", c.name, r.code, r.err, c.want)
		}
	}
	// Without -fopenmp the directives are ignored, as by clang.
	src := writeFile(t, dir, "plain.c", fmt.Sprintf(body, "#pragma omp teams loop"))
	if r := mpicc(t, C, "-c", src, "-o", filepath.Join(dir, "plain.o")); r.err != nil || r.code != 0 {
		t.Errorf("without -fopenmp: code %d, err %v", r.code, r.err)
	}
}
