package reliability

import (
	"fmt"
	"strings"
)

// Table renders figures as a Markdown table, one row each, with the two
// numbers that matter spelled out in every row.
func Table(figs []Figure) string {
	var b strings.Builder
	b.WriteString("| what | count | acknowledged events checked | acknowledged events lost | wrong recoveries | notes |\n")
	b.WriteString("|---|---:|---:|---|---|---|\n")
	for _, f := range figs {
		fmt.Fprintf(&b, "| %s | %d %s | %d | acknowledged events lost: %d | wrong recoveries: %d | %s |\n",
			cell(f.Name), f.Count, cell(f.Unit), f.Acked, f.Lost, f.Wrong, cell(f.Note))
	}
	return b.String()
}

// cell keeps a value from breaking the table.
func cell(s string) string {
	return strings.NewReplacer("|", "/", "\n", " ").Replace(s)
}

// Totals adds up the losses and wrong outcomes of figs.
func Totals(figs []Figure) (lost, wrong int64) {
	for _, f := range figs {
		lost += f.Lost
		wrong += f.Wrong
	}
	return lost, wrong
}
