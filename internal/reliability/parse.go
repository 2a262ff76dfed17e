package reliability

import (
	"bufio"
	"regexp"
	"strconv"
	"strings"
)

// Figures returns every figure line in a test's output, in order.
func Figures(output string) []Figure {
	var out []Figure
	sc := bufio.NewScanner(strings.NewReader(output))
	sc.Buffer(make([]byte, 0, 64<<10), 16<<20)
	for sc.Scan() {
		if f, ok := ParseLine(sc.Text()); ok {
			out = append(out, f)
		}
	}
	return out
}

var sigkillLine = regexp.MustCompile(`(\d+) SIGKILL rounds, (\d+) events acknowledged in all, none lost`)

// ParseSIGKILL reads the closing log line of package system's
// TestSIGKILL: the rounds run and the events acknowledged in all.
func ParseSIGKILL(output string) (rounds, events int64, ok bool) {
	m := sigkillLine.FindAllStringSubmatch(output, -1)
	if len(m) == 0 {
		return 0, 0, false
	}
	last := m[len(m)-1]
	rounds, _ = strconv.ParseInt(last[1], 10, 64)
	events, _ = strconv.ParseInt(last[2], 10, 64)
	return rounds, events, true
}

var execsLine = regexp.MustCompile(`fuzz: elapsed: .*?execs: (\d+)`)

// ParseFuzzExecs returns the executions `go test -fuzz` reported last:
// its progress lines count them from the start of the run.
func ParseFuzzExecs(output string) (int64, bool) {
	m := execsLine.FindAllStringSubmatch(output, -1)
	if len(m) == 0 {
		return 0, false
	}
	n, err := strconv.ParseInt(m[len(m)-1][1], 10, 64)
	return n, err == nil
}

// CountSubtests counts the leaf subtests of test that passed and failed
// in `go test -v` output: the lines "--- PASS: test/a/b/c (0.00s)" whose
// name has depth parts after the test's name.
func CountSubtests(output, test string, depth int) (passed, failed int64) {
	sc := bufio.NewScanner(strings.NewReader(output))
	sc.Buffer(make([]byte, 0, 64<<10), 16<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		var pass bool
		switch {
		case strings.HasPrefix(line, "--- PASS: "):
			pass = true
		case strings.HasPrefix(line, "--- FAIL: "):
		default:
			continue
		}
		name, _, _ := strings.Cut(line[len("--- PASS: "):], " ")
		rest, ok := strings.CutPrefix(name, test+"/")
		if !ok || strings.Count(rest, "/") != depth-1 {
			continue
		}
		if pass {
			passed++
		} else {
			failed++
		}
	}
	return passed, failed
}

var fuzzFunc = regexp.MustCompile(`(?m)^func (Fuzz\w+)\(\w+ \*testing\.F\)`)

// FuzzTargets returns the names of the fuzz targets in a test file.
func FuzzTargets(src string) []string {
	var out []string
	for _, m := range fuzzFunc.FindAllStringSubmatch(src, -1) {
		out = append(out, m[1])
	}
	return out
}

// FuzzDeadlineFlake reports a `go test -fuzz` failure that found nothing:
// the coordinator sometimes fails a target with "context deadline
// exceeded" as -fuzztime ends, while a worker is mid-execution, without
// writing a failing input. Anything else (a written input, a panic) is a
// finding.
func FuzzDeadlineFlake(output string) bool {
	return strings.Contains(output, "context deadline exceeded") &&
		!strings.Contains(output, "Failing input written to") &&
		!strings.Contains(output, "panic:")
}
