package main

import (
	"slices"
	"testing"
	"time"
)

func TestDurations(t *testing.T) {
	for _, c := range []struct {
		in   string
		want []time.Duration
	}{
		{"0,30ms", []time.Duration{0, 30 * time.Millisecond}},
		{"30", []time.Duration{30 * time.Millisecond}},
		{" 0.1s , 5ms", []time.Duration{100 * time.Millisecond, 5 * time.Millisecond}},
	} {
		got, err := durations(c.in)
		if err != nil || !slices.Equal(got, c.want) {
			t.Errorf("durations(%q) = %v, %v; want %v", c.in, got, err, c.want)
		}
	}
	for _, bad := range []string{"", "x", "-5ms", "30ms,"} {
		if got, err := durations(bad); err == nil {
			t.Errorf("durations(%q) = %v, want an error", bad, got)
		}
	}
}
