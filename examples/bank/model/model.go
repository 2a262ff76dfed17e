package model

import (
	"errors"
	"fmt"
	"time"
)

// Bank is the state: balances by account number, in a tree that is never
// modified once published (see the package doc), and counters.
type Bank struct {
	Root      *Node // nil while there is no account
	Height    int   // levels of nodes above the leaves; 0 while Root is nil
	Count     int   // number of accounts
	Transfers int64
	Deposits  int64
	Last      time.Time // time of the last event, as journaled
}

// New returns a bank of n accounts holding initial each.
func New(n int, initial int64) Bank {
	if n <= 0 {
		return Bank{}
	}
	leaves := make([]*Leaf, 0, (n+Fanout-1)/Fanout)
	for i := 0; i < n; i += Fanout {
		l := new(Leaf)
		for j := range min(Fanout, n-i) {
			l[j] = initial
		}
		leaves = append(leaves, l)
	}
	root, height := build(leaves)
	return Bank{Root: root, Height: height, Count: n}
}

// build returns the root and the height of the tree over leaves, of which
// there is at least one.
func build(leaves []*Leaf) (*Node, int) {
	level := groups(leaves, func(g []*Leaf) *Node { return &Node{Leaves: g} })
	height := 1
	for len(level) > 1 {
		level = groups(level, func(g []*Node) *Node { return &Node{Kids: g} })
		height++
	}
	return level[0], height
}

// groups returns one node for each run of Fanout items, each holding a
// copy of its run.
func groups[T any](items []T, node func(run []T) *Node) []*Node {
	nodes := make([]*Node, 0, (len(items)+Fanout-1)/Fanout)
	for i := 0; i < len(items); i += Fanout {
		nodes = append(nodes, node(append([]T(nil), items[i:min(i+Fanout, len(items))]...)))
	}
	return nodes
}

// Accounts returns the number of accounts.
func (b Bank) Accounts() int { return b.Count }

// Balance returns an account's balance.
func (b Bank) Balance(id int) (int64, error) {
	if id < 0 || id >= b.Count {
		return 0, fmt.Errorf("%w: %d", ErrNoAccount, id)
	}
	return b.leaf(id)[id%Fanout], nil
}

// Total returns the sum of all balances; transfers never change it.
func (b Bank) Total() int64 {
	if b.Root == nil {
		return 0
	}
	return b.Root.total()
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
// returns a new bank, sharing every node and leaf off the paths to the
// two accounts.
func Handle(b Bank, t Transfer, at time.Time) (Bank, Receipt, error) {
	from, err := b.Balance(t.From)
	if err != nil {
		return b, Receipt{}, err
	}
	to, err := b.Balance(t.To)
	if err != nil {
		return b, Receipt{}, err
	}
	if t.Amount <= 0 {
		return b, Receipt{}, ErrAmount
	}
	if from < t.Amount {
		return b, Receipt{}, fmt.Errorf("%w: account %d has %d, transfer of %d", ErrInsufficient, t.From, from, t.Amount)
	}
	next := b
	next.Transfers++
	next.Last = at
	if t.From == t.To {
		// Nothing moves: the tree is shared as it is.
		return next, Receipt{FromBalance: from, ToBalance: to}, nil
	}
	from -= t.Amount
	to += t.Amount
	next.Root = set2(b.Root, b.Height, t.From, from, t.To, to)
	return next, Receipt{FromBalance: from, ToBalance: to}, nil
}
