package sdk

import (
	"slices"
	"strings"
	"testing"
)

// fakeTC is a toolchain with fixed paths, for translation tests.
func fakeTC(lang Lang) *toolchain {
	tc := &toolchain{
		compiler: []string{"clang-16"},
		cDriver:  true,
		sysroot:  "/S",
		include:  "/I",
		support:  []string{"/L/libwasmpi_support.a"},
	}
	if lang == CXX {
		tc.compiler = []string{"clang++-16"}
		tc.cDriver = false
	}
	return tc
}

func TestTranslate(t *testing.T) {
	t.Parallel()
	const (
		pre     = "--target=wasm32-wasi --sysroot=/S -D_WASI_EMULATED_SIGNAL -D_WASI_EMULATED_PROCESS_CLOCKS -D_WASI_EMULATED_MMAN -D_WASI_EMULATED_GETPID -isystem /I"
		linkPre = "-Wl,--export=__stack_pointer -Wl,--export-table -Wl,--growable-table -Wl,--stack-first"
		stack   = "-Wl,-z,stack-size=8388608"
		wraps   = "-Wl,--wrap=sysconf -Wl,--wrap=uname /L/libwasmpi_support.a"
		emul    = "-lc-printscan-long-double -lwasi-emulated-signal -lwasi-emulated-process-clocks -lwasi-emulated-mman -lwasi-emulated-getpid"
		link    = linkPre + " " + stack + " " + wraps + " " + emul
	)
	tests := []struct {
		name string
		lang Lang
		args string
		want string
	}{
		{"link C", C, "hello.c -o hello.wasm",
			"clang-16 " + pre + " -O3 -msimd128 hello.c -o hello.wasm " + link},
		{"compile only", C, "-c a.c -o a.o",
			"clang-16 " + pre + " -O3 -msimd128 -c a.c -o a.o"},
		{"user -O2 replaces -O3", C, "-O2 -g a.c",
			"clang-16 " + pre + " -msimd128 -O2 -g a.c " + link},
		{"user -O0", C, "-c -O0 a.c",
			"clang-16 " + pre + " -msimd128 -c -O0 a.c"},
		{"-mno-simd128", C, "-mno-simd128 -c a.c",
			"clang-16 " + pre + " -O3 -mno-simd128 -c a.c"},
		{"-msimd128 not doubled", C, "-msimd128 -c a.c",
			"clang-16 " + pre + " -O3 -msimd128 -c a.c"},
		{"several sources, objects and archives", C, "a.c b.o libx.a -L/x -lm -o p",
			"clang-16 " + pre + " -O3 -msimd128 a.c b.o libx.a -L/x -lm -o p " + link},
		{"C++ source under mpicc", C, "a.c b.cpp -o p",
			"clang-16 " + pre + " -O3 -msimd128 -fno-exceptions a.c b.cpp -o p " + linkPre + " " + stack + " " + wraps + " -lc++ -lc++abi " + emul},
		{".C is C++", C, "-c b.C",
			"clang-16 " + pre + " -O3 -msimd128 -fno-exceptions -c b.C"},
		{"-x c++ from stdin", C, "-x c++ - -c -o s.o",
			"clang-16 " + pre + " -O3 -msimd128 -fno-exceptions -x c++ - -c -o s.o"},
		{"-xc++ joined", C, "-xc++ a.h -fsyntax-only",
			"clang-16 " + pre + " -O3 -msimd128 -fno-exceptions -xc++ a.h -fsyntax-only"},
		{"-x none resets", C, "-x c++ a.txt -x none b.c -c",
			"clang-16 " + pre + " -O3 -msimd128 -fno-exceptions -x c++ a.txt -x none b.c -c"},
		{"option values are not inputs", C, "-I inc.cc -o out.cpp -D X=1 -MF dep.cpp a.c -c",
			"clang-16 " + pre + " -O3 -msimd128 -I inc.cc -o out.cpp -D X=1 -MF dep.cpp a.c -c"},
		{"mpicxx", CXX, "main.cc -o p.wasm",
			"clang++-16 " + pre + " -O3 -msimd128 -fno-exceptions main.cc -o p.wasm " + link},
		{"mpicxx C source", CXX, "-c a.c",
			"clang++-16 " + pre + " -O3 -msimd128 -fno-exceptions -c a.c"},
		{"mpicxx -fno-exceptions not doubled", CXX, "-fno-exceptions -c a.cc",
			"clang++-16 " + pre + " -O3 -msimd128 -fno-exceptions -c a.cc"},
		{"-fexceptions then -fno-exceptions", CXX, "-fexceptions -fno-exceptions -c a.cc",
			"clang++-16 " + pre + " -O3 -msimd128 -fexceptions -fno-exceptions -c a.cc"},
		{"-fexceptions in C passes", C, "-fexceptions -c a.c",
			"clang-16 " + pre + " -O3 -msimd128 -fexceptions -c a.c"},
		{"-pthread dropped", C, "-pthread a.c -lpthread",
			"clang-16 " + pre + " -O3 -msimd128 a.c -lpthread " + link},
		{"user stack size", C, "a.c -Wl,-z,stack-size=1048576",
			"clang-16 " + pre + " -O3 -msimd128 a.c -Wl,-z,stack-size=1048576 " + linkPre + " " + wraps + " " + emul},
		{"user stack size via -z", C, "a.c -z stack-size=1048576",
			"clang-16 " + pre + " -O3 -msimd128 a.c -z stack-size=1048576 " + linkPre + " " + wraps + " " + emul},
		{"-E", C, "-E a.c",
			"clang-16 " + pre + " -O3 -msimd128 -E a.c"},
		{"-S", C, "-S a.c",
			"clang-16 " + pre + " -O3 -msimd128 -S a.c"},
		{"-M", C, "-M a.c",
			"clang-16 " + pre + " -O3 -msimd128 -M a.c"},
		{"-MD still links", C, "-MD -MF a.d a.c",
			"clang-16 " + pre + " -O3 -msimd128 -MD -MF a.d a.c " + link},
		{"--version has no link flags", C, "--version",
			"clang-16 " + pre + " -O3 -msimd128 --version"},
		{"-v alone", C, "-v",
			"clang-16 " + pre + " -O3 -msimd128 -v"},
		{"response file is an input", C, "@args.rsp",
			"clang-16 " + pre + " -O3 -msimd128 @args.rsp " + link},
		{"-show links without inputs", C, "-show",
			"clang-16 " + pre + " -O3 -msimd128 " + link},
		{"-showme with args", C, "--showme -c a.c",
			"clang-16 " + pre + " -O3 -msimd128 -c a.c"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := parseArgs(tt.lang, strings.Fields(tt.args))
			if err != nil {
				t.Fatal(err)
			}
			got := shellJoin(translate(tt.lang, fakeTC(tt.lang), p).argv)
			if got != tt.want {
				t.Errorf("args %q:\n got %s\nwant %s", tt.args, got, tt.want)
			}
		})
	}
}

func TestTranslateWasmOpt(t *testing.T) {
	t.Parallel()
	tc := fakeTC(C)
	tc.wasmOpt = "/W"
	for args, want := range map[string]string{
		"a.c":             "-B/W/release/",
		"-g a.c":          "-B/W/debug/",
		"-ggdb3 a.o":      "-B/W/debug/",
		"-g -g0 a.c":      "-B/W/release/",
		"-gz a.c":         "-B/W/release/",
		"-c a.c":          "",
		"-g -c a.c -o ao": "",
	} {
		p, err := parseArgs(C, strings.Fields(args))
		if err != nil {
			t.Fatal(err)
		}
		argv := translate(C, tc, p).argv
		var got string
		for _, a := range argv {
			if strings.HasPrefix(a, "-B") {
				got = a
			}
		}
		if got != want {
			t.Errorf("%q: -B option %q, want %q", args, got, want)
		}
	}
}

func TestTranslateShowFlags(t *testing.T) {
	t.Parallel()
	p, err := parseArgs(CXX, []string{"--showme:compile"})
	if err != nil {
		t.Fatal(err)
	}
	c := translate(CXX, fakeTC(CXX), p)
	want := "--target=wasm32-wasi --sysroot=/S -D_WASI_EMULATED_SIGNAL -D_WASI_EMULATED_PROCESS_CLOCKS -D_WASI_EMULATED_MMAN -D_WASI_EMULATED_GETPID -isystem /I -msimd128 -fno-exceptions"
	if got := shellJoin(c.compile); got != want {
		t.Errorf("compile flags:\n got %s\nwant %s", got, want)
	}
	want = "--target=wasm32-wasi --sysroot=/S -Wl,--export=__stack_pointer -Wl,--export-table -Wl,--growable-table -Wl,--stack-first -Wl,-z,stack-size=8388608 -Wl,--wrap=sysconf -Wl,--wrap=uname /L/libwasmpi_support.a -lc-printscan-long-double -lwasi-emulated-signal -lwasi-emulated-process-clocks -lwasi-emulated-mman -lwasi-emulated-getpid"
	if got := shellJoin(c.link); got != want {
		t.Errorf("link flags:\n got %s\nwant %s", got, want)
	}
	if slices.Contains(c.link, "-lc++") {
		t.Error("clang++ adds libc++ itself")
	}
}

func TestParseShowOptions(t *testing.T) {
	t.Parallel()
	for arg, want := range map[string]showMode{
		"-show": showAll, "-showme": showAll, "--showme": showAll,
		"--showme:compile": showCompile, "-showme:compile": showCompile, "-compile_info": showCompile,
		"--showme:link": showLink, "-link_info": showLink, "-link-info": showLink,
		"--showme:command": showCommand, "--showme:incdirs": showIncdirs, "--showme:version": showVersion,
	} {
		p, err := parseArgs(C, []string{arg, "a.c"})
		if err != nil {
			t.Fatalf("%s: %v", arg, err)
		}
		if p.show != want {
			t.Errorf("%s: show = %q, want %q", arg, p.show, want)
		}
		if slices.Contains(p.args, arg) {
			t.Errorf("%s is passed on to clang", arg)
		}
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		lang Lang
		args string
		want string
	}{
		{CXX, "-fexceptions -c a.cc", "-fexceptions is not supported"},
		{C, "-fcxx-exceptions a.cpp", "-fcxx-exceptions is not supported"},
		{C, "-fno-exceptions -fexceptions -x c++ a.h", "-fexceptions is not supported"},
		{C, "-fwasm-exceptions a.c", "-fwasm-exceptions is not supported"},
		{C, "--showme:bogus", "unknown option --showme:bogus"},
	}
	for _, tt := range tests {
		_, err := parseArgs(tt.lang, strings.Fields(tt.args))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s %q: err = %v, want %q", tt.lang, tt.args, err, tt.want)
		}
	}
}

func TestShellQuote(t *testing.T) {
	t.Parallel()
	got := shellJoin([]string{"clang", "-DX=a b", "it's", "", "-Wl,--x=1", "$HOME"})
	want := `clang '-DX=a b' 'it'\''s' '' -Wl,--x=1 '$HOME'`
	if got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

func TestHint(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		stderr string
		cxx    bool
		want   string
	}{
		{`clang: error: unable to execute command: Executable "wasm-ld" doesn't exist!`, false, "lld-16"},
		{`wasm-ld: error: cannot open /usr/lib/llvm-16/lib/clang/16/lib/wasi/libclang_rt.builtins-wasm32.a: No such file or directory`, false, "libclang-rt-16-dev-wasm32"},
		{`a.cc:1:10: fatal error: 'iostream' file not found`, true, "libc++-16-dev-wasm32"},
		{`a.c:1:10: fatal error: 'pthread.h' file not found`, false, ""},
		{`a.c:3:1: error: expected ';'`, true, ""},
	} {
		got := hint(tt.stderr, tt.cxx)
		if (tt.want == "") != (got == "") || !strings.Contains(got, tt.want) {
			t.Errorf("hint(%q) = %q, want mention of %q", tt.stderr, got, tt.want)
		}
	}
}

func TestFindCompilerOverrides(t *testing.T) {
	t.Parallel()
	env := func(m map[string]string) func(string) string {
		return func(k string) string { return m[k] }
	}
	// CC that is not clang (a build system's CC=mpicc or CC=gcc) is ignored.
	if spec, err := findCompiler(C, env(map[string]string{"CC": "mpicc"})); err == nil {
		if strings.Contains(spec.argv[0], "mpicc") {
			t.Errorf("CC=mpicc was used: %v", spec.argv)
		}
	}
	// WASMPI_CC is honoured even when it does not exist (and then fails clearly).
	_, err := findCompiler(C, env(map[string]string{"WASMPI_CC": "/nonexistent/clang"}))
	if err == nil || !strings.Contains(err.Error(), "/nonexistent/clang") {
		t.Errorf("err = %v", err)
	}
	_, err = findCompiler(CXX, env(map[string]string{"WASI_SDK_PATH": "/nonexistent-sdk"}))
	if err == nil || !strings.Contains(err.Error(), "/nonexistent-sdk/bin/clang++") {
		t.Errorf("err = %v", err)
	}
	// A plain clang used as the C++ compiler gets g++ driver mode.
	spec := fixDriverMode(CXX, &compilerSpec{argv: []string{"/usr/bin/clang-16"}})
	if !slices.Contains(spec.argv, "--driver-mode=g++") {
		t.Errorf("argv = %v", spec.argv)
	}
	spec = fixDriverMode(CXX, &compilerSpec{argv: []string{"ccache", "clang++-16"}})
	if slices.Contains(spec.argv, "--driver-mode=g++") {
		t.Errorf("argv = %v", spec.argv)
	}
}
