package prevayler_test

import (
	"context"
	"errors"
	"testing"

	"github.com/prevayler-go/prevayler"
)

// A closed transient system refuses Sync and Snapshot with ErrClosed, as a
// persistent one does.
func TestTransientAfterClose(t *testing.T) {
	p := prevayler.NewTransient(record, ledger{})
	p.Close()
	if err := p.Sync(context.Background()); !errors.Is(err, prevayler.ErrClosed) {
		t.Fatalf("Sync: %v", err)
	}
	if err := p.Snapshot(context.Background()); !errors.Is(err, prevayler.ErrClosed) {
		t.Fatalf("Snapshot: %v", err)
	}
}
