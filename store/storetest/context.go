package storetest

import (
	"context"
	"testing"

	"github.com/prevayler-go/prevayler/store"
)

// testCanceled checks that a call with a canceled context does nothing
// and says so.
func testCanceled(t *testing.T, h Harness) {
	e := newEnv(t, h)
	ctx := canceled(t)
	u := e.handle()
	wantErrorIs(t, "Lock", u.Lock(ctx), context.Canceled)
	s := e.locked()
	create(t, s, store.Journal, []byte("j"))
	_, err := s.List(ctx)
	wantErrorIs(t, "List", err, context.Canceled)
	_, err = s.Open(ctx, store.Journal)
	wantErrorIs(t, "Open", err, context.Canceled)
	_, err = s.Create(ctx, store.TempPrefix+"c")
	wantErrorIs(t, "Create", err, context.Canceled)
	wantErrorIs(t, "Rename", s.Rename(ctx, store.Journal, store.Backup), context.Canceled)
	wantErrorIs(t, "Remove", s.Remove(ctx, store.Journal), context.Canceled)
	if got := names(sizes(t, s)); len(got) != 1 || got[0] != store.Journal {
		t.Fatalf("files after canceled calls: %q, want only the journal", got)
	}
	wantContent(t, s, store.Journal, []byte("j"))
}
