package main

import (
	"bytes"
	"fmt"
	"io"
	"sync"
)

// output forwards the ranks' stdout and stderr line by line, so that lines
// of different ranks never mix, optionally tagged with the rank.
type output struct {
	mu      sync.Mutex // serialises writes to the real streams
	out     io.Writer
	errw    io.Writer
	tag     bool
	writers []*lineWriter
}

func newOutput(stdout, stderr io.Writer, tag bool) *output {
	return &output{out: stdout, errw: stderr, tag: tag}
}

func (o *output) stdout(rank int) io.Writer { return o.writer(rank, o.out, "stdout") }
func (o *output) stderr(rank int) io.Writer { return o.writer(rank, o.errw, "stderr") }

func (o *output) writer(rank int, dst io.Writer, stream string) io.Writer {
	w := &lineWriter{o: o, dst: dst}
	if o.tag {
		w.prefix = []byte(fmt.Sprintf("[1,%d]<%s>:", rank, stream))
	}
	o.mu.Lock()
	o.writers = append(o.writers, w)
	o.mu.Unlock()
	return w
}

// note writes one of mpirun's own lines to standard error, between the
// ranks' lines.
func (o *output) note(line string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	_, _ = io.WriteString(o.errw, line+"\n")
}

// flush writes out every partial last line.
func (o *output) flush() {
	o.mu.Lock()
	ws := append([]*lineWriter(nil), o.writers...)
	o.mu.Unlock()
	for _, w := range ws {
		w.flush()
	}
}

// lineWriter buffers one rank's stream until a newline.
type lineWriter struct {
	o      *output
	dst    io.Writer
	prefix []byte

	mu  sync.Mutex
	buf []byte
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf = append(w.buf, p...)
	if i := bytes.LastIndexByte(w.buf, '\n'); i >= 0 {
		w.emit(w.buf[:i+1])
		w.buf = append(w.buf[:0], w.buf[i+1:]...)
	}
	return len(p), nil
}

func (w *lineWriter) flush() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.buf) > 0 {
		w.emit(append(w.buf, '\n'))
		w.buf = w.buf[:0]
	}
}

// emit writes complete lines, prefixing each when tagging.
func (w *lineWriter) emit(lines []byte) {
	w.o.mu.Lock()
	defer w.o.mu.Unlock()
	if w.prefix == nil {
		_, _ = w.dst.Write(lines)
		return
	}
	var b bytes.Buffer
	for len(lines) > 0 {
		i := bytes.IndexByte(lines, '\n')
		b.Write(w.prefix)
		b.Write(lines[:i+1])
		lines = lines[i+1:]
	}
	_, _ = w.dst.Write(b.Bytes())
}
