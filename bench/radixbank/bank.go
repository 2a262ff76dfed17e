package radixbank

import (
	"fmt"
	"time"

	"github.com/prevayler-go/prevayler/examples/bank/model"
)

const (
	shift = 5
	width = 1 << shift
	mask  = width - 1
)

// Node is a node of the tree: interior nodes have Kids, leaves have Vals.
// A node reachable from a published Bank is never modified.
type Node struct {
	Kids []*Node
	Vals []int64
}

// Bank is the state: balances by account number in a tree of Depth
// interior levels above the leaves, and counters.
type Bank struct {
	Root      *Node
	Depth     int
	N         int
	Transfers int64
	Last      time.Time
}

// New returns a bank of n accounts holding initial each.
func New(n int, initial int64) Bank {
	if n <= 0 {
		return Bank{}
	}
	var level []*Node
	for i := 0; i < n; i += width {
		vals := make([]int64, min(width, n-i))
		for j := range vals {
			vals[j] = initial
		}
		level = append(level, &Node{Vals: vals})
	}
	depth := 0
	for len(level) > 1 {
		var up []*Node
		for i := 0; i < len(level); i += width {
			up = append(up, &Node{Kids: level[i:min(i+width, len(level))]})
		}
		level = up
		depth++
	}
	return Bank{Root: level[0], Depth: depth, N: n}
}

// Accounts returns the number of accounts.
func (b Bank) Accounts() int { return b.N }

// Balance returns an account's balance.
func (b Bank) Balance(id int) (int64, error) {
	if id < 0 || id >= b.N {
		return 0, fmt.Errorf("%w: %d", model.ErrNoAccount, id)
	}
	n := b.Root
	for s := uint(b.Depth * shift); s > 0; s -= shift {
		n = n.Kids[(id>>s)&mask]
	}
	return n.Vals[id&mask], nil
}

// Total returns the sum of all balances.
func (b Bank) Total() int64 {
	var walk func(n *Node) int64
	walk = func(n *Node) int64 {
		var t int64
		for _, v := range n.Vals {
			t += v
		}
		for _, k := range n.Kids {
			t += walk(k)
		}
		return t
	}
	if b.Root == nil {
		return 0
	}
	return walk(b.Root)
}

// Handle is the handler: the same rules and errors as model.Handle, on
// this tree. It copies the nodes on the paths to both accounts, once each.
func Handle(b Bank, t model.Transfer, at time.Time) (Bank, model.Receipt, error) {
	from, err := b.Balance(t.From)
	if err != nil {
		return b, model.Receipt{}, err
	}
	to, err := b.Balance(t.To)
	if err != nil {
		return b, model.Receipt{}, err
	}
	if t.Amount <= 0 {
		return b, model.Receipt{}, model.ErrAmount
	}
	if from < t.Amount {
		return b, model.Receipt{}, fmt.Errorf("%w: account %d has %d, transfer of %d", model.ErrInsufficient, t.From, from, t.Amount)
	}
	next := b
	next.Transfers++
	next.Last = at
	if t.From == t.To {
		return next, model.Receipt{FromBalance: from, ToBalance: to}, nil
	}
	from -= t.Amount
	to += t.Amount
	next.Root = set2(b.Root, uint(b.Depth*shift), t.From, from, t.To, to)
	return next, model.Receipt{FromBalance: from, ToBalance: to}, nil
}

// set2 returns a copy of n with account i set to vi and j to vj, sharing
// every node off the two paths.
func set2(n *Node, s uint, i int, vi int64, j int, vj int64) *Node {
	if s == 0 {
		c := cloneLeaf(n)
		c.Vals[i&mask], c.Vals[j&mask] = vi, vj
		return c
	}
	c := cloneInner(n)
	si, sj := (i>>s)&mask, (j>>s)&mask
	if si == sj {
		c.Kids[si] = set2(n.Kids[si], s-shift, i, vi, j, vj)
	} else {
		c.Kids[si] = set1(n.Kids[si], s-shift, i, vi)
		c.Kids[sj] = set1(n.Kids[sj], s-shift, j, vj)
	}
	return c
}

func set1(n *Node, s uint, i int, v int64) *Node {
	if s == 0 {
		c := cloneLeaf(n)
		c.Vals[i&mask] = v
		return c
	}
	c := cloneInner(n)
	k := (i >> s) & mask
	c.Kids[k] = set1(n.Kids[k], s-shift, i, v)
	return c
}

// A copied node and its array are one allocation: half the allocations
// of a transfer, and the array stays alive as long as the node.
type (
	leafAlloc struct {
		n    Node
		vals [width]int64
	}
	innerAlloc struct {
		n    Node
		kids [width]*Node
	}
)

func cloneLeaf(n *Node) *Node {
	a := new(leafAlloc)
	k := copy(a.vals[:], n.Vals)
	a.n.Vals = a.vals[:k:k]
	return &a.n
}

func cloneInner(n *Node) *Node {
	a := new(innerAlloc)
	k := copy(a.kids[:], n.Kids)
	a.n.Kids = a.kids[:k:k]
	return &a.n
}
