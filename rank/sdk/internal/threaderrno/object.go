package threaderrno

import (
	"bytes"
	"errors"
	"fmt"
)

// Symbol is the data symbol whose accesses are rewritten.
const Symbol = "errno"

// The functions the rewritten code calls; the SDK's OpenMP support library
// defines them:
//
//	int  __wasmpi_errno_load(int base)             returns *(base + &errno)
//	void __wasmpi_errno_store(int base, int value)  *(base + &errno) = value
//	int *__wasmpi_errno_location(void)              returns &errno
const (
	LoadFunc     = "__wasmpi_errno_load"
	StoreFunc    = "__wasmpi_errno_store"
	LocationFunc = "__wasmpi_errno_location"
)

// ErrUnsupported is wrapped by errors about errno accesses the rewrite cannot
// express.
var ErrUnsupported = errors.New("unsupported access to errno")

// ErrFormat is wrapped by errors about input that is not a well-formed
// relocatable object or archive.
var ErrFormat = errors.New("malformed WebAssembly object")

// Stats counts what a rewrite changed.
type Stats struct {
	Objects   int // objects rewritten
	Loads     int // i32.load sites
	Stores    int // i32.store sites
	Addresses int // i32.const sites
}

func (s *Stats) add(o Stats) {
	s.Objects += o.Objects
	s.Loads += o.Loads
	s.Stores += o.Stores
	s.Addresses += o.Addresses
}

// Sites is the number of rewritten instructions.
func (s Stats) Sites() int { return s.Loads + s.Stores + s.Addresses }

var wasmMagic = []byte("\x00asm\x01\x00\x00\x00")

// IsObject reports whether b starts like a WebAssembly module or object.
func IsObject(b []byte) bool { return bytes.HasPrefix(b, wasmMagic) }

// Section ids and the parts of the linking metadata the rewrite touches
// (the tool-conventions "Linking" document).
const (
	secCustom = 0
	secType   = 1
	secImport = 2
	secExport = 7
	secStart  = 8
	secElem   = 9
	secCode   = 10
	secData   = 11

	linkingVersion  = 2
	subComdatInfo   = 7
	subSymbolTable  = 8
	symFunction     = 0
	symData         = 1
	symGlobal       = 2
	symSection      = 3
	symTag          = 4
	symTable        = 5
	flagUndefined   = 0x10
	flagExplicitNm  = 0x40
	flagTLS         = 0x100
	comdatFunction  = 1
	importFunc      = 0
	importTable     = 1
	importMemory    = 2
	importGlobal    = 3
	importTag       = 4
	relFuncIndexLEB = 0
	relMemAddrLEB   = 3
	relMemAddrSLEB  = 4
	relMemAddrI32   = 5
	relTLSSLEB      = 21
	relTLSSLEB64    = 25

	opCall     = 0x10
	opNop      = 0x01
	opI32Load  = 0x28
	opI32Store = 0x36
	opI32Const = 0x41
)

// relocHasAddend reports whether a relocation type carries an addend; ok is
// false for types this package does not know.
func relocHasAddend(t byte) (has, ok bool) {
	switch t {
	case 3, 4, 5, 8, 9, 11, 14, 15, 16, 17, 21, 22, 23, 25:
		return true, true
	case 0, 1, 2, 6, 7, 10, 12, 13, 18, 19, 20, 24, 26:
		return false, true
	}
	return false, false
}

type section struct {
	id      byte
	name    string // custom sections
	payload []byte // for custom sections: after the name
}

type relocEntry struct {
	typ    byte
	offset uint32
	index  uint32
	addend int64
	raw    []byte
}

type relocSection struct {
	target  uint32
	entries []relocEntry
}

// symbolInfo is what the rewrite needs of one symbol-table entry.
type symbolInfo struct {
	kind     byte
	flags    uint32
	name     string
	index    uint32 // function/global/tag/table index
	indexPos [2]int // byte range of index in the subsection payload (kind function)
}

// PatchObject rewrites one relocatable object. It returns obj itself, with
// zero Stats, when the object does not access a plain, undefined errno.
func PatchObject(obj []byte) ([]byte, Stats, error) {
	if !IsObject(obj) {
		return nil, Stats{}, fmt.Errorf("%w: not a WebAssembly file", ErrFormat)
	}
	secs, err := readSections(obj)
	if err != nil {
		return nil, Stats{}, err
	}
	linkIdx, codeIdx, dataIdx, typeIdx, importIdx, elemIdx := -1, -1, -1, -1, -1, -1
	for i, s := range secs {
		switch {
		case s.id == secCustom && s.name == "linking":
			linkIdx = i
		case s.id == secCode:
			codeIdx = i
		case s.id == secData:
			dataIdx = i
		case s.id == secType:
			typeIdx = i
		case s.id == secImport:
			importIdx = i
		case s.id == secElem:
			elemIdx = i
		}
	}
	if linkIdx < 0 {
		// A final module, or an object without symbols: nothing refers
		// to errno by name.
		return obj, Stats{}, nil
	}
	link := secs[linkIdx].payload
	syms, symTab, err := readSymbolTable(link)
	if err != nil {
		return nil, Stats{}, err
	}
	errnoSym := -1
	for i, s := range syms {
		if s.kind == symData && s.name == Symbol {
			errnoSym = i
			break
		}
	}
	if errnoSym < 0 || syms[errnoSym].flags&flagUndefined == 0 || syms[errnoSym].flags&flagTLS != 0 {
		// Not referenced, defined here (wasi-libc's own definition, which an
		// -fopenmp link never pulls in), or already thread-local.
		return obj, Stats{}, nil
	}

	// Find the relocations against errno.
	type relocSec struct {
		secIdx int
		rs     relocSection
	}
	var codeRelocs *relocSec
	var uses []int // indices into codeRelocs.rs.entries
	for i, s := range secs {
		if s.id != secCustom || len(s.name) < 6 || s.name[:6] != "reloc." {
			continue
		}
		rs, err := readRelocSection(s.payload)
		if err != nil {
			return nil, Stats{}, fmt.Errorf("%s: %w", s.name, err)
		}
		for j, e := range rs.entries {
			if e.index != uint32(errnoSym) {
				continue
			}
			switch {
			case int(rs.target) == codeIdx:
				if codeRelocs == nil {
					codeRelocs = &relocSec{i, rs}
				}
				uses = append(uses, j)
			case int(rs.target) == dataIdx:
				return nil, Stats{}, fmt.Errorf("%w: static data holds the address of errno (relocation type %d); "+
					"only the thread that starts the program would see it", ErrUnsupported, e.typ)
			}
			// Debug information describing errno is left alone.
		}
	}
	if len(uses) == 0 {
		return obj, Stats{}, nil
	}
	if typeIdx < 0 || importIdx < 0 {
		return nil, Stats{}, fmt.Errorf("%w: object uses errno but has no type or import section", ErrFormat)
	}
	for _, s := range secs {
		switch s.id {
		case secExport, secStart:
			return nil, Stats{}, fmt.Errorf("%w: relocatable object with an export or start section", ErrFormat)
		}
	}

	// Classify every use before changing anything.
	code := append([]byte(nil), secs[codeIdx].payload...)
	type site struct {
		entry  int
		helper int // index into helpers
	}
	var sites []site
	var st Stats
	for _, j := range uses {
		e := codeRelocs.rs.entries[j]
		off := int(e.offset)
		if e.typ == relTLSSLEB || e.typ == relTLSSLEB64 {
			return nil, Stats{}, fmt.Errorf("%w: thread-local access to an errno the object also declares non-thread-local", ErrFormat)
		}
		if e.addend != 0 {
			return nil, Stats{}, fmt.Errorf("%w: errno%+d at code offset %#x", ErrUnsupported, e.addend, off)
		}
		if off+5 > len(code) || !paddedLEB(code[off:off+5]) {
			return nil, Stats{}, fmt.Errorf("%w: relocation at code offset %#x is not a padded 5-byte immediate", ErrFormat, off)
		}
		switch e.typ {
		case relMemAddrLEB:
			// opcode, alignment, offset: a plain (unprefixed) i32 load or store.
			if off < 3 || code[off-3] == 0xfd || code[off-3] == 0xfe || code[off-1] > 2 ||
				(code[off-2] != opI32Load && code[off-2] != opI32Store) {
				return nil, Stats{}, fmt.Errorf("%w: memory access at code offset %#x is not a 32-bit load or store (errno is an int)", ErrUnsupported, off-2)
			}
			if code[off-2] == opI32Load {
				sites = append(sites, site{j, helperLoad})
				st.Loads++
			} else {
				sites = append(sites, site{j, helperStore})
				st.Stores++
			}
		case relMemAddrSLEB:
			if off < 1 || code[off-1] != opI32Const {
				return nil, Stats{}, fmt.Errorf("%w: address of errno at code offset %#x is not an i32.const", ErrUnsupported, off)
			}
			sites = append(sites, site{j, helperLocation})
			st.Addresses++
		default:
			return nil, Stats{}, fmt.Errorf("%w: relocation type %d at code offset %#x (position-independent or 64-bit code is not supported)", ErrUnsupported, e.typ, off)
		}
	}

	// Which helpers are needed, their types, imports and symbols.
	var need [numHelpers]bool
	for _, s := range sites {
		need[s.helper] = true
	}
	types, err := readTypes(secs[typeIdx].payload)
	if err != nil {
		return nil, Stats{}, err
	}
	imports, numFuncImports, err := readImports(secs[importIdx].payload)
	if err != nil {
		return nil, Stats{}, err
	}
	var funcIdx, symIdx [numHelpers]uint32
	var newTypes [][]byte
	var newImports [][]byte
	var newSyms [][]byte
	added := uint32(0)
	for h := 0; h < numHelpers; h++ {
		if !need[h] {
			continue
		}
		sig := helperSigs[h]
		ti := -1
		for i, t := range types {
			if bytes.Equal(t, sig) {
				ti = i
				break
			}
		}
		if ti < 0 {
			ti = len(types)
			types = append(types, sig)
			newTypes = append(newTypes, sig)
		}
		funcIdx[h] = numFuncImports + added
		symIdx[h] = uint32(len(syms)) + added
		added++
		imp := appendString(nil, "env")
		imp = appendString(imp, helperNames[h])
		imp = append(imp, importFunc)
		imp = appendULEB(imp, uint64(ti))
		newImports = append(newImports, imp)
		sym := []byte{symFunction}
		sym = appendULEB(sym, flagUndefined)
		sym = appendULEB(sym, uint64(funcIdx[h]))
		newSyms = append(newSyms, sym)
	}

	// Rewrite the code in place.
	entries := append([]relocEntry(nil), codeRelocs.rs.entries...)
	for _, s := range sites {
		e := entries[s.entry]
		off := int(e.offset)
		var at int
		switch s.helper {
		case helperLoad, helperStore:
			at = off - 1
			code[off-2] = opCall
			putPaddedLEB(code[at:at+5], funcIdx[s.helper])
			code[off+4] = opNop
		case helperLocation:
			at = off
			code[off-1] = opCall
			putPaddedLEB(code[at:at+5], funcIdx[s.helper])
		}
		entries[s.entry] = relocEntry{typ: relFuncIndexLEB, offset: uint32(at), index: symIdx[s.helper]}
	}
	st.Objects = 1

	// Reassemble.
	newLink, err := rewriteLinking(link, symTab, syms, numFuncImports, added, newSyms)
	if err != nil {
		return nil, Stats{}, err
	}
	var newElem []byte
	if elemIdx >= 0 {
		if newElem, err = shiftElemFunctions(secs[elemIdx].payload, numFuncImports, added); err != nil {
			return nil, Stats{}, err
		}
	}
	out := append([]byte(nil), wasmMagic...)
	for i, s := range secs {
		payload := s.payload
		switch {
		case i == typeIdx && len(newTypes) > 0:
			payload = appendVector(secs[typeIdx].payload, newTypes)
		case i == importIdx:
			payload = rebuildVector(imports, newImports)
		case i == codeIdx:
			payload = code
		case i == elemIdx:
			payload = newElem
		case i == linkIdx:
			payload = newLink
		case i == codeRelocs.secIdx:
			payload = encodeRelocSection(codeRelocs.rs.target, entries)
		case s.id == secCustom && s.name == "name":
			continue // function indices changed; names are optional
		}
		out = appendSection(out, s.id, s.name, payload)
	}
	return out, st, nil
}

const (
	helperLoad = iota
	helperStore
	helperLocation
	numHelpers
)

var helperNames = [numHelpers]string{LoadFunc, StoreFunc, LocationFunc}

// helperSigs are the encoded function types: (i32)->i32, (i32 i32)->(),
// ()->i32.
var helperSigs = [numHelpers][]byte{
	{0x60, 1, 0x7f, 1, 0x7f},
	{0x60, 2, 0x7f, 0x7f, 0},
	{0x60, 0, 1, 0x7f},
}

// readSections splits a module into sections.
func readSections(b []byte) ([]section, error) {
	var secs []section
	r := reader{b: b, pos: len(wasmMagic)}
	for r.pos < len(b) {
		id := r.byte()
		size := r.u32()
		if r.err != nil {
			return nil, r.err
		}
		if uint64(r.pos)+uint64(size) > uint64(len(b)) {
			return nil, fmt.Errorf("%w: section %d runs past the end of the file", ErrFormat, id)
		}
		body := b[r.pos : r.pos+int(size)]
		r.pos += int(size)
		s := section{id: id, payload: body}
		if id == secCustom {
			br := reader{b: body}
			s.name = br.string()
			if br.err != nil {
				return nil, br.err
			}
			s.payload = body[br.pos:]
		}
		secs = append(secs, s)
	}
	return secs, nil
}

func appendSection(out []byte, id byte, name string, payload []byte) []byte {
	var body []byte
	if id == secCustom {
		body = appendString(body, name)
	}
	body = append(body, payload...)
	out = append(out, id)
	out = appendULEB(out, uint64(len(body)))
	return append(out, body...)
}

// readSymbolTable parses the linking section's symbol table; tab is the byte
// range of the symbol-table subsection's payload within link.
func readSymbolTable(link []byte) (syms []symbolInfo, tab [2]int, err error) {
	r := reader{b: link}
	if v := r.u32(); r.err == nil && v != linkingVersion {
		return nil, tab, fmt.Errorf("%w: linking metadata version %d (want %d)", ErrFormat, v, linkingVersion)
	}
	for r.err == nil && r.pos < len(link) {
		typ := r.byte()
		size := r.u32()
		if r.err != nil || uint64(r.pos)+uint64(size) > uint64(len(link)) {
			return nil, tab, fmt.Errorf("%w: truncated linking subsection", ErrFormat)
		}
		start, end := r.pos, r.pos+int(size)
		if typ == subSymbolTable {
			tab = [2]int{start, end}
			sr := reader{b: link[:end], pos: start}
			n := sr.u32()
			for i := uint32(0); i < n && sr.err == nil; i++ {
				var s symbolInfo
				s.kind = sr.byte()
				s.flags = sr.u32()
				switch s.kind {
				case symFunction, symGlobal, symTag, symTable:
					p := sr.pos
					s.index = sr.u32()
					s.indexPos = [2]int{p - start, sr.pos - start}
					if s.flags&flagUndefined == 0 || s.flags&flagExplicitNm != 0 {
						s.name = sr.string()
					}
				case symData:
					s.name = sr.string()
					if s.flags&flagUndefined == 0 {
						sr.u32()  // segment
						sr.uleb() // offset
						sr.uleb() // size
					}
				case symSection:
					sr.u32()
				default:
					return nil, tab, fmt.Errorf("%w: unknown symbol kind %d", ErrFormat, s.kind)
				}
				syms = append(syms, s)
			}
			if sr.err != nil {
				return nil, tab, sr.err
			}
		}
		r.pos = end
	}
	return syms, tab, r.err
}

// rewriteLinking shifts defined function indices by added (the new imports
// precede every defined function) in the symbol table and the COMDATs, and
// appends the new symbols.
func rewriteLinking(link []byte, tab [2]int, syms []symbolInfo, numFuncImports, added uint32, newSyms [][]byte) ([]byte, error) {
	r := reader{b: link}
	r.u32()
	out := appendULEB(nil, linkingVersion)
	for r.err == nil && r.pos < len(link) {
		typ := r.byte()
		size := r.u32()
		start, end := r.pos, r.pos+int(size)
		payload := link[start:end]
		switch typ {
		case subSymbolTable:
			// count, then each entry with its function index replaced.
			var nb []byte
			nb = appendULEB(nb, uint64(len(syms)+len(newSyms)))
			cr := reader{b: payload}
			cr.u32()
			prev := cr.pos
			for _, s := range syms {
				if s.kind != symFunction || s.index < numFuncImports {
					continue
				}
				nb = append(nb, payload[prev:s.indexPos[0]]...)
				nb = appendULEB(nb, uint64(s.index+added))
				prev = s.indexPos[1]
			}
			nb = append(nb, payload[prev:]...)
			for _, s := range newSyms {
				nb = append(nb, s...)
			}
			payload = nb
		case subComdatInfo:
			cr := reader{b: payload}
			var nb []byte
			n := cr.u32()
			nb = appendULEB(nb, uint64(n))
			for i := uint32(0); i < n && cr.err == nil; i++ {
				nb = appendString(nb, cr.string())
				nb = appendULEB(nb, uint64(cr.u32()))
				m := cr.u32()
				nb = appendULEB(nb, uint64(m))
				for j := uint32(0); j < m && cr.err == nil; j++ {
					kind := cr.byte()
					idx := cr.u32()
					if kind == comdatFunction && idx >= numFuncImports {
						idx += added
					}
					nb = append(nb, kind)
					nb = appendULEB(nb, uint64(idx))
				}
			}
			if cr.err != nil {
				return nil, cr.err
			}
			payload = nb
		}
		out = append(out, typ)
		out = appendULEB(out, uint64(len(payload)))
		out = append(out, payload...)
		r.pos = end
	}
	return out, r.err
}

// shiftElemFunctions rewrites an element section (the functions whose
// address the object takes) with defined function indices shifted by added.
// Segments of function indices (flags 0-3) are supported; segments of
// expressions are not produced by LLVM for objects.
func shiftElemFunctions(b []byte, numFuncImports, added uint32) ([]byte, error) {
	r := reader{b: b}
	n := r.u32()
	out := appendULEB(nil, uint64(n))
	for i := uint32(0); i < n && r.err == nil; i++ {
		start := r.pos
		flags := r.u32()
		if flags > 3 {
			return nil, fmt.Errorf("%w: element segment with flags %d", ErrFormat, flags)
		}
		if flags == 2 {
			r.u32() // table index
		}
		if flags&1 == 0 { // active: offset expression
			switch op := r.byte(); op {
			case opI32Const:
				r.sleb()
			case 0x23: // global.get
				r.u32()
			default:
				return nil, fmt.Errorf("%w: element segment offset starts with opcode %#x", ErrFormat, op)
			}
			if r.byte() != 0x0b {
				return nil, fmt.Errorf("%w: element segment offset expression", ErrFormat)
			}
		}
		if flags != 0 {
			r.byte() // element kind
		}
		out = append(out, b[start:r.pos]...)
		m := r.u32()
		out = appendULEB(out, uint64(m))
		for j := uint32(0); j < m && r.err == nil; j++ {
			f := r.u32()
			if f >= numFuncImports {
				f += added
			}
			out = appendULEB(out, uint64(f))
		}
	}
	if r.err == nil && r.pos != len(b) {
		return nil, fmt.Errorf("%w: trailing bytes in the element section", ErrFormat)
	}
	return out, r.err
}

func readRelocSection(b []byte) (relocSection, error) {
	r := reader{b: b}
	rs := relocSection{target: r.u32()}
	n := r.u32()
	for i := uint32(0); i < n && r.err == nil; i++ {
		start := r.pos
		e := relocEntry{typ: r.byte()}
		e.offset = r.u32()
		e.index = r.u32()
		has, ok := relocHasAddend(e.typ)
		if !ok {
			return rs, fmt.Errorf("%w: unknown relocation type %d", ErrFormat, e.typ)
		}
		if has {
			e.addend = r.sleb()
		}
		e.raw = b[start:r.pos]
		rs.entries = append(rs.entries, e)
	}
	if r.err == nil && r.pos != len(b) {
		return rs, fmt.Errorf("%w: trailing bytes after relocations", ErrFormat)
	}
	return rs, r.err
}

func encodeRelocSection(target uint32, entries []relocEntry) []byte {
	out := appendULEB(nil, uint64(target))
	out = appendULEB(out, uint64(len(entries)))
	for _, e := range entries {
		if e.raw != nil {
			out = append(out, e.raw...)
			continue
		}
		out = append(out, e.typ)
		out = appendULEB(out, uint64(e.offset))
		out = appendULEB(out, uint64(e.index))
		if has, _ := relocHasAddend(e.typ); has {
			out = appendSLEB(out, e.addend)
		}
	}
	return out
}

// readTypes returns the encoded function types.
func readTypes(b []byte) ([][]byte, error) {
	r := reader{b: b}
	n := r.u32()
	var out [][]byte
	for i := uint32(0); i < n && r.err == nil; i++ {
		start := r.pos
		if f := r.byte(); f != 0x60 && r.err == nil {
			return nil, fmt.Errorf("%w: type %d is not a function type", ErrFormat, i)
		}
		for k := 0; k < 2; k++ {
			m := r.u32()
			r.skip(int(m))
		}
		out = append(out, b[start:r.pos])
	}
	return out, r.err
}

// readImports returns the encoded imports and the number of function
// imports.
func readImports(b []byte) ([][]byte, uint32, error) {
	r := reader{b: b}
	n := r.u32()
	var out [][]byte
	funcs := uint32(0)
	for i := uint32(0); i < n && r.err == nil; i++ {
		start := r.pos
		r.string()
		r.string()
		switch kind := r.byte(); kind {
		case importFunc:
			r.u32()
			funcs++
		case importTable:
			r.byte()
			r.limits()
		case importMemory:
			r.limits()
		case importGlobal:
			r.byte()
			r.byte()
		case importTag:
			r.byte()
			r.u32()
		default:
			if r.err == nil {
				return nil, 0, fmt.Errorf("%w: unknown import kind %d", ErrFormat, kind)
			}
		}
		out = append(out, b[start:r.pos])
	}
	return out, funcs, r.err
}

func appendVector(vec []byte, extra [][]byte) []byte {
	r := reader{b: vec}
	n := r.u32()
	out := appendULEB(nil, uint64(int(n)+len(extra)))
	out = append(out, vec[r.pos:]...)
	for _, e := range extra {
		out = append(out, e...)
	}
	return out
}

func rebuildVector(items, extra [][]byte) []byte {
	out := appendULEB(nil, uint64(len(items)+len(extra)))
	for _, e := range items {
		out = append(out, e...)
	}
	for _, e := range extra {
		out = append(out, e...)
	}
	return out
}

// paddedLEB reports whether b is a 5-byte LEB128 (continuation bits on the
// first four bytes only), the form every relocated immediate has.
func paddedLEB(b []byte) bool {
	return b[0]&0x80 != 0 && b[1]&0x80 != 0 && b[2]&0x80 != 0 && b[3]&0x80 != 0 && b[4]&0x80 == 0
}

func putPaddedLEB(b []byte, v uint32) {
	for i := 0; i < 4; i++ {
		b[i] = byte(v&0x7f) | 0x80
		v >>= 7
	}
	b[4] = byte(v & 0x7f)
}
