package threaderrno

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const (
	debianLibc    = "/usr/lib/wasm32-wasi/libc.a"
	debianInclude = "/usr/include/wasm32-wasi"
)

// compile builds C source into a wasm32 object with clang-16 (the test is
// skipped without it) and returns the object.
func compile(t *testing.T, src string, flags ...string) []byte {
	t.Helper()
	cc, err := exec.LookPath("clang-16")
	if err != nil {
		t.Skip("clang-16 is not installed")
	}
	if _, err := os.Stat(filepath.Join(debianInclude, "errno.h")); err != nil {
		t.Skip("wasi-libc headers are not installed")
	}
	dir := t.TempDir()
	in, out := filepath.Join(dir, "a.c"), filepath.Join(dir, "a.o")
	if err := os.WriteFile(in, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	args := append([]string{"--target=wasm32-wasi", "-nostdlibinc", "-isystem", debianInclude, "-O2", "-c", in, "-o", out}, flags...)
	if b, err := exec.Command(cc, args...).CombinedOutput(); err != nil {
		t.Fatalf("clang-16 %s: %v\n%s", strings.Join(args, " "), err, b)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// objInfo is what the tests read back from a (rewritten) object.
type objInfo struct {
	code    []byte
	relocs  []relocEntry
	syms    []symbolInfo
	imports [][]byte
	nfunc   uint32
}

func inspect(t *testing.T, obj []byte) objInfo {
	t.Helper()
	secs, err := readSections(obj)
	if err != nil {
		t.Fatal(err)
	}
	var oi objInfo
	codeIdx := -1
	for i, s := range secs {
		switch {
		case s.id == secCode:
			oi.code, codeIdx = s.payload, i
		case s.id == secImport:
			if oi.imports, oi.nfunc, err = readImports(s.payload); err != nil {
				t.Fatal(err)
			}
		case s.id == secCustom && s.name == "linking":
			if oi.syms, _, err = readSymbolTable(s.payload); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, s := range secs {
		if s.id == secCustom && strings.HasPrefix(s.name, "reloc.") {
			rs, err := readRelocSection(s.payload)
			if err != nil {
				t.Fatal(err)
			}
			if int(rs.target) == codeIdx {
				oi.relocs = rs.entries
			}
		}
	}
	return oi
}

// symbolName is the name of a symbol, undefined functions named by their
// import.
func (oi objInfo) symbolName(t *testing.T, i uint32) string {
	s := oi.syms[i]
	if s.name != "" || s.kind != symFunction {
		return s.name
	}
	n := uint32(0)
	for _, imp := range oi.imports {
		r := reader{b: imp}
		r.string()
		field := r.string()
		if r.byte() == importFunc {
			if n == s.index {
				return field
			}
			n++
		}
	}
	t.Fatalf("symbol %d: function %d is not an import", i, s.index)
	return ""
}

const errnoUser = `
#include <errno.h>
int get(void) { return errno; }
void set(int v) { errno = v; }
int *where(void) { return &errno; }
static int helper(int x) { return x * 3; }
int (*fp)(int) = helper;   /* an element segment and a table relocation */
int call(int x) { return fp(x) + helper(x + 1); }
`

func TestPatchObjectRewritesEveryAccess(t *testing.T) {
	obj := compile(t, errnoUser)
	before := inspect(t, obj)
	out, st, err := PatchObject(obj)
	if err != nil {
		t.Fatal(err)
	}
	if st != (Stats{Objects: 1, Loads: 1, Stores: 1, Addresses: 1}) {
		t.Fatalf("stats %+v, want one load, one store, one address", st)
	}
	after := inspect(t, out)
	if len(after.code) != len(before.code) {
		t.Fatalf("code size %d -> %d: the rewrite must keep every instruction's length", len(before.code), len(after.code))
	}
	if after.nfunc != before.nfunc+3 {
		t.Fatalf("%d function imports, want %d", after.nfunc, before.nfunc+3)
	}
	if len(after.relocs) != len(before.relocs) {
		t.Fatalf("%d code relocations, want %d", len(after.relocs), len(before.relocs))
	}
	calls := map[string]int{}
	for i, e := range after.relocs {
		name := after.symbolName(t, e.index)
		if name == Symbol {
			t.Errorf("relocation %d still names errno", i)
		}
		if e.typ != relFuncIndexLEB || !strings.HasPrefix(name, "__wasmpi_errno_") {
			if !bytes.Equal(e.raw, before.relocs[i].raw) {
				t.Errorf("unrelated relocation %d changed: %+v -> %+v", i, before.relocs[i], e)
			}
			continue
		}
		calls[name]++
		off := int(e.offset)
		if after.code[off-1] != opCall {
			t.Errorf("%s at %#x: opcode %#x, want call", name, off, after.code[off-1])
		}
		r := reader{b: after.code, pos: off}
		if idx := r.u32(); after.syms[e.index].index != idx {
			t.Errorf("%s at %#x calls function %d, its symbol says %d", name, off, idx, after.syms[e.index].index)
		}
		if name != LocationFunc && after.code[off+5] != opNop {
			t.Errorf("%s at %#x: no nop after the call", name, off)
		}
	}
	if calls[LoadFunc] != 1 || calls[StoreFunc] != 1 || calls[LocationFunc] != 1 {
		t.Errorf("calls %v, want one of each helper", calls)
	}
	// Defined functions moved up by the three imports, in the symbol table
	// as well as in the element segment: the symbol of "call" still names a
	// function whose index is past the imports.
	if len(after.syms) != len(before.syms)+3 {
		t.Fatalf("%d symbols, want %d", len(after.syms), len(before.syms)+3)
	}
	for i, b := range before.syms {
		s := after.syms[i]
		if s.kind == symFunction && s.flags&flagUndefined == 0 && s.index != b.index+3 {
			t.Errorf("symbol %s: function %d, want %d", s.name, s.index, b.index+3)
		}
	}
	// Rewriting again changes nothing: errno is no longer used.
	again, st2, err := PatchObject(out)
	if err != nil || st2.Objects != 0 || !bytes.Equal(again, out) {
		t.Fatalf("second rewrite: %+v, %v", st2, err)
	}
}

func TestPatchObjectLeavesOthersAlone(t *testing.T) {
	for name, src := range map[string]string{
		"no errno":      "int f(int x) { return x + 1; }",
		"defines errno": "int errno; int f(void) { return errno; }",
	} {
		obj := compile(t, src)
		out, st, err := PatchObject(obj)
		if err != nil || st.Objects != 0 || !bytes.Equal(out, obj) {
			t.Errorf("%s: %+v, %v (want the object unchanged)", name, st, err)
		}
	}
	// Compiled with atomics, errno is thread-local already.
	obj := compile(t, "#include <errno.h>\nint f(void) { return errno; }", "-matomics", "-mbulk-memory")
	if out, st, err := PatchObject(obj); err != nil || st.Objects != 0 || !bytes.Equal(out, obj) {
		t.Errorf("thread-local errno: %+v, %v (want the object unchanged)", st, err)
	}
}

func TestPatchObjectRefusesWhatItCannotExpress(t *testing.T) {
	cases := map[string]string{
		// errno.h declares errno _Thread_local, whose address is no
		// constant; a declaration of its own makes it one.
		"static pointer": "extern int errno;\nint *p = &errno;",
		// A byte load with errno folded into the instruction's offset.
		"byte load": "extern char e __asm__(\"errno\");\nint f(void) { return e; }",
	}
	for name, src := range cases {
		_, _, err := PatchObject(compile(t, src))
		if !errors.Is(err, ErrUnsupported) {
			t.Errorf("%s: error %v, want ErrUnsupported", name, err)
		}
	}
}

// TestPatchMalformed: truncated or corrupted input gives ErrFormat (or is
// passed through when it no longer mentions errno), never a panic.
// TestPatchObjectThroughAddress: an access through errno's address (here a
// byte store at offset 1 from it) needs only the address rewritten.
func TestPatchObjectThroughAddress(t *testing.T) {
	obj := compile(t, "#include <errno.h>\nvoid f(void) { ((volatile char *)&errno)[1] = 0; }")
	_, st, err := PatchObject(obj)
	if err != nil || st != (Stats{Objects: 1, Addresses: 1}) {
		t.Fatalf("%+v, %v; want one address use rewritten", st, err)
	}
}

func TestPatchMalformed(t *testing.T) {
	obj := compile(t, errnoUser)
	for n := 0; n < len(obj); n++ {
		if _, _, err := Patch(obj[:n]); err != nil && !errors.Is(err, ErrFormat) {
			t.Fatalf("truncated to %d bytes: %v", n, err)
		}
	}
	for i := 8; i < len(obj); i++ {
		c := append([]byte(nil), obj...)
		c[i] ^= 0xff
		if _, _, err := Patch(c); err != nil && !errors.Is(err, ErrFormat) && !errors.Is(err, ErrUnsupported) {
			t.Fatalf("byte %d flipped: %v", i, err)
		}
	}
	if _, _, err := PatchArchive([]byte("!<arch>\nshort")); !errors.Is(err, ErrFormat) {
		t.Fatalf("short archive: %v", err)
	}
}

// TestPatchDebianLibc rewrites Debian's wasi-libc: every member that stores
// or loads errno is rewritten, and the archive index still points every
// symbol at the member defining it.
func TestPatchDebianLibc(t *testing.T) {
	in, err := os.ReadFile(debianLibc)
	if err != nil {
		t.Skip("wasi-libc is not installed")
	}
	out, st, err := PatchArchive(in)
	if err != nil {
		t.Fatal(err)
	}
	if st.Objects < 50 || st.Sites() < 100 {
		t.Fatalf("only %+v rewritten", st)
	}
	members := func(ar []byte) (index []byte, byOffset map[int][]byte) {
		byOffset = map[int][]byte{}
		pos := len(arMagic)
		for pos < len(ar) {
			h := ar[pos : pos+arHeaderSize]
			size, _ := strconv.Atoi(strings.TrimSpace(string(h[48:58])))
			data := ar[pos+arHeaderSize : pos+arHeaderSize+size]
			if strings.TrimSpace(string(h[:16])) == "/" {
				index = data
			}
			byOffset[pos] = data
			pos += arHeaderSize + size + size%2
		}
		return index, byOffset
	}
	oldIdx, oldMembers := members(in)
	newIdx, newMembers := members(out)
	if len(oldIdx) == 0 || len(oldIdx) != len(newIdx) {
		t.Fatalf("archive index %d -> %d bytes", len(oldIdx), len(newIdx))
	}
	n := int(binary.BigEndian.Uint32(newIdx))
	for i := 1; i <= n; i++ {
		o := int(binary.BigEndian.Uint32(oldIdx[4*i:]))
		m := int(binary.BigEndian.Uint32(newIdx[4*i:]))
		om, nm := oldMembers[o], newMembers[m]
		if om == nil || nm == nil {
			t.Fatalf("index entry %d points at no member (%d -> %d)", i, o, m)
		}
		// Same member: rewritten or not, it keeps its producers section
		// and its size within the added imports.
		if d := len(nm) - len(om); d > 200 || d < -200 {
			t.Fatalf("index entry %d: member of %d bytes now points at one of %d", i, len(om), len(nm))
		}
	}
	// Every rewritten member parses and no longer names errno in its code.
	for off, m := range newMembers {
		if !IsObject(m) {
			continue
		}
		if _, st, err := PatchObject(m); err != nil || st.Objects != 0 {
			t.Fatalf("member at %d: %+v, %v after the rewrite", off, st, err)
		}
	}
}
