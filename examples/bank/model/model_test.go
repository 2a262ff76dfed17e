package model

import (
	"errors"
	"fmt"
	"testing"
	"time"
)

func TestTransfer(t *testing.T) {
	b := New(200, 100)
	if b.Accounts() != 200 || b.Total() != 20000 {
		t.Fatalf("new bank: %d accounts, total %d", b.Accounts(), b.Total())
	}
	cases := []struct {
		name string
		tr   Transfer
		err  error
	}{
		{"same chunk", Transfer{From: 1, To: 2, Amount: 30}, nil},
		{"across chunks", Transfer{From: 2, To: 150, Amount: 130}, nil},
		{"to itself", Transfer{From: 5, To: 5, Amount: 10}, nil},
		{"insufficient", Transfer{From: 1, To: 2, Amount: 71}, ErrInsufficient},
		{"no account", Transfer{From: 1, To: 200, Amount: 1}, ErrNoAccount},
		{"negative", Transfer{From: 1, To: 2, Amount: -1}, ErrAmount},
	}
	for _, c := range cases {
		before := b
		beforeTotal := b.Total()
		next, _, err := Handle(b, c.tr, time.Unix(1, 0))
		if !errors.Is(err, c.err) {
			t.Fatalf("%s: %v, want %v", c.name, err, c.err)
		}
		if before.Total() != beforeTotal {
			t.Fatalf("%s: the old state was modified", c.name)
		}
		if next.Total() != 20000 {
			t.Fatalf("%s: total %d", c.name, next.Total())
		}
		if err == nil {
			b = next
		}
	}
	if v, _ := b.Balance(150); v != 230 {
		t.Fatalf("balance of 150: %d", v)
	}
	if b.Transfers != 3 {
		t.Fatalf("transfers %d", b.Transfers)
	}
}

// BenchmarkHandle measures one transfer between two distant accounts, and
// what it allocates: the nodes and leaves on the two paths.
func BenchmarkHandle(b *testing.B) {
	for _, n := range []int{10_000, 1_000_000} {
		b.Run(fmt.Sprintf("accounts=%d", n), func(b *testing.B) {
			s := New(n, 1_000_000)
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				from := i * 7919 % n
				s, _, _ = Handle(s, Transfer{From: from, To: (from + 1 + i*104729%(n-1)) % n, Amount: 1}, time.Time{})
			}
		})
	}
}
