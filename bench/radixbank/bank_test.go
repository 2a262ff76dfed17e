package radixbank

import (
	"bytes"
	"encoding/gob"
	"errors"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/prevayler-go/prevayler/examples/bank/model"
)

// TestMatchesModel runs the same random transfers on this tree and on
// examples/bank/model, for sizes around the tree's boundaries, and checks
// that results, errors and every balance agree.
func TestMatchesModel(t *testing.T) {
	for _, n := range []int{1, 31, 32, 33, 1023, 1024, 1025, 10_000} {
		rb, mb := New(n, 100), model.New(n, 100)
		rng := rand.New(rand.NewPCG(7, uint64(n)))
		at := time.Unix(0, 0)
		for i := 0; i < 2000; i++ {
			tr := model.Transfer{From: rng.IntN(n + 1), To: rng.IntN(n), Amount: rng.Int64N(60) - 5}
			nr, rr, rerr := Handle(rb, tr, at)
			nm, rm, merr := model.Handle(mb, tr, at)
			if (rerr == nil) != (merr == nil) || rr != rm {
				t.Fatalf("n=%d %+v: radix %v %v, model %v %v", n, tr, rr, rerr, rm, merr)
			}
			for _, target := range []error{model.ErrNoAccount, model.ErrAmount, model.ErrInsufficient} {
				if errors.Is(rerr, target) != errors.Is(merr, target) {
					t.Fatalf("n=%d %+v: radix error %v, model error %v", n, tr, rerr, merr)
				}
			}
			rb, mb = nr, nm
		}
		if rb.Transfers != mb.Transfers || rb.Total() != int64(n)*100 || rb.Accounts() != n {
			t.Fatalf("n=%d: %d transfers (model %d), total %d", n, rb.Transfers, mb.Transfers, rb.Total())
		}
		for id := 0; id < n; id++ {
			r, _ := rb.Balance(id)
			m, _ := mb.Balance(id)
			if r != m {
				t.Fatalf("n=%d account %d: radix %d, model %d", n, id, r, m)
			}
		}
	}
}

// TestImmutable checks that a transfer leaves the state it was given as it
// was: readers may hold it.
func TestImmutable(t *testing.T) {
	b := New(5000, 10)
	next, _, err := Handle(b, model.Transfer{From: 1, To: 4999, Amount: 3}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	for id, want := range map[int]int64{1: 10, 4999: 10} {
		if got, _ := b.Balance(id); got != want {
			t.Errorf("old state: account %d = %d, want %d", id, got, want)
		}
	}
	if got, _ := next.Balance(4999); got != 13 {
		t.Errorf("new state: account 4999 = %d, want 13", got)
	}
}

// TestGob checks that the default codec of the prevalent system
// round-trips the tree.
func TestGob(t *testing.T) {
	b := New(3000, 5)
	b, _, _ = Handle(b, model.Transfer{From: 0, To: 2999, Amount: 5}, time.Unix(1, 0).UTC())
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(b); err != nil {
		t.Fatal(err)
	}
	var got Bank
	if err := gob.NewDecoder(&buf).Decode(&got); err != nil {
		t.Fatal(err)
	}
	if got.N != 3000 || got.Depth != b.Depth || got.Total() != 15000 || !got.Last.Equal(b.Last) {
		t.Fatalf("decoded %d accounts, depth %d, total %d", got.N, got.Depth, got.Total())
	}
	if v, _ := got.Balance(2999); v != 10 {
		t.Fatalf("account 2999 = %d, want 10", v)
	}
}

func TestEmpty(t *testing.T) {
	b := New(0, 1)
	if b.Total() != 0 || b.Accounts() != 0 {
		t.Fatal("empty bank is not empty")
	}
	if _, err := b.Balance(0); !errors.Is(err, model.ErrNoAccount) {
		t.Fatalf("got %v, want ErrNoAccount", err)
	}
}

func BenchmarkHandle(b *testing.B) {
	for _, n := range []int{10_000, 1_000_000} {
		b.Run("radix/"+itoa(n), func(b *testing.B) {
			s := New(n, 1_000_000)
			for i := 0; b.Loop(); i++ {
				s, _, _ = Handle(s, model.Transfer{From: i * 7919 % n, To: i * 104729 % n, Amount: 1}, time.Time{})
			}
		})
		b.Run("model/"+itoa(n), func(b *testing.B) {
			s := model.New(n, 1_000_000)
			for i := 0; b.Loop(); i++ {
				s, _, _ = model.Handle(s, model.Transfer{From: i * 7919 % n, To: i * 104729 % n, Amount: 1}, time.Time{})
			}
		})
	}
}

func itoa(n int) string {
	switch n {
	case 10_000:
		return "10k"
	case 1_000_000:
		return "1M"
	}
	return "n"
}
