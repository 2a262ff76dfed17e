package model

import (
	"bytes"
	"encoding/gob"
	"errors"
	"math"
	"reflect"
	"testing"
	"time"
)

func TestApply(t *testing.T) {
	at := time.Unix(10, 0).UTC()
	b := New(Fanout, 100) // one full leaf: the next account starts a new one
	cases := []struct {
		name string
		e    Event
		want Receipt
		err  error
	}{
		{"deposit", Deposit{Account: 3, Amount: 50}, Receipt{Account: 3, Balance: 150}, nil},
		{"deposit to no account", Deposit{Account: Fanout, Amount: 1}, Receipt{}, ErrNoAccount},
		{"deposit of nothing", Deposit{Account: 1, Amount: 0}, Receipt{}, ErrAmount},
		{"open in a new chunk", OpenAccount{Initial: 7}, Receipt{Account: Fanout, Balance: 7}, nil},
		{"open in the last chunk", OpenAccount{Initial: 0}, Receipt{Account: Fanout + 1, Balance: 0}, nil},
		{"open negative", OpenAccount{Initial: -1}, Receipt{}, ErrAmount},
		{"transfer to a new account", Transfer{From: 3, To: Fanout + 1, Amount: 20}, Receipt{FromBalance: 130, ToBalance: 20}, nil},
		{"overflow", Deposit{Account: 0, Amount: math.MaxInt64}, Receipt{}, ErrAmount},
		{"nil", nil, Receipt{}, ErrAmount},
	}
	for _, c := range cases {
		snapshot := deepCopy(b)
		next, r, err := Apply(b, c.e, at)
		if !errors.Is(err, c.err) || r != c.want {
			t.Fatalf("%s: %+v, %v; want %+v, %v", c.name, r, err, c.want, c.err)
		}
		if !reflect.DeepEqual(b, snapshot) {
			t.Fatalf("%s: the old state was modified", c.name)
		}
		if err == nil {
			b = next
		}
	}
	if b.Accounts() != Fanout+2 || b.Deposits != 1 || b.Transfers != 1 || !b.Last.Equal(at) {
		t.Errorf("bank %d accounts, %d deposits, %d transfers, last %v", b.Accounts(), b.Deposits, b.Transfers, b.Last)
	}
	if want := int64(Fanout*100 + 50 + 7); b.Total() != want {
		t.Errorf("total %d, want %d", b.Total(), want)
	}
}

// Opening accounts from the same state twice, at every place in the tree
// (inside a leaf, at a new leaf, at a new root), must give two branches
// that share nothing the other changes.
func TestOpenAccountCopyOnWrite(t *testing.T) {
	for _, n := range []int{0, 1, Fanout - 1, Fanout, Fanout*Fanout - 1, Fanout * Fanout, Fanout*Fanout + 1} {
		b := New(n, 1)
		old := deepCopy(b)
		n1, r1, _ := Apply(b, OpenAccount{Initial: 5}, time.Time{})
		n2, r2, _ := Apply(b, OpenAccount{Initial: 9}, time.Time{})
		if !reflect.DeepEqual(b, old) {
			t.Fatalf("n=%d: the old state was modified", n)
		}
		if r1.Account != n || r2.Account != n {
			t.Fatalf("n=%d: opened accounts %d and %d", n, r1.Account, r2.Account)
		}
		if v, _ := n1.Balance(n); v != 5 {
			t.Errorf("n=%d: first branch: account %d holds %d, want 5", n, n, v)
		}
		if v, _ := n2.Balance(n); v != 9 {
			t.Errorf("n=%d: second branch: account %d holds %d, want 9", n, n, v)
		}
		if n1.Total() != int64(n)+5 || n2.Total() != int64(n)+9 {
			t.Errorf("n=%d: totals %d and %d", n, n1.Total(), n2.Total())
		}
	}
}

// Events go through gob as the interface the journal holds.
func TestEventsGob(t *testing.T) {
	in := []Event{Transfer{From: 1, To: 2, Amount: 3}, Deposit{Account: 4, Amount: 5}, OpenAccount{Initial: 6}}
	var buf bytes.Buffer
	enc, dec := gob.NewEncoder(&buf), gob.NewDecoder(&buf)
	for _, e := range in {
		if err := enc.Encode(&e); err != nil {
			t.Fatal(err)
		}
		var out Event
		if err := dec.Decode(&out); err != nil {
			t.Fatal(err)
		}
		if out != e {
			t.Errorf("decoded %#v, want %#v", out, e)
		}
	}
}

// deepCopy copies b and every node and leaf of its tree, so that
// reflect.DeepEqual with it tells whether an event wrote into b.
func deepCopy(b Bank) Bank {
	c := b
	c.Root = copyNode(b.Root)
	return c
}

func copyNode(n *Node) *Node {
	if n == nil {
		return nil
	}
	c := &Node{}
	for _, l := range n.Leaves {
		own := *l
		c.Leaves = append(c.Leaves, &own)
	}
	for _, k := range n.Kids {
		c.Kids = append(c.Kids, copyNode(k))
	}
	return c
}
