package threaderrno

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"
)

var arMagic = []byte("!<arch>\n")

// IsArchive reports whether b starts like a Unix archive.
func IsArchive(b []byte) bool { return bytes.HasPrefix(b, arMagic) }

const arHeaderSize = 60

type arMember struct {
	header []byte // 60 bytes
	name   string // resolved name, for messages
	data   []byte
	offset int // of the header in the input
}

// Patch rewrites an object or an archive; anything else is returned as is.
func Patch(b []byte) ([]byte, Stats, error) {
	switch {
	case IsObject(b):
		return PatchObject(b)
	case IsArchive(b):
		return PatchArchive(b)
	}
	return b, Stats{}, nil
}

// PatchArchive rewrites every member object that accesses errno and fixes
// the archive's symbol index (GNU format, as written by llvm-ar and GNU ar)
// for the members' new positions. It returns ar itself, with zero Stats, when
// no member changes.
func PatchArchive(ar []byte) ([]byte, Stats, error) {
	if !IsArchive(ar) {
		return nil, Stats{}, fmt.Errorf("%w: not an archive", ErrFormat)
	}
	var members []arMember
	var longNames []byte
	pos := len(arMagic)
	for pos < len(ar) {
		if pos+arHeaderSize > len(ar) || string(ar[pos+58:pos+60]) != "`\n" {
			return nil, Stats{}, fmt.Errorf("%w: bad archive member header at byte %d", ErrFormat, pos)
		}
		h := ar[pos : pos+arHeaderSize]
		size, err := strconv.Atoi(strings.TrimSpace(string(h[48:58])))
		if err != nil || size < 0 || pos+arHeaderSize+size > len(ar) {
			return nil, Stats{}, fmt.Errorf("%w: bad archive member size at byte %d", ErrFormat, pos)
		}
		m := arMember{header: h, data: ar[pos+arHeaderSize : pos+arHeaderSize+size], offset: pos}
		raw := strings.TrimRight(string(h[:16]), " ")
		switch {
		case raw == "//":
			longNames = m.data
			m.name = raw
		case raw == "/" || raw == "/SYM64/":
			m.name = raw
		case raw == "__.SYMDEF" || raw == "__.SYMDEF SORTED" || strings.HasPrefix(raw, "#1/"):
			return nil, Stats{}, fmt.Errorf("%w: BSD-format archive (not supported; rebuild it with llvm-ar or GNU ar)", ErrFormat)
		case strings.HasPrefix(raw, "/"):
			off, err := strconv.Atoi(raw[1:])
			if err != nil || off < 0 || off >= len(longNames) {
				return nil, Stats{}, fmt.Errorf("%w: bad long member name %q", ErrFormat, raw)
			}
			name := longNames[off:]
			if i := bytes.Index(name, []byte("/\n")); i >= 0 {
				name = name[:i]
			}
			m.name = string(name)
		default:
			m.name = strings.TrimSuffix(raw, "/")
		}
		members = append(members, m)
		pos += arHeaderSize + size
		if pos%2 == 1 {
			pos++
		}
	}

	var total Stats
	changed := false
	for i := range members {
		m := &members[i]
		if !IsObject(m.data) {
			continue
		}
		out, st, err := PatchObject(m.data)
		if err != nil {
			return nil, Stats{}, fmt.Errorf("member %s: %w", m.name, err)
		}
		if st.Objects > 0 {
			m.data = out
			changed = true
			total.add(st)
		}
	}
	if !changed {
		return ar, Stats{}, nil
	}

	// Lay the members out again; the index's size does not change.
	newOffset := map[int]int{}
	pos = len(arMagic)
	for _, m := range members {
		newOffset[m.offset] = pos
		pos += arHeaderSize + len(m.data)
		if pos%2 == 1 {
			pos++
		}
	}
	out := append([]byte(nil), arMagic...)
	for _, m := range members {
		h := append([]byte(nil), m.header...)
		copy(h[48:58], fmt.Sprintf("%-10d", len(m.data)))
		data := m.data
		switch strings.TrimRight(string(m.header[:16]), " ") {
		case "/":
			var err error
			if data, err = remapIndex(data, 4, newOffset); err != nil {
				return nil, Stats{}, err
			}
		case "/SYM64/":
			var err error
			if data, err = remapIndex(data, 8, newOffset); err != nil {
				return nil, Stats{}, err
			}
		}
		out = append(out, h...)
		out = append(out, data...)
		if len(out)%2 == 1 {
			out = append(out, '\n')
		}
	}
	return out, total, nil
}

// remapIndex rewrites the member offsets of a GNU symbol index whose integers
// are width bytes wide (big-endian).
func remapIndex(idx []byte, width int, newOffset map[int]int) ([]byte, error) {
	get := func(b []byte) uint64 {
		if width == 4 {
			return uint64(binary.BigEndian.Uint32(b))
		}
		return binary.BigEndian.Uint64(b)
	}
	put := func(b []byte, v uint64) {
		if width == 4 {
			binary.BigEndian.PutUint32(b, uint32(v))
		} else {
			binary.BigEndian.PutUint64(b, v)
		}
	}
	if len(idx) < width {
		return nil, fmt.Errorf("%w: truncated archive index", ErrFormat)
	}
	n := get(idx)
	if n > uint64(len(idx)/width) || uint64(width)*(n+1) > uint64(len(idx)) {
		return nil, fmt.Errorf("%w: archive index larger than its member", ErrFormat)
	}
	out := append([]byte(nil), idx...)
	for i := uint64(0); i < n; i++ {
		at := out[width*int(i+1):]
		old := get(at)
		nw, ok := newOffset[int(old)]
		if !ok {
			return nil, fmt.Errorf("%w: archive index points at byte %d, which starts no member", ErrFormat, old)
		}
		put(at, uint64(nw))
	}
	return out, nil
}
