package s3store_test

import (
	"testing"
	"time"

	"github.com/prevayler-go/prevayler/internal/s3test"
	"github.com/prevayler-go/prevayler/s3store"
	"github.com/prevayler-go/prevayler/store"
)

// TestRequestsByKind checks that Store.Requests counts each kind of
// request where the store makes it: a Sync is one PUT carrying the bytes
// written, a listing LISTs, a read GETs, and an idle writer makes none.
func TestRequestsByKind(t *testing.T) {
	client, bucket, _ := s3test.Server(t)
	ctx := t.Context()
	o := options(bucket, s3test.Key(t, client, bucket))
	o.SleepTime = 20 * time.Millisecond
	s := s3store.New(client, o)
	defer s.Close()
	if err := s.Lock(ctx); err != nil {
		t.Fatal(err)
	}
	w, err := s.Create(ctx, store.Journal)
	if err != nil {
		t.Fatal(err)
	}

	before := s.Requests()
	if _, err := w.Write([]byte("twelve bytes")); err != nil {
		t.Fatal(err)
	}
	if err := w.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if got := s.Requests().Sub(before); got != (store.Requests{Puts: 1, BytesUp: 12}) {
		t.Errorf("Write and Sync made %+v, want one PUT of 12 bytes", got)
	}

	before = s.Requests()
	time.Sleep(10 * o.SleepTime)
	if got := s.Requests().Sub(before); got.Total() != 0 {
		t.Errorf("an idle writer made %+v", got)
	}

	before = s.Requests()
	if _, err := s.List(ctx); err != nil {
		t.Fatal(err)
	}
	if got := s.Requests().Sub(before); got.Lists == 0 || got.Puts+got.Deletes != 0 {
		t.Errorf("List made %+v, want LISTs and nothing written", got)
	}

	before = s.Requests()
	if got := mustRead(t, s, store.Journal); got != "twelve bytes" {
		t.Fatalf("read %q", got)
	}
	if got := s.Requests().Sub(before); got.Gets == 0 || got.BytesDown < 12 || got.Puts+got.Deletes != 0 {
		t.Errorf("reading the journal made %+v, want GETs of at least 12 bytes and nothing written", got)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}
