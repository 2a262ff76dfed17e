package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prevayler-go/prevayler/examples/bank/model"
)

// demo opens the bank, makes cfg.transfers random transfers from
// cfg.writers goroutines, closes the bank and reports. Each run starts
// from the state the previous one left.
func demo(ctx context.Context, cfg config, out io.Writer) (err error) {
	p, err := open(ctx, cfg, out)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := p.Close(); err == nil {
			err = cerr
		}
	}()
	n := p.State().Accounts()
	if n == 0 {
		return errors.New("the bank has no accounts")
	}

	var next, refused atomic.Int64
	var failed atomic.Pointer[error]
	var wg sync.WaitGroup
	start := time.Now()
	for w := range max(cfg.writers, 1) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), uint64(start.UnixNano())))
			for next.Add(1) <= int64(cfg.transfers) && failed.Load() == nil {
				t := model.Transfer{From: rng.IntN(n), To: rng.IntN(n), Amount: 1 + rng.Int64N(100)}
				_, err := p.Handle(ctx, t)
				switch {
				case errors.Is(err, model.ErrInsufficient):
					refused.Add(1)
				case err != nil:
					failed.CompareAndSwap(nil, &err)
				}
			}
		}()
	}
	wg.Wait()
	if e := failed.Load(); e != nil {
		return fmt.Errorf("transfer: %w", *e)
	}
	elapsed := time.Since(start)
	fmt.Fprintf(out, "made %d transfers (%d refused for insufficient funds) with %d writers, %s, in %v: %.0f transfers/s\n",
		cfg.transfers, refused.Load(), cfg.writers, durabilityName(cfg), elapsed.Round(time.Millisecond),
		float64(cfg.transfers)/elapsed.Seconds())

	b := p.State()
	if err := p.Close(); err != nil {
		return err
	}
	fmt.Fprintf(out, "closed: %d transfers in all, total balance %d (transfers never change it)\n", b.Transfers, b.Total())
	fmt.Fprintf(out, "journal at %s; run again to see this state recovered\n", cfg.store)
	return nil
}

func durabilityName(cfg config) string {
	if cfg.buffered {
		return "buffered"
	}
	return "durable"
}
