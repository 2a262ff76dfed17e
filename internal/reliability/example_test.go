package reliability_test

import (
	"fmt"

	"github.com/prevayler-go/prevayler/internal/reliability"
)

// A test prints its figure with t.Log(f.Line()); the report reads it back
// from the output of go test -v and prints the table.
func Example() {
	line := "    crash_test.go:124: " + reliability.Figure{Name: "crash points", Count: 81, Unit: "crash points", Acked: 5747}.Line()
	f, _ := reliability.ParseLine(line)
	fmt.Print(reliability.Table([]reliability.Figure{f}))
	// Output:
	// | what | count | acknowledged events checked | acknowledged events lost | wrong recoveries | notes |
	// |---|---:|---:|---|---|---|
	// | crash points | 81 crash points | 5747 | acknowledged events lost: 0 | wrong recoveries: 0 |  |
}
