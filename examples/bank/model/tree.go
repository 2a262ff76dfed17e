package model

// Fanout is the number of balances in a leaf and of children in a node: a
// power of two, so that the digits of an account number are bit fields.
const Fanout = 1 << fanoutBits

const (
	fanoutBits = 4
	digitMask  = Fanout - 1
)

// Leaf holds the balances of Fanout consecutive accounts. It holds no
// pointer: the garbage collector never scans it, and copying it is a
// plain memory copy.
type Leaf [Fanout]int64

// Node is a node of the tree: at the lowest level (level 1) it holds
// leaves, above it nodes. A Node or Leaf reachable from a published Bank
// is never modified.
type Node struct {
	Kids   []*Node // levels 2 and up
	Leaves []*Leaf // level 1
}

// digit returns the index of the child on the path to account id in a
// node of the given level; level 0 is the index in the leaf.
func digit(id, level int) int { return id >> (fanoutBits * level) & digitMask }

// leaf returns the leaf holding account id, which must exist.
func (b Bank) leaf(id int) *Leaf {
	n := b.Root
	for level := b.Height; level > 1; level-- {
		n = n.Kids[digit(id, level)]
	}
	return n.Leaves[digit(id, 1)]
}

func (n *Node) total() int64 {
	var t int64
	for _, l := range n.Leaves {
		for _, v := range l {
			t += v
		}
	}
	for _, k := range n.Kids {
		t += k.total()
	}
	return t
}

// set returns a copy of n, a node of the given level, in which account id
// holds v, sharing every node and leaf off the path to id. n may be nil,
// and id may be the account just after the last one: the path is then
// made as it goes (OpenAccount).
func set(n *Node, level, id int, v int64) *Node {
	d := digit(id, level)
	c := clone(n, level, d+1)
	if level == 1 {
		l := cloneLeaf(c.Leaves[d])
		l[digit(id, 0)] = v
		c.Leaves[d] = l
	} else {
		c.Kids[d] = set(c.Kids[d], level-1, id, v)
	}
	return c
}

// set2 is set for two accounts, i and j, which must exist and differ:
// the part of their paths they share is copied once.
func set2(n *Node, level, i int, vi int64, j int, vj int64) *Node {
	c := clone(n, level, 0)
	di, dj := digit(i, level), digit(j, level)
	switch {
	case level == 1:
		li := cloneLeaf(c.Leaves[di])
		c.Leaves[di] = li
		lj := li
		if dj != di {
			lj = cloneLeaf(c.Leaves[dj])
			c.Leaves[dj] = lj
		}
		li[digit(i, 0)], lj[digit(j, 0)] = vi, vj
	case di == dj:
		c.Kids[di] = set2(c.Kids[di], level-1, i, vi, j, vj)
	default:
		c.Kids[di] = set(c.Kids[di], level-1, i, vi)
		c.Kids[dj] = set(c.Kids[dj], level-1, j, vj)
	}
	return c
}

// A copied node and the array of its children are one allocation: half
// the allocations per event. The array has room for Fanout children, so
// the copy can grow by one when an account is opened.
type (
	innerNode struct {
		n    Node
		kids [Fanout]*Node
	}
	lowestNode struct {
		n      Node
		leaves [Fanout]*Leaf
	}
)

// clone returns a copy of n (nil: an empty node) of the given level with
// at least length children; children it adds are nil until set.
func clone(n *Node, level, length int) *Node {
	var old Node
	if n != nil {
		old = *n
	}
	if level == 1 {
		a := new(lowestNode)
		k := max(copy(a.leaves[:], old.Leaves), length)
		a.n.Leaves = a.leaves[:k:k]
		return &a.n
	}
	a := new(innerNode)
	k := max(copy(a.kids[:], old.Kids), length)
	a.n.Kids = a.kids[:k:k]
	return &a.n
}

// cloneLeaf returns a copy of l (nil: a leaf of zeros).
func cloneLeaf(l *Leaf) *Leaf {
	c := new(Leaf)
	if l != nil {
		*c = *l
	}
	return c
}
