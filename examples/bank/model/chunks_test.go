package model

import (
	"bytes"
	"encoding/gob"
	"errors"
	"io"
	"reflect"
	"testing"
	"time"
)

// chunkStream is what the prevalent system does with chunks, by hand: one
// gob stream, one value per chunk.
type chunkStream struct {
	buf    bytes.Buffer
	enc    *gob.Encoder
	chunks int
}

func (s *chunkStream) put(v any) error {
	s.chunks++
	return s.enc.Encode(v)
}

func roundTripChunks(t *testing.T, b Bank) (Bank, int) {
	t.Helper()
	s := &chunkStream{}
	s.enc = gob.NewEncoder(&s.buf)
	if err := b.EncodeChunks(s.put); err != nil {
		t.Fatal(err)
	}
	dec := gob.NewDecoder(&s.buf)
	left := s.chunks
	get := func(v any) error {
		if left == 0 {
			return io.EOF
		}
		left--
		return dec.Decode(v)
	}
	var got Bank
	if err := got.DecodeChunks(get); err != nil {
		t.Fatal(err)
	}
	if left != 0 {
		t.Fatalf("%d chunks left unread", left)
	}
	return got, s.chunks
}

func TestChunks(t *testing.T) {
	for _, n := range []int{0, 1, Fanout, 257, 3000, leavesPerChunk*Fanout + 1} {
		b := New(n, 5)
		b, _, _ = Apply(b, OpenAccount{Initial: 7}, time.Unix(1, 0).UTC())
		b, _, _ = Apply(b, Transfer{From: 0, To: n, Amount: 5}, time.Unix(2, 0).UTC())
		b, _, _ = Apply(b, Deposit{Account: n, Amount: 3}, time.Unix(3, 0).UTC())
		got, chunks := roundTripChunks(t, b)
		want := make([]int64, n+1)
		for i := range want {
			want[i], _ = b.Balance(i)
		}
		checkTree(t, got, want)
		if got.Transfers != b.Transfers || got.Deposits != b.Deposits || !got.Last.Equal(b.Last) || got.Height != b.Height {
			t.Fatalf("n=%d: counters %+v, want %+v", n, got, b)
		}
		leaves := (n + 1 + Fanout - 1) / Fanout
		if wantChunks := 1 + (leaves+leavesPerChunk-1)/leavesPerChunk; chunks != wantChunks {
			t.Fatalf("n=%d: %d chunks, want %d", n, chunks, wantChunks)
		}
		// The rebuilt bank goes on as the original does.
		next, _, err := Handle(got, Transfer{From: n, To: 0, Amount: 1}, time.Unix(4, 0).UTC())
		if err != nil {
			t.Fatal(err)
		}
		orig, _, _ := Handle(b, Transfer{From: n, To: 0, Amount: 1}, time.Unix(4, 0).UTC())
		if !reflect.DeepEqual(balances(next), balances(orig)) {
			t.Fatalf("n=%d: the rebuilt bank diverges", n)
		}
	}
	var empty Bank
	got, _ := roundTripChunks(t, empty)
	if !reflect.DeepEqual(got, empty) {
		t.Fatalf("empty bank: %+v", got)
	}
}

func balances(b Bank) []int64 {
	out := make([]int64, b.Accounts())
	for i := range out {
		out[i], _ = b.Balance(i)
	}
	return out
}

func TestChunksRefuseInconsistentInput(t *testing.T) {
	leaves := func(k int) []Leaf { return make([]Leaf, k) }
	cases := []struct {
		name   string
		chunks []any
	}{
		{"too few leaves", []any{&chunkHeader{Height: 1, Count: 40}, ptr(leaves(2))}},
		{"too many leaves", []any{&chunkHeader{Height: 1, Count: 16}, ptr(leaves(2))}},
		{"wrong height", []any{&chunkHeader{Height: 2, Count: 16}, ptr(leaves(1))}},
		{"negative count", []any{&chunkHeader{Count: -1}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var buf bytes.Buffer
			enc := gob.NewEncoder(&buf)
			for _, v := range c.chunks {
				if err := enc.Encode(v); err != nil {
					t.Fatal(err)
				}
			}
			dec := gob.NewDecoder(&buf)
			left := len(c.chunks)
			get := func(v any) error {
				if left == 0 {
					return io.EOF
				}
				left--
				return dec.Decode(v)
			}
			var b Bank
			if err := b.DecodeChunks(get); !errors.Is(err, errChunks) {
				t.Fatalf("DecodeChunks: %v, want %v", err, errChunks)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }
