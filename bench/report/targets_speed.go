package report

import (
	"fmt"

	"github.com/prevayler-go/prevayler/bench/bank"
	"github.com/prevayler-go/prevayler/bench/suite"
)

// speedTargets are those of the issue on speed to the physical limit:
// each against the raw probe or the peer measured in the same run.
func speedTargets(r *suite.Results) []target {
	var t []target
	states := map[string]string{bank.Prevayler: suite.StateModel, bank.PrevaylerRadix: suite.StateRadix}
	both := func(what string, f func(sys string) outcome) {
		t = append(t, target{What: what, Model: f(bank.Prevayler), Radix: f(bank.PrevaylerRadix), HasRadix: true})
	}
	both("Durable, 1 caller: ≥ 1.0× one write+fdatasync per record (growing file)", func(sys string) outcome {
		return throughputRatio(r, suite.Durable, sys, bank.RawSync, 1, 1.0)
	})
	for _, c := range []int{64, 256} {
		both(fmt.Sprintf("Durable, %d callers: ≥ 0.8× the raw group-commit probe", c), func(sys string) outcome {
			return throughputRatio(r, suite.Durable, sys, bank.RawGroup, c, 0.8)
		})
	}
	both("Buffered, 1 caller: ≥ 2× pebble NoSync", func(sys string) outcome {
		return throughputRatio(r, suite.Buffered, sys, bank.Pebble, 1, 2)
	})
	{
		lib, ok1 := findLone(r, suite.LoneLibrary)
		raw, ok2 := findLone(r, suite.LoneRawWrite)
		var o outcome
		if ok1 && ok2 && raw.EventsPerSec > 0 {
			x := lib.EventsPerSec / raw.EventsPerSec
			o = judge(fmt.Sprintf("%.2f× (%s vs %s)", x, rate(lib.EventsPerSec), rate(raw.EventsPerSec)), x >= 1, true)
		} else {
			o = judge("", false, false)
		}
		t = append(t, target{What: "Buffered, 1 caller, counter, gob: ≥ 1.0× one 40-byte write(2) per record", Model: o})
	}
	both("Snapshot beside writers: median ≤ 3× its time alone", func(sys string) outcome {
		s, ok := findSnap(r, states[sys])
		if !ok || s.Idle == 0 || len(s.During) == 0 {
			return judge("", false, false)
		}
		m := median(s.During)
		x := float64(m) / float64(s.Idle)
		return judge(fmt.Sprintf("%.2f× (%s vs %s)", x, dur(m), dur(s.Idle)), x <= 3, true)
	})
	both("Replay: ≥ 750k events/s", func(sys string) outcome {
		rp, ok := findReplay(r, states[sys])
		return judge(fmt.Sprintf("%s (%d events)", rate(rp.EventsPerSec), rp.Events), rp.EventsPerSec >= 750e3, ok)
	})
	{
		rp, ok := findReplay(r, suite.StateCounter)
		t = append(t, target{What: "Replay, the library alone (counter state): ≥ 2M events/s",
			Model: judge(fmt.Sprintf("%s (%d events)", rate(rp.EventsPerSec), rp.Events), rp.EventsPerSec >= 2e6, ok)})
	}
	return t
}
