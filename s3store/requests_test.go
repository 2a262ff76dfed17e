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

// TestStartupListsOnce: a writer taking over a journal whose writer
// stopped without closing it (an unsealed generation) lists the
// generation while fencing it in Lock, and neither the List nor the
// Open of start-up lists it again (they did: three LISTs where one, of
// the file names, is needed). A second Open lists: the cover Lock
// listed is used once. A generation its writer closed (sealed) is not
// listed by List either, only by the Open that reads it.
func TestStartupListsOnce(t *testing.T) {
	for _, closed := range []bool{false, true} {
		t.Run(map[bool]string{false: "crashed writer", true: "closed writer"}[closed], func(t *testing.T) {
			testStartupListsOnce(t, closed)
		})
	}
}

func testStartupListsOnce(t *testing.T, closed bool) {
	client, bucket, _ := s3test.Server(t)
	ctx := t.Context()
	o := options(bucket, s3test.Key(t, client, bucket))
	o.SleepTime = time.Hour
	first := s3store.New(client, o)
	if err := first.Lock(ctx); err != nil {
		t.Fatal(err)
	}
	w, err := first.Create(ctx, store.Journal)
	if err != nil {
		t.Fatal(err)
	}
	for _, rec := range []string{"one ", "two ", "three"} {
		if _, err := w.Write([]byte(rec)); err != nil {
			t.Fatal(err)
		}
		if err := w.Sync(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if closed {
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		if err := first.Close(); err != nil {
			t.Fatal(err)
		}
	}
	// Otherwise the first writer stops here, as in a crash.

	s := s3store.New(client, o)
	defer s.Close()
	before := s.Requests()
	if err := s.Lock(ctx); err != nil {
		t.Fatal(err)
	}
	if got := s.Requests().Sub(before); got.Lists == 0 && !closed {
		t.Errorf("Lock made %+v, want it to list the generation it fences", got)
	}
	before = s.Requests()
	files, err := s.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 1 || files[0].Size != int64(len("one two three")) {
		t.Errorf("List gives %+v, want the journal of 13 bytes", files)
	}
	if got := mustRead(t, s, store.Journal); got != "one two three" {
		t.Fatalf("read %q", got)
	}
	// The file names; and, for a generation Lock did not list, the
	// Open's listing of its objects.
	want := uint64(1)
	if closed {
		want = 2
	}
	if got := s.Requests().Sub(before); got.Lists != want {
		t.Errorf("List and Open after Lock made %d LISTs, want %d", got.Lists, want)
	}
	before = s.Requests()
	if got := mustRead(t, s, store.Journal); got != "one two three" {
		t.Fatalf("read again %q", got)
	}
	if got := s.Requests().Sub(before); got.Lists == 0 {
		t.Errorf("a second Open made no LIST: it must not read a cover twice")
	}
}

// TestLockKeepsSeal: a Lock rewrites the markers with its epoch and keeps
// their seal, so that the Lock after it need not list a complete
// generation to end it. It dropped the seal: every second takeover
// listed the journal's generation again.
func TestLockKeepsSeal(t *testing.T) {
	client, bucket, _ := s3test.Server(t)
	ctx := t.Context()
	o := options(bucket, s3test.Key(t, client, bucket))
	o.SleepTime = time.Hour
	first := s3store.New(client, o)
	if err := first.Lock(ctx); err != nil {
		t.Fatal(err)
	}
	w, err := first.Create(ctx, store.Journal)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write([]byte("sealed")); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		s := s3store.New(client, o)
		before := s.Requests()
		if err := s.Lock(ctx); err != nil {
			t.Fatal(err)
		}
		if got := s.Requests().Sub(before); got.Lists != 1 {
			t.Errorf("Lock %d after the sealing Close made %d LISTs, want 1 (the file names)", i+1, got.Lists)
		}
		if got := mustRead(t, s, store.Journal); got != "sealed" {
			t.Errorf("Lock %d: the journal reads %q", i+1, got)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
}
