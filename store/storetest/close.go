package storetest

import (
	"errors"
	"testing"

	"github.com/prevayler-go/prevayler/store"
)

func testClose(t *testing.T, h Harness) {
	t.Run("Twice", func(t *testing.T) {
		s := newEnv(t, h).locked()
		w, err := s.Create(t.Context(), store.Journal)
		if err != nil {
			t.Fatalf("Create: %v", err)
		}
		write(t, w, []byte("x"))
		if err := w.Close(); err != nil {
			t.Fatalf("first writer Close: %v", err)
		}
		if err := w.Close(); err != nil && !errors.Is(err, store.ErrClosed) {
			t.Fatalf("second writer Close: %v, want nil or ErrClosed", err)
		}
		if err := s.Close(); err != nil {
			t.Fatalf("first Close: %v", err)
		}
		if err := s.Close(); err != nil && !errors.Is(err, store.ErrClosed) {
			t.Fatalf("second Close: %v, want nil or ErrClosed", err)
		}
	})
	t.Run("StoreErrClosed", func(t *testing.T) {
		for _, locked := range []bool{false, true} {
			e := newEnv(t, h)
			holder := e.locked()
			create(t, holder, store.Journal, []byte("x"))
			s := e.handle()
			if locked {
				// The handle that held the lock, not merely one that read.
				s = holder
			}
			if err := s.Close(); err != nil {
				t.Fatalf("Close (locked %v): %v", locked, err)
			}
			ctx := t.Context()
			wantErrorIs(t, "Lock after Close", s.Lock(ctx), store.ErrClosed)
			_, err := s.List(ctx)
			wantErrorIs(t, "List after Close", err, store.ErrClosed)
			_, err = s.Open(ctx, store.Journal)
			wantErrorIs(t, "Open after Close", err, store.ErrClosed)
			_, err = s.Create(ctx, store.TempPrefix+"x")
			wantErrorIs(t, "Create after Close", err, store.ErrClosed)
			wantErrorIs(t, "Rename after Close", s.Rename(ctx, store.Journal, store.Backup), store.ErrClosed)
			wantErrorIs(t, "Remove after Close", s.Remove(ctx, store.Journal), store.ErrClosed)
			wantContent(t, e.handle(), store.Journal, []byte("x"))
		}
	})
	t.Run("WriterErrClosed", func(t *testing.T) {
		s := newEnv(t, h).locked()
		w, err := s.Create(t.Context(), store.Journal)
		if err != nil {
			t.Fatalf("Create: %v", err)
		}
		if err := w.Close(); err != nil {
			t.Fatalf("Close writer: %v", err)
		}
		_, err = w.Write([]byte("late"))
		wantErrorIs(t, "Write after Close", err, store.ErrClosed)
		wantErrorIs(t, "Sync after Close", w.Sync(t.Context()), store.ErrClosed)
		wantContent(t, s, store.Journal, nil)
	})
}
