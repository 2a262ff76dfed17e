package suite

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync/atomic"
	"time"

	"github.com/prevayler-go/prevayler/bench/bank"
	"github.com/prevayler-go/prevayler/bench/harness"
	"github.com/prevayler-go/prevayler/examples/bank/model"
	"github.com/prevayler-go/prevayler/s3store"
)

// s3bank is one prevalent bank on s3store with a MaxInflight, counting
// the transfers it acknowledged.
type s3bank struct {
	inflight int
	b        *bank.PrevaylerBank[model.Bank]
	events   atomic.Int64
	op       func(ctx context.Context, caller int, rng *rand.Rand) error
}

// durable measures Durable transfers and the ideal probe at every
// concurrency, taking turns in Rounds windows so that a slow moment of
// the machine falls on all of them: the store with the default
// MaxInflight, then the probe, then the store with each MaxInflight of
// CompareInflight.
func (run *s3lat) durable(ctx context.Context, name string, lr *S3LatencyRun) error {
	var callers []int
	for _, c := range run.runner.o.Callers {
		if run.runner.o.selected(fmt.Sprintf("%s/durable/%d", name, c)) {
			callers = append(callers, c)
		}
	}
	if len(callers) == 0 {
		return nil
	}
	o := run.runner.o
	inflights := append([]int{s3store.DefaultMaxInflight}, run.lo.CompareInflight...)
	banks := make([]*s3bank, len(inflights))
	for i, k := range inflights {
		st := run.storeWith(fmt.Sprintf("%s/durable-%d", name, k), s3store.Options{MaxInflight: k})
		b, err := bank.OpenPrevaylerOn(ctx, st, true, model.Handle, model.New(o.Accounts, o.Initial))
		if err != nil {
			return err
		}
		defer b.Close()
		sb := &s3bank{inflight: k, b: b}
		inner := transferOp(b, o.Accounts, DefaultMaxAmount)
		sb.op = func(ctx context.Context, caller int, rng *rand.Rand) error {
			err := inner(ctx, caller, rng)
			if err == nil {
				sb.events.Add(1)
			}
			return err
		}
		banks[i] = sb
	}
	window := o.Duration / time.Duration(o.Rounds)
	for _, c := range callers {
		pt := S3LatencyPoint{Callers: c, Limit: float64(c) / lr.RoundTrip.Seconds(), Inflight: inflights[0]}
		others := make([]S3InflightPoint, len(banks))
		results := make([]harness.Result, len(banks))
		probe := run.newProbe(fmt.Sprintf("%s/probe-%d/", name, c))
		var ideal harness.Result
		var probeRecords, probePuts int64
		for round := 0; round < o.Rounds; round++ {
			warmup := o.Warmup
			if round > 0 {
				warmup /= 2
			}
			loop := harness.Loop{Callers: c, Warmup: warmup, Duration: window, Seed: uint64(c*o.Rounds + round)}
			for i, sb := range banks {
				before, ev := run.proxy.Counts(), sb.events.Load()
				stop := run.profile(fmt.Sprintf("%s/durable/%d/inflight-%d/round-%d", name, c, sb.inflight, round))
				res, err := loop.Run(ctx, sb.op)
				stop()
				if err != nil {
					probe.close()
					return fmt.Errorf("%d callers, MaxInflight %d: %w", c, sb.inflight, err)
				}
				others[i].Requests = addCounts(others[i].Requests, run.proxy.Counts().Sub(before))
				others[i].Events += sb.events.Load() - ev
				results[i].Merge(res)
				if i > 0 {
					continue
				}
				puts, recs := probe.puts.Load(), probe.records.Load()
				res, err = loop.Run(ctx, probe.op)
				if err != nil {
					probe.close()
					return fmt.Errorf("probe, %d callers: %w", c, err)
				}
				probePuts += probe.puts.Load() - puts
				probeRecords += probe.records.Load() - recs
				ideal.Merge(res)
			}
		}
		probe.close()
		for i, sb := range banks {
			others[i].Inflight = sb.inflight
			others[i].Durable = pointOf(fmt.Sprintf("s3latency/%s/durable-%d", latName(lr.Latency), sb.inflight), bank.Prevayler, &results[i])
			if others[i].Events > 0 {
				others[i].PutsPerEvent = float64(others[i].Requests.Put) / float64(others[i].Events)
			}
		}
		pt.Durable, pt.Requests, pt.Events, pt.PutsPerEvent = others[0].Durable, others[0].Requests, others[0].Events, others[0].PutsPerEvent
		pt.Others = others[1:]
		pt.Probe = pointOf("s3latency/"+latName(lr.Latency)+"/probe", "ideal probe", &ideal)
		if probeRecords > 0 {
			pt.ProbePutsPerEvent = float64(probePuts) / float64(probeRecords)
		}
		lr.Points = append(lr.Points, pt)
		attrs := []any{"latency", lr.Latency, "callers", c, "per_s", int(pt.Durable.Throughput),
			"probe_per_s", int(pt.Probe.Throughput), "limit_per_s", int(pt.Limit), "puts_per_event", fmt.Sprintf("%.3f", pt.PutsPerEvent)}
		for _, x := range pt.Others {
			attrs = append(attrs, fmt.Sprintf("inflight_%d_per_s", x.Inflight), int(x.Durable.Throughput),
				fmt.Sprintf("inflight_%d_puts_per_event", x.Inflight), fmt.Sprintf("%.3f", x.PutsPerEvent))
		}
		run.log.Info("s3latency", attrs...)
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
	for _, sb := range banks {
		if total, err := sb.b.Total(ctx); err != nil || total != int64(o.Accounts)*o.Initial {
			return fmt.Errorf("MaxInflight %d: balance total %d, %v", sb.inflight, total, err)
		}
		if err := sb.b.Close(); err != nil {
			return err
		}
	}
	return nil
}
