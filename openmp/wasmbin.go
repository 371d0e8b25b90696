package openmp

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/tetratelabs/wazero/api"
)

// A tiny reader and writer of the WebAssembly binary format: enough to
// find what a program imports and exports (wazero's compiled module does
// not say whether an imported memory is shared) and to build the "env"
// module that provides a process's memory and re-exports the runtime.

var errTruncated = errors.New("truncated module")

type reader struct {
	b   []byte
	off int
}

func (r *reader) byte() (byte, error) {
	if r.off >= len(r.b) {
		return 0, errTruncated
	}
	c := r.b[r.off]
	r.off++
	return c, nil
}

func (r *reader) u32() (uint32, error) {
	var v uint32
	for shift := 0; shift < 35; shift += 7 {
		c, err := r.byte()
		if err != nil {
			return 0, err
		}
		v |= uint32(c&0x7f) << shift
		if c&0x80 == 0 {
			return v, nil
		}
	}
	return 0, errors.New("malformed LEB128 number")
}

func (r *reader) name() (string, error) {
	n, err := r.u32()
	if err != nil {
		return "", err
	}
	if int(n) > len(r.b)-r.off {
		return "", errTruncated
	}
	s := string(r.b[r.off : r.off+int(n)])
	r.off += int(n)
	return s, nil
}

// limits reads a limits (memory or table type): flags, min, max.
func (r *reader) limits() (flags byte, min, max uint32, err error) {
	if flags, err = r.byte(); err != nil {
		return
	}
	if min, err = r.u32(); err != nil {
		return
	}
	if flags&1 != 0 {
		max, err = r.u32()
	}
	return
}

// memImport is an imported memory.
type memImport struct {
	module, name string
	shared       bool
	min, max     uint32
	hasMax       bool
}

// Export kinds.
const (
	externFunc   = 0
	externTable  = 1
	externMemory = 2
	externGlobal = 3
)

// scanModule lists the memory imports and the exports (name -> kind) of a
// binary module.
func scanModule(bin []byte) (mems []memImport, exports map[string]byte, err error) {
	if len(bin) < 8 || !bytes.Equal(bin[:4], []byte("\x00asm")) {
		return nil, nil, errors.New("not a WebAssembly module")
	}
	exports = map[string]byte{}
	r := &reader{b: bin, off: 8}
	for r.off < len(bin) {
		id, err := r.byte()
		if err != nil {
			return nil, nil, err
		}
		size, err := r.u32()
		if err != nil {
			return nil, nil, err
		}
		end := r.off + int(size)
		if end > len(bin) || end < r.off {
			return nil, nil, errTruncated
		}
		s := &reader{b: bin[:end], off: r.off}
		switch id {
		case 2: // imports
			n, err := s.u32()
			if err != nil {
				return nil, nil, err
			}
			for i := uint32(0); i < n; i++ {
				mod, err := s.name()
				if err != nil {
					return nil, nil, err
				}
				name, err := s.name()
				if err != nil {
					return nil, nil, err
				}
				kind, err := s.byte()
				if err != nil {
					return nil, nil, err
				}
				switch kind {
				case externFunc:
					_, err = s.u32()
				case externTable:
					if _, err = s.byte(); err == nil {
						_, _, _, err = s.limits()
					}
				case externMemory:
					var flags byte
					var m memImport
					flags, m.min, m.max, err = s.limits()
					m.module, m.name, m.shared, m.hasMax = mod, name, flags&2 != 0, flags&1 != 0
					if flags&4 != 0 {
						err = fmt.Errorf("memory import %s.%s is a 64-bit memory", mod, name)
					}
					mems = append(mems, m)
				case externGlobal:
					if _, err = s.byte(); err == nil {
						_, err = s.byte()
					}
				case 4: // tag (exception handling)
					if _, err = s.byte(); err == nil {
						_, err = s.u32()
					}
				default:
					err = fmt.Errorf("unknown import kind %d", kind)
				}
				if err != nil {
					return nil, nil, err
				}
			}
		case 7: // exports
			n, err := s.u32()
			if err != nil {
				return nil, nil, err
			}
			for i := uint32(0); i < n; i++ {
				name, err := s.name()
				if err != nil {
					return nil, nil, err
				}
				kind, err := s.byte()
				if err != nil {
					return nil, nil, err
				}
				if _, err := s.u32(); err != nil {
					return nil, nil, err
				}
				exports[name] = kind
			}
		}
		r.off = end
	}
	return mems, exports, nil
}

// writer builds a binary module.
type writer struct{ bytes.Buffer }

func (w *writer) u32(v uint32) {
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if v != 0 {
			w.WriteByte(c | 0x80)
			continue
		}
		w.WriteByte(c)
		return
	}
}

func (w *writer) name(s string) {
	w.u32(uint32(len(s)))
	w.WriteString(s)
}

func (w *writer) section(id byte, body *writer) {
	w.WriteByte(id)
	w.u32(uint32(body.Len()))
	w.Write(body.Bytes())
}

func valType(t api.ValueType) byte {
	switch t {
	case api.ValueTypeI32:
		return 0x7f
	case api.ValueTypeI64:
		return 0x7e
	case api.ValueTypeF32:
		return 0x7d
	case api.ValueTypeF64:
		return 0x7c
	}
	panic(fmt.Sprintf("unexpected value type %v", t))
}

// envModule builds the module a program's "env" imports resolve to: it
// imports the runtime functions the program needs from the host module,
// defines the memory with the limits the program imports it with, and
// exports both under the names the program uses.
func envModule(funcs []*entry, mem *memImport) []byte {
	return reexportModule(HostModuleName, funcs, mem)
}

// reexportModule builds a module that imports funcs from module from and
// exports them, and defines and exports mem if it is not nil.
func reexportModule(from string, funcs []*entry, mem *memImport) []byte {
	var w writer
	w.WriteString("\x00asm\x01\x00\x00\x00")

	// Types: one per function (duplicates are harmless).
	var types writer
	types.u32(uint32(len(funcs)))
	for _, f := range funcs {
		types.WriteByte(0x60)
		types.u32(uint32(len(f.params)))
		for _, t := range f.params {
			types.WriteByte(valType(t))
		}
		types.u32(uint32(len(f.results)))
		for _, t := range f.results {
			types.WriteByte(valType(t))
		}
	}
	w.section(1, &types)

	var imports writer
	imports.u32(uint32(len(funcs)))
	for i, f := range funcs {
		imports.name(from)
		imports.name(f.name)
		imports.WriteByte(externFunc)
		imports.u32(uint32(i))
	}
	w.section(2, &imports)

	if mem != nil {
		var mems writer
		mems.u32(1)
		flags := byte(0)
		if mem.hasMax {
			flags |= 1
		}
		if mem.shared {
			flags |= 2
		}
		mems.WriteByte(flags)
		mems.u32(mem.min)
		if mem.hasMax {
			mems.u32(mem.max)
		}
		w.section(5, &mems)
	}

	var exports writer
	n := len(funcs)
	if mem != nil {
		n++
	}
	exports.u32(uint32(n))
	for i, f := range funcs {
		exports.name(f.name)
		exports.WriteByte(externFunc)
		exports.u32(uint32(i))
	}
	if mem != nil {
		exports.name(mem.name)
		exports.WriteByte(externMemory)
		exports.u32(0)
	}
	w.section(7, &exports)
	return w.Bytes()
}
