package report

import (
	"fmt"

	"github.com/prevayler-go/prevayler/bench/bank"
	"github.com/prevayler-go/prevayler/bench/suite"
)

// target is one of the targets, measured for the user's state
// (examples/bank/model) and for the radix-tree state.
type target struct {
	What     string
	Model    outcome
	Radix    outcome
	HasRadix bool
}

type outcome struct {
	Value string // the measured ratio or figure
	Met   string // "yes", "no" or "—" when not measured
}

func judge(value string, ok, measured bool) outcome {
	if !measured {
		return outcome{Value: "—", Met: "—"}
	}
	if ok {
		return outcome{Value: value, Met: "yes"}
	}
	return outcome{Value: value, Met: "**no**"}
}

// throughputRatio compares two systems at one concurrency.
func throughputRatio(r *suite.Results, mode, sys, other string, callers int, min float64) outcome {
	a, okA := r.Find(mode, sys, callers)
	b, okB := r.Find(mode, other, callers)
	if !okA || !okB || b.Throughput == 0 {
		return judge("", false, false)
	}
	x := a.Throughput / b.Throughput
	return judge(fmt.Sprintf("%.2f× (%s vs %s)", x, rate(a.Throughput), rate(b.Throughput)), x >= min, true)
}

func absoluteRate(r *suite.Results, mode, sys string, callers int, min float64) outcome {
	a, ok := r.Find(mode, sys, callers)
	if !ok {
		return judge("", false, false)
	}
	return judge(rate(a.Throughput)+fmt.Sprintf(" (%.2f× the target)", a.Throughput/min), a.Throughput >= min, true)
}

func findReplay(r *suite.Results, state string) (suite.Replay, bool) {
	var best suite.Replay
	found := false
	for _, rp := range r.Replays {
		if rp.State == state && (!found || rp.Events > best.Events) {
			best, found = rp, true
		}
	}
	return best, found
}

func findSnap(r *suite.Results, state string) (suite.Snapshot, bool) {
	return first(r.Snaps, func(s suite.Snapshot) bool { return s.State == state })
}

const replayMemorySlack = 64 << 20

func targets(r *suite.Results) []target {
	var t []target
	both := func(what string, f func(sys string) outcome) {
		t = append(t, target{What: what, Model: f(bank.Prevayler), Radix: f(bank.PrevaylerRadix), HasRadix: true})
	}
	both("Durable, 1 caller: ≥ 0.9× one write+fdatasync per record", func(sys string) outcome {
		return throughputRatio(r, suite.Durable, sys, bank.RawSync, 1, 0.9)
	})
	both("Durable, 1 caller: ≥ 2× bbolt Update", func(sys string) outcome {
		return throughputRatio(r, suite.Durable, sys, bank.BoltUpdate, 1, 2)
	})
	both("Durable, 64 callers: ≥ 1.2× pebble", func(sys string) outcome {
		return throughputRatio(r, suite.Durable, sys, bank.Pebble, 64, 1.2)
	})
	both("Durable, 256 callers: ≥ 2.5× pebble", func(sys string) outcome {
		return throughputRatio(r, suite.Durable, sys, bank.Pebble, 256, 2.5)
	})
	both("Buffered, 1 caller: ≥ 500k events/s", func(sys string) outcome {
		return absoluteRate(r, suite.Buffered, sys, 1, 500e3)
	})
	both("Buffered, 16 callers: ≥ 1M events/s", func(sys string) outcome {
		return absoluteRate(r, suite.Buffered, sys, 16, 1e6)
	})
	t = append(t, target{What: "`State()` read: < 20 ns", Model: judge(fmt.Sprintf("%.1f ns", r.StateNs), r.StateNs < 20, r.StateNs > 0)})
	{
		var o outcome
		direct, ok1 := r.FindRead(suite.StateBalance)
		bolt, ok2 := r.FindRead(bank.BoltUpdate)
		if ok1 && ok2 && direct.NsPerOp > 0 {
			x := bolt.NsPerOp / direct.NsPerOp
			o = judge(fmt.Sprintf("%.0f× (%.1f ns vs %.0f ns)", x, direct.NsPerOp, bolt.NsPerOp), x >= 50, true)
		} else {
			o = judge("", false, false)
		}
		t = append(t, target{What: "`State()` + balance: ≥ 50× faster than a bbolt point read", Model: o})
	}
	states := map[string]string{bank.Prevayler: suite.StateModel, bank.PrevaylerRadix: suite.StateRadix}
	both("Replay: ≥ 1M events/s", func(sys string) outcome {
		rp, ok := findReplay(r, states[sys])
		return judge(fmt.Sprintf("%s (%d events)", rate(rp.EventsPerSec), rp.Events), rp.EventsPerSec >= 1e6, ok)
	})
	both("Replay: peak memory ≤ state + 64 MiB", func(sys string) outcome {
		rp, ok := findReplay(r, states[sys])
		grew := float64(rp.PeakRSS - rp.BaseRSS)
		limit := float64(rp.StateHeap) + replayMemorySlack
		return judge(fmt.Sprintf("RSS +%s, limit %s", mib(grew), mib(limit)), grew <= limit, ok && rp.PeakRSS > 0)
	})
	both("Snapshot: writers' p99 during ≤ 2× without", func(sys string) outcome {
		s, ok := findSnap(r, states[sys])
		if !ok || s.Without.P99 == 0 {
			return judge("", false, false)
		}
		x := float64(s.With.P99) / float64(s.Without.P99)
		return judge(fmt.Sprintf("%.2f× (%s vs %s)", x, dur(s.With.P99), dur(s.Without.P99)), x <= 2, true)
	})
	t = append(t, memoryTargets(r)...)
	t = append(t, speedTargets(r)...)
	return t
}
