package suite

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prevayler-go/prevayler"
	"github.com/prevayler-go/prevayler/bench/radixbank"
	"github.com/prevayler-go/prevayler/examples/bank/model"
	"github.com/prevayler-go/prevayler/localstore"
	"github.com/prevayler-go/prevayler/store"
)

// States replayed at start-up: the same events (model.Transfer) applied to
// the user's state, to the radix tree, or only counted, which leaves the
// library's own cost.
const (
	StateModel   = "model"
	StateRadix   = "radix"
	StateCounter = "counter"
)

// ReplayStates lists the states in the order of the report.
var ReplayStates = []string{StateModel, StateRadix, StateCounter}

// Counter is a state that only counts transfers: replaying it measures the
// journal's decoding and nothing of the business logic.
type Counter struct{ Transfers int64 }

// CountTransfer is Counter's handler.
func CountTransfer(c Counter, _ model.Transfer, _ time.Time) (Counter, model.Receipt, error) {
	c.Transfers++
	return c, model.Receipt{}, nil
}

// generateWriters is the number of goroutines that write a journal.
const generateWriters = 4

// generate writes a journal of n transfers on state st into dir, in
// Buffered mode, and returns how long it took. The journal is the one the
// real handler would write: its snapshot is the initial state and its
// events are the transfers; only the writing is quicker, as the handler
// used to write it counts events instead of moving money. Replay applies
// the real handler.
func generate(ctx context.Context, dir, st string, accounts, n int) (time.Duration, error) {
	switch st {
	case StateModel:
		return generateOn(ctx, dir, func(b model.Bank, _ model.Transfer, at time.Time) (model.Bank, model.Receipt, error) {
			b.Transfers++
			return b, model.Receipt{}, nil
		}, model.New(accounts, DefaultInitial), accounts, n)
	case StateRadix:
		return generateOn(ctx, dir, func(b radixbank.Bank, _ model.Transfer, at time.Time) (radixbank.Bank, model.Receipt, error) {
			b.Transfers++
			return b, model.Receipt{}, nil
		}, radixbank.New(accounts, DefaultInitial), accounts, n)
	case StateCounter:
		return generateOn(ctx, dir, CountTransfer, Counter{}, accounts, n)
	}
	return 0, fmt.Errorf("suite: unknown state %q", st)
}

func generateOn[S any](ctx context.Context, dir string, h prevayler.Handler[S, model.Transfer, model.Receipt], initial S, accounts, n int) (time.Duration, error) {
	return generateInto(ctx, localstore.New(filepath.Join(dir, "journal")), h, initial, accounts, n)
}

// generateInto writes n transfers into the journal of st.
func generateInto[S any](ctx context.Context, st store.Store, h prevayler.Handler[S, model.Transfer, model.Receipt], initial S, accounts, n int) (time.Duration, error) {
	start := time.Now()
	p, err := prevayler.Open(ctx, h, prevayler.Options[S]{
		Store:        st,
		InitialState: initial,
		Durability:   prevayler.Buffered,
	})
	if err != nil {
		return 0, err
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, generateWriters)
	for w := 0; w < generateWriters; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1)
				if i > int64(n) {
					return
				}
				// Deterministic, distinct accounts, amounts of 1 to 10:
				// no transfer is refused: an account pays at most
				// 10 × n / accounts, far below DefaultInitial.
				from := int(i*7919) % accounts
				to := (from + 1 + int(i*104729)%(accounts-1)) % accounts
				if _, err := p.Handle(ctx, model.Transfer{From: from, To: to, Amount: 1 + i%10}); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	err = <-errs
	if cerr := p.Close(); err == nil {
		err = cerr
	}
	return time.Since(start), err
}

// runReplays writes each journal, then has a fresh process replay it.
func (r *runner) runReplays(ctx context.Context) {
	for _, n := range r.o.ReplaySizes {
		for _, st := range ReplayStates {
			name := fmt.Sprintf("replay/%d/%s", n, st)
			if !r.o.selected(name) {
				continue
			}
			rp, err := r.replayOne(ctx, n, st)
			if err != nil {
				r.fail(name, err)
				continue
			}
			r.res.Replays = append(r.res.Replays, rp)
			r.log.Info("replay", "events", n, "state", st, "per_s", int(rp.EventsPerSec),
				"elapsed", rp.Elapsed, "peak_rss_mib", rp.PeakRSS>>20, "generate", rp.Generate)
			if ctx.Err() != nil {
				return
			}
		}
	}
}

func (r *runner) replayOne(ctx context.Context, n int, st string) (Replay, error) {
	dir, err := os.MkdirTemp(r.o.Dir, "replay-")
	if err != nil {
		return Replay{}, err
	}
	defer os.RemoveAll(dir)
	gen, err := generate(ctx, dir, st, r.o.Accounts, n)
	if err != nil {
		return Replay{}, fmt.Errorf("write the journal: %w", err)
	}
	fi, err := os.Stat(filepath.Join(dir, "journal"))
	if err != nil {
		return Replay{}, err
	}
	req := ReplayRequest{Dir: dir, State: st, Events: n}
	if r.o.ProfileDir != "" {
		req.CPUProfile = profilePath(r.o.ProfileDir, fmt.Sprintf("replay/%d/%s", n, st))
	}
	m, err := r.o.Replay(req)
	if err != nil {
		return Replay{}, err
	}
	return Replay{Events: n, State: st, JournalBytes: fi.Size(), Generate: gen, ReplayMeasure: m}, nil
}
