package bank

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"
)

var accountsBucket = []byte("accounts")

// Bolt is a bank in a bbolt file. Transfers commit one transaction each
// (Update) or let bbolt group concurrent ones into one commit (Batch).
type Bolt struct {
	db    *bolt.DB
	batch bool
}

// OpenBoltUpdate opens bbolt committing each transfer on its own.
func OpenBoltUpdate(ctx context.Context, cfg Config) (System, error) { return openBolt(cfg, false) }

// OpenBoltBatch opens bbolt grouping concurrent transfers with DB.Batch.
func OpenBoltBatch(ctx context.Context, cfg Config) (System, error) { return openBolt(cfg, true) }

func openBolt(cfg Config, batch bool) (System, error) {
	if err := cfg.valid(); err != nil {
		return nil, err
	}
	db, err := bolt.Open(filepath.Join(cfg.Dir, "bank.db"), 0o600, &bolt.Options{Timeout: time.Second, NoSync: !cfg.Durable})
	if err != nil {
		return nil, fmt.Errorf("bank: open bbolt: %w", err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucket(accountsBucket)
		if err != nil {
			return err
		}
		for id := 0; id < cfg.Accounts; id++ {
			if err := b.Put(key(id), value(cfg.Initial)); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil && !cfg.Durable {
		err = db.Sync() // the funded accounts are durable either way
	}
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("bank: fund bbolt accounts: %w", err)
	}
	return &Bolt{db: db, batch: batch}, nil
}

// Transfer runs one read-modify-write transaction.
func (s *Bolt) Transfer(_ context.Context, from, to int, amount int64) error {
	fn := func(tx *bolt.Tx) error {
		b := tx.Bucket(accountsBucket)
		fb, err := decodeValue(b.Get(key(from)))
		if err != nil {
			return err
		}
		tb, err := decodeValue(b.Get(key(to)))
		if err != nil {
			return err
		}
		if fb < amount {
			return fmt.Errorf("%w: account %d has %d, transfer of %d", ErrInsufficient, from, fb, amount)
		}
		if from == to {
			return nil
		}
		if err := b.Put(key(from), value(fb-amount)); err != nil {
			return err
		}
		return b.Put(key(to), value(tb+amount))
	}
	if s.batch {
		return s.db.Batch(fn)
	}
	return s.db.Update(fn)
}

// Balance is a point read in a read-only transaction.
func (s *Bolt) Balance(_ context.Context, id int) (int64, error) {
	var v int64
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		v, err = decodeValue(tx.Bucket(accountsBucket).Get(key(id)))
		return err
	})
	return v, err
}

// Total scans every account.
func (s *Bolt) Total(context.Context) (int64, error) {
	var t int64
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(accountsBucket).ForEach(func(_, v []byte) error {
			b, err := decodeValue(v)
			t += b
			return err
		})
	})
	return t, err
}

// Close syncs (NoSync mode included) and closes the file.
func (s *Bolt) Close() error {
	err := s.db.Sync()
	if cerr := s.db.Close(); err == nil {
		err = cerr
	}
	return err
}
