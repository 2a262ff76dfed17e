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
	next := b
	next.Deposits++
	next.Last = at
	next.Root = set(b.Root, b.Height, d.Account, bal+d.Amount)
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
	id := b.Count
	next := b
	next.Count++
	next.Last = at
	if id == capacity(b.Height) {
		// The tree is full (or empty): a new root above the old one
		// makes room for Fanout times as many accounts.
		next.Height++
		if b.Root != nil {
			next.Root = &Node{Kids: []*Node{b.Root}}
		}
	}
	next.Root = set(next.Root, next.Height, id, o.Initial)
	return next, Receipt{Account: id, Balance: o.Initial}, nil
}

// capacity returns how many accounts a tree of height levels of nodes
// holds: 0 for the empty tree.
func capacity(height int) int {
	if height == 0 {
		return 0
	}
	return 1 << (fanoutBits * (height + 1))
}
