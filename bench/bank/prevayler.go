package bank

import (
	"context"
	"errors"
	"path/filepath"

	"github.com/prevayler-go/prevayler"
	"github.com/prevayler-go/prevayler/bench/radixbank"
	"github.com/prevayler-go/prevayler/examples/bank/model"
	"github.com/prevayler-go/prevayler/localstore"
	"github.com/prevayler-go/prevayler/store"
)

// Ledger is what the benchmark needs of a bank state besides its handler.
type Ledger interface {
	Balance(id int) (int64, error)
	Total() int64
}

// PrevaylerBank is the prevalent system holding a bank state S.
type PrevaylerBank[S Ledger] struct {
	P *prevayler.Prevayler[S, model.Transfer, model.Receipt]
}

// OpenPrevayler opens the prevalent system on the state of
// examples/bank/model, journaled by localstore in cfg.Dir.
func OpenPrevayler(ctx context.Context, cfg Config) (System, error) {
	if err := cfg.valid(); err != nil {
		return nil, err
	}
	b, err := OpenPrevaylerOn(ctx, localstore.New(filepath.Join(cfg.Dir, "journal")), cfg.Durable, model.Handle, model.New(cfg.Accounts, cfg.Initial))
	if err != nil {
		return nil, err
	}
	return b, nil
}

// OpenPrevaylerRadix opens the prevalent system on the radix-tree state.
func OpenPrevaylerRadix(ctx context.Context, cfg Config) (System, error) {
	if err := cfg.valid(); err != nil {
		return nil, err
	}
	b, err := OpenPrevaylerOn(ctx, localstore.New(filepath.Join(cfg.Dir, "journal")), cfg.Durable, radixbank.Handle, radixbank.New(cfg.Accounts, cfg.Initial))
	if err != nil {
		return nil, err
	}
	return b, nil
}

// OpenPrevaylerOn opens the prevalent system on any store and state, the
// S3 store included.
func OpenPrevaylerOn[S Ledger](ctx context.Context, st store.Store, durable bool, h prevayler.Handler[S, model.Transfer, model.Receipt], initial S) (*PrevaylerBank[S], error) {
	d := prevayler.Durable
	if !durable {
		d = prevayler.Buffered
	}
	p, err := prevayler.Open(ctx, h, prevayler.Options[S]{Store: st, InitialState: initial, Durability: d})
	if err != nil {
		return nil, err
	}
	return &PrevaylerBank[S]{P: p}, nil
}

// Transfer handles one event.
func (b *PrevaylerBank[S]) Transfer(ctx context.Context, from, to int, amount int64) error {
	_, err := b.P.Handle(ctx, model.Transfer{From: from, To: to, Amount: amount})
	if errors.Is(err, model.ErrInsufficient) {
		return errors.Join(ErrInsufficient, err)
	}
	return err
}

// Balance reads the latest state: no lock, no I/O.
func (b *PrevaylerBank[S]) Balance(_ context.Context, id int) (int64, error) {
	return b.P.State().Balance(id)
}

// Total sums the latest state.
func (b *PrevaylerBank[S]) Total(context.Context) (int64, error) {
	return b.P.State().Total(), nil
}

// Close closes the prevalent system.
func (b *PrevaylerBank[S]) Close() error { return b.P.Close() }

// Snapshot rotates the journal (see prevayler.Prevayler.Snapshot).
func (b *PrevaylerBank[S]) Snapshot(ctx context.Context) error { return b.P.Snapshot(ctx) }

// Stats returns the prevalent system's counters.
func (b *PrevaylerBank[S]) Stats() prevayler.Stats { return b.P.Stats() }
