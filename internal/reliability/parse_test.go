package reliability

import (
	"strings"
	"testing"
)

func TestFigureLineRoundTrip(t *testing.T) {
	f := Figure{Name: "crash points, a | b", Count: 81, Unit: "crash points", Acked: 5747, Lost: 1, Wrong: 2, Note: "567 crashes"}
	line := "    crash_test.go:124: " + f.Line()
	got, ok := ParseLine(line)
	if !ok || got != f {
		t.Fatalf("ParseLine(%q) = %+v, %v", line, got, ok)
	}
	for _, bad := range []string{"", "RELIABILITY", "RELIABILITY {broken", "nothing here"} {
		if _, ok := ParseLine(bad); ok {
			t.Errorf("ParseLine(%q) found a figure", bad)
		}
	}
	out := "=== RUN A\n" + line + "\n--- PASS: A\n    x.go:1: " + Figure{Name: "second"}.Line() + "\n"
	if figs := Figures(out); len(figs) != 2 || figs[1].Name != "second" {
		t.Fatalf("Figures: %+v", figs)
	}
}

func TestParseSIGKILL(t *testing.T) {
	tests := []struct {
		out            string
		rounds, events int64
		ok             bool
	}{
		{"    sigkill_test.go:150: 24 SIGKILL rounds, 1234 events acknowledged in all, none lost\n--- PASS", 24, 1234, true},
		{"--- FAIL: TestSIGKILL\n    sigkill_test.go:120: round 3: recovery failed", 0, 0, false},
		{"", 0, 0, false},
	}
	for _, tt := range tests {
		r, e, ok := ParseSIGKILL(tt.out)
		if r != tt.rounds || e != tt.events || ok != tt.ok {
			t.Errorf("ParseSIGKILL(%q) = %d, %d, %v", tt.out, r, e, ok)
		}
	}
}

func TestParseFuzzExecs(t *testing.T) {
	out := `fuzz: elapsed: 0s, gathering baseline coverage: 0/52 completed
fuzz: elapsed: 0s, gathering baseline coverage: 52/52 completed, now fuzzing with 2 workers
fuzz: elapsed: 3s, execs: 151234 (50403/sec), new interesting: 1 (total: 53)
fuzz: elapsed: 5s, execs: 250001 (49733/sec), new interesting: 1 (total: 53)
PASS`
	if n, ok := ParseFuzzExecs(out); !ok || n != 250001 {
		t.Fatalf("ParseFuzzExecs = %d, %v", n, ok)
	}
	if _, ok := ParseFuzzExecs("ok  \tpkg\t0.1s"); ok {
		t.Fatal("found executions in output without any")
	}
}

func TestCountSubtests(t *testing.T) {
	out := `--- PASS: TestFlipEveryByte (1.2s)
    --- PASS: TestFlipEveryByte/plain/durable (0.1s)
        --- PASS: TestFlipEveryByte/plain/durable/0^0x1 (0.00s)
        --- PASS: TestFlipEveryByte/plain/durable/0^0x80 (0.00s)
        --- FAIL: TestFlipEveryByte/gcm/durable/7^0xff (0.00s)
        --- PASS: TestTruncateAtEveryOffset/plain/durable/3 (0.00s)`
	if p, f := CountSubtests(out, "TestFlipEveryByte", 3); p != 2 || f != 1 {
		t.Fatalf("flips: %d passed, %d failed", p, f)
	}
	if p, f := CountSubtests(out, "TestTruncateAtEveryOffset", 3); p != 1 || f != 0 {
		t.Fatalf("cuts: %d passed, %d failed", p, f)
	}
}

func TestFuzzTargets(t *testing.T) {
	src := "package x\n\nfunc FuzzReader(f *testing.F) {}\nfunc helper(f *testing.F) {}\n// func FuzzNot(f *testing.F)\nfunc FuzzURL(f *testing.F) {\n}\n"
	if got := FuzzTargets(src); strings.Join(got, ",") != "FuzzReader,FuzzURL" {
		t.Fatalf("FuzzTargets = %v", got)
	}
}

func TestTableSpellsOutEveryRow(t *testing.T) {
	figs := []Figure{{Name: "a", Count: 3, Unit: "rounds", Acked: 10}, {Name: "b|c", Count: 1, Unit: "faults", Lost: 2, Wrong: 1}}
	tab := Table(figs)
	for _, want := range []string{"acknowledged events lost: 0", "wrong recoveries: 0", "acknowledged events lost: 2", "wrong recoveries: 1", "| b/c |"} {
		if !strings.Contains(tab, want) {
			t.Errorf("the table lacks %q:\n%s", want, tab)
		}
	}
	if lost, wrong := Totals(figs); lost != 2 || wrong != 1 {
		t.Errorf("Totals = %d, %d", lost, wrong)
	}
}

func TestFuzzDeadlineFlake(t *testing.T) {
	tests := []struct {
		out  string
		want bool
	}{
		{"fuzz: elapsed: 5s, execs: 153660\n--- FAIL: FuzzParse (5.05s)\n    context deadline exceeded\nFAIL", true},
		{"--- FAIL: FuzzReader (0.2s)\n    --- FAIL: FuzzReader (0.00s)\n        testing.go:1: panic: index out of range\n    Failing input written to testdata/fuzz/FuzzReader/abc\n    context deadline exceeded", false},
		{"--- FAIL: FuzzReader\n    fuzz_test.go:50: got 3, want 4\n    Failing input written to testdata/fuzz/FuzzReader/abc", false},
		{"ok  \tpkg\t5.1s", false},
	}
	for _, tt := range tests {
		if got := FuzzDeadlineFlake(tt.out); got != tt.want {
			t.Errorf("FuzzDeadlineFlake(%q) = %v", tt.out, got)
		}
	}
}
