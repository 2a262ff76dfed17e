package storetest

import (
	"testing"

	"github.com/prevayler-go/prevayler/store"
)

func testLock(t *testing.T, h Harness) {
	if h.Takeover {
		t.Run("Takeover", func(t *testing.T) { testTakeover(t, h) })
	} else {
		t.Run("Exclusive", func(t *testing.T) {
			e := newEnv(t, h)
			a := e.locked()
			b := e.handle()
			wantErrorIs(t, "second handle's Lock", b.Lock(t.Context()), store.ErrLocked)
			// A refused Lock must not leave b able to write.
			if w, err := b.Create(t.Context(), ".tmp-b"); err == nil {
				w.Close()
				t.Fatal("Create on a handle whose Lock failed succeeded")
			}
			if err := a.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}
			if err := b.Lock(t.Context()); err != nil {
				t.Fatalf("Lock after the holder closed: %v", err)
			}
			wantErrorIs(t, "third handle's Lock", e.handle().Lock(t.Context()), store.ErrLocked)
		})
	}
	t.Run("ReleasedByClose", func(t *testing.T) {
		e := newEnv(t, h)
		for i := range 3 {
			s := e.locked()
			create(t, s, store.TempPrefix+string(rune('a'+i)), []byte("x"))
			if err := s.Close(); err != nil {
				t.Fatalf("Close %d: %v", i, err)
			}
		}
		if got := len(sizes(t, e.handle())); got != 3 {
			t.Fatalf("List after three lock holders: %d files, want 3", got)
		}
	})
	t.Run("RequiredForMutation", func(t *testing.T) {
		e := newEnv(t, h)
		create(t, e.locked(), store.Journal, []byte("j"))
		s := e.handle()
		if w, err := s.Create(t.Context(), store.TempPrefix+"x"); err == nil {
			w.Close()
			t.Fatal("Create before Lock succeeded")
		}
		if err := s.Rename(t.Context(), store.Journal, store.Backup); err == nil {
			t.Fatal("Rename before Lock succeeded")
		}
		if err := s.Remove(t.Context(), store.Journal); err == nil {
			t.Fatal("Remove before Lock succeeded")
		}
		// List and Open need no lock.
		if got := sizes(t, s); len(got) != 1 || got[store.Journal] != 1 {
			t.Fatalf("List before Lock = %v, want the journal of 1 byte", got)
		}
		wantContent(t, s, store.Journal, []byte("j"))
	})
}

// testTakeover checks fencing: after a second Lock, nothing the first
// holder does may change the journal.
func testTakeover(t *testing.T, h Harness) {
	e := newEnv(t, h)
	ctx := t.Context()
	a := e.locked()
	create(t, a, store.Journal, []byte("journal"))
	w, err := a.Create(ctx, store.TempPrefix+"a")
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	write(t, w, []byte("before"))
	syncWriter(t, w)

	b := e.locked()

	// Write may be buffered and only fail at Sync; but either way the
	// bytes must never reach the file.
	if _, err := w.Write([]byte("after")); err != nil {
		wantErrorIs(t, "fenced Write", err, store.ErrFenced)
	}
	wantErrorIs(t, "fenced Sync", w.Sync(ctx), store.ErrFenced)
	_, err = a.Create(ctx, store.TempPrefix+"a2")
	wantErrorIs(t, "fenced Create", err, store.ErrFenced)
	wantErrorIs(t, "fenced Rename", a.Rename(ctx, store.TempPrefix+"a", store.Journal), store.ErrFenced)
	wantErrorIs(t, "fenced Remove", a.Remove(ctx, store.Journal), store.ErrFenced)
	w.Close()
	a.Close()

	wantContent(t, b, store.Journal, []byte("journal"))
	wantContent(t, b, store.TempPrefix+"a", []byte("before"))
	if got := names(sizes(t, b)); len(got) != 2 {
		t.Fatalf("files after the fenced writer's attempts: %q, want the journal and %q", got, store.TempPrefix+"a")
	}
	// The new holder works normally.
	create(t, b, store.TempPrefix+"b", []byte("new"))
	if err := b.Rename(ctx, store.TempPrefix+"b", store.Journal); err != nil {
		t.Fatalf("Rename by the new holder: %v", err)
	}
	wantContent(t, e.handle(), store.Journal, []byte("new"))
}
