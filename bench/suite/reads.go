package suite

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"time"

	"github.com/prevayler-go/prevayler/bench/bank"
	"github.com/prevayler-go/prevayler/examples/bank/model"
)

// readBatch reads between two looks at the clock, so that timing costs
// nothing next to a 10 ns read.
const readBatch = 1024

// runReads measures point reads of one random account from one goroutine
// on every system but the raw probes, and State() alone.
func (r *runner) runReads(ctx context.Context) {
	for _, k := range bank.Kinds() {
		// bbolt Batch reads as bbolt Update does; the raw probes keep no store to read.
		if k.Name == bank.RawSync || k.Name == bank.RawSyncPrealloc || k.Name == bank.RawGroup || k.Name == bank.BoltBatch || !r.o.selected("reads/"+k.Name) {
			continue
		}
		rd, err := r.readsOn(ctx, k)
		if err != nil {
			r.fail("reads/"+k.Name, err)
			continue
		}
		r.res.Reads = append(r.res.Reads, rd)
		r.log.Info("reads", "system", k.Name, "ns", fmt.Sprintf("%.1f", rd.NsPerOp))
	}
	if r.o.selected("reads/State") {
		if err := r.stateReads(ctx); err != nil {
			r.fail("reads/State", err)
		}
	}
}

func (r *runner) readsOn(ctx context.Context, k bank.Kind) (Read, error) {
	dir, err := os.MkdirTemp(r.o.Dir, "reads-")
	if err != nil {
		return Read{}, err
	}
	defer os.RemoveAll(dir)
	s, err := k.Open(ctx, bank.Config{Dir: dir, Accounts: r.o.Accounts, Initial: r.o.Initial, Durable: true})
	if err != nil {
		return Read{}, err
	}
	defer s.Close()
	// Some transfers first, so that no store reads only what it was
	// funded with in one batch.
	op := transferOp(s, r.o.Accounts, DefaultMaxAmount)
	rng := rand.New(rand.NewPCG(3, 4))
	for i := 0; i < 200; i++ {
		if err := op(ctx, 0, rng); err != nil {
			return Read{}, err
		}
	}
	var sink int64
	ops, elapsed, err := timeReads(ctx, r.o.ReadDuration, r.o.Accounts, func(id int) error {
		v, err := s.Balance(ctx, id)
		sink += v
		return err
	})
	if err != nil {
		return Read{}, err
	}
	if sink <= 0 {
		return Read{}, fmt.Errorf("reads returned no balance")
	}
	return Read{System: k.Name, Ops: ops, NsPerOp: float64(elapsed.Nanoseconds()) / float64(ops)}, nil
}

// timeReads calls read on pseudo-random accounts for about d.
func timeReads(ctx context.Context, d time.Duration, accounts int, read func(id int) error) (int64, time.Duration, error) {
	ids := make([]int, readBatch)
	rng := rand.New(rand.NewPCG(5, 6))
	for i := range ids {
		ids[i] = rng.IntN(accounts)
	}
	var ops int64
	start := time.Now()
	for time.Since(start) < d {
		if err := ctx.Err(); err != nil {
			return 0, 0, err
		}
		for _, id := range ids {
			if err := read(id); err != nil {
				return 0, 0, err
			}
		}
		ops += readBatch
	}
	return ops, time.Since(start), nil
}

// stateReads measures the prevalent system's reads as a user writes them,
// with no interface in between: State() alone, and State() plus a balance.
func (r *runner) stateReads(ctx context.Context) error {
	dir, err := os.MkdirTemp(r.o.Dir, "state-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	s, err := bank.OpenPrevayler(ctx, bank.Config{Dir: dir, Accounts: r.o.Accounts, Initial: r.o.Initial, Durable: true})
	if err != nil {
		return err
	}
	defer s.Close()
	p := s.(*bank.PrevaylerBank[model.Bank]).P
	var n int64
	ops, elapsed, err := timeReads(ctx, r.o.ReadDuration, r.o.Accounts, func(int) error {
		n += p.State().Transfers
		return nil
	})
	if err != nil {
		return err
	}
	r.res.StateNs = float64(elapsed.Nanoseconds()) / float64(ops)
	var sink int64
	ops, elapsed, err = timeReads(ctx, r.o.ReadDuration, r.o.Accounts, func(id int) error {
		v, err := p.State().Balance(id)
		sink += v
		return err
	})
	if err != nil {
		return err
	}
	if sink <= 0 || n != 0 {
		return fmt.Errorf("reads returned %d, %d", sink, n)
	}
	rd := Read{System: StateBalance, Ops: ops, NsPerOp: float64(elapsed.Nanoseconds()) / float64(ops)}
	r.res.Reads = append(r.res.Reads, rd)
	r.log.Info("reads", "State()", fmt.Sprintf("%.1f", r.res.StateNs), "State().Balance", fmt.Sprintf("%.1f", rd.NsPerOp))
	return nil
}

// StateBalance names the read of State().Balance(id) called directly.
const StateBalance = "prevayler State().Balance, direct"
