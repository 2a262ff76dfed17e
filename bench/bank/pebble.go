package bank

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"

	"github.com/cockroachdb/pebble/v2"
)

// PebbleBank is a bank in a pebble LSM. Pebble has no transactions, so a
// transfer locks its two accounts, reads them, and commits a batch of two
// Sets (pebble.Sync when durable: pebble groups concurrent syncs of its
// write-ahead log by itself).
type PebbleBank struct {
	db    *pebble.DB
	wo    *pebble.WriteOptions
	locks accountLocks

	closeOnce sync.Once
	closeErr  error
}

// quiet drops pebble's informational log lines.
type quiet struct{}

func (quiet) Infof(string, ...any)      {}
func (quiet) Errorf(f string, a ...any) {}
func (quiet) Fatalf(f string, a ...any) { panic(fmt.Sprintf(f, a...)) }

// OpenPebble creates the database and funds the accounts.
func OpenPebble(ctx context.Context, cfg Config) (System, error) {
	if err := cfg.valid(); err != nil {
		return nil, err
	}
	db, err := pebble.Open(filepath.Join(cfg.Dir, "pebble"), &pebble.Options{Logger: quiet{}})
	if err != nil {
		return nil, fmt.Errorf("bank: open pebble: %w", err)
	}
	b := db.NewBatch()
	for id := 0; id < cfg.Accounts; id++ {
		if err := b.Set(key(id), value(cfg.Initial), nil); err != nil {
			db.Close()
			return nil, err
		}
	}
	if err := b.Commit(pebble.Sync); err != nil {
		db.Close()
		return nil, fmt.Errorf("bank: fund pebble accounts: %w", err)
	}
	wo := pebble.Sync
	if !cfg.Durable {
		wo = pebble.NoSync
	}
	return &PebbleBank{db: db, wo: wo}, nil
}

func (s *PebbleBank) get(id int) (int64, error) {
	v, closer, err := s.db.Get(key(id))
	if err != nil {
		return 0, err
	}
	defer closer.Close()
	return decodeValue(v)
}

// Transfer locks both accounts, reads them and commits both new balances.
func (s *PebbleBank) Transfer(_ context.Context, from, to int, amount int64) error {
	defer s.locks.lock(from, to)()
	fb, err := s.get(from)
	if err != nil {
		return err
	}
	tb, err := s.get(to)
	if err != nil {
		return err
	}
	if fb < amount {
		return fmt.Errorf("%w: account %d has %d, transfer of %d", ErrInsufficient, from, fb, amount)
	}
	if from == to {
		return nil
	}
	b := s.db.NewBatch()
	defer b.Close()
	if err := b.Set(key(from), value(fb-amount), nil); err != nil {
		return err
	}
	if err := b.Set(key(to), value(tb+amount), nil); err != nil {
		return err
	}
	return b.Commit(s.wo)
}

// Balance is a point read.
func (s *PebbleBank) Balance(_ context.Context, id int) (int64, error) { return s.get(id) }

// Total scans every account.
func (s *PebbleBank) Total(context.Context) (int64, error) {
	it, err := s.db.NewIter(nil)
	if err != nil {
		return 0, err
	}
	var t int64
	for it.First(); it.Valid(); it.Next() {
		v, err := decodeValue(it.Value())
		if err != nil {
			it.Close()
			return 0, err
		}
		t += v
	}
	if err := it.Close(); err != nil {
		return 0, err
	}
	return t, nil
}

// Close closes the database, which syncs its write-ahead log. It is safe
// to call twice.
func (s *PebbleBank) Close() error {
	s.closeOnce.Do(func() { s.closeErr = s.db.Close() })
	return s.closeErr
}
