package report

import (
	"fmt"
	"math"
	"time"
)

// rate formats operations per second: "812/s", "12.3k/s", "1.25M/s".
func rate(v float64) string {
	switch {
	case v >= 1e6:
		return fmt.Sprintf("%.2fM/s", v/1e6)
	case v >= 1e4:
		return fmt.Sprintf("%.1fk/s", v/1e3)
	case v >= 1e3:
		return fmt.Sprintf("%.2fk/s", v/1e3)
	}
	return fmt.Sprintf("%.0f/s", v)
}

// dur formats a latency with three significant digits.
func dur(d time.Duration) string {
	v := float64(d)
	switch {
	case d >= time.Second:
		return sig(v/1e9) + " s"
	case d >= time.Millisecond:
		return sig(v/1e6) + " ms"
	case d >= time.Microsecond:
		return sig(v/1e3) + " µs"
	}
	return fmt.Sprintf("%d ns", d)
}

func sig(v float64) string {
	switch {
	case v >= 100:
		return fmt.Sprintf("%.0f", v)
	case v >= 10:
		return fmt.Sprintf("%.1f", v)
	}
	return fmt.Sprintf("%.2f", v)
}

// mib formats bytes in MiB.
func mib(b float64) string { return fmt.Sprintf("%.1f MiB", b/(1<<20)) }

// ratio formats a ratio, "—" when it cannot be computed.
func ratio(num, den float64) string {
	if den == 0 || math.IsNaN(num) || math.IsNaN(den) {
		return "—"
	}
	return fmt.Sprintf("%.2f×", num/den)
}
