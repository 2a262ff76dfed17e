package reliability

import (
	"encoding/json"
	"strings"
)

// Figure is one row of the reliability table: what was done how many
// times, and what it cost.
type Figure struct {
	Name  string `json:"name"`  // what was done, e.g. "crash points, localstore on crashfs, durable"
	Count int64  `json:"count"` // how many times
	Unit  string `json:"unit"`  // of Count: "crash points", "rounds", "executions", "bytes"
	Acked int64  `json:"acked"` // acknowledged events that had to survive, summed over the runs
	Lost  int64  `json:"lost"`  // of those, how many were missing after recovery
	// Wrong counts wrong outcomes: a recovery that failed, panicked,
	// invented, duplicated or reordered events, or started empty beside a
	// journal; an instance that took events after a failed fsync; a
	// fault that no caller and no log line heard of.
	Wrong int64  `json:"wrong"`
	Note  string `json:"note,omitempty"`
}

// Marker starts every figure line in a test's output.
const Marker = "RELIABILITY "

// Line renders f as one line that ParseLine reads back; tests print it
// with t.Log so that the report command finds it in `go test -v` output.
func (f Figure) Line() string {
	b, err := json.Marshal(f)
	if err != nil {
		panic("reliability: marshal figure: " + err.Error()) // only plain fields: cannot happen
	}
	return Marker + string(b)
}

// ParseLine finds a figure line anywhere in s (go test indents t.Log
// output and prefixes the file and line).
func ParseLine(s string) (Figure, bool) {
	i := strings.Index(s, Marker+"{")
	if i < 0 {
		return Figure{}, false
	}
	var f Figure
	if err := json.Unmarshal([]byte(strings.TrimSpace(s[i+len(Marker):])), &f); err != nil {
		return Figure{}, false
	}
	return f, true
}
