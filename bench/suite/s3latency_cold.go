package suite

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/prevayler-go/prevayler"
	"github.com/prevayler-go/prevayler/bench/bank"
	"github.com/prevayler-go/prevayler/bench/latproxy"
	"github.com/prevayler-go/prevayler/examples/bank/model"
)

// Idle detection after a cold Open: background work is over once no
// request came for coldQuiet (or ten round trips, if longer); the wait is
// bounded by coldSettleMax.
const (
	coldQuiet     = time.Second
	coldSettleMax = time.Minute
)

// cold writes a journal of n uploads with no added latency (one Durable
// transfer at a time: one segment each), closes it, then times a new Open of
// it at the run's latency and counts its requests.
func (run *s3lat) cold(ctx context.Context, name string, n int, lat time.Duration) (S3Cold, error) {
	o := run.runner.o
	res := S3Cold{}
	run.proxy.SetLatency(0)
	defer run.proxy.SetLatency(lat)
	bctx, cancel := context.WithTimeout(ctx, run.lo.ColdBuild)
	defer cancel()
	start := time.Now()
	b, err := bank.OpenPrevaylerOn(bctx, run.store(name), true, model.Handle, model.New(o.Accounts, o.Initial))
	if err != nil {
		return res, err
	}
	defer b.Close()
	op := transferOp(b, o.Accounts, DefaultMaxAmount)
	rng := rand.New(rand.NewPCG(uint64(n), 3))
	puts0 := run.proxy.Counts().Put
	// One caller, Durable: each transfer is one segment upload.
	for res.Events < int64(n) {
		if err := op(bctx, 0, rng); err != nil {
			return res, fmt.Errorf("writing upload %d of %d (bounded by %v): %w", res.Events, n, run.lo.ColdBuild, err)
		}
		res.Events++
	}
	res.Uploads = int(res.Events)
	res.Puts = run.proxy.Counts().Put - puts0
	if err := b.Close(); err != nil {
		return res, err
	}
	res.Build = time.Since(start)

	run.proxy.SetLatency(lat)
	before := run.proxy.Counts()
	start = time.Now()
	p, err := prevayler.Open(ctx, model.Handle, prevayler.Options[model.Bank]{Store: run.store(name), InitialState: model.New(o.Accounts, o.Initial)})
	res.Open = time.Since(start)
	if err != nil {
		return res, err
	}
	defer p.Close()
	opened := run.proxy.Counts()
	res.Requests = opened.Sub(before)
	settled, err := run.settle(ctx, max(coldQuiet, 10*lat))
	if err != nil {
		return res, err
	}
	res.After = settled.Sub(opened)
	if got := p.State().Transfers; got != res.Events {
		return res, fmt.Errorf("recovered %d transfers, %d were acknowledged", got, res.Events)
	}
	if total := p.State().Total(); total != int64(o.Accounts)*o.Initial {
		return res, fmt.Errorf("recovered balance total %d, want %d", total, int64(o.Accounts)*o.Initial)
	}
	return res, p.Close()
}

// settle waits until the proxy has seen no request for quiet, and returns
// its counts then.
func (run *s3lat) settle(ctx context.Context, quiet time.Duration) (latproxy.Counts, error) {
	last, since := run.proxy.Counts(), time.Now()
	deadline := time.Now().Add(coldSettleMax)
	for time.Since(since) < quiet {
		if time.Now().After(deadline) {
			return last, fmt.Errorf("requests still coming %v after Open", coldSettleMax)
		}
		select {
		case <-time.After(20 * time.Millisecond):
		case <-ctx.Done():
			return last, ctx.Err()
		}
		if now := run.proxy.Counts(); now != last {
			last, since = now, time.Now()
		}
	}
	return last, nil
}
