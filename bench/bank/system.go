package bank

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
)

// Config says what to open.
type Config struct {
	Dir      string // an empty directory the system owns
	Accounts int    // number of accounts, numbered 0..Accounts-1
	Initial  int64  // balance of every account at the start
	Durable  bool   // acknowledge a transfer only once it is fsynced
}

func (c Config) valid() error {
	if c.Dir == "" || c.Accounts <= 0 || c.Initial < 0 {
		return fmt.Errorf("bank: invalid config %+v", c)
	}
	return nil
}

// System is a bank kept by one store. It is safe for concurrent use.
type System interface {
	// Transfer moves amount from one account to another, refusing with an
	// error matching ErrInsufficient if from holds less.
	Transfer(ctx context.Context, from, to int, amount int64) error
	// Balance reads one account, as a point read.
	Balance(ctx context.Context, id int) (int64, error)
	// Total sums every balance as the system stores it.
	Total(ctx context.Context) (int64, error)
	// Close releases everything; it makes the data durable first. It is
	// safe to call twice.
	Close() error
}

// ErrInsufficient is returned by every system for a transfer larger than
// the balance of its source.
var ErrInsufficient = errors.New("bank: insufficient funds")

// Kind is one system in one configuration.
type Kind struct {
	Name string // as shown in the report
	// Open creates the system in cfg.Dir with every account funded.
	Open func(ctx context.Context, cfg Config) (System, error)
	// Durable and Buffered say which modes the system takes part in.
	Durable, Buffered bool
}

// Names of the systems, as in the report.
const (
	Prevayler       = "prevayler"
	PrevaylerRadix  = "prevayler (radix state)"
	BoltUpdate      = "bbolt Update"
	BoltBatch       = "bbolt Batch"
	SQLite          = "SQLite"
	Pebble          = "pebble"
	RawSync         = "raw per record"
	RawSyncPrealloc = "raw per record, preallocated"
	RawGroup        = "raw group commit"
)

// Kinds returns every system the workload compares, the library first.
func Kinds() []Kind {
	return []Kind{
		{Name: Prevayler, Open: OpenPrevayler, Durable: true, Buffered: true},
		{Name: PrevaylerRadix, Open: OpenPrevaylerRadix, Durable: true, Buffered: true},
		{Name: BoltUpdate, Open: OpenBoltUpdate, Durable: true, Buffered: true},
		{Name: BoltBatch, Open: OpenBoltBatch, Durable: true, Buffered: true},
		{Name: SQLite, Open: OpenSQLite, Durable: true, Buffered: true},
		{Name: Pebble, Open: OpenPebble, Durable: true, Buffered: true},
		{Name: RawSync, Open: OpenRawSync, Durable: true, Buffered: true},
		{Name: RawSyncPrealloc, Open: OpenRawSyncPrealloc, Durable: true},
		{Name: RawGroup, Open: OpenRawGroup, Durable: true},
	}
}

// key encodes an account number as a sortable key.
func key(id int) []byte {
	return binary.BigEndian.AppendUint64(make([]byte, 0, 8), uint64(id))
}

// value encodes a balance.
func value(v int64) []byte {
	return binary.BigEndian.AppendUint64(make([]byte, 0, 8), uint64(v))
}

func decodeValue(b []byte) (int64, error) {
	if len(b) != 8 {
		return 0, fmt.Errorf("bank: stored balance has %d bytes, want 8", len(b))
	}
	return int64(binary.BigEndian.Uint64(b)), nil
}
