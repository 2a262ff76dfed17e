package suite

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/prevayler-go/prevayler"
	"github.com/prevayler-go/prevayler/bench/bank"
	"github.com/prevayler-go/prevayler/bench/harness"
)

// Workload names of the transfer points.
const (
	Durable  = "durable"
	Buffered = "buffered"
)

// transferOp moves a random amount between two distinct random accounts.
func transferOp(s bank.System, accounts int, maxAmount int64) harness.Op {
	return func(ctx context.Context, _ int, rng *rand.Rand) error {
		from := rng.IntN(accounts)
		to := rng.IntN(accounts - 1)
		if to >= from {
			to++
		}
		return s.Transfer(ctx, from, to, 1+rng.Int64N(maxAmount))
	}
}

// opened is one system of a transfer workload, open for all its points.
type opened struct {
	k       bank.Kind
	s       bank.System
	cfg     bank.Config
	callers []int // the concurrencies selected for it
	failed  bool
}

// runTransfers runs the transfer workload of one mode on every system
// that takes part in it, then checks each system's total. Every system is
// open for the whole workload and the points run concurrency by
// concurrency, each system in turn: systems compared at one concurrency
// are measured within seconds of each other, so that a machine whose
// speed drifts (a shared one) skews their ratios as little as it can.
func (r *runner) runTransfers(ctx context.Context, durable bool) {
	mode := Buffered
	if durable {
		mode = Durable
	}
	var systems []*opened
	defer func() {
		for _, o := range systems {
			o.s.Close()
			os.RemoveAll(o.cfg.Dir)
		}
	}()
	for _, k := range bank.Kinds() {
		if (durable && !k.Durable) || (!durable && !k.Buffered) {
			continue
		}
		o := &opened{k: k}
		for _, c := range r.o.Callers {
			if r.o.selected(fmt.Sprintf("%s/%s/%d", mode, k.Name, c)) {
				o.callers = append(o.callers, c)
			}
		}
		if len(o.callers) == 0 {
			continue
		}
		dir, err := os.MkdirTemp(r.o.Dir, "transfers-")
		if err != nil {
			r.fail(mode+"/"+k.Name, err)
			continue
		}
		o.cfg = bank.Config{Dir: dir, Accounts: r.o.Accounts, Initial: r.o.Initial, Durable: durable}
		if o.s, err = k.Open(ctx, o.cfg); err != nil {
			os.RemoveAll(dir)
			r.fail(mode+"/"+k.Name, err)
			continue
		}
		systems = append(systems, o)
	}
	// Each point is measured in Rounds windows, the systems taking turns,
	// and the windows merged: a slow moment of the disk then falls on
	// every system alike rather than on one.
	rounds := r.o.Rounds
	window := r.o.Duration / time.Duration(rounds)
	for _, c := range r.o.Callers {
		merged := make([]harness.Result, len(systems))
		stats := make([]statsDelta, len(systems))
		for round := 0; round < rounds; round++ {
			for i, o := range systems {
				if o.failed || !slices.Contains(o.callers, c) {
					continue
				}
				name := fmt.Sprintf("%s/%s/%d", mode, o.k.Name, c)
				warmup := r.o.Warmup
				if round > 0 {
					warmup /= 2 // the system is warm; the callers are not
				}
				op := transferOp(o.s, r.o.Accounts, DefaultMaxAmount)
				stop := r.profile(fmt.Sprintf("%s/round-%d", name, round))
				before := statsOf(o.s)
				res, err := harness.Loop{Callers: c, Warmup: warmup, Duration: window, Seed: uint64(c*rounds + round)}.Run(ctx, op)
				stats[i].add(before, statsOf(o.s))
				stop()
				if ctx.Err() != nil {
					return
				}
				if err != nil {
					o.failed = true
					r.fail(name, err)
					continue
				}
				merged[i].Merge(res)
			}
		}
		for i, o := range systems {
			if o.failed || merged[i].Ops == 0 {
				continue
			}
			p := pointOf(mode, o.k.Name, &merged[i])
			p.EventsPerWrite = stats[i].perWrite()
			r.add(p)
			r.log.Info("transfers", "mode", mode, "system", o.k.Name, "callers", c,
				"per_s", int(p.Throughput), "p50", p.P50, "p99", p.P99, "events_per_write", fmt.Sprintf("%.1f", p.EventsPerWrite))
		}
	}
	for _, o := range systems {
		if o.failed {
			continue
		}
		if err := r.checkTotal(ctx, mode, o); err != nil {
			r.fail(mode+"/"+o.k.Name, err)
		}
	}
}

// checkTotal checks the system's balance total, and closes it. A
// prevalent system is checked once more as recovered from its journal:
// every balance as acknowledged, and the total.
func (r *runner) checkTotal(ctx context.Context, mode string, o *opened) error {
	s, k, cfg := o.s, o.k, o.cfg
	want := int64(r.o.Accounts) * r.o.Initial
	total, err := s.Total(ctx)
	if err != nil {
		return fmt.Errorf("total: %w", err)
	}
	check := TotalCheck{Workload: mode, System: k.Name, Total: total, Want: want, OK: total == want}
	recheck := strings.HasPrefix(k.Name, bank.Prevayler) && check.OK
	var before []int64
	if recheck {
		if before, err = balances(ctx, s, r.o.Accounts); err != nil {
			return err
		}
	}
	if err := s.Close(); err != nil {
		return fmt.Errorf("close: %w", err)
	}
	if recheck {
		s2, err := k.Open(ctx, cfg)
		if err != nil {
			return fmt.Errorf("reopen: %w", err)
		}
		defer s2.Close()
		after, err := balances(ctx, s2, r.o.Accounts)
		if err != nil {
			return err
		}
		if !slices.Equal(before, after) {
			return errors.New("the state recovered from the journal differs from the one acknowledged")
		}
		if total, err = s2.Total(ctx); err != nil {
			return fmt.Errorf("total after reopen: %w", err)
		}
		check.Total, check.Recovered, check.OK = total, true, total == want
	}
	r.addTotal(check)
	if !check.OK {
		return fmt.Errorf("balance total %d, want %d", check.Total, want)
	}
	return nil
}

func balances(ctx context.Context, s bank.System, n int) ([]int64, error) {
	b := make([]int64, n)
	for id := range b {
		v, err := s.Balance(ctx, id)
		if err != nil {
			return nil, fmt.Errorf("balance %d: %w", id, err)
		}
		b[id] = v
	}
	return b, nil
}

// statsOf returns the prevalent system's counters; zero for other systems.
func statsOf(s bank.System) prevayler.Stats {
	if st, ok := s.(interface{ Stats() prevayler.Stats }); ok {
		return st.Stats()
	}
	return prevayler.Stats{}
}

// statsDelta adds up what the prevalent system journaled during windows.
type statsDelta struct{ events, writes uint64 }

func (d *statsDelta) add(before, after prevayler.Stats) {
	d.events += after.Events - before.Events
	d.writes += after.Writes - before.Writes
}

func (d *statsDelta) perWrite() float64 {
	if d.writes == 0 {
		return 0
	}
	return float64(d.events) / float64(d.writes)
}
