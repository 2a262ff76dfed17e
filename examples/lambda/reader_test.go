package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestReader runs the writer and two reader instances on a local journal
// (package integration follows an S3 journal, TestFollowS3): each
// reader answers every event the writer acknowledged before the
// invocation, although it never polled in between (it polls once an
// hour, as good as a frozen instance), refuses changes, and waits for an
// event it is asked for.
func TestReader(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "journal")
	w, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	readers := make([]*Reader, 2)
	for i := range readers {
		if readers[i], err = openReader(ctx, path, time.Hour); err != nil {
			t.Fatal(err)
		}
		defer readers[i].Close()
		readers[i].wait = 100 * time.Millisecond
	}
	var seq uint64
	for i, amount := range []int64{250, 5, 45} {
		got, err := w.Handle(ctx, Request{Op: "deposit", Account: 7, Amount: amount})
		if err != nil || got.Error != "" {
			t.Fatalf("deposit: %+v, %v", got, err)
		}
		seq = got.Seq
		r := readers[i%2]
		got, err = r.Handle(ctx, Request{Op: "balance", Account: 7})
		if err != nil || got.Seq != seq {
			t.Fatalf("reader %d after event %d: %+v, %v", i%2, seq, got, err)
		}
		if want := w.p.State(); got.Balance != must(want.Balance(7)) {
			t.Errorf("reader %d: balance %d, want %d", i%2, got.Balance, must(want.Balance(7)))
		}
	}
	if seq != 3 {
		t.Fatalf("the writer is at event %d, want 3", seq)
	}
	got, err := readers[0].Handle(ctx, Request{Op: "balance", Account: 7, Seq: seq})
	if err != nil || got.Balance != 1300 || got.Seq != 3 {
		t.Errorf("read of one's own write: %+v, %v; want 1300 after event 3", got, err)
	}
	got, err = readers[0].Handle(ctx, Request{Op: "balance", Account: 7, Seq: seq + 1})
	if err != nil || !strings.Contains(got.Error, "event 4 not visible yet") || got.Seq != 3 {
		t.Errorf("a wait for an event never journaled: %+v, %v", got, err)
	}
	for _, op := range []string{"deposit", "open", "transfer", ""} {
		got, err := readers[1].Handle(ctx, Request{Op: op, Account: 7, Amount: 1})
		if err != nil || !strings.Contains(got.Error, "only reads") {
			t.Errorf("op %q at a reader: %+v, %v; want a refusal", op, got, err)
		}
	}
	if got := w.p.Seq(); got != 3 {
		t.Errorf("the writer is at event %d after refused changes at the readers, want 3", got)
	}
	got, _ = readers[1].Handle(ctx, Request{Op: "balance", Account: 999})
	if got.Error != "no such account: 999" {
		t.Errorf("no such account: %+v", got)
	}
}

func must(v int64, err error) int64 {
	if err != nil {
		panic(err)
	}
	return v
}
