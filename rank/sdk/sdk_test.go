package sdk

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
	"github.com/tetratelabs/wazero/sys"
)

// sharedCache is the cache root most integration tests share: it starts
// empty, so the first tests to run race to build it.
var sharedCache string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "wasmpi-sdk-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	sharedCache = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// needToolchain skips the test when the wasm32 toolchain is not installed.
func needToolchain(t *testing.T, lang Lang) {
	t.Helper()
	if _, err := findCompiler(lang, os.Getenv); err != nil {
		t.Skipf("no toolchain: %v", err)
	}
	if _, err := findSysroot(lang, os.Getenv); err != nil {
		t.Skipf("no sysroot: %v", err)
	}
}

type result struct {
	code           int
	err            error
	stdout, stderr string
}

// mpicc runs the driver with the shared cache.
func mpicc(t *testing.T, lang Lang, args ...string) result {
	t.Helper()
	return runDriver(t, &Driver{Lang: lang, CacheDir: sharedCache}, args...)
}

func runDriver(t *testing.T, d *Driver, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	d.Stdout, d.Stderr = &out, &errb
	code, err := d.Run(context.Background(), args)
	return result{code, err, out.String(), errb.String()}
}

// mustBuild runs the driver and fails the test unless it succeeded.
func mustBuild(t *testing.T, lang Lang, args ...string) {
	t.Helper()
	r := mpicc(t, lang, args...)
	if r.err != nil || r.code != 0 {
		t.Fatalf("%s %s: code %d, err %v\n%s", lang.name(), strings.Join(args, " "), r.code, r.err, r.stderr)
	}
}

// mpiHeaderDir returns a directory with mpi.h for the test programs: none
// (the SDK's own) when the SDK ships mpi.h, else a tiny test-only header.
func mpiHeaderDir(t *testing.T) []string {
	t.Helper()
	if _, err := fs.Stat(Headers(), "mpi.h"); err == nil {
		return nil
	}
	dir := t.TempDir()
	const h = `#ifndef TEST_MPI_H
#define TEST_MPI_H
typedef struct MPI_ABI_Comm *MPI_Comm;
#define MPI_COMM_WORLD ((MPI_Comm)0x101)
#define MPI_IMPORT(n) __attribute__((import_module("mpi"), import_name(#n)))
MPI_IMPORT(MPI_Init) int MPI_Init(int *, char ***);
MPI_IMPORT(MPI_Comm_rank) int MPI_Comm_rank(MPI_Comm, int *);
MPI_IMPORT(MPI_Comm_size) int MPI_Comm_size(MPI_Comm, int *);
MPI_IMPORT(MPI_Finalize) int MPI_Finalize(void);
#endif
`
	if err := os.WriteFile(filepath.Join(dir, "mpi.h"), []byte(h), 0o644); err != nil {
		t.Fatal(err)
	}
	return []string{"-I", dir}
}

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// stubMPI instantiates a host module "mpi" that satisfies every MPI import of
// compiled: calls return MPI_SUCCESS, MPI_Comm_rank reports 0, MPI_Comm_size 1.
func stubMPI(ctx context.Context, t *testing.T, r wazero.Runtime, compiled wazero.CompiledModule) {
	t.Helper()
	b := r.NewHostModuleBuilder("mpi")
	n := 0
	for _, f := range compiled.ImportedFunctions() {
		mod, name, _ := f.Import()
		if mod != "mpi" {
			continue
		}
		n++
		results := len(f.ResultTypes())
		b.NewFunctionBuilder().WithGoModuleFunction(api.GoModuleFunc(func(ctx context.Context, m api.Module, stack []uint64) {
			switch strings.TrimPrefix(name, "P") {
			case "MPI_Comm_rank":
				m.Memory().WriteUint32Le(api.DecodeU32(stack[1]), 0)
			case "MPI_Comm_size":
				m.Memory().WriteUint32Le(api.DecodeU32(stack[1]), 1)
			}
			if results > 0 {
				stack[0] = 0
			}
		}), f.ParamTypes(), f.ResultTypes()).Export(name)
	}
	if n > 0 {
		if _, err := b.Instantiate(ctx); err != nil {
			t.Fatal(err)
		}
	}
}

// runWasm checks the module's shape and runs it under wazero with WASI.
func runWasm(t *testing.T, path string, env map[string]string, args ...string) (stdout string, code uint32) {
	t.Helper()
	bin, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(bin, []byte("\x00asm\x01\x00\x00\x00")) {
		t.Fatalf("%s is not a wasm module (starts with % x)", path, bin[:min(8, len(bin))])
	}
	ctx := context.Background()
	r := wazero.NewRuntime(ctx)
	defer r.Close(ctx)
	compiled, err := r.CompileModule(ctx, bin)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range compiled.ImportedFunctions() {
		if mod, name, _ := f.Import(); mod != "wasi_snapshot_preview1" && mod != "mpi" {
			t.Errorf("unexpected import %s.%s", mod, name)
		}
	}
	exports, err := wasmExports(bin)
	if err != nil {
		t.Fatal(err)
	}
	for name, kind := range map[string]byte{"_start": 0, "__indirect_function_table": 1, "memory": 2, "__stack_pointer": 3} {
		if k, ok := exports[name]; !ok || k != kind {
			t.Errorf("export %s: kind %d present %v, want kind %d", name, k, ok, kind)
		}
	}
	wasi_snapshot_preview1.MustInstantiate(ctx, r)
	stubMPI(ctx, t, r, compiled)
	var out bytes.Buffer
	cfg := wazero.NewModuleConfig().WithStdout(&out).WithStderr(&out).
		WithArgs(append([]string{filepath.Base(path)}, args...)...).
		WithSysWalltime().WithSysNanotime().WithSysNanosleep()
	for k, v := range env {
		cfg = cfg.WithEnv(k, v)
	}
	_, err = r.InstantiateModule(ctx, compiled, cfg)
	var exit *sys.ExitError
	switch {
	case errors.As(err, &exit):
		code = exit.ExitCode()
	case err != nil:
		t.Fatalf("running %s: %v\noutput: %s", path, err, out.String())
	}
	return out.String(), code
}

// wasmCustomSections lists the names of the custom sections.
func wasmCustomSections(bin []byte) []string {
	var names []string
	p := 8
	for p < len(bin) {
		id := bin[p]
		p++
		size, n := uleb128(bin[p:])
		p += n
		end := p + int(size)
		if id == 0 {
			l, n := uleb128(bin[p:])
			names = append(names, string(bin[p+n:p+n+int(l)]))
		}
		p = end
	}
	return names
}

func uleb128(b []byte) (uint32, int) {
	var v uint32
	for i := 0; i < len(b) && i < 5; i++ {
		v |= uint32(b[i]&0x7f) << (7 * i)
		if b[i]&0x80 == 0 {
			return v, i + 1
		}
	}
	return 0, len(b)
}

// wasmExports parses the export section: name -> kind (0 func, 1 table,
// 2 memory, 3 global).
func wasmExports(bin []byte) (map[string]byte, error) {
	p := 8
	uleb := func() (uint32, error) {
		var v uint32
		for shift := 0; ; shift += 7 {
			if p >= len(bin) || shift > 28 {
				return 0, errors.New("bad LEB128")
			}
			c := bin[p]
			p++
			v |= uint32(c&0x7f) << shift
			if c&0x80 == 0 {
				return v, nil
			}
		}
	}
	for p < len(bin) {
		id := bin[p]
		p++
		size, err := uleb()
		if err != nil {
			return nil, err
		}
		end := p + int(size)
		if id != 7 {
			p = end
			continue
		}
		n, err := uleb()
		if err != nil {
			return nil, err
		}
		out := map[string]byte{}
		for range n {
			l, err := uleb()
			if err != nil {
				return nil, err
			}
			name := string(bin[p : p+int(l)])
			p += int(l)
			out[name] = bin[p]
			p++
			if _, err := uleb(); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
	return nil, errors.New("no export section")
}

const cProgram = `#include <mpi.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <malloc.h>
#include <time.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/utsname.h>

int main(int argc, char **argv) {
	int rank = -1, size = -1;
	char host[64];
	struct utsname u;
	struct rusage ru;
	MPI_Init(&argc, &argv);
	MPI_Comm_rank(MPI_COMM_WORLD, &rank);
	MPI_Comm_size(MPI_COMM_WORLD, &size);
	if (gethostname(host, sizeof host) != 0) return 2;
	if (uname(&u) != 0) return 3;
	if (getrusage(RUSAGE_SELF, &ru) != 0) return 4;
	void *p = memalign(4096, 100);
	void *m = mmap(NULL, 100, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	signal(SIGINT, SIG_IGN);
	printf("ld=%.2Lf ", (long double)1.25);
	printf("rank=%d size=%d host=%s node=%s page=%d pagesize=%ld nproc=%ld conf=%ld pid_ok=%d clock_ok=%d aligned=%d mmap_ok=%d\n",
		rank, size, host, u.nodename, getpagesize(), sysconf(_SC_PAGESIZE),
		sysconf(_SC_NPROCESSORS_ONLN), sysconf(_SC_NPROCESSORS_CONF),
		getpid() > 0, clock() != (clock_t)-1, p != NULL && ((uintptr_t)p % 4096) == 0,
		m != MAP_FAILED);
	MPI_Finalize();
	return 0;
}
`

func TestCProgram(t *testing.T) {
	t.Parallel()
	needToolchain(t, C)
	dir := t.TempDir()
	src := writeFile(t, dir, "prog.c", cProgram)
	out := filepath.Join(dir, "prog.wasm")
	mustBuild(t, C, append(mpiHeaderDir(t), "-Wall", "-Werror", src, "-o", out)...)

	got, code := runWasm(t, out, map[string]string{"WASMPI_HOSTNAME": "node7", "WASMPI_NPROCS": "3"})
	want := "ld=1.25 rank=0 size=1 host=node7 node=node7 page=65536 pagesize=65536 nproc=3 conf=3 pid_ok=1 clock_ok=1 aligned=1 mmap_ok=1\n"
	if code != 0 || got != want {
		t.Errorf("exit %d, output\n%s\nwant\n%s", code, got, want)
	}
	got, _ = runWasm(t, out, nil)
	want = "ld=1.25 rank=0 size=1 host=localhost node=localhost page=65536 pagesize=65536 nproc=1 conf=1 pid_ok=1 clock_ok=1 aligned=1 mmap_ok=1\n"
	if got != want {
		t.Errorf("without the runtime's variables: output\n%s\nwant\n%s", got, want)
	}
}

func TestCXXHelloWorld(t *testing.T) {
	t.Parallel()
	needToolchain(t, CXX)
	dir := t.TempDir()
	src := writeFile(t, dir, "hello.cpp", `#include <mpi.h>
#include <iostream>
#include <string>
#include <vector>
int main(int argc, char **argv) {
	MPI_Init(&argc, &argv);
	int rank = -1;
	MPI_Comm_rank(MPI_COMM_WORLD, &rank);
	std::vector<std::string> words{"hello", "from", "rank"};
	for (const auto &w : words) std::cout << w << ' ';
	std::cout << rank << std::endl;
	MPI_Finalize();
	return 0;
}
`)
	out := filepath.Join(dir, "hello.wasm")
	mustBuild(t, CXX, append(mpiHeaderDir(t), src, "-o", out)...)
	if got, code := runWasm(t, out, nil); code != 0 || got != "hello from rank 0\n" {
		t.Errorf("exit %d, output %q", code, got)
	}
}

// TestCXXSourceThroughMpicc: mpicc given a C++ source links libc++ itself.
func TestCXXSourceThroughMpicc(t *testing.T) {
	t.Parallel()
	needToolchain(t, C)
	dir := t.TempDir()
	src := writeFile(t, dir, "v.cc", `#include <cstdio>
#include <vector>
#include <algorithm>
int main() {
	std::vector<int> v{3, 1, 2};
	std::sort(v.begin(), v.end());
	std::printf("%d%d%d\n", v[0], v[1], v[2]);
}
`)
	out := filepath.Join(dir, "v.wasm")
	mustBuild(t, C, src, "-o", out)
	if got, code := runWasm(t, out, nil); code != 0 || got != "123\n" {
		t.Errorf("exit %d, output %q", code, got)
	}
}

func TestSeparateCompilationAndArchives(t *testing.T) {
	t.Parallel()
	needToolchain(t, C)
	ar := ""
	if cc, err := findCompiler(C, os.Getenv); err == nil {
		ar = findAr(cc, os.Getenv)
	}
	if ar == "" {
		t.Skip("no llvm-ar")
	}
	dir := t.TempDir()
	main := writeFile(t, dir, "main.c", `#include <stdio.h>
int twice(int);
int square(int);
int main(void) { printf("%d %d\n", twice(21), square(12)); return 3; }
`)
	a := writeFile(t, dir, "twice.c", "int twice(int x) { return 2 * x; }\n")
	b := writeFile(t, dir, "square.c", "int square(int x) { return x * x; }\n")
	mustBuild(t, C, "-c", main, "-o", filepath.Join(dir, "main.o"))
	// Several sources at once with -c: objects land in the working directory,
	// so name them one by one with -o instead.
	mustBuild(t, C, "-O2", "-c", a, "-o", filepath.Join(dir, "twice.o"))
	mustBuild(t, C, "-c", b, "-o", filepath.Join(dir, "square.o"))
	lib := filepath.Join(dir, "libcalc.a")
	if out, err := exec.Command(ar, "rcs", lib, filepath.Join(dir, "twice.o"), filepath.Join(dir, "square.o")).CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", ar, err, out)
	}

	for name, args := range map[string][]string{
		"objects":     {filepath.Join(dir, "main.o"), filepath.Join(dir, "twice.o"), filepath.Join(dir, "square.o")},
		"archive":     {filepath.Join(dir, "main.o"), lib},
		"-L -l":       {filepath.Join(dir, "main.o"), "-L", dir, "-lcalc"},
		"source+.a":   {main, lib},
		"mixed -O0 g": {"-O0", "-g", main, a, filepath.Join(dir, "square.o")},
	} {
		out := filepath.Join(dir, strings.NewReplacer(" ", "_", "+", "_").Replace(name)+".wasm")
		mustBuild(t, C, append(args, "-o", out)...)
		if got, code := runWasm(t, out, nil); code != 3 || got != "42 144\n" {
			t.Errorf("%s: exit %d, output %q", name, code, got)
		}
	}
}

func TestCompileErrors(t *testing.T) {
	t.Parallel()
	needToolchain(t, C)
	dir := t.TempDir()
	bad := writeFile(t, dir, "bad.c", "int main(void) { return undeclared_thing; }\n")
	r := mpicc(t, C, bad, "-o", filepath.Join(dir, "bad.wasm"))
	if r.err != nil || r.code == 0 {
		t.Fatalf("code %d err %v", r.code, r.err)
	}
	if !strings.Contains(r.stderr, "bad.c:1:") || !strings.Contains(r.stderr, "undeclared_thing") {
		t.Errorf("clang's message not passed through:\n%s", r.stderr)
	}

	// No --allow-undefined: a missing function is a link error, not an import.
	undef := writeFile(t, dir, "undef.c", "int not_defined_anywhere(void);\nint main(void) { return not_defined_anywhere(); }\n")
	r = mpicc(t, C, undef, "-o", filepath.Join(dir, "undef.wasm"))
	if r.err != nil || r.code == 0 || !strings.Contains(r.stderr, "undefined symbol: not_defined_anywhere") {
		t.Errorf("code %d err %v stderr:\n%s", r.code, r.err, r.stderr)
	}

	// Implicit declarations are errors in clang 16: getpagesize must be declared.
	pg := writeFile(t, dir, "pg.c", "#include <unistd.h>\nint main(void) { return getpagesize() != 65536; }\n")
	mustBuild(t, C, "-Wall", "-Werror", "-c", pg, "-o", filepath.Join(dir, "pg.o"))

	// C++ exceptions are refused before clang runs.
	r = mpicc(t, CXX, "-fexceptions", "-c", filepath.Join(dir, "x.cc"))
	if r.err == nil || r.code == 0 || !strings.Contains(r.err.Error(), "-fexceptions is not supported") {
		t.Errorf("code %d err %v", r.code, r.err)
	}
}

// TestUserDefinitionWins: support functions are weak.
func TestUserDefinitionWins(t *testing.T) {
	t.Parallel()
	needToolchain(t, C)
	dir := t.TempDir()
	src := writeFile(t, dir, "own.c", `#include <stdio.h>
#include <unistd.h>
int getpagesize(void) { return 4096; }
int gethostname(char *name, size_t len) { snprintf(name, len, "mine"); return 0; }
int main(void) { char h[16]; gethostname(h, sizeof h); printf("%d %s\n", getpagesize(), h); return 0; }
`)
	out := filepath.Join(dir, "own.wasm")
	mustBuild(t, C, src, "-o", out)
	if got, _ := runWasm(t, out, nil); got != "4096 mine\n" {
		t.Errorf("output %q", got)
	}
}

func TestShowAndPassThrough(t *testing.T) {
	t.Parallel()
	needToolchain(t, C)
	dir := t.TempDir()
	out := filepath.Join(dir, "never.wasm")
	r := mpicc(t, C, "-show", filepath.Join(dir, "missing.c"), "-o", out)
	if r.err != nil || r.code != 0 {
		t.Fatalf("code %d err %v\n%s", r.code, r.err, r.stderr)
	}
	line := strings.TrimSpace(r.stdout)
	for _, want := range []string{"--target=wasm32-wasi", " -O3 -msimd128 ", "missing.c -o " + out, "-Wl,--export=__stack_pointer", "libwasmpi_support.a", "-lwasi-emulated-getpid"} {
		if !strings.Contains(line, want) {
			t.Errorf("-show output lacks %q:\n%s", want, line)
		}
	}
	if strings.Contains(line, "--allow-undefined") {
		t.Error("--allow-undefined in the link command")
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("-show compiled")
	}
	// The link flags --showme:link prints are usable as they are.
	r = mpicc(t, C, "--showme:link")
	for _, f := range strings.Fields(r.stdout) {
		if strings.HasSuffix(f, ".a") {
			if _, err := os.Stat(f); err != nil {
				t.Errorf("--showme:link names %s: %v", f, err)
			}
		}
	}
	r = mpicc(t, CXX, "--showme:incdirs")
	if _, err := os.Stat(filepath.Join(strings.TrimSpace(r.stdout), "wasmpi_compat.h")); err != nil {
		t.Errorf("--showme:incdirs: %v", err)
	}

	r = mpicc(t, C, "--version")
	if r.code != 0 || !strings.Contains(r.stdout, "wasm32") {
		t.Errorf("--version: code %d, stdout %q", r.code, r.stdout)
	}

	// -E from standard input: the SDK's unistd.h declares getpagesize.
	var stdout bytes.Buffer
	d := &Driver{Lang: C, CacheDir: sharedCache, Stdin: strings.NewReader("#include <unistd.h>\n"), Stdout: &stdout}
	if code, err := d.Run(context.Background(), []string{"-E", "-x", "c", "-"}); code != 0 || err != nil {
		t.Fatalf("-E: code %d err %v", code, err)
	}
	if !strings.Contains(stdout.String(), "getpagesize") {
		t.Error("-E: no getpagesize declaration in <unistd.h>")
	}
}

// TestConcurrentColdCache: many drivers starting on an empty cache agree on
// one complete cache directory.
func TestConcurrentColdCache(t *testing.T) {
	t.Parallel()
	needToolchain(t, C)
	root := t.TempDir()
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			lang := Lang(i % 2)
			var out bytes.Buffer
			d := &Driver{Lang: lang, CacheDir: root, Stdout: &out}
			if code, err := d.Run(context.Background(), []string{"--showme:link"}); err != nil || code != 0 {
				errs[i] = fmt.Errorf("code %d err %v", code, err)
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	ents, _ := os.ReadDir(root)
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	for _, n := range names {
		if strings.HasPrefix(n, ".tmp") {
			t.Errorf("leftover %s in %v", n, names)
		}
	}
	if len(names) == 0 || len(names) > 2 { // mpicc and mpicxx may resolve to different binaries
		t.Errorf("cache root holds %v", names)
	}
}

// TestDefaultCacheLocation uses the process environment (not parallel).
func TestDefaultCacheLocation(t *testing.T) {
	needToolchain(t, C)
	cache := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", cache)
	t.Setenv("WASMPI_CACHE_DIR", "")
	var out, errb bytes.Buffer
	code, err := Run(context.Background(), C, []string{"--showme:incdirs"}, &out, &errb)
	if err != nil || code != 0 {
		t.Fatalf("code %d err %v\n%s", code, err, errb.String())
	}
	inc := strings.TrimSpace(out.String())
	if !strings.HasPrefix(inc, filepath.Join(cache, "wasmpi", "sdk-")) {
		t.Errorf("include dir %s is not under $XDG_CACHE_HOME/wasmpi", inc)
	}
	dir := t.TempDir()
	src := writeFile(t, dir, "h.c", "#include <stdio.h>\nint main(void) { puts(\"hi\"); return 0; }\n")
	wasm := filepath.Join(dir, "h.wasm")
	code, err = Run(context.Background(), C, []string{src, "-o", wasm}, &out, &errb)
	if err != nil || code != 0 {
		t.Fatalf("code %d err %v\n%s", code, err, errb.String())
	}
	if got, _ := runWasm(t, wasm, nil); got != "hi\n" {
		t.Errorf("output %q", got)
	}
}

// TestSupportObjectsWithoutAr: with no archiver the support objects are
// linked directly, and still only when used.
func TestSupportObjectsWithoutAr(t *testing.T) {
	t.Parallel()
	needToolchain(t, C)
	ctx := context.Background()
	cc, err := findCompiler(C, os.Getenv)
	if err != nil {
		t.Fatal(err)
	}
	sr, err := findSysroot(C, os.Getenv)
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	final := filepath.Join(root, "sdk-noar")
	wasmOpt := findWasmOpt(cc, os.Getenv)
	if err := build(ctx, C, root, final, cc, sr, "", wasmOpt); err != nil {
		t.Fatal(err)
	}
	tc, err := layout(final, sr, "", wasmOpt)
	if err != nil {
		t.Fatal(err)
	}
	if !complete(tc) || len(tc.support) < 2 || !strings.HasSuffix(tc.support[0], ".o") {
		t.Fatalf("support = %v", tc.support)
	}
	tc.compiler, tc.cDriver = cc.argv, true
	dir := t.TempDir()
	src := writeFile(t, dir, "h.c", `#include <stdio.h>
#include <unistd.h>
int getpagesize(void) { return 1; }
int main(void) { char h[32]; gethostname(h, sizeof h); printf("%s %d\n", h, getpagesize()); return 0; }
`)
	wasm := filepath.Join(dir, "h.wasm")
	p, err := parseArgs(C, []string{src, "-o", wasm})
	if err != nil {
		t.Fatal(err)
	}
	argv := translate(C, tc, p).argv
	if out, err := exec.Command(argv[0], argv[1:]...).CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", shellJoin(argv), err, out)
	}
	if got, _ := runWasm(t, wasm, map[string]string{"WASMPI_HOSTNAME": "n1"}); got != "n1 1\n" {
		t.Errorf("output %q", got)
	}
}

// TestDebugInformation: optimised links keep the "name" section (function
// names in wazero's stack traces) and drop DWARF; links with -g keep both;
// -O0 does not run wasm-opt at all.
func TestDebugInformation(t *testing.T) {
	t.Parallel()
	needToolchain(t, C)
	dir := t.TempDir()
	src := writeFile(t, dir, "trap.c", `#include <stdio.h>
__attribute__((noinline)) static void crash_here(volatile int *p) { *p = 1; }
int main(int argc, char **argv) {
	puts("before");
	fflush(stdout);
	crash_here((volatile int *)(0x7ffffff0 + argc));
	return 0;
}
`)
	for _, tt := range []struct {
		args      []string
		wantDWARF bool
	}{
		{nil, false},
		{[]string{"-g"}, true},
		{[]string{"-O0"}, true}, // no wasm-opt; Debian's libc.a carries DWARF
	} {
		out := filepath.Join(dir, fmt.Sprintf("trap%d.wasm", len(tt.args)))
		if len(tt.args) > 0 {
			out = filepath.Join(dir, "trap"+tt.args[0]+".wasm")
		}
		mustBuild(t, C, append(tt.args, src, "-o", out)...)
		bin, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		sections := strings.Join(wasmCustomSections(bin), " ")
		if !strings.Contains(sections, "name") {
			t.Errorf("%v: no name section (custom sections: %s)", tt.args, sections)
		}
		if got := strings.Contains(sections, ".debug_info"); got != tt.wantDWARF {
			t.Errorf("%v: DWARF present %v, want %v (custom sections: %s)", tt.args, got, tt.wantDWARF, sections)
		}
	}
	// The -O0 module traps with the function name in the trace.
	ctx := context.Background()
	r := wazero.NewRuntime(ctx)
	defer r.Close(ctx)
	wasi_snapshot_preview1.MustInstantiate(ctx, r)
	bin, _ := os.ReadFile(filepath.Join(dir, "trap-O0.wasm"))
	_, err := r.InstantiateWithConfig(ctx, bin, wazero.NewModuleConfig())
	if err == nil || !strings.Contains(err.Error(), "crash_here") {
		t.Errorf("trap error does not name the function: %v", err)
	}
}

// TestDamagedCacheIsRebuilt: a cache directory missing files is replaced.
func TestDamagedCacheIsRebuilt(t *testing.T) {
	t.Parallel()
	needToolchain(t, C)
	root := t.TempDir()
	d := &Driver{Lang: C, CacheDir: root}
	r := runDriver(t, d, "--showme:link")
	if r.err != nil || r.code != 0 {
		t.Fatalf("code %d err %v", r.code, r.err)
	}
	var lib string
	for _, f := range strings.Fields(r.stdout) {
		if strings.HasSuffix(f, ".a") || strings.HasSuffix(f, ".o") {
			lib = f
		}
	}
	if err := os.Remove(lib); err != nil {
		t.Fatal(err)
	}
	r = runDriver(t, d, "--showme:link")
	if r.err != nil || r.code != 0 {
		t.Fatalf("code %d err %v", r.code, r.err)
	}
	if _, err := os.Stat(lib); err != nil {
		t.Errorf("not rebuilt: %v", err)
	}
}

// TestStackOverflowTraps: with --stack-first, overflowing the 8 MiB stack
// traps instead of overwriting static data.
func TestStackOverflowTraps(t *testing.T) {
	t.Parallel()
	needToolchain(t, C)
	dir := t.TempDir()
	src := writeFile(t, dir, "so.c", `#include <stdio.h>
#include <stdlib.h>
static int depth(int n) {
	volatile char frame[1 << 20];
	for (unsigned i = 0; i < sizeof frame; i += 4096)
		frame[i] = (char)n;
	return n == 0 ? 0 : depth(n - 1) + frame[(unsigned)n * 4096 % sizeof frame];
}
int main(int argc, char **argv) { printf("%d\n", depth(atoi(argv[1]))); return 0; }
`)
	out := filepath.Join(dir, "so.wasm")
	mustBuild(t, C, "-O1", src, "-o", out)
	ctx := context.Background()
	r := wazero.NewRuntime(ctx)
	defer r.Close(ctx)
	wasi_snapshot_preview1.MustInstantiate(ctx, r)
	bin, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	compiled, err := r.CompileModule(ctx, bin)
	if err != nil {
		t.Fatal(err)
	}
	// 6 MiB of frames fit in the 8 MiB stack (wasm-ld's default is 64 KiB).
	var stdout bytes.Buffer
	_, err = r.InstantiateModule(ctx, compiled, wazero.NewModuleConfig().WithName("fits").WithArgs("so", "6").WithStdout(&stdout))
	if err != nil || stdout.String() != "21\n" {
		t.Errorf("6 MiB of stack: err = %v, output %q", err, stdout.String())
	}
	_, err = r.InstantiateModule(ctx, compiled, wazero.NewModuleConfig().WithName("overflows").WithArgs("so", "16"))
	if err == nil || !strings.Contains(err.Error(), "out of bounds memory access") {
		t.Errorf("stack overflow: err = %v, want an out-of-bounds trap", err)
	}
}
