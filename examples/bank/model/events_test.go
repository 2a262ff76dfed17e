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
	b := New(ChunkSize, 100) // one full chunk: the next account starts a new one
	cases := []struct {
		name string
		e    Event
		want Receipt
		err  error
	}{
		{"deposit", Deposit{Account: 3, Amount: 50}, Receipt{Account: 3, Balance: 150}, nil},
		{"deposit to no account", Deposit{Account: ChunkSize, Amount: 1}, Receipt{}, ErrNoAccount},
		{"deposit of nothing", Deposit{Account: 1, Amount: 0}, Receipt{}, ErrAmount},
		{"open in a new chunk", OpenAccount{Initial: 7}, Receipt{Account: ChunkSize, Balance: 7}, nil},
		{"open in the last chunk", OpenAccount{Initial: 0}, Receipt{Account: ChunkSize + 1, Balance: 0}, nil},
		{"open negative", OpenAccount{Initial: -1}, Receipt{}, ErrAmount},
		{"transfer to a new account", Transfer{From: 3, To: ChunkSize + 1, Amount: 20}, Receipt{FromBalance: 130, ToBalance: 20}, nil},
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
	if b.Accounts() != ChunkSize+2 || b.Deposits != 1 || b.Transfers != 1 || !b.Last.Equal(at) {
		t.Errorf("bank %d accounts, %d deposits, %d transfers, last %v", b.Accounts(), b.Deposits, b.Transfers, b.Last)
	}
	if want := int64(ChunkSize*100 + 50 + 7); b.Total() != want {
		t.Errorf("total %d, want %d", b.Total(), want)
	}
}

// Opening accounts one after another must never write into a chunk a
// previous state holds, even when that chunk's array has spare room.
func TestOpenAccountCopyOnWrite(t *testing.T) {
	b := New(3, 1)
	b.Chunks[0] = append(make([]int64, 0, ChunkSize), b.Chunks[0]...) // spare capacity
	old := deepCopy(b)
	n1, _, _ := Apply(b, OpenAccount{Initial: 5}, time.Time{})
	n2, _, _ := Apply(b, OpenAccount{Initial: 9}, time.Time{})
	if !reflect.DeepEqual(b, old) {
		t.Fatal("the old state was modified")
	}
	if v, _ := n1.Balance(3); v != 5 {
		t.Errorf("first branch: account 3 holds %d, want 5", v)
	}
	if v, _ := n2.Balance(3); v != 9 {
		t.Errorf("second branch: account 3 holds %d, want 9", v)
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

func deepCopy(b Bank) Bank {
	c := b
	c.Chunks = make([][]int64, len(b.Chunks))
	for i, ch := range b.Chunks {
		c.Chunks[i] = append([]int64(nil), ch...)
	}
	return c
}
