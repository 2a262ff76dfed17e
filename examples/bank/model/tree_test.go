package model

import (
	"bytes"
	"encoding/gob"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"
)

// TestMatchesSlice applies the same random events to the tree and to a
// plain slice of balances, from banks whose sizes sit on the tree's
// boundaries, and checks receipts, errors, every balance, the shape of the
// tree, and that no event wrote into the state it was given.
func TestMatchesSlice(t *testing.T) {
	for _, n := range []int{0, 1, Fanout - 1, Fanout, Fanout + 1, Fanout*Fanout - 1, Fanout * Fanout, Fanout*Fanout + 1, 5000} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			b := New(n, 100)
			want := make([]int64, n)
			for i := range want {
				want[i] = 100
			}
			rng := rand.New(rand.NewPCG(3, uint64(n)))
			for step := range 600 {
				e := randomEvent(rng, len(want))
				wantR, wantErr := applySlice(&want, e)
				old := deepCopy(b)
				next, r, err := Apply(b, e, time.Unix(int64(step), 0))
				if !reflect.DeepEqual(b, old) {
					t.Fatalf("step %d %#v: the old state was modified", step, e)
				}
				if r != wantR || (err == nil) != (wantErr == nil) || (err != nil && !errors.Is(err, wantErr)) {
					t.Fatalf("step %d %#v: %+v, %v; want %+v, %v", step, e, r, err, wantR, wantErr)
				}
				if err == nil {
					b = next
				}
			}
			checkTree(t, b, want)
		})
	}
}

func randomEvent(rng *rand.Rand, n int) Event {
	switch rng.IntN(10) {
	case 0, 1:
		return OpenAccount{Initial: rng.Int64N(50)}
	case 2:
		return Deposit{Account: rng.IntN(n + 2), Amount: rng.Int64N(50)}
	}
	return Transfer{From: rng.IntN(n + 1), To: rng.IntN(n + 1), Amount: rng.Int64N(150) - 5}
}

// applySlice is the reference: the bank's rules on a slice.
func applySlice(bal *[]int64, e Event) (Receipt, error) {
	s := *bal
	ok := func(id int) bool { return id >= 0 && id < len(s) }
	switch e := e.(type) {
	case OpenAccount:
		*bal = append(s, e.Initial)
		return Receipt{Account: len(s), Balance: e.Initial}, nil
	case Deposit:
		if !ok(e.Account) {
			return Receipt{}, ErrNoAccount
		}
		if e.Amount <= 0 {
			return Receipt{}, ErrAmount
		}
		s[e.Account] += e.Amount
		return Receipt{Account: e.Account, Balance: s[e.Account]}, nil
	case Transfer:
		switch {
		case !ok(e.From) || !ok(e.To):
			return Receipt{}, ErrNoAccount
		case e.Amount <= 0:
			return Receipt{}, ErrAmount
		case s[e.From] < e.Amount:
			return Receipt{}, ErrInsufficient
		}
		s[e.From] -= e.Amount
		s[e.To] += e.Amount
		return Receipt{FromBalance: s[e.From], ToBalance: s[e.To]}, nil
	}
	panic(fmt.Sprintf("unknown event %T", e))
}

// checkTree checks b's balances against want and the shape the package
// doc promises: leaves at level 1 only, no nil child, and no more levels
// than the accounts need.
func checkTree(t *testing.T, b Bank, want []int64) {
	t.Helper()
	if b.Accounts() != len(want) {
		t.Fatalf("%d accounts, want %d", b.Accounts(), len(want))
	}
	var total int64
	for id, w := range want {
		if got, err := b.Balance(id); err != nil || got != w {
			t.Fatalf("account %d: %d, %v; want %d", id, got, err, w)
		}
		total += w
	}
	if b.Total() != total {
		t.Fatalf("total %d, want %d", b.Total(), total)
	}
	if _, err := b.Balance(len(want)); !errors.Is(err, ErrNoAccount) {
		t.Fatalf("account %d past the end: %v", len(want), err)
	}
	if len(want) == 0 {
		if b.Root != nil || b.Height != 0 {
			t.Fatalf("empty bank with root %v, height %d", b.Root, b.Height)
		}
		return
	}
	if len(want) <= capacity(b.Height-1) || len(want) > capacity(b.Height) {
		t.Fatalf("height %d for %d accounts", b.Height, len(want))
	}
	var walk func(n *Node, level int)
	walk = func(n *Node, level int) {
		if n == nil {
			t.Fatalf("nil node at level %d", level)
		}
		if (level == 1) != (n.Kids == nil) || (level == 1) == (n.Leaves == nil) {
			t.Fatalf("node at level %d: %d kids, %d leaves", level, len(n.Kids), len(n.Leaves))
		}
		for _, l := range n.Leaves {
			if l == nil {
				t.Fatal("nil leaf")
			}
		}
		for _, k := range n.Kids {
			walk(k, level-1)
		}
	}
	walk(b.Root, b.Height)
}

// TestGob checks that the default codec of the prevalent system
// round-trips the tree, and the empty bank.
func TestGob(t *testing.T) {
	for _, n := range []int{0, 1, 3000} {
		b := New(n, 5)
		b, _, _ = Apply(b, OpenAccount{Initial: 7}, time.Unix(1, 0).UTC())
		b, _, _ = Apply(b, Transfer{From: 0, To: n, Amount: 5}, time.Unix(2, 0).UTC())
		var buf bytes.Buffer
		if err := gob.NewEncoder(&buf).Encode(b); err != nil {
			t.Fatal(err)
		}
		var got Bank
		if err := gob.NewDecoder(&buf).Decode(&got); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, b) {
			t.Fatalf("n=%d: decoded %+v, want %+v", n, got, b)
		}
	}
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(Bank{}); err != nil {
		t.Fatal(err)
	}
	var got Bank
	if err := gob.NewDecoder(&buf).Decode(&got); err != nil || got.Accounts() != 0 {
		t.Fatalf("empty bank: %+v, %v", got, err)
	}
}
