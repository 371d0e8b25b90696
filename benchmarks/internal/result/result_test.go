package result

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseLine(t *testing.T) {
	cases := []struct {
		line string
		want Sample
	}{
		{"RESULT name=pingpong ranks=2 size=8 value=0.42 unit=us iters=1000",
			Sample{Bench: "pingpong", Ranks: 2, Size: 8, Value: 0.42, Unit: "us", Extra: map[string]string{"iters": "1000"}}},
		{"  RESULT name=triad ranks=4 value=1.5e+04 unit=MB/s  ",
			Sample{Bench: "triad", Ranks: 4, Size: NoSize, Value: 15000, Unit: "MB/s"}},
		{"RESULT name=barrier ranks=8 value=3 unit=us",
			Sample{Bench: "barrier", Ranks: 8, Size: NoSize, Value: 3, Unit: "us"}},
		{"RESULT name=pingpong ranks=2 size=0 value=0 unit=us",
			Sample{Bench: "pingpong", Ranks: 2, Size: 0, Value: 0, Unit: "us"}},
	}
	for _, c := range cases {
		got, ok, err := ParseLine(c.line)
		if err != nil || !ok {
			t.Errorf("ParseLine(%q) = ok %v, err %v", c.line, ok, err)
			continue
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("ParseLine(%q) = %+v, want %+v", c.line, got, c.want)
		}
	}
}

func TestParseLineNotAResult(t *testing.T) {
	for _, line := range []string{"", "hello from 4 ranks", "RESULTS are in", "result name=x value=1 unit=us"} {
		if _, ok, err := ParseLine(line); ok || err != nil {
			t.Errorf("ParseLine(%q) = ok %v, err %v; want not a result", line, ok, err)
		}
	}
}

func TestParseLineMalformed(t *testing.T) {
	for _, line := range []string{
		"RESULT ranks=2 value=1 unit=us",                // no name
		"RESULT name=x ranks=2 unit=us",                 // no value
		"RESULT name=x ranks=2 value=1",                 // no unit
		"RESULT name=x ranks=2 value=abc unit=us",       // bad value
		"RESULT name=x ranks=2 value=NaN unit=us",       // not finite
		"RESULT name=x ranks=0 value=1 unit=us",         // bad ranks
		"RESULT name=x ranks=2 size=-8 value=1 unit=us", // bad size
		"RESULT name=x ranks=2 value=1 unit=us stray",   // not key=value
		"RESULT name=x ranks=2 value=1 unit=us iters=",  // empty value
	} {
		if _, ok, err := ParseLine(line); !ok || err == nil {
			t.Errorf("ParseLine(%q) = ok %v, err %v; want an error", line, ok, err)
		}
	}
}

func TestParse(t *testing.T) {
	out := "hello\nRESULT name=a ranks=2 size=1 value=1 unit=us\nnoise\nRESULT name=a ranks=2 size=2 value=2 unit=us\n"
	got, err := Parse(strings.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Size != 1 || got[1].Value != 2 {
		t.Fatalf("Parse = %+v", got)
	}
	if _, err := Parse(strings.NewReader("RESULT name=a value=x unit=us\n")); err == nil {
		t.Fatal("Parse accepted a malformed line")
	}
}
