package storetest

import (
	"testing"
	"time"

	"github.com/prevayler-go/prevayler/store"
)

func testRename(t *testing.T, h Harness) {
	t.Run("WriterFollows", func(t *testing.T) {
		e := newEnv(t, h)
		s := e.locked()
		ctx := t.Context()
		tmp := store.TempPrefix + "follow"
		w, err := s.Create(ctx, tmp)
		if err != nil {
			t.Fatalf("Create: %v", err)
		}
		write(t, w, []byte("a"))
		syncWriter(t, w)
		if err := s.Rename(ctx, tmp, store.Journal); err != nil {
			t.Fatalf("Rename: %v", err)
		}
		write(t, w, []byte("b"))
		syncWriter(t, w)
		wantContent(t, e.handle(), store.Journal, []byte("ab"))
		if err := s.Rename(ctx, store.Journal, store.Backup); err != nil {
			t.Fatalf("second Rename: %v", err)
		}
		write(t, w, []byte("c"))
		if err := w.Close(); err != nil {
			t.Fatalf("Close writer: %v", err)
		}
		r := e.handle()
		wantContent(t, r, store.Backup, []byte("abc"))
		wantNotExist(t, r, tmp)
		wantNotExist(t, r, store.Journal)
	})
	t.Run("ReplacesTarget", func(t *testing.T) {
		e := newEnv(t, h)
		s := e.locked()
		create(t, s, store.Journal, []byte("old journal"))
		create(t, s, store.TempPrefix+"1", []byte("new"))
		if err := s.Rename(t.Context(), store.TempPrefix+"1", store.Journal); err != nil {
			t.Fatalf("Rename onto an existing file: %v", err)
		}
		r := e.handle()
		wantContent(t, r, store.Journal, []byte("new"))
		wantNotExist(t, r, store.TempPrefix+"1")
		if got := sizes(t, r); len(got) != 1 || got[store.Journal] != 3 {
			t.Fatalf("List after Rename = %v, want only the journal, 3 bytes", got)
		}
	})
	t.Run("ToArchive", func(t *testing.T) {
		e := newEnv(t, h)
		s := e.locked()
		// Two archives a nanosecond apart must be two files.
		at := time.Date(2024, 2, 29, 23, 59, 59, 123456789, time.UTC)
		a1, a2 := store.ArchiveName(at), store.ArchiveName(at.Add(1))
		create(t, s, store.Backup, []byte("one"))
		if err := s.Rename(t.Context(), store.Backup, a1); err != nil {
			t.Fatalf("Rename to %q: %v", a1, err)
		}
		create(t, s, store.Backup, []byte("two"))
		if err := s.Rename(t.Context(), store.Backup, a2); err != nil {
			t.Fatalf("Rename to %q: %v", a2, err)
		}
		r := e.handle()
		wantContent(t, r, a1, []byte("one"))
		wantContent(t, r, a2, []byte("two"))
		wantNotExist(t, r, store.Backup)
	})
}

func testRemove(t *testing.T, h Harness) {
	e := newEnv(t, h)
	s := e.locked()
	create(t, s, store.TempPrefix+"gone", []byte("data"))
	create(t, s, store.Journal, []byte("kept"))
	if err := s.Remove(t.Context(), store.TempPrefix+"gone"); err != nil {
		t.Fatalf("Remove: %v", err)
	}
	r := e.handle()
	wantNotExist(t, r, store.TempPrefix+"gone")
	if got := sizes(t, r); len(got) != 1 || got[store.Journal] != 4 {
		t.Fatalf("List after Remove = %v, want only the journal", got)
	}
	// The name is free again.
	create(t, s, store.TempPrefix+"gone", []byte("again"))
	wantContent(t, r, store.TempPrefix+"gone", []byte("again"))
}

func testNotExist(t *testing.T, h Harness) {
	e := newEnv(t, h)
	s := e.locked()
	ctx := t.Context()
	for _, name := range []string{store.Journal, store.Backup, store.TempPrefix + "none", store.ArchiveName(time.Unix(0, 0))} {
		wantNotExist(t, s, name)
		wantErrorIs(t, "Remove("+name+")", s.Remove(ctx, name), store.ErrNotExist)
		wantErrorIs(t, "Rename("+name+")", s.Rename(ctx, name, store.TempPrefix+"target"), store.ErrNotExist)
	}
	// A failed Rename creates nothing.
	if got := sizes(t, s); len(got) != 0 {
		t.Fatalf("List after failed calls = %v, want nothing", got)
	}
	wantNotExist(t, e.handle(), store.Journal)
}
