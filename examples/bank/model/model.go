// Package model is the business logic of the bank example: a pure handler
// over an immutable state, the shape every prevalent application has.
//
// The balances are kept in chunks of ChunkSize accounts. A transfer copies
// the chunk index and the one or two chunks it touches, never the whole
// bank, so that the state a reader holds is never modified (copy on write)
// and a transfer costs the same whatever the number of accounts.
//
// Handle takes transfers only (the benchmarks use it); Apply takes every
// Event: Transfer, Deposit and OpenAccount (events.go), as the HTTP
// service and the Lambda example do.
package model

import (
	"errors"
	"fmt"
	"time"
)

// ChunkSize is the number of accounts per chunk of balances.
const ChunkSize = 64

// Bank is the state: balances by account number, and counters.
type Bank struct {
	Chunks    [][]int64 // never modified once published: copy on write
	Transfers int64
	Deposits  int64
	Last      time.Time // time of the last event, as journaled
}

// New returns a bank of n accounts holding initial each.
func New(n int, initial int64) Bank {
	var b Bank
	for i := 0; i < n; i += ChunkSize {
		c := make([]int64, min(ChunkSize, n-i))
		for j := range c {
			c[j] = initial
		}
		b.Chunks = append(b.Chunks, c)
	}
	return b
}

// Accounts returns the number of accounts.
func (b Bank) Accounts() int {
	if len(b.Chunks) == 0 {
		return 0
	}
	return (len(b.Chunks)-1)*ChunkSize + len(b.Chunks[len(b.Chunks)-1])
}

// Balance returns an account's balance.
func (b Bank) Balance(id int) (int64, error) {
	if id < 0 || id >= b.Accounts() {
		return 0, fmt.Errorf("%w: %d", ErrNoAccount, id)
	}
	return b.Chunks[id/ChunkSize][id%ChunkSize], nil
}

// Total returns the sum of all balances; transfers never change it.
func (b Bank) Total() int64 {
	var t int64
	for _, c := range b.Chunks {
		for _, v := range c {
			t += v
		}
	}
	return t
}

// Transfer moves Amount from one account to another.
type Transfer struct {
	From, To int
	Amount   int64
}

// Receipt is what an event returns to its caller: a transfer sets the
// balances of both accounts, a deposit or an opening the account and its
// balance.
type Receipt struct {
	FromBalance, ToBalance int64
	Account                int
	Balance                int64
}

// Errors a transfer can be refused with.
var (
	ErrNoAccount    = errors.New("no such account")
	ErrInsufficient = errors.New("insufficient funds")
	ErrAmount       = errors.New("amount must be positive")
)

// Handle is the prevalent system's handler: it validates the transfer and
// returns a new bank, sharing every chunk it does not change.
func Handle(b Bank, t Transfer, at time.Time) (Bank, Receipt, error) {
	from, err := b.Balance(t.From)
	if err != nil {
		return b, Receipt{}, err
	}
	if _, err := b.Balance(t.To); err != nil {
		return b, Receipt{}, err
	}
	if t.Amount <= 0 {
		return b, Receipt{}, ErrAmount
	}
	if from < t.Amount {
		return b, Receipt{}, fmt.Errorf("%w: account %d has %d, transfer of %d", ErrInsufficient, t.From, from, t.Amount)
	}
	next := b.shallow(at)
	next.Transfers++
	fc, tc := t.From/ChunkSize, t.To/ChunkSize
	next.Chunks[fc] = clone(b.Chunks[fc])
	if tc != fc {
		next.Chunks[tc] = clone(b.Chunks[tc])
	}
	next.Chunks[fc][t.From%ChunkSize] -= t.Amount
	next.Chunks[tc][t.To%ChunkSize] += t.Amount
	return next, Receipt{
		FromBalance: next.Chunks[fc][t.From%ChunkSize],
		ToBalance:   next.Chunks[tc][t.To%ChunkSize],
	}, nil
}

func clone(c []int64) []int64 {
	own := make([]int64, len(c))
	copy(own, c)
	return own
}
