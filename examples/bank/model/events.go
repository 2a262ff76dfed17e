package model

import (
	"encoding/gob"
	"fmt"
	"math"
	"time"
)

// Event is a change to the bank: Transfer, Deposit or OpenAccount. A
// prevalent system whose event type is Event journals any of them; gob
// knows the three because this package registers them.
type Event interface {
	apply(b Bank, at time.Time) (Bank, Receipt, error)
}

func init() {
	gob.Register(Transfer{})
	gob.Register(Deposit{})
	gob.Register(OpenAccount{})
}

// Apply is the handler of a bank that takes every kind of Event.
func Apply(b Bank, e Event, at time.Time) (Bank, Receipt, error) {
	if e == nil {
		return b, Receipt{}, fmt.Errorf("%w: no event", ErrAmount)
	}
	return e.apply(b, at)
}

func (t Transfer) apply(b Bank, at time.Time) (Bank, Receipt, error) { return Handle(b, t, at) }

// Deposit adds Amount to an account.
type Deposit struct {
	Account int
	Amount  int64
}

func (d Deposit) apply(b Bank, at time.Time) (Bank, Receipt, error) {
	bal, err := b.Balance(d.Account)
	if err != nil {
		return b, Receipt{}, err
	}
	if d.Amount <= 0 {
		return b, Receipt{}, ErrAmount
	}
	if bal > math.MaxInt64-d.Amount {
		return b, Receipt{}, fmt.Errorf("%w: the balance of account %d would overflow", ErrAmount, d.Account)
	}
	next := b.shallow(at)
	next.Deposits++
	c := d.Account / ChunkSize
	next.Chunks[c] = clone(b.Chunks[c])
	next.Chunks[c][d.Account%ChunkSize] += d.Amount
	return next, Receipt{Account: d.Account, Balance: bal + d.Amount}, nil
}

// OpenAccount adds an account holding Initial; its number is the number
// of accounts before it.
type OpenAccount struct {
	Initial int64
}

func (o OpenAccount) apply(b Bank, at time.Time) (Bank, Receipt, error) {
	if o.Initial < 0 {
		return b, Receipt{}, ErrAmount
	}
	id := b.Accounts()
	next := b.shallow(at)
	if n := len(b.Chunks); n > 0 && len(b.Chunks[n-1]) < ChunkSize {
		// A new slice, not an append: the old last chunk may have room
		// that a reader's state shares.
		last := make([]int64, len(b.Chunks[n-1])+1)
		copy(last, b.Chunks[n-1])
		last[len(last)-1] = o.Initial
		next.Chunks[n-1] = last
	} else {
		next.Chunks = append(next.Chunks, []int64{o.Initial})
	}
	return next, Receipt{Account: id, Balance: o.Initial}, nil
}

// shallow returns a bank sharing b's chunks under a new chunk index, for
// an event at time at to change.
func (b Bank) shallow(at time.Time) Bank {
	next := b
	next.Chunks = make([][]int64, len(b.Chunks))
	copy(next.Chunks, b.Chunks)
	next.Last = at
	return next
}
