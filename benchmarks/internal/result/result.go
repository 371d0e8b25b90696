// Package result parses the machine-readable lines the benchmark programs
// print and holds one measurement as the harness records it.
//
// A result line is
//
//	RESULT name=<bench> ranks=<np> [size=<bytes>] value=<number> unit=<unit> [key=value ...]
//
// with name, value and unit required and any other key=value words kept in
// [Sample.Extra]. Lines that do not start with "RESULT " are not results.
package result

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// Prefix starts every result line.
const Prefix = "RESULT "

// NoSize is the Size of a measurement that has no message size (barrier,
// the kernels, startup).
const NoSize = -1

// Sample is one measurement of one repetition.
type Sample struct {
	// Bench is the benchmark name (pingpong, allreduce, triad, startup...).
	Bench string `json:"bench"`
	// Variant is "native" or "wasm"; Rep the repetition, from 0. The
	// parser leaves both empty: the harness fills them in.
	Variant string `json:"variant"`
	Rep     int    `json:"rep"`
	// Ranks is the number of MPI processes.
	Ranks int `json:"ranks"`
	// Size is the message size in bytes, or NoSize.
	Size int64 `json:"size"`
	// Value is the measurement in Unit.
	Value float64 `json:"value"`
	Unit  string  `json:"unit"`
	// Extra holds the line's other key=value words (iters, window, n...).
	Extra map[string]string `json:"extra,omitempty"`
}

// ParseLine parses one line. It returns ok=false (and no error) for a line
// that is not a result line, and an error for a result line that is
// malformed.
func ParseLine(line string) (s Sample, ok bool, err error) {
	line = strings.TrimSpace(line)
	if !strings.HasPrefix(line, Prefix) {
		return Sample{}, false, nil
	}
	s = Sample{Size: NoSize}
	var haveValue bool
	for _, word := range strings.Fields(line[len(Prefix):]) {
		k, v, found := strings.Cut(word, "=")
		if !found || k == "" || v == "" {
			return Sample{}, true, fmt.Errorf("result line %q: word %q is not key=value", line, word)
		}
		switch k {
		case "name":
			s.Bench = v
		case "unit":
			s.Unit = v
		case "ranks":
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 {
				return Sample{}, true, fmt.Errorf("result line %q: bad ranks %q", line, v)
			}
			s.Ranks = n
		case "size":
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < 0 {
				return Sample{}, true, fmt.Errorf("result line %q: bad size %q", line, v)
			}
			s.Size = n
		case "value":
			f, err := strconv.ParseFloat(v, 64)
			if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
				return Sample{}, true, fmt.Errorf("result line %q: bad value %q", line, v)
			}
			s.Value = f
			haveValue = true
		default:
			if s.Extra == nil {
				s.Extra = map[string]string{}
			}
			s.Extra[k] = v
		}
	}
	switch {
	case s.Bench == "":
		return Sample{}, true, fmt.Errorf("result line %q: no name", line)
	case !haveValue:
		return Sample{}, true, fmt.Errorf("result line %q: no value", line)
	case s.Unit == "":
		return Sample{}, true, fmt.Errorf("result line %q: no unit", line)
	}
	return s, true, nil
}

// Parse reads a program's standard output and returns its result lines in
// order. Other lines are ignored; a malformed result line is an error.
func Parse(r io.Reader) ([]Sample, error) {
	var out []Sample
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		s, ok, err := ParseLine(sc.Text())
		if err != nil {
			return out, err
		}
		if ok {
			out = append(out, s)
		}
	}
	if err := sc.Err(); err != nil {
		return out, fmt.Errorf("reading results: %w", err)
	}
	return out, nil
}
