package sdk

import (
	"bytes"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

//go:embed include
var includeFS embed.FS

//go:embed support
var supportFS embed.FS

// Headers returns the SDK's guest headers (mpi.h, wasmpi_compat.h and the
// libc overlays), rooted at the include directory.
func Headers() fs.FS {
	sub, err := fs.Sub(includeFS, "include")
	if err != nil {
		panic(err) // the embedded tree always has "include"
	}
	return sub
}

// AptPackages is the Debian 12 package list of the default toolchain.
const AptPackages = "clang-16 lld-16 wasi-libc libclang-rt-16-dev-wasm32 libc++-16-dev-wasm32 libc++abi-16-dev-wasm32"

// installHint is appended to errors about a missing toolchain.
const installHint = "install the wasm32 toolchain with: apt-get install " + AptPackages

// cacheVersion changes whenever the cache layout or the support-library
// build changes.
const cacheVersion = "wasmpi-sdk-4"

// Debian's wasi-libc locations.
const (
	debianWasiInclude = "/usr/include/wasm32-wasi"
	debianWasiLib     = "/usr/lib/wasm32-wasi"
)

// ToolchainError reports a missing or unusable compiler or sysroot.
type ToolchainError struct{ Msg string }

func (e *ToolchainError) Error() string { return e.Msg }

// compilerSpec is the compiler chosen for a language.
type compilerSpec struct {
	argv []string // command prefix (e.g. ["clang-16"] or ["ccache", "clang"])
	path string   // resolved binary of argv[0] (or of the compiler after a launcher)
	id   string   // identity for the cache key
}

// findCompiler picks the compiler for lang (see the package doc for the order).
func findCompiler(lang Lang, getenv func(string) string) (*compilerSpec, error) {
	over, sdkName, ccVar, defaults := "WASMPI_CC", "clang", "CC", []string{"clang-16", "clang", "/usr/lib/llvm-16/bin/clang"}
	if lang == CXX {
		over, sdkName, ccVar, defaults = "WASMPI_CXX", "clang++", "CXX", []string{"clang++-16", "clang++", "/usr/lib/llvm-16/bin/clang++"}
	}
	var argv []string
	if v := strings.Fields(getenv(over)); len(v) > 0 {
		argv = v
	} else if sdk := getenv("WASI_SDK_PATH"); sdk != "" {
		argv = []string{filepath.Join(sdk, "bin", sdkName)}
	} else if v := strings.Fields(getenv(ccVar)); len(v) > 0 && strings.Contains(filepath.Base(v[0]), "clang") {
		argv = v
	}
	if argv != nil {
		spec, err := resolveCompiler(argv)
		if err != nil {
			return nil, &ToolchainError{fmt.Sprintf("%s: compiler %q not found (%v)", lang.name(), strings.Join(argv, " "), err)}
		}
		return fixDriverMode(lang, spec), nil
	}
	for _, name := range defaults {
		if spec, err := resolveCompiler([]string{name}); err == nil {
			return fixDriverMode(lang, spec), nil
		}
	}
	return nil, &ToolchainError{fmt.Sprintf("%s: no clang found (tried %s); %s", lang.name(), strings.Join(defaults, ", "), installHint)}
}

// resolveCompiler finds the binary behind argv. With a launcher (ccache
// clang), the identity is the launcher's plus the compiler's.
func resolveCompiler(argv []string) (*compilerSpec, error) {
	spec := &compilerSpec{argv: argv}
	for i, a := range argv {
		if i > 0 && strings.HasPrefix(a, "-") {
			break
		}
		p, err := exec.LookPath(a)
		if err != nil {
			if i == 0 {
				return nil, err
			}
			break
		}
		if r, err := filepath.EvalSymlinks(p); err == nil {
			p = r
		}
		st, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		spec.path = p
		spec.id += fmt.Sprintf("%s:%d:%d;", p, st.Size(), st.ModTime().UnixNano())
	}
	spec.argv[0] = mustLook(argv[0])
	return spec, nil
}

func mustLook(name string) string {
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	return name
}

// fixDriverMode makes sure the C++ driver compiles every source as C++ even
// when the configured binary is a plain clang.
func fixDriverMode(lang Lang, spec *compilerSpec) *compilerSpec {
	// clang picks its driver mode from the name it was invoked by.
	invoked := spec.argv[0]
	for _, a := range spec.argv[1:] {
		if !strings.HasPrefix(a, "-") {
			invoked = a
		}
	}
	if lang == CXX && !strings.Contains(filepath.Base(invoked), "++") {
		hasMode := false
		for _, a := range spec.argv {
			hasMode = hasMode || strings.HasPrefix(a, "--driver-mode=")
		}
		if !hasMode {
			spec.argv = append(spec.argv, "--driver-mode=g++")
		}
	}
	return spec
}

// sysrootSpec says where the WASI sysroot comes from.
type sysrootSpec struct {
	dir string // a ready sysroot; "" means build a clean one from Debian's wasi-libc
}

func findSysroot(lang Lang, getenv func(string) string) (*sysrootSpec, error) {
	if s := getenv("WASI_SYSROOT"); s != "" {
		if _, err := os.Stat(s); err != nil {
			return nil, &ToolchainError{fmt.Sprintf("%s: WASI_SYSROOT=%s: %v", lang.name(), s, err)}
		}
		return &sysrootSpec{dir: s}, nil
	}
	if sdk := getenv("WASI_SDK_PATH"); sdk != "" {
		s := filepath.Join(sdk, "share", "wasi-sysroot")
		if _, err := os.Stat(s); err != nil {
			return nil, &ToolchainError{fmt.Sprintf("%s: WASI_SDK_PATH=%s has no share/wasi-sysroot: %v", lang.name(), sdk, err)}
		}
		return &sysrootSpec{dir: s}, nil
	}
	for _, f := range []string{filepath.Join(debianWasiInclude, "stdio.h"), filepath.Join(debianWasiLib, "libc.a")} {
		if _, err := os.Stat(f); err != nil {
			return nil, &ToolchainError{fmt.Sprintf("%s: wasi-libc not found (%s is missing); %s", lang.name(), f, installHint)}
		}
	}
	return &sysrootSpec{}, nil
}

// findAr looks for an archiver that understands wasm objects. "" means none:
// the support objects are then linked directly.
func findAr(cc *compilerSpec, getenv func(string) string) string {
	var cands []string
	if sdk := getenv("WASI_SDK_PATH"); sdk != "" {
		cands = append(cands, filepath.Join(sdk, "bin", "llvm-ar"))
	}
	if cc.path != "" {
		cands = append(cands, filepath.Join(filepath.Dir(cc.path), "llvm-ar"))
	}
	cands = append(cands, "llvm-ar-16", "llvm-ar")
	for _, c := range cands {
		if p, err := exec.LookPath(c); err == nil {
			return p
		}
	}
	return ""
}

// findWasmOpt looks for binaryen's wasm-opt where clang would find it. ""
// means none: clang then links without the post-link optimisation.
func findWasmOpt(cc *compilerSpec, getenv func(string) string) string {
	var cands []string
	if sdk := getenv("WASI_SDK_PATH"); sdk != "" {
		cands = append(cands, filepath.Join(sdk, "bin", "wasm-opt"))
	}
	if cc.path != "" {
		cands = append(cands, filepath.Join(filepath.Dir(cc.path), "wasm-opt"))
	}
	cands = append(cands, "wasm-opt")
	for _, c := range cands {
		if p, err := exec.LookPath(c); err == nil {
			return p
		}
	}
	return ""
}

// wasmOptScripts are the wrappers clang runs instead of wasm-opt (found
// through -B): clang's own call drops the "name" section, so traps would show
// $123 instead of function names. Release links also drop DWARF first (the
// Debian wasi-libc carries ~75 KB of it, and binaryen skips the passes that
// would invalidate DWARF it must preserve); links with -g keep DWARF.
var wasmOptScripts = map[string]string{
	"release": "--strip-dwarf -g",
	"debug":   "-g",
	// OpenMP links also check the stack pointer against per-thread limits
	// in every function that allocates a frame: a thread overflowing its
	// stack traps instead of overwriting the memory below it.
	"omp-release": "--strip-dwarf -g --stack-check",
	"omp-debug":   "-g --stack-check",
}

// cacheRoot is the directory holding sdk-<hash> folders.
func (d *Driver) cacheRoot() (string, error) {
	if d.CacheDir != "" {
		return d.CacheDir, nil
	}
	if v := d.getenv("WASMPI_CACHE_DIR"); v != "" {
		return v, nil
	}
	if base := d.getenv("XDG_CACHE_HOME"); base != "" && filepath.IsAbs(base) {
		return filepath.Join(base, "wasmpi"), nil
	}
	if base, err := os.UserCacheDir(); err == nil {
		return filepath.Join(base, "wasmpi"), nil
	}
	return filepath.Join(os.TempDir(), fmt.Sprintf("wasmpi-%d", os.Getuid())), nil
}

// embeddedFiles lists the files of an embedded tree in a stable order.
func embeddedFiles(fsys embed.FS, root string) ([]string, error) {
	var files []string
	err := fs.WalkDir(fsys, root, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !e.IsDir() {
			files = append(files, p)
		}
		return nil
	})
	sort.Strings(files)
	return files, err
}

// cacheKey hashes everything the cache directory's content depends on.
func cacheKey(cc *compilerSpec, sr *sysrootSpec, ar, wasmOpt string) (string, error) {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00%s\x00%s\x00%s\x00", cacheVersion, cc.id, sr.dir, ar, wasmOpt)
	fmt.Fprintf(h, "%s\x00%s\x00", ompImportNames(), strings.Join(ompWrappedSymbols(), ","))
	if ar != "" {
		if st, err := os.Stat(ar); err == nil {
			fmt.Fprintf(h, "%d:%d\x00", st.Size(), st.ModTime().UnixNano())
		}
	}
	// The cache holds rewritten copies of the sysroot's archives.
	libDir := debianWasiLib
	if sr.dir != "" {
		libDir = filepath.Join(sr.dir, "lib", "wasm32-wasi")
	}
	if ents, err := os.ReadDir(libDir); err == nil {
		for _, e := range ents {
			if st, err := e.Info(); err == nil && strings.HasSuffix(e.Name(), ".a") {
				fmt.Fprintf(h, "%s:%d:%d\x00", e.Name(), st.Size(), st.ModTime().UnixNano())
			}
		}
	}
	for _, t := range []struct {
		fs   embed.FS
		root string
	}{{includeFS, "include"}, {supportFS, "support"}} {
		files, err := embeddedFiles(t.fs, t.root)
		if err != nil {
			return "", err
		}
		for _, f := range files {
			b, err := t.fs.ReadFile(f)
			if err != nil {
				return "", err
			}
			fmt.Fprintf(h, "%s\x00%d\x00", f, len(b))
			h.Write(b)
		}
	}
	return hex.EncodeToString(h.Sum(nil))[:20], nil
}

// supportSources are the C files of the support library.
func supportSources() ([]string, error) {
	files, err := embeddedFiles(supportFS, "support")
	if err != nil {
		return nil, err
	}
	var srcs []string
	for _, f := range files {
		// support/omp is the OpenMP library, built separately.
		if strings.HasSuffix(f, ".c") && !strings.HasPrefix(f, "support/omp/") {
			srcs = append(srcs, f)
		}
	}
	return srcs, nil
}

// layout returns the paths of a prepared cache directory.
func layout(dir string, sr *sysrootSpec, ar, wasmOpt string) (*toolchain, error) {
	tc := &toolchain{include: filepath.Join(dir, "include"), sysroot: sr.dir}
	if wasmOpt != "" {
		tc.wasmOpt = filepath.Join(dir, "wasm-opt")
	}
	if tc.sysroot == "" {
		tc.sysroot = filepath.Join(dir, "sysroot")
	}
	if ar != "" {
		tc.support = []string{filepath.Join(dir, "libwasmpi_support.a")}
	} else {
		srcs, err := supportSources()
		if err != nil {
			return nil, err
		}
		for _, s := range srcs {
			tc.support = append(tc.support, filepath.Join(dir, "support", strings.TrimSuffix(path.Base(s), ".c")+".o"))
		}
	}
	ompLayout(tc, dir, ar)
	return tc, nil
}

// complete reports whether a cache directory is fully populated.
func complete(tc *toolchain) bool {
	paths := append([]string{filepath.Join(tc.include, "wasmpi_compat.h"), tc.ompCore, tc.ompImports, tc.ompErrnoReport}, tc.support...)
	paths = append(paths, tc.ompSupport...)
	paths = append(paths, tc.ompLib...)
	if tc.wasmOpt != "" {
		for v := range wasmOptScripts {
			paths = append(paths, filepath.Join(tc.wasmOpt, v, "wasm-opt"))
		}
	}
	for _, p := range paths {
		if _, err := os.Stat(p); err != nil {
			return false
		}
	}
	return true
}

// prepare finds the toolchain for lang and makes sure the cache directory
// (headers, clean sysroot, support library) exists.
func (d *Driver) prepare(ctx context.Context, lang Lang) (*toolchain, error) {
	cc, err := findCompiler(lang, d.getenv)
	if err != nil {
		return nil, err
	}
	sr, err := findSysroot(lang, d.getenv)
	if err != nil {
		return nil, err
	}
	ar := findAr(cc, d.getenv)
	wasmOpt := findWasmOpt(cc, d.getenv)
	key, err := cacheKey(cc, sr, ar, wasmOpt)
	if err != nil {
		return nil, err
	}
	root, err := d.cacheRoot()
	if err != nil {
		return nil, err
	}
	final := filepath.Join(root, "sdk-"+key)
	tc, err := layout(final, sr, ar, wasmOpt)
	if err != nil {
		return nil, err
	}
	tc.compiler = cc.argv
	tc.cDriver = lang == C
	if complete(tc) {
		return tc, nil
	}
	if _, err := os.Lstat(final); err == nil {
		// Damaged (files deleted by hand): move it out of the way; a
		// concurrent mpicc may do the same, so errors are ignored.
		os.Rename(final, filepath.Join(root, fmt.Sprintf(".tmp-sdk-broken-%d-%d", os.Getpid(), time.Now().UnixNano())))
	}
	if err := build(ctx, lang, root, final, cc, sr, ar, wasmOpt); err != nil {
		return nil, err
	}
	if !complete(tc) {
		return nil, fmt.Errorf("%s: SDK cache %s is incomplete", lang.name(), final)
	}
	return tc, nil
}

// build populates the cache directory final: everything is made in a
// temporary directory next to it and renamed into place, so a concurrent
// mpicc either sees nothing or a complete directory.
func build(ctx context.Context, lang Lang, root, final string, cc *compilerSpec, sr *sysrootSpec, ar, wasmOpt string) (err error) {
	if err := os.MkdirAll(root, 0o755); err != nil {
		return fmt.Errorf("%s: SDK cache: %w", lang.name(), err)
	}
	removeStale(root)
	tmp, err := os.MkdirTemp(root, ".tmp-sdk-")
	if err != nil {
		return fmt.Errorf("%s: SDK cache: %w", lang.name(), err)
	}
	defer os.RemoveAll(tmp) // gone already after a successful rename
	if err := os.Chmod(tmp, 0o755); err != nil {
		return err
	}
	tc, err := layout(tmp, sr, ar, wasmOpt)
	if err != nil {
		return err
	}

	// Headers.
	if err := extract(includeFS, "include", tc.include); err != nil {
		return fmt.Errorf("%s: SDK headers: %w", lang.name(), err)
	}
	// Clean sysroot: only the wasi folders, plus an empty include/c++/v1 so
	// that clang detects libc++ and adds include/wasm32-wasi/c++/v1.
	if sr.dir == "" {
		for _, l := range []struct{ target, link string }{
			{debianWasiInclude, filepath.Join(tc.sysroot, "include", "wasm32-wasi")},
			{debianWasiLib, filepath.Join(tc.sysroot, "lib", "wasm32-wasi")},
		} {
			if err := os.MkdirAll(filepath.Dir(l.link), 0o755); err != nil {
				return err
			}
			if err := os.Symlink(l.target, l.link); err != nil {
				return fmt.Errorf("%s: sysroot: %w", lang.name(), err)
			}
		}
		if err := os.MkdirAll(filepath.Join(tc.sysroot, "include", "c++", "v1"), 0o755); err != nil {
			return err
		}
	}
	// wasm-opt wrappers.
	for v, flags := range wasmOptScripts {
		if tc.wasmOpt == "" {
			break
		}
		p := filepath.Join(tc.wasmOpt, v, "wasm-opt")
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		script := fmt.Sprintf("#!/bin/sh\n# Written by the wasmpi SDK: run wasm-opt keeping the name section.\nexec %s %s \"$@\"\n", shellQuote(wasmOpt), flags)
		if err := os.WriteFile(p, []byte(script), 0o755); err != nil {
			return err
		}
	}
	// Support library.
	srcDir := filepath.Join(tmp, "support-src")
	if err := extract(supportFS, "support", srcDir); err != nil {
		return fmt.Errorf("%s: support sources: %w", lang.name(), err)
	}
	objDir := filepath.Join(tmp, "support")
	if err := os.MkdirAll(objDir, 0o755); err != nil {
		return err
	}
	srcs, err := supportSources()
	if err != nil {
		return err
	}
	args := concat(cc.argv[1:], []string{"--target=wasm32-wasi", "--sysroot=" + tc.sysroot},
		emulationDefines, []string{"-isystem", tc.include, "-O2", "-Wall", "-c", "-x", "c"})
	var objs []string
	for _, s := range srcs {
		args = append(args, filepath.Join(srcDir, path.Base(s)))
		objs = append(objs, filepath.Join(objDir, strings.TrimSuffix(path.Base(s), ".c")+".o"))
	}
	if err := runTool(ctx, objDir, cc.argv[0], args...); err != nil {
		return fmt.Errorf("%s: building the support library: %w", lang.name(), err)
	}
	if ar != "" {
		if err := runTool(ctx, tmp, ar, append([]string{"rcs", tc.support[0]}, objs...)...); err != nil {
			return fmt.Errorf("%s: archiving the support library: %w", lang.name(), err)
		}
		os.RemoveAll(objDir)
	}
	if err := buildOpenMP(ctx, tc, cc, ar, srcDir); err != nil {
		return fmt.Errorf("%s: %w", lang.name(), err)
	}
	if err := buildThreadErrno(tc); err != nil {
		return fmt.Errorf("%s: %w", lang.name(), err)
	}
	os.RemoveAll(srcDir)

	if err := os.Rename(tmp, final); err != nil {
		if _, statErr := os.Stat(final); statErr == nil {
			return nil // another mpicc won the race
		}
		return fmt.Errorf("%s: SDK cache: %w", lang.name(), err)
	}
	return nil
}

// extract writes the embedded tree root into dir.
func extract(fsys embed.FS, root, dir string) error {
	files, err := embeddedFiles(fsys, root)
	if err != nil {
		return err
	}
	for _, f := range files {
		b, err := fsys.ReadFile(f)
		if err != nil {
			return err
		}
		out := filepath.Join(dir, filepath.FromSlash(strings.TrimPrefix(f, root+"/")))
		if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(out, b, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// removeStale deletes temporary directories left by killed runs.
func removeStale(root string) {
	ents, err := os.ReadDir(root)
	if err != nil {
		return
	}
	for _, e := range ents {
		if !strings.HasPrefix(e.Name(), ".tmp-sdk-") {
			continue
		}
		if info, err := e.Info(); err == nil && time.Since(info.ModTime()) > time.Hour {
			os.RemoveAll(filepath.Join(root, e.Name()))
		}
	}
}

// runTool runs a helper command, returning its output in the error.
func runTool(ctx context.Context, dir, name string, args ...string) error {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	if err := cmd.Run(); err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return fmt.Errorf("%s failed: %v\n%s", shellJoin(append([]string{name}, args...)), err, out.Bytes())
		}
		return err
	}
	return nil
}
